using System;
using System.Linq;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The generated forward pass against hand-computed values, and its behaviour on bad arguments.</summary>
public sealed class ForwardTests
{
    /// <summary>H = I = O = 1: a1 = tanh(0.5*1 + 0.1) , a2 = tanh(0.5*(-2) + 0.8*a1 + 0.1), y = 2a + 0.3, all by hand.</summary>
    [Fact]
    public void ScalarCellMatchesHandComputation()
    {
        var model = new ScalarCell();
        SetScalarWeights(model, inputWeight: 0.5, recurrentWeight: 0.8, bias: 0.1, headWeight: 2.0, headBias: 0.3);
        var predictions = new double[2];
        model.Forward([1.0, -2.0], predictions);

        double a1 = Math.Tanh(0.5 + 0.1);
        double a2 = Math.Tanh(-1.0 + (0.8 * a1) + 0.1);
        Assert.Equal([a1, a2], model.HiddenOutputs.ToArray());
        Assert.Equal([a2], model.FinalState.ToArray());
        Assert.Equal([(2 * a1) + 0.3, (2 * a2) + 0.3], predictions);
        Assert.Equal(Math.Pow(1 - predictions[0], 2) + Math.Pow(0 - predictions[1], 2), model.Loss(predictions, [1.0, 0.0]), 15);
    }

    [Fact]
    public void InitialStateEntersTheFirstStep()
    {
        var model = new ScalarCell();
        SetScalarWeights(model, inputWeight: 0.5, recurrentWeight: 0.8, bias: 0.1, headWeight: 1.0, headBias: 0.0);
        var predictions = new double[1];
        model.Forward([1.0], [0.25], predictions);
        Assert.Equal(Math.Tanh(0.5 + (0.8 * 0.25) + 0.1), predictions[0], 15);
    }

    /// <summary>relu then sigmoid, H = 2, by hand: the second hidden unit is negative before relu and must be cut to 0.</summary>
    [Fact]
    public void ReluAndSigmoidMatchHandComputation()
    {
        var model = new ReluSigmoidCell();
        Span<double> p = model.Parameters;
        p.Clear();
        // W_ax transposed [1, 2], W_aa transposed [2, 2] (zero), b_a [2], W_ya transposed [2, 1], b_y [1].
        p[0] = 1.5; p[1] = -1.0;
        p[6] = 0.2; p[7] = 0.1;
        p[8] = 0.7; p[9] = 3.0;
        p[10] = -0.4;
        var predictions = new double[1];
        model.Forward([2.0], predictions);
        double a0 = Math.Max(0, (1.5 * 2) + 0.2), a1 = Math.Max(0, (-1.0 * 2) + 0.1);
        Assert.Equal(0.0, a1);
        Assert.Equal(1 / (1 + Math.Exp(-((0.7 * a0) + (3.0 * a1) - 0.4))), predictions[0], 15);
    }

    [Fact]
    public void SoftmaxPredictionsAreProbabilities()
    {
        var model = new SmallClassifier();
        model.InitializeParameters(new Random(7));
        var predictions = new double[SmallClassifier.OutputSize];
        model.Forward(Enumerable.Range(0, 10).Select(i => Math.Sin(i)).ToArray(), predictions);
        Assert.Equal(1.0, predictions.Sum(), 12);
        Assert.All(predictions, p => Assert.InRange(p, 0.0, 1.0));
    }

    /// <summary>Sequences of any length run with the same model, and a shorter one after a longer one sees no stale state.</summary>
    [Fact]
    public void AnyLengthRunsAndShorterSequencesReuseBuffers()
    {
        var model = new SmallTagger();
        model.InitializeParameters(new Random(1));
        float[] shortInput = [0.1f, 0.2f, 0.3f, -0.4f, 0.5f, 0.6f];
        var first = new float[4];
        model.Forward(shortInput, first);
        model.Forward(new float[3 * 1000], new float[2 * 1000]);
        Assert.Equal(1000, model.Steps);
        var again = new float[4];
        model.Forward(shortInput, again);
        Assert.Equal(first, again);
        Assert.Equal(2, model.Steps);
        Assert.Equal(2 * SmallTagger.LayerWidth, model.HiddenOutputs.Length);
    }

