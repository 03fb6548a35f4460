using System;
using System.IO;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>The bi1_tanh_m2m reference case's network, declared with its weights file: checked against its header when compiling, and the file embedded.</summary>
[RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Direction = RnnDirection.Bidirectional, Weights = "../data/pytorch/bi1_tanh_m2m.safetensors")]
public partial class EmbeddedTagger { }

/// <summary>Trained weights inside the binary: LoadEmbeddedWeights reads the copy the build embedded, no file.</summary>
public sealed class EmbeddedWeightsTests
{
    private static readonly string s_file = Path.Combine(AppContext.BaseDirectory, "data", "pytorch", "bi1_tanh_m2m.safetensors");

    [Fact]
    public void EmbeddedWeightsAreTheFilesAndReproducePyTorch()
    {
        var embedded = new EmbeddedTagger();
        embedded.LoadEmbeddedWeights();
        var fromFile = new EmbeddedTagger();
        fromFile.LoadWeights(s_file);
        Assert.Equal(fromFile.Parameters.ToArray(), embedded.Parameters.ToArray());

        using var reference = SafeTensorsReader.Open(s_file);
        float[] inputs = reference.Read<float>("x");
        double[] expected = reference.Read<double>("expected.prediction");
        var predictions = new float[expected.Length];
        embedded.Forward(inputs, predictions);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(predictions[i] - expected[i]) <= 1e-5 + (1e-4 * Math.Abs(expected[i])), $"prediction {i}: {predictions[i]}, PyTorch {expected[i]}");
        }
    }

    [Fact]
    public void AMissingResourceSaysWhatToList()
    {
        var model = new EmbeddedTagger();
        var error = Assert.Throws<InvalidOperationException>(() => RnnWeights.LoadEmbedded(model, typeof(EmbeddedTagger).Assembly, "RnnGen.Weights/absent.safetensors"));
        Assert.Contains("embeds no resource 'RnnGen.Weights/absent.safetensors': list the weights file in its project as <RnnGenWeights Include=", error.Message);
        Assert.Equal(new float[EmbeddedTagger.ParameterCount], model.Parameters.ToArray());
    }
}
