using System;
using System.IO;
using RnnGen;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>The optimizers and clipping against values computed independently, and their state's save/load.</summary>
public sealed class OptimizerTests
{
    private static readonly double[][] s_sgdGradients = [[0.5, -1.0, 2.0], [0.1, 0.3, -0.4], [-0.2, 0.0, 1.0]];
    private static readonly double[][] s_adamGradients = [[0.1, -0.2], [-0.3, 0.4], [0.05, 0.0]];

    /// <summary>
    /// Expected values computed with plain Python 3 floats (no torch on this machine), following torch.optim.SGD:
    /// g' = g + 0.01·θ; v = g' on step 1, else 0.9·v + g'; θ = θ - 0.1·v.
    /// </summary>
    [Fact]
    public void SgdWithMomentumAndWeightDecayMatchesHandComputedSteps()
    {
        double[] parameters = [1.0, -2.0, 0.5];
        var optimizer = new SgdOptimizer<double>(3, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01);
        double[][] expectedParameters =
        [
            [0.949, -1.898, 0.2995],
            [0.8921509999999999, -1.8343019999999999, 0.1587505],
            [0.8600947489999999, -1.775139498, -0.06808280050000004],
        ];
        double[][] expectedMomentum =
        [
            [0.51, -1.02, 2.005],
            [0.56849, -0.6369800000000001, 1.407495],
            [0.32056251, -0.5916250200000001, 2.268333005],
        ];

        for (int step = 0; step < 3; step++)
        {
            optimizer.Step(parameters, s_sgdGradients[step]);
            AssertClose(expectedParameters[step], parameters);
            AssertClose(expectedMomentum[step], optimizer.MomentumBuffer.ToArray());
        }

        Assert.Equal(3, optimizer.StepCount);
    }

    [Fact]
    public void SgdWithoutMomentumIsPlainGradientDescent()
    {
        double[] parameters = [1.0, -2.0];
        var optimizer = new SgdOptimizer<double>(2, learningRate: 0.5);
        optimizer.Step(parameters, [0.25, -1.0]);
        optimizer.Step(parameters, [0.5, 0.5]);
        Assert.Equal([1.0 - 0.125 - 0.25, -2.0 + 0.5 - 0.25], parameters);
        Assert.True(optimizer.MomentumBuffer.IsEmpty);
    }

    /// <summary>
    /// Expected values computed with plain Python 3 floats (no torch on this machine) from the textbook form with
    /// PyTorch's defaults lr = 1e-3, β = (0.9, 0.999), ε = 1e-8: m̂ = m / (1-β1^t), v̂ = v / (1-β2^t), θ -= lr·m̂ / (sqrt(v̂) + ε).
    /// </summary>
    [Fact]
    public void AdamWithDefaultsMatchesHandComputedSteps()
    {
        double[] parameters = [0.5, -1.5];
        var optimizer = new AdamOptimizer<double>(2);
        double[][] expectedParameters =
        [
            [0.4990000001, -1.49900000005],
            [0.49949418991120065, -1.4993661035654602],
            [0.49977168808992306, -1.4996491026419794],
        ];
        double[][] expectedFirstMoment =
        [
            [0.009999999999999998, -0.019999999999999997],
            [-0.02099999999999999, 0.021999999999999995],
            [-0.013899999999999994, 0.019799999999999995],
        ];
        double[][] expectedSecondMoment =
        [
            [1.0000000000000011e-05, 4.0000000000000044e-05],
            [9.999000000000008e-05, 0.00019996000000000022],
            [0.00010239001000000008, 0.00019976004000000022],
        ];

        for (int step = 0; step < 3; step++)
        {
            optimizer.Step(parameters, s_adamGradients[step]);
            AssertClose(expectedParameters[step], parameters);
            AssertClose(expectedFirstMoment[step], optimizer.FirstMoment.ToArray());
            AssertClose(expectedSecondMoment[step], optimizer.SecondMoment.ToArray());
        }

        Assert.Equal(3, optimizer.StepCount);
    }

    [Fact]
    public void AdamInFloatTracksTheDoubleResult()
    {
        float[] parameters = [0.5f, -1.5f];
        var optimizer = new AdamOptimizer<float>(2);
        foreach (double[] gradients in s_adamGradients)
        {
            optimizer.Step(parameters, Array.ConvertAll(gradients, g => (float)g));
        }

        Assert.Equal(0.49977168808992306, parameters[0], 6);
        Assert.Equal(-1.4996491026419794, parameters[1], 6);
    }

