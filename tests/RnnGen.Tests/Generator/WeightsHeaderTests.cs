using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Model;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>
/// A declaration checked against the header of the weights file it names (<c>Weights = "..."</c>) at compile time, through
/// the header file that build/RnnGen.targets writes for the compiler (the package test runs that step in a real build):
/// every difference is an RNNGEN diagnostic at the argument, naming the tensor with both shapes.
/// </summary>
public sealed class WeightsHeaderTests
{
    private const string File = "models/tagger.safetensors";

    /// <summary>The declaration that PyTorch's nn.RNN(4, 8, bidirectional=True) + nn.Linear(16, 4) of the bi1_tanh_m2m case matches.</summary>
    private const string Arguments = "InputSize = 4, HiddenSize = 8, OutputSize = 4, Direction = RnnDirection.Bidirectional";

    /// <summary>What the build writes for the reference case's file: its header, read from the file's own bytes.</summary>
    private static string HeaderFileOfTheReferenceCase()
    {
        byte[] bytes = System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "pytorch", "bi1_tanh_m2m.safetensors"));
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        return $$"""{"file": "{{File}}", "header": {{Encoding.UTF8.GetString(bytes, 8, length).TrimEnd(' ')}}}""";
    }

    private static GeneratorRun Run(string arguments, string headerFile, string weights = File) => GeneratorHarness.Run(
        GeneratorHarness.CreateCompilation($"using RnnGen;\n[RnnModel<float>({arguments}, Weights = \"{weights}\")]\npublic partial class Tagger {{ }}"),
        additionalFiles: [("obj/rnngen/models_tagger.safetensors" + WeightsHeader.Extension, headerFile)]);

    private static Diagnostic[] RnnGen(GeneratorRun run) => [.. run.RnnGenDiagnostics.Where(d => d.Id.StartsWith("RNNGEN", StringComparison.Ordinal))];

    [Fact]
    public void AMatchingFileGivesNoDiagnosticAndTheModelIsGenerated()
    {
        GeneratorRun run = Run(Arguments, HeaderFileOfTheReferenceCase());
        Assert.Empty(RnnGen(run));
        string generated = Assert.Single(run.GeneratedSources, source => source.HintName == "Tagger.g.cs").Source;
        // The build embeds the file under its path as listed; the model reads it from there.
        Assert.Contains("public void LoadEmbeddedWeights(global::RnnGen.WeightLoadOptions? options = null) => global::RnnGen.RnnWeights.LoadEmbedded(this, typeof(Tagger).Assembly, \"RnnGen.Weights/models/tagger.safetensors\", options);", generated);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>Tensors of another shape than the declaration (and the rest of the file) give them: each is reported at the argument with both shapes.</summary>
    [Fact]
    public void EveryTensorOfAnotherShapeIsReportedAtTheArgumentWithBothShapes()
    {
        string header = HeaderFileOfTheReferenceCase()
            .Replace("\"rnn.weight_ih_l0_reverse\":{\"dtype\":\"F32\",\"shape\":[8,4]", "\"rnn.weight_ih_l0_reverse\":{\"dtype\":\"F32\",\"shape\":[8,5]", StringComparison.Ordinal)
            .Replace("\"rnn.bias_hh_l0\":{\"dtype\":\"F32\",\"shape\":[8]", "\"rnn.bias_hh_l0\":{\"dtype\":\"F32\",\"shape\":[9]", StringComparison.Ordinal);
        Diagnostic[] diagnostics = RnnGen(Run(Arguments, header));
        Assert.All(diagnostics, d => Assert.Equal(("RNNGEN023", DiagnosticSeverity.Error), (d.Id, d.Severity)));
        Assert.Equal(
            [$"Tensor 'rnn.bias_hh_l0' of \"{File}\" is [9], and Tagger reads it as [8]", $"Tensor 'rnn.weight_ih_l0_reverse' of \"{File}\" is [8, 5], and Tagger reads it as [8, 4]"],
            diagnostics.Select(d => d.GetMessage()).Order(StringComparer.Ordinal));
        Location location = diagnostics[0].Location;
        Assert.Equal($"Weights = \"{File}\"", location.SourceTree!.GetText().ToString(location.SourceSpan));
    }

    /// <summary>A head module the file lacks, with the head's sizes and bias stated (nothing left to read from it): each missing tensor names what the file holds.</summary>
    [Fact]
    public void AMissingTensorNamesWhatTheFileHolds()
    {
        Diagnostic[] diagnostics = RnnGen(Run(Arguments + ", HeadModule = \"fc\", HeadBias = true", HeaderFileOfTheReferenceCase()));
        Assert.Equal(["RNNGEN022", "RNNGEN022"], diagnostics.Select(d => d.Id));
        Assert.StartsWith($"\"{File}\" has no tensor 'fc.weight' [4, 16], which Tagger reads; the file's modules are 'rnn', 'head'", diagnostics[0].GetMessage());
        Assert.StartsWith($"\"{File}\" has no tensor 'fc.bias' [4], which Tagger reads", diagnostics[1].GetMessage());
    }

    /// <summary>A parameter of the head that no linear head has (LoadWeights would refuse the file), so a warning says so.</summary>
    [Fact]
    public void ParametersTheModelLacksAreAWarningNamingTheirModule()
    {
        string header = HeaderFileOfTheReferenceCase().Replace("\"head.bias\":", "\"head.scale\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"head.bias\":", StringComparison.Ordinal);
        Diagnostic unexpected = Assert.Single(RnnGen(Run(Arguments, header)));
        Assert.Equal(("RNNGEN025", DiagnosticSeverity.Warning), (unexpected.Id, unexpected.Severity));
        Assert.StartsWith($"Tensor 'head.scale' [4] of \"{File}\" is a parameter of module 'head', which Tagger reads but has no such parameter", unexpected.GetMessage());
    }

    [Fact]
    public void AnUnsupportedDtypeIsReported()
    {
        string header = HeaderFileOfTheReferenceCase().Replace("\"rnn.weight_hh_l0\":{\"dtype\":\"F32\"", "\"rnn.weight_hh_l0\":{\"dtype\":\"I32\"", StringComparison.Ordinal);
        Diagnostic dtype = Assert.Single(RnnGen(Run(Arguments, header)));
        Assert.Equal("RNNGEN024", dtype.Id);
        Assert.Equal($"Tensor 'rnn.weight_hh_l0' of \"{File}\" is I32; RnnGen reads F32, F64, F16 and BF16", dtype.GetMessage());
    }

    [Fact]
    public void AFileTheProjectDoesNotListIsReported()
    {
        Diagnostic unlisted = Assert.Single(RnnGen(Run(Arguments, HeaderFileOfTheReferenceCase(), weights: "models/other.safetensors")));
        Assert.Equal("RNNGEN020", unlisted.Id);
        Assert.Equal("Weights is \"models/other.safetensors\", which the project does not list: add <RnnGenWeights Include=\"models/other.safetensors\" /> to the project, so the build reads its header for the compiler", unlisted.GetMessage());
        // The same file spelled with a backslash or a leading ./ is the listed one.
        Assert.Empty(RnnGen(Run(Arguments, HeaderFileOfTheReferenceCase(), weights: "./models\\\\tagger.safetensors")));
    }

    [Theory]
    [InlineData("{\"file\": \"models/tagger.safetensors\", \"error\": \"its first 8 bytes give a header of 99999 bytes, which does not fit a safetensors file of 40 bytes\"}", "its first 8 bytes give a header of 99999 bytes")]
    [InlineData("{\"file\": \"models/tagger.safetensors\", \"header\": {\"rnn.weight_ih_l0\": {\"dtype\": \"F32\"}}}", "its safetensors header is not valid (tensor 'rnn.weight_ih_l0' has no dtype and shape)")]
    [InlineData("{\"file\": \"models/tagger.safetensors\", \"header\": {\"rnn.weight_ih_l0\": ", "its safetensors header is not valid (unexpected end)")]
    public void AnUnreadableFileOrHeaderIsReportedWithTheReason(string headerFile, string reason)
    {
        Diagnostic unreadable = Assert.Single(RnnGen(Run(Arguments, headerFile)));
        Assert.Equal("RNNGEN021", unreadable.Id);
        Assert.StartsWith($"The weights file \"{File}\" cannot be read: {reason}", unreadable.GetMessage());
    }

    /// <summary>The header's parse result compares by value, so an unchanged file's header is the same input to the pipeline.</summary>
    [Fact]
    public void TheSameHeaderTextParsesToEqualResults()
    {
        string text = HeaderFileOfTheReferenceCase();
        WeightsHeader first = WeightsHeader.Parse(text), second = WeightsHeader.Parse(text);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Null(first.Error);
        Assert.Equal(["rnn.weight_ih_l0", "rnn.weight_hh_l0"], first.Tensors.Take(2).Select(t => t.Name));
        Assert.Equal("[8, 4]", first.Tensors[0].ShapeText);
        Assert.NotEqual(first, WeightsHeader.Parse(text.Replace("[8,4]", "[8,5]", StringComparison.Ordinal)));
    }
}
