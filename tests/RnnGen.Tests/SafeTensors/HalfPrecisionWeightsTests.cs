using System;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Parity;
using Xunit;

namespace RnnGen.Tests.SafeTensors;

/// <summary>
/// Half-precision checkpoints as PyTorch writes them (tests/data/pytorch-half, written by tests/data/pytorch_half_precision.py
/// from the lstm_uni1_m2m reference case): F16 and BF16 weights load into float and double models as PyTorch's own
/// <c>.float()</c> widens them, bit for bit, and the models then give what PyTorch computes in float64 on those weights.
/// </summary>
public sealed class HalfPrecisionWeightsTests
{
    [Theory]
    [InlineData("f16")]
    [InlineData("bf16")]
    public void HalfWeightsWidenAsPyTorchsFloatDoes(string dtype)
    {
        var fromHalf = new Case_lstm_uni1_m2m_float();
        var fromFloat = new Case_lstm_uni1_m2m_float();
        fromHalf.LoadWeights(File(dtype));
        fromFloat.LoadWeights(File(dtype + "-float"));
        Assert.Equal(fromFloat.Parameters.ToArray(), fromHalf.Parameters.ToArray());

        var inDouble = new Case_lstm_uni1_m2m_double();
        inDouble.LoadWeights(File(dtype));
        Assert.Equal(fromFloat.Parameters.ToArray().Select(value => (double)value), inDouble.Parameters.ToArray());
    }

    [Theory]
    [InlineData("f16")]
    [InlineData("bf16")]
    public void ModelsOnHalfWeightsReproducePyTorch(string dtype)
    {
        using SafeTensorsReader file = SafeTensorsReader.Open(File(dtype));
        float[] inputs = file.Read<float>("x");
        double[] expected = file.Read<double>("expected.prediction");

        var single = new Case_lstm_uni1_m2m_float();
        RnnWeights.Load(single, file);
        var predictions = new float[expected.Length];
        single.Forward(inputs, default, predictions);
        Assert.All(Enumerable.Range(0, expected.Length), i => Assert.True(Math.Abs(predictions[i] - expected[i]) <= 1e-6, $"float output {i}: {predictions[i]:R} against {expected[i]:R}"));

        var twice = new Case_lstm_uni1_m2m_double();
        RnnWeights.Load(twice, file);
        var doublePredictions = new double[expected.Length];
        twice.Forward([.. inputs.Select(value => (double)value)], default, doublePredictions);
        Assert.All(Enumerable.Range(0, expected.Length), i => Assert.True(Math.Abs(doublePredictions[i] - expected[i]) <= 1e-12, $"double output {i}: {doublePredictions[i]:R} against {expected[i]:R}"));

        // Against the full-precision checkpoint the outputs move, by what half precision costs.
        var full = new Case_lstm_uni1_m2m_float();
        full.LoadWeights(Path.Combine(AppContext.BaseDirectory, "data", "pytorch-gated", "lstm_uni1_m2m.safetensors"));
        var fullPredictions = new float[expected.Length];
        full.Forward(inputs, default, fullPredictions);
        double largest = Enumerable.Range(0, expected.Length).Max(i => Math.Abs(fullPredictions[i] - predictions[i]));
        Assert.InRange(largest, 1e-6, dtype == "f16" ? 1e-2 : 5e-2);
    }

    private static string File(string suffix) => Path.Combine(AppContext.BaseDirectory, "data", "pytorch-half", $"lstm_uni1_m2m.{suffix}.safetensors");
}