    [Fact]
    public void StepRejectsSpansOfTheWrongLength()
    {
        var optimizer = new AdamOptimizer<double>(3);
        Assert.Contains("2", Assert.Throws<ArgumentException>(() => optimizer.Step(new double[2], new double[3])).Message);
        Assert.Throws<ArgumentException>(() => optimizer.Step(new double[3], new double[4]));
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void InvalidHyperparametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer<double>(3, beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer<double>(3, learningRate: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer<float>(3, learningRate: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer<float>(-1, learningRate: 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer<double>(3, weightDecay: -0.1));
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new SgdOptimizer<float>(3, learningRate: 0.1, nesterov: true)).ParamName);
    }

    /// <summary>A schedule sets lr through the interface; a negative or NaN rate is refused and the old one kept.</summary>
    [Fact]
    public void LearningRateIsSetThroughTheInterfaceAndValidated()
    {
        IOptimizer<double>[] optimizers = [new SgdOptimizer<double>(2, learningRate: 0.1), new AdamOptimizer<double>(2), AdamOptimizer<double>.AdamW(2)];
        foreach (IOptimizer<double> optimizer in optimizers)
        {
            optimizer.LearningRate = 0.25;
            Assert.Equal(0.25, optimizer.LearningRate);
            Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = -1).ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = double.NaN);
            Assert.Equal(0.25, optimizer.LearningRate);
        }
    }

    /// <summary>lr = 0 with AdamW's defaults: θ *= 1 - 0·λ and the step is 0, so nothing moves (a decay applied regardless of lr would).</summary>
    [Fact]
    public void AdamWScalesItsDecayByTheLearningRate()
    {
        var optimizer = AdamOptimizer<double>.AdamW(2, learningRate: 0);
        double[] parameters = [0.5, -1.5];
        optimizer.Step(parameters, s_adamGradients[0]);
        Assert.Equal([0.5, -1.5], parameters);
        Assert.True(optimizer.DecoupledWeightDecay);
        Assert.Equal(0.01, optimizer.WeightDecay);
    }

    /// <summary>‖(3, 4, 0, 12)‖ = 13 by hand; clipped to 5 each value is scaled by 5 / (13 + 1e-6), as PyTorch does.</summary>
    [Fact]
    public void ClipByGlobalNormScalesDownToTheLimitAndReturnsTheOriginalNorm()
    {
        double[] gradients = [3.0, 4.0, 0.0, 12.0];
        double norm = GradientClipping.ClipByGlobalNorm<double>(gradients, 5.0);

        Assert.Equal(13.0, norm);
        double scale = 5.0 / (13.0 + 1e-6);
        Assert.Equal([3.0 * scale, 4.0 * scale, 0.0, 12.0 * scale], gradients);
        Assert.Equal(5.0, Math.Sqrt((gradients[0] * gradients[0]) + (gradients[1] * gradients[1]) + (gradients[3] * gradients[3])), 5);
    }

    /// <summary>
    /// Squares that overflow their type: float gradients (3e19, 4e19) have the norm 5e19 (their squares pass float's 3.4e38),
    /// double ones (3e200, 4e200) 5e200; both are scaled to the limit, where the float sum of squares made the norm ∞ and
    /// every gradient 0. A float norm beyond float.MaxValue still scales its gradients to the limit.
    /// </summary>
    [Fact]
    public void ClipByGlobalNormSurvivesSquaresBeyondTheType()
    {
        float[] floats = [3e19f, 4e19f];
        Assert.Equal(5e19f, GradientClipping.ClipByGlobalNorm<float>(floats, 1f), 1e13f);
        Assert.Equal(0.6f, floats[0], 6);
        Assert.Equal(0.8f, floats[1], 6);

        double[] doubles = [3e200, 4e200];
        Assert.Equal(5e200, GradientClipping.ClipByGlobalNorm<double>(doubles, 1.0), 1e186);
        Assert.Equal(0.6, doubles[0], 12);
        Assert.Equal(0.8, doubles[1], 12);

        float[] huge = [3e38f, 3e38f, 3e38f];
        Assert.Equal(float.PositiveInfinity, GradientClipping.ClipByGlobalNorm<float>(huge, 2f));
        Assert.All(huge, value => Assert.Equal(2f / MathF.Sqrt(3f), value, 5));
    }

    [Fact]
    public void ClipByGlobalNormLeavesSmallGradientsAlone()
    {
        float[] gradients = [0.3f, -0.4f];
        Assert.Equal(0.5f, GradientClipping.ClipByGlobalNorm<float>(gradients, 1f), 6);
        Assert.Equal([0.3f, -0.4f], gradients);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm<float>(gradients, 0f));
    }

    [Fact]
    public void AdamStateRoundTripsThroughSafeTensors()
    {
        var saved = new AdamOptimizer<double>(2);
        double[] parameters = [0.5, -1.5];
        saved.Step(parameters, s_adamGradients[0]);
        saved.Step(parameters, s_adamGradients[1]);

        var loaded = new AdamOptimizer<double>(2);
        using (SafeTensorsReader reader = Write(saved.SaveState))
        {
            Assert.Equal("2", reader.Metadata["optimizer.adam.step"]);
            loaded.LoadState(reader);
        }

        Assert.Equal(2, loaded.StepCount);
        Assert.Equal(saved.FirstMoment.ToArray(), loaded.FirstMoment.ToArray());
        Assert.Equal(saved.SecondMoment.ToArray(), loaded.SecondMoment.ToArray());

        // Resumed, both take the same third step.
        double[] resumedParameters = (double[])parameters.Clone();
        saved.Step(parameters, s_adamGradients[2]);
        loaded.Step(resumedParameters, s_adamGradients[2]);
        Assert.Equal(parameters, resumedParameters);
    }

    /// <summary>AMSGrad's running maximum is part of the state: without it a resumed run would divide by v instead of max(v).</summary>
    [Fact]
    public void AmsgradStateRoundTripsThroughSafeTensors()
    {
        var saved = new AdamOptimizer<double>(2, amsgrad: true);
        double[] parameters = [0.5, -1.5];
        saved.Step(parameters, s_adamGradients[1]);
        saved.Step(parameters, s_adamGradients[2]);
        Assert.NotEqual(saved.SecondMoment.ToArray(), saved.MaxSecondMoment.ToArray()); // the max is not v after a smaller gradient

        var loaded = new AdamOptimizer<double>(2, amsgrad: true);
        using (SafeTensorsReader reader = Write(saved.SaveState))
        {
            loaded.LoadState(reader);
        }

        Assert.Equal(saved.MaxSecondMoment.ToArray(), loaded.MaxSecondMoment.ToArray());
        double[] resumedParameters = (double[])parameters.Clone();
        saved.Step(parameters, s_adamGradients[0]);
        loaded.Step(resumedParameters, s_adamGradients[0]);
        Assert.Equal(parameters, resumedParameters);

        // A state saved without AMSGrad has no maximum to give an AMSGrad optimizer: the missing entry is named.
        using SafeTensorsReader plain = Write(new AdamOptimizer<double>(2).SaveState);
        Assert.Contains("optimizer.adam.max_v", Assert.Throws<SafeTensorsException>(() => new AdamOptimizer<double>(2, amsgrad: true).LoadState(plain)).Message);
    }

    [Fact]
    public void SgdMomentumStateRoundTripsThroughSafeTensors()
    {
        var saved = new SgdOptimizer<float>(3, learningRate: 0.1, momentum: 0.9);
        saved.Step(new float[3], [1f, 2f, 3f]);
        var loaded = new SgdOptimizer<float>(3, learningRate: 0.1, momentum: 0.9);
        using (SafeTensorsReader reader = Write(saved.SaveState))
        {
            loaded.LoadState(reader);
        }

        Assert.Equal(1, loaded.StepCount);
        Assert.Equal([1f, 2f, 3f], loaded.MomentumBuffer.ToArray());
    }

    [Fact]
    public void LoadingStateOfAnotherSizeThrowsNamingTheTensorAndBothSizesAndChangesNothing()
    {
        var small = new AdamOptimizer<double>(3);
        small.Step(new double[3], [1.0, 2.0, 3.0]);
        var large = new AdamOptimizer<double>(5);
        large.Step(new double[5], [1.0, 1.0, 1.0, 1.0, 1.0]);
        double[] firstMomentBefore = large.FirstMoment.ToArray();
        double[] secondMomentBefore = large.SecondMoment.ToArray();

        using SafeTensorsReader reader = Write(small.SaveState);
        var exception = Assert.Throws<SafeTensorsException>(() => large.LoadState(reader));

        Assert.Contains("'optimizer.adam.m'", exception.Message);
        Assert.Contains("[3]", exception.Message);
        Assert.Contains("[5]", exception.Message);
        Assert.Equal(1, large.StepCount);
        Assert.Equal(firstMomentBefore, large.FirstMoment.ToArray());
        Assert.Equal(secondMomentBefore, large.SecondMoment.ToArray());
    }

    [Fact]
    public void LoadingAnotherOptimizersStateThrowsNamingTheMissingEntry()
    {
        var adam = new AdamOptimizer<double>(2);
        using SafeTensorsReader reader = Write(adam.SaveState);
        var sgd = new SgdOptimizer<double>(2, learningRate: 0.1, momentum: 0.9);
        Assert.Contains("'optimizer.sgd.step'", Assert.Throws<SafeTensorsException>(() => sgd.LoadState(reader)).Message);
    }

    private static SafeTensorsReader Write(Action<SafeTensorsWriter> save)
    {
        var writer = new SafeTensorsWriter();
        save(writer);
        var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;
        return new SafeTensorsReader(stream);
    }

    /// <summary>Within a few ulps: the expected values were computed with the same formula in another language, possibly grouped differently.</summary>
    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-14 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
