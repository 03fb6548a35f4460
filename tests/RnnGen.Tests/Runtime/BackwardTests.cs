using System;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Backward against a hand-computed one-step case, and its behaviour on bad calls.</summary>
public sealed class BackwardTests
{
    /// <summary>
    /// I = H = O = 1, T = 1, a = tanh(wx + b), y = v a + c, E = (target - y)²: by hand, dE/dy = 2(y - target),
    /// dE/dv = dE/dy a, dE/dc = dE/dy, dE/dz = dE/dy v (1 - a²), dE/dw = dE/dz x, dE/db = dE/dz, dE/dx = dE/dz w, dE/da0 = dE/dz u.
    /// </summary>
    [Fact]
    public void OneStepMatchesHandComputation()
    {
        var model = new ScalarCell();
        double w = 0.7, u = -0.4, b = 0.2, v = 1.5, c = -0.1, x = 0.9, a0 = 0.3, target = 0.5;
        model.Parameters[0] = w;
        model.Parameters[1] = u;
        model.Parameters[2] = b;
        model.Parameters[3] = v;
        model.Parameters[4] = c;
        var prediction = new double[1];
        model.Forward([x], [a0], prediction);
        var inputGradient = new double[1];
        var stateGradient = new double[1];
        double loss = model.Backward([target], inputGradient, stateGradient);

        double a = Math.Tanh((w * x) + (u * a0) + b), y = (v * a) + c, dy = 2 * (y - target), dz = dy * v * (1 - (a * a));
        Assert.Equal((target - y) * (target - y), loss, 14);
        Assert.Equal(dz * x, model.Gradients[0], 14);
        Assert.Equal(dz * a0, model.Gradients[1], 14);
        Assert.Equal(dz, model.Gradients[2], 14);
        Assert.Equal(dy * a, model.Gradients[3], 14);
        Assert.Equal(dy, model.Gradients[4], 14);
        Assert.Equal(dz * w, inputGradient[0], 14);
        Assert.Equal(dz * u, stateGradient[0], 14);
    }

    [Fact]
    public void GradientsAccumulateUntilZeroed()
    {
        var model = new SmallTagger();
        model.InitializeParameters(new Random(2));
        float[] inputs = [0.5f, -0.2f, 0.1f, 0.3f, 0.3f, -0.7f];
        float[] targets = [1, 0, 0, 1];
        model.Forward(inputs, new float[4]);
        model.Backward(targets);
        float[] once = model.Gradients.ToArray();
        model.Backward(targets);
        float[] twice = model.Gradients.ToArray();
        for (int i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], twice[i], 1e-6f); // summed step by step, so not bit-identical to doubling
        }
        model.ZeroGradients();
        Assert.All(model.Gradients.ToArray(), g => Assert.Equal(0, g));
    }

    [Fact]
    public void CrossEntropyLossStaysFiniteForHugeLogits()
    {
        var model = new SmallClassifier();
        model.InitializeParameters(new Random(3));
        // A head bias of 1e4 on class 0 makes softmax round to exactly (1, 0, 0); the loss of class 2 must still be finite.
        model.Parameters[^3] = 1e4;
        var prediction = new double[3];
        model.Forward(new double[8], prediction);
        Assert.Equal(0.0, prediction[2]);
        double loss = model.Backward([0, 0, 1]);
        Assert.True(double.IsFinite(loss) && loss > 9_000, $"loss {loss}");
        Assert.All(model.Gradients.ToArray(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void BackwardBeforeForwardIsRejected()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SmallTagger().Backward(new float[2]));
        Assert.Contains("no Forward call has run yet", error.Message);
    }

    [Fact]
    public void WrongTargetsAndGradientSpansAreRejectedWithSizes()
    {
        var model = new SmallTagger();
        model.Forward(new float[6], new float[4]);
        var error = Assert.Throws<ArgumentException>(() => model.Backward(new float[3]));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("3 values; expected 4", error.Message);

        var inputGradients = new float[] { 9, 9, 9, 9, 9, 9 };
        error = Assert.Throws<ArgumentException>(() => model.Backward(new float[4], inputGradients, new float[3]));
        Assert.Equal("initialStateGradients", error.ParamName);
        Assert.All(inputGradients, g => Assert.Equal(9, g));
        error = Assert.Throws<ArgumentException>(() => model.Backward(new float[4], new float[5], default));
        Assert.Equal("inputGradients", error.ParamName);
        Assert.Contains("5 values; expected 6", error.Message);
    }
}