    [Fact]
    public void InitializationIsSeededAndWithinPyTorchBounds()
    {
        var a = new SmallClassifier();
        var b = new SmallClassifier();
        a.InitializeParameters(new Random(42));
        b.InitializeParameters(new Random(42));
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        b.InitializeParameters(new Random(43));
        Assert.NotEqual(a.Parameters.ToArray(), b.Parameters.ToArray());

        double k = 1 / Math.Sqrt(SmallClassifier.HiddenSize), headK = 1 / Math.Sqrt(SmallClassifier.LayerWidth);
        foreach (RnnParameterTensor tensor in a.ParameterTensors)
        {
            double bound = tensor.Name.StartsWith("head.", StringComparison.Ordinal) ? headK
                : tensor.Layout == RnnTensorLayout.AddedBias || tensor.Name.Contains("bias", StringComparison.Ordinal) ? 2 * k : k;
            double[] values = a.Parameters.Slice(tensor.Offset, tensor.Length).ToArray();
            Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
            Assert.Contains(values, v => v != 0);
        }
    }

    [Fact]
    public void EmptyInputIsRejectedWithItsShape()
    {
        var model = new SmallTagger();
        var error = Assert.Throws<ArgumentException>(() => model.Forward([], new float[2]));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("at least one step", error.Message);
        Assert.Contains("[T, 3]", error.Message);
    }

    [Fact]
    public void PartialStepIsRejectedWithSizes()
    {
        var model = new SmallTagger();
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[7], new float[4]));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("7 values", error.Message);
        Assert.Contains("InputSize = 3", error.Message);
    }

    [Fact]
    public void WrongPredictionsLengthIsRejectedWithSizes()
    {
        var model = new SmallTagger();
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[6], new float[3]));
        Assert.Equal("predictions", error.ParamName);
        Assert.Contains("3 values; expected 4 ([T = 2, OutputSize = 2])", error.Message);

        var classifier = new SmallClassifier();
        error = Assert.Throws<ArgumentException>(() => classifier.Forward(new double[4], new double[6]));
        Assert.Contains("6 values; expected 3 ([OutputSize = 3])", error.Message);
    }

    [Fact]
    public void WrongInitialStateIsRejectedWithSizes()
    {
        var model = new SmallClassifier();
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new double[4], new double[5], new double[3]));
        Assert.Equal("initialState", error.ParamName);
        Assert.Contains("expected 20 ([StateRows = 4, HiddenSize = 5])", error.Message);
    }

    [Fact]
    public void FailedCallLeavesTheLastResultsInPlace()
    {
        var model = new SmallTagger();
        model.InitializeParameters(new Random(3));
        model.Forward(new float[] { 1, 2, 3 }, new float[2]);
        float[] hidden = model.HiddenOutputs.ToArray();
        Assert.Throws<ArgumentException>(() => model.Forward(new float[30], new float[1]));
        Assert.Equal(1, model.Steps);
        Assert.Equal(hidden, model.HiddenOutputs.ToArray());
    }

    [Fact]
    public void LossRejectsMismatchedTargets()
    {
        var model = new SmallTagger();
        var error = Assert.Throws<ArgumentException>(() => model.Loss(new float[4], new float[2]));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("2 values; expected 4", error.Message);
    }

    private static void SetScalarWeights(ScalarCell model, double inputWeight, double recurrentWeight, double bias, double headWeight, double headBias)
    {
        // Layout of a 1-1-1 model: W_ax, W_aa, b_a, W_ya, b_y.
        Assert.Equal(5, ScalarCell.ParameterCount);
        model.Parameters[0] = inputWeight;
        model.Parameters[1] = recurrentWeight;
        model.Parameters[2] = bias;
        model.Parameters[3] = headWeight;
        model.Parameters[4] = headBias;
    }
}
