using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;
using RnnGen.Generator.Model;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Parity;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>
/// The declaration read from the weights file (<c>Weights = "..."</c> and only what a state dict does not record): sizes,
/// layers, direction, cell, biases, module names and the embedding come from the tensors' names and shapes; what the
/// attribute states must agree with them.
/// </summary>
public sealed class WeightsInferenceTests
{
    /// <summary>What build/RnnGen.targets writes for <paramref name="safetensors"/>, listed as <paramref name="listedAs"/>: the header, read from the file's own bytes.</summary>
    internal static (string Path, string Text) HeaderFile(string safetensors, string listedAs)
    {
        byte[] bytes = File.ReadAllBytes(safetensors);
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        string text = $$"""{"file": "{{listedAs}}", "header": {{Encoding.UTF8.GetString(bytes, 8, length).TrimEnd(' ')}}}""";
        return ("obj/rnngen/" + listedAs.Replace('/', '_') + WeightsHeader.Extension, text);
    }

    private static GeneratorRun Run(string source, params (string Path, string Text)[] headers) =>
        GeneratorHarness.Run(GeneratorHarness.CreateCompilation("using RnnGen;\n" + source), additionalFiles: headers);

    private static Diagnostic[] RnnGenDiagnostics(GeneratorRun run) => [.. run.RnnGenDiagnostics.Where(d => d.Id.StartsWith("RNNGEN", StringComparison.Ordinal))];

    /// <summary>The generated file without the comment listing what was read from the file.</summary>
    private static string WithoutInferredComment(string source) =>
        string.Join('\n', source.Split('\n').Where(line => !line.TrimStart().StartsWith("// Read from", StringComparison.Ordinal) && !line.TrimStart().StartsWith("//   ", StringComparison.Ordinal)));

    public static TheoryData<string> ReferenceCases() =>
        new(new[] { PyTorchParityTests.ReferenceDirectory, PyTorchParityTests.GatedReferenceDirectory, PyTorchParityTests.VariantsReferenceDirectory }
            .SelectMany(ReferenceCase.LoadAll).Select(c => c.Name));

    private static ReferenceCase Case(string name) =>
        new[] { PyTorchParityTests.ReferenceDirectory, PyTorchParityTests.GatedReferenceDirectory, PyTorchParityTests.VariantsReferenceDirectory }
            .SelectMany(ReferenceCase.LoadAll).Single(c => c.Name == name);

