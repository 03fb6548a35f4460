using System;
using System.IO;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// The bi1_tanh_m2m reference case's network, declared with its weights file (a copy of the case's, as
/// tagger/model.safetensors): checked against its header when compiling, and the file embedded.
/// </summary>
[RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Direction = RnnDirection.Bidirectional, Weights = "../data/embedded/tagger/model.safetensors")]
public partial class EmbeddedTagger { }

/// <summary>The uni1_tanh_m2m case's network, from a weights file of the same name in another folder (smoother/model.safetensors), declared by the file alone.</summary>
[RnnModel<float>(Weights = "../data/embedded/smoother/model.safetensors")]
public partial class EmbeddedSmoother { }

/// <summary>Trained weights inside the binary: LoadEmbeddedWeights reads the copy the build embedded, no file.</summary>
public sealed class EmbeddedWeightsTests
{
    /// <summary>
    /// Each model reads its own file of the two named model.safetensors (resources named by path, RnnGen.Weights/../data/embedded/...),
    /// equal to the case's file and reproducing PyTorch's predictions.
    /// </summary>
    [Fact]
    public void EmbeddedWeightsAreTheFilesAndReproducePyTorch()
    {
        var tagger = new EmbeddedTagger();
        tagger.LoadEmbeddedWeights();
        AssertIsTheCase<EmbeddedTagger>(tagger, "bi1_tanh_m2m");
        var smoother = new EmbeddedSmoother();
        smoother.LoadEmbeddedWeights();
        AssertIsTheCase<EmbeddedSmoother>(smoother, "uni1_tanh_m2m");
    }

    private static void AssertIsTheCase<TModel>(TModel embedded, string referenceCase)
        where TModel : IRnnModel<float>, new()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "data", "pytorch", referenceCase + ".safetensors");
        var fromFile = new TModel();
        RnnWeights.Load(fromFile, file);
        Assert.Equal(fromFile.Parameters.ToArray(), embedded.Parameters.ToArray());

        using var reference = SafeTensorsReader.Open(file);
        float[] inputs = reference.Read<float>("x");
        double[] expected = reference.Read<double>("expected.prediction");
        var predictions = new float[expected.Length];
        embedded.Forward(inputs, default, predictions);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(predictions[i] - expected[i]) <= 1e-5 + (1e-4 * Math.Abs(expected[i])), $"{referenceCase} prediction {i}: {predictions[i]}, PyTorch {expected[i]}");
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