    /// <summary>
    /// Every reference case (each cell, direction, layer count, embedding, bias setting and module naming among them): the
    /// model declared with only its file and what a state dict does not record generates exactly the code of the case's
    /// full declaration, and its comment says where each argument came from.
    /// </summary>
    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void TheFileGivesWhatTheCaseDeclares(string caseName)
    {
        ReferenceCase referenceCase = Case(caseName);
        string listed = "models/" + caseName + ".safetensors";
        (string Path, string Text) header = HeaderFile(referenceCase.TensorFile, listed);
        string stated = referenceCase.Declaration("float").Replace("RnnModel<float>(", $"RnnModel<float>(Weights = \"{listed}\", ", StringComparison.Ordinal);

        GeneratorRun fromFile = Run(referenceCase.FileDeclaration("float", listed), header);
        GeneratorRun fromDeclaration = Run(stated, header);

        Assert.Empty(RnnGenDiagnostics(fromFile));
        Assert.Empty(RnnGenDiagnostics(fromDeclaration));
        string inferred = Assert.Single(fromFile.GeneratedSources, s => s.HintName == referenceCase.ClassName("float") + ".g.cs").Source;
        string declared = Assert.Single(fromDeclaration.GeneratedSources, s => s.HintName == referenceCase.ClassName("float") + ".g.cs").Source;
        Assert.Equal(WithoutInferredComment(declared), WithoutInferredComment(inferred));
        Assert.Contains($"//   HiddenSize = {referenceCase.Hidden}: '{(referenceCase.RecurrentModule.Length == 0 ? "" : referenceCase.RecurrentModule + ".")}weight_hh_l0' is [", inferred);
        Assert.Contains($"//   Cell = RnnCell.{referenceCase.CellName}: ", inferred);
        Assert.Contains($"//   VocabularySize = {referenceCase.VocabularySize}: ", inferred);
        Assert.DoesNotContain(fromFile.OutputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>The files of the module-name cases: a bare nn.RNN, nested modules, and a tagger under its author's names.</summary>
    [Theory]
    [InlineData("bare.safetensors", "RecurrentModule = \"\": 'weight_ih_l0' and 'weight_hh_l0' are there", "HeadModule = \"out\": 'out.weight' is [2, 4]")]
    [InlineData("nested.safetensors", "RecurrentModule = \"encoder.rnn\": ", "Cell = RnnCell.Gru: 'encoder.rnn.weight_hh_l0' is [15, 5]: 3 gate blocks")]
    [InlineData("tagger.safetensors", "Direction = RnnDirection.Bidirectional: 'lstm.weight_ih_l0_reverse' is there", "Layers = 2: 'lstm.weight_ih_l0' to 'lstm.weight_ih_l1' are there")]
    public void ModulesUnderTheirAuthorsNamesAreFound(string file, string oneLine, string anotherLine)
    {
        GeneratorRun run = Run($"[RnnModel<float>(Weights = \"{file}\")]\npublic partial class Model {{ }}",
            HeaderFile(Path.Combine(AppContext.BaseDirectory, "data", "pytorch-modules", file), file));
        Assert.Empty(RnnGenDiagnostics(run));
        string generated = Assert.Single(run.GeneratedSources, s => s.HintName == "Model.g.cs").Source;
        Assert.Contains("//   " + oneLine, generated);
        Assert.Contains("//   " + anotherLine, generated);
    }

    /// <summary>Two recurrent modules: the file cannot say which is the model's, so the diagnostic names both and the argument that settles it.</summary>
    [Fact]
    public void TwoCandidateModulesAreReportedOnceAndTheArgumentSettlesIt()
    {
        (string, string) twins = HeaderFile(Path.Combine(AppContext.BaseDirectory, "data", "pytorch-modules", "twins.safetensors"), "twins.safetensors");
        GeneratorRun ambiguous = Run("[RnnModel<float>(Weights = \"twins.safetensors\")]\npublic partial class Model { }", twins);
        Diagnostic diagnostic = Assert.Single(RnnGenDiagnostics(ambiguous));
        Assert.Equal(("RNNGEN026", DiagnosticSeverity.Error), (diagnostic.Id, diagnostic.Severity));
        Assert.Equal("\"twins.safetensors\" does not give InputSize, which the attribute leaves out: the file has 2 recurrent modules ('first', 'second'); set RecurrentModule to the model's", diagnostic.GetMessage());
        Assert.Equal("Weights = \"twins.safetensors\"", diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Empty(ambiguous.GeneratedSources);

        GeneratorRun settled = Run("[RnnModel<float>(Weights = \"twins.safetensors\", RecurrentModule = \"second\")]\npublic partial class Model { }", twins);
        Assert.Empty(RnnGenDiagnostics(settled));
        Assert.Contains("//   HeadModule = \"fc\": 'fc.weight' is [3, 6]", Assert.Single(settled.GeneratedSources, s => s.HintName == "Model.g.cs").Source);
    }

    /// <summary>Every stated argument that the file contradicts is an error at that argument, with the file's value and the tensor that gives it.</summary>
    [Fact]
    public void StatedArgumentsTheFileContradictsAreErrorsAtEachArgument()
    {
        ReferenceCase gru = Case("gru_embedding_m2m");
        GeneratorRun run = Run(
            "[RnnModel<float>(Weights = \"gru.safetensors\", HiddenSize = 5, Cell = RnnCell.Lstm, Layers = 2, HeadBias = false, VocabularySize = 8, Direction = RnnDirection.Bidirectional)]\npublic partial class Model { }",
            HeaderFile(gru.TensorFile, "gru.safetensors"));
        Diagnostic[] diagnostics = [.. RnnGenDiagnostics(run).OrderBy(d => d.Location.SourceSpan.Start)];
        Assert.All(diagnostics, d => Assert.Equal(("RNNGEN027", DiagnosticSeverity.Error), (d.Id, d.Severity)));
        Assert.Equal(
            ["HiddenSize = 5", "Cell = RnnCell.Lstm", "Layers = 2", "HeadBias = false", "VocabularySize = 8", "Direction = RnnDirection.Bidirectional"],
            diagnostics.Select(d => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan)));
        Assert.Equal(
            [
                "Model states HiddenSize = 5, and \"gru.safetensors\" holds 4: 'rnn.weight_hh_l0' is [12, 4]; remove the argument to take the file's value",
                "Model states Cell = RnnCell.Lstm, and \"gru.safetensors\" holds RnnCell.Gru: 'rnn.weight_hh_l0' is [12, 4]: 3 gate blocks of hidden rows (a GRU's r, z, n); remove the argument to take the file's value",
                "Model states Layers = 2, and \"gru.safetensors\" holds 1: 'rnn.weight_ih_l0' is there and no 'rnn.weight_ih_l1'; remove the argument to take the file's value",
                "Model states HeadBias = false, and \"gru.safetensors\" holds true: 'head.bias' is there; remove the argument to take the file's value",
                "Model states VocabularySize = 8, and \"gru.safetensors\" holds 7: 'embed.tokens.weight' is [7, 3]; remove the argument to take the file's value",
                "Model states Direction = RnnDirection.Bidirectional, and \"gru.safetensors\" holds RnnDirection.Unidirectional: there is no 'rnn.weight_ih_l0_reverse'; remove the argument to take the file's value",
            ],
            diagnostics.Select(d => d.GetMessage()));
        Assert.DoesNotContain(run.GeneratedSources, s => s.HintName == "Model.g.cs");
    }

    /// <summary>A named module the file lacks: the file's recurrent modules are listed.</summary>
    [Fact]
    public void ANamedModuleTheFileLacksIsReportedWithTheFilesModules()
    {
        GeneratorRun run = Run("[RnnModel<float>(Weights = \"gru.safetensors\", RecurrentModule = \"gru\")]\npublic partial class Model { }",
            HeaderFile(Case("gru_embedding_m2m").TensorFile, "gru.safetensors"));
        Diagnostic diagnostic = Assert.Single(RnnGenDiagnostics(run));
        Assert.Equal("RNNGEN026", diagnostic.Id);
        Assert.StartsWith("\"gru.safetensors\" does not give InputSize, which the attribute leaves out: RecurrentModule is \"gru\", and the file has no recurrent layer (a weight_ih_l0 and a weight_hh_l0) under that name (its recurrent modules are 'rnn', 'expected.grad.rnn')", diagnostic.GetMessage());
    }

    /// <summary>Recurrent weights whose rows are no whole number of gate blocks name no cell: stating the cell is the way out, and the tensors are then checked against it.</summary>
    [Fact]
    public void RowsOfNoCellAreReportedAndAStatedCellIsCheckedInstead()
    {
        (string Path, string Text) header = HeaderFile(Case("gru_uni1_m2m").TensorFile, "odd.safetensors");
        header.Text = header.Text.Replace("\"rnn.weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[15,5]", "\"rnn.weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[10,5]", StringComparison.Ordinal);
        Assert.Contains("[10,5]", header.Text);

        Diagnostic unknown = Assert.Single(RnnGenDiagnostics(Run("[RnnModel<float>(Weights = \"odd.safetensors\")]\npublic partial class Model { }", header)));
        Assert.Equal("\"odd.safetensors\" does not give Cell, which the attribute leaves out: 'rnn.weight_hh_l0' is [10, 5], and its rows are 1, 3 or 4 times its columns in a plain RNN, a GRU or an LSTM", unknown.GetMessage());

        Diagnostic shape = Assert.Single(RnnGenDiagnostics(Run("[RnnModel<float>(Weights = \"odd.safetensors\", Cell = RnnCell.Gru)]\npublic partial class Model { }", header)));
        Assert.Equal("Tensor 'rnn.weight_hh_l0' of \"odd.safetensors\" is [10, 5], and Model reads it as [15, 5]", shape.GetMessage());
    }

    /// <summary>An unlisted file: RNNGEN020 alone, not also a missing size for every argument the file would have given.</summary>
    [Fact]
    public void AnUnlistedFileIsTheOnlyDiagnostic()
    {
        Diagnostic unlisted = Assert.Single(RnnGenDiagnostics(Run("[RnnModel<float>(Weights = \"models/none.safetensors\")]\npublic partial class Model { }")));
        Assert.Equal("RNNGEN020", unlisted.Id);
    }

    /// <summary>
    /// The headers' step: an edit elsewhere re-reads no header and re-emits nothing; a new header text (another file) re-reads
    /// it, and the model whose shape it changes is emitted again.
    /// </summary>
    [Fact]
    public void HeadersAreReadAgainOnlyWhenTheirTextChanges()
    {
        ReferenceCase lstm = Case("lstm_uni1_m2m");
        (string Path, string Text) header = HeaderFile(lstm.TensorFile, "lstm.safetensors");
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            "using RnnGen;\n[RnnModel<float>(Weights = \"lstm.safetensors\")]\npublic partial class Model { }",
            "public static class Other { public static int Value => 1; }");
        var original = new InMemoryAdditionalText(header.Path, header.Text);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true, [original]).RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("public static class Other { public static int Value => 2; }")));
        GeneratorRunResult unrelated = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(Incrementality.Outputs(unrelated, TrackingNames.Headers), output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.All(Incrementality.Outputs(unrelated, TrackingNames.Models), output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));

        (string Path, string Text) wider = HeaderFile(Case("lstm_bi2_m2m_h0").TensorFile, "lstm.safetensors");
        GeneratorRunResult changed = driver
            .ReplaceAdditionalText(original, new InMemoryAdditionalText(wider.Path, wider.Text))
            .RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Contains(Incrementality.Outputs(changed, TrackingNames.Headers), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(Incrementality.Outputs(changed, TrackingNames.Models), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int HiddenSize = 24;", changed.GeneratedSources.Single(s => s.HintName == "Model.g.cs").SourceText.ToString());
    }
}
