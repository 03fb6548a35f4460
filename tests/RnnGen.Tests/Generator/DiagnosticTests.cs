using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.TestKit;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>Every RNNGEN diagnostic: its ID, the text it points at, and that nothing is generated for the bad declaration.</summary>
public sealed class DiagnosticTests
{
    [Theory]
    [InlineData("RNNGEN001", "public class Net { }", "", "Net")]
    [InlineData("RNNGEN003", "public partial class Net { }", "HiddenSize = 0", "HiddenSize = 0")]
    [InlineData("RNNGEN003", "public partial class Net { }", "InputSize = 4097", "InputSize = 4097")]
    [InlineData("RNNGEN003", "public partial class Net { }", "OutputSize = -3", "OutputSize = -3")]
    [InlineData("RNNGEN003", "public partial class Net { }", "Layers = 17", "Layers = 17")]
    [InlineData("RNNGEN003", "public partial class Net { }", "Layers = 0", "Layers = 0")]
    [InlineData("RNNGEN004", "public partial class Net { }", "Direction = (RnnDirection)7", "Direction = (RnnDirection)7")]
    [InlineData("RNNGEN004", "public partial class Net { }", "Activation = (RnnActivation)2", "Activation = (RnnActivation)2")]
    [InlineData("RNNGEN004", "public partial class Net { }", "OutputActivation = (RnnOutputActivation)9", "OutputActivation = (RnnOutputActivation)9")]
    [InlineData("RNNGEN004", "public partial class Net { }", "Topology = (RnnTopology)5", "Topology = (RnnTopology)5")]
    [InlineData("RNNGEN004", "public partial class Net { }", "Loss = (RnnLoss)3", "Loss = (RnnLoss)3")]
    [InlineData("RNNGEN007", "public partial class Net { }", "Loss = RnnLoss.CrossEntropy, OutputActivation = RnnOutputActivation.Sigmoid", "Loss = RnnLoss.CrossEntropy")]
    [InlineData("RNNGEN010", "public partial class Net { }", "Direction = RnnDirection.Bidirectional, Streaming = true", "Streaming = true")]
    [InlineData("RNNGEN011", "public partial class Net { }", "Topology = RnnTopology.OneToMany", "Topology = RnnTopology.OneToMany")]
    [InlineData("RNNGEN009", "public partial class Net { }", "Streaming = (bool)(object)null!", "Streaming = (bool)(object)null!")]
    [InlineData("RNNGEN012", "public partial class Net { }", "Cell = RnnCell.Lstm, Activation = RnnActivation.Relu", "Activation = RnnActivation.Relu")]
    [InlineData("RNNGEN015", "public partial class Net { }", "RecurrentModule = \"encoder..rnn\"", "RecurrentModule = \"encoder..rnn\"")]
    [InlineData("RNNGEN015", "public partial class Net { }", "HeadModule = \"fc-1\"", "HeadModule = \"fc-1\"")]
    [InlineData("RNNGEN015", "public partial class Net { }", "HeadModule = \"\"", "HeadModule = \"\"")]
    [InlineData("RNNGEN016", "public partial class Net { }", "RecurrentModule = \"layers\", HeadModule = \"layers\"", "HeadModule = \"layers\"")]
    [InlineData("RNNGEN009", "public partial class Net { }", "HeadModule = null!", "HeadModule = null!")]
    [InlineData("RNNGEN003", "public partial class Net { }", "VocabularySize = 0", "VocabularySize = 0")]
    [InlineData("RNNGEN003", "public partial class Net { }", "VocabularySize = 16777217", "VocabularySize = 16777217")]
    [InlineData("RNNGEN017", "public partial class Net { }", "VocabularySize = 10, PaddingIndex = 10", "PaddingIndex = 10")]
    [InlineData("RNNGEN017", "public partial class Net { }", "VocabularySize = 10, PaddingIndex = -2", "PaddingIndex = -2")]
    [InlineData("RNNGEN017", "public partial class Net { }", "PaddingIndex = 0", "PaddingIndex = 0")]
    [InlineData("RNNGEN015", "public partial class Net { }", "VocabularySize = 10, EmbeddingModule = \"embed.\"", "EmbeddingModule = \"embed.\"")]
    [InlineData("RNNGEN016", "public partial class Net { }", "VocabularySize = 10, EmbeddingModule = \"head\"", "EmbeddingModule = \"head\"")]
    [InlineData("RNNGEN011", "public partial class Net { }", "VocabularySize = 10, Topology = RnnTopology.OneToMany", "Topology = RnnTopology.OneToMany")]
    [InlineData("RNNGEN018", "public partial class Net { }", "Layers = 2, Dropout = 1.0", "Dropout = 1.0")]
    [InlineData("RNNGEN018", "public partial class Net { }", "Layers = 2, Dropout = -0.1", "Dropout = -0.1")]
    [InlineData("RNNGEN018", "public partial class Net { }", "HeadDropout = double.NaN", "HeadDropout = double.NaN")]
    [InlineData("RNNGEN008", "public partial record Net { }", "", "Net")]
    [InlineData("RNNGEN008", "public static partial class Net { }", "", "Net")]
    [InlineData("RNNGEN008", "public partial class Net<TItem> { }", "", "Net")]
    public void BadDeclarationIsReportedAtItsSource(string id, string declaration, string badArgument, string pointsAt)
    {
        // The bad argument replaces the valid one of the same name (a name may appear only once in an attribute).
        var arguments = new[] { "InputSize = 2", "HiddenSize = 3", "OutputSize = 1" }
            .Where(a => badArgument.Length == 0 || !badArgument.StartsWith(a.Split(' ')[0] + " ", System.StringComparison.Ordinal))
            .Append(badArgument)
            .Where(a => a.Length > 0);
        string source = $"using RnnGen;\n[RnnModel<float>({string.Join(", ", arguments)})]\n{declaration}";
        AssertSingleDiagnostic(source, id, pointsAt);
    }

    /// <summary>Reported at the model class, where its code fix applies, and also at the containing type.</summary>
    [Fact]
    public void ContainingTypeMustBePartial()
    {
        const string Source = """
            using RnnGen;
            public class Outer
            {
                [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)]
                public partial class Net { }
            }
            """;
        AssertSingleDiagnostic(Source, "RNNGEN002", "Net");
        Location alsoAt = Assert.Single(Assert.Single(GeneratorHarness.Run(Source).RnnGenDiagnostics).AdditionalLocations);
        Assert.Equal("Outer", alsoAt.SourceTree!.GetText().ToString(alsoAt.SourceSpan));
    }

    [Fact]
    public void ElementTypeMustBeFloatOrDouble() => AssertSingleDiagnostic("""
        using RnnGen;
        [RnnModel<System.Half>(InputSize = 1, HiddenSize = 1, OutputSize = 1)]
        public partial class Net { }
        """, "RNNGEN005", "RnnModel<System.Half>(InputSize = 1, HiddenSize = 1, OutputSize = 1)");

    [Theory]
    [InlineData("InputSize")]
    [InlineData("HiddenSize")]
    [InlineData("OutputSize")]
    public void RequiredSizeMustBeSet(string missing)
    {
        string arguments = string.Join(", ", new[] { "InputSize", "HiddenSize", "OutputSize" }.Where(n => n != missing).Select(n => n + " = 2"));
        AssertSingleDiagnostic($"using RnnGen;\n[RnnModel<float>({arguments})]\npublic partial class Net {{ }}", "RNNGEN006", $"RnnModel<float>({arguments})");
    }

    /// <summary>
    /// Sizes that are each legal can need more parameters than an array holds; counted in 64 bits, such a model is reported
    /// with its true count (in int arithmetic the 16-layer 4096-wide LSTM's count wrapped to -2,130,178,048, and the
    /// bidirectional one's to a positive 2,047,873,024 with negative tensor offsets).
    /// </summary>
    [Theory]
    [InlineData("InputSize = 4096, HiddenSize = 4096, OutputSize = 4096, Layers = 16, Cell = RnnCell.Lstm", "2,164,789,248")]
    [InlineData("InputSize = 4096, HiddenSize = 4096, OutputSize = 4096, Layers = 16, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional", "6,342,840,320")]
    // One output more than the largest model below: 61 parameters over the limit.
    [InlineData("InputSize = 4063, HiddenSize = 4096, OutputSize = 4, Layers = 16, Cell = RnnCell.Lstm", "2,147,483,652")]
    public void ModelBeyondTheArrayLimitIsReportedWithItsCount(string arguments, string count)
    {
        string attribute = $"RnnModel<float>({arguments})";
        Diagnostic diagnostic = AssertSingleDiagnostic($"using RnnGen;\n[{attribute}]\npublic partial class Net {{ }}", "RNNGEN013", attribute);
        Assert.Contains($"Net has {count} parameters, more than the 2,147,483,591 elements", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The largest LSTM of 16 layers 4096 wide that fits (2,147,479,555 parameters, 4,036 below the limit) is generated, and its code compiles.</summary>
    [Fact]
    public void LargestModelWithinTheArrayLimitCompiles()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel<float>(InputSize = 4063, HiddenSize = 4096, OutputSize = 3, Layers = 16, Cell = RnnCell.Lstm)]
            public partial class Net { }
            """);
        Assert.Empty(run.RnnGenDiagnostics);
        Assert.Empty(run.OutputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains("public const int ParameterCount = 2147479555;", Assert.Single(run.GeneratedSources, s => s.HintName == "Net.g.cs").Source);
    }

    /// <summary>A member of the user's own under a name the generated code takes, public or private, is reported at that member, and nothing is generated.</summary>
    [Theory]
    [InlineData("public void Forward() { }", "Forward")]
    [InlineData("public double Loss;", "Loss")]
    [InlineData("private int Shape => 1;", "Shape")]
    [InlineData("public class Parameters { }", "Parameters")]
    [InlineData("private object _network = new();", "_network")]
    [InlineData("private sealed class NetNetwork { }", "NetNetwork")]
    public void MemberUnderAGeneratedNameIsReported(string member, string name) => AssertSingleDiagnostic(
        $"using RnnGen;\n[RnnModel<float>(InputSize = 2, HiddenSize = 3, OutputSize = 1)]\npublic partial class Net {{ {member} }}", "RNNGEN014", name);

    /// <summary>
    /// The implementation's own names (its buffers, tensor offsets and helpers) live in the nested network type, where no
    /// member of the class can collide with them: a class may declare members under all of them.
    /// </summary>
    [Fact]
    public void TheImplementationsNamesAreFree()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel<float>(InputSize = 2, HiddenSize = 3, OutputSize = 1, Layers = 2, Cell = RnnCell.Lstm, Dropout = 0.1)]
            public partial class Net
            {
                private float[] _parameters = [];
                private const int HeadBias = 1;
                private int _steps;
                private void RunBatch() { }
                private int ReserveSteps(int steps) => steps;
                private bool _forwardDropped;
                public static int Layer0ForwardInputWeights => 5;
            }
            """);
        Assert.Empty(run.RnnGenDiagnostics);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>A name that only other shapes take stays the user's: Step belongs to streaming models.</summary>
    [Fact]
    public void NameOfAMemberThisModelDoesNotGetIsFree()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel<float>(InputSize = 2, HiddenSize = 3, OutputSize = 1)]
            public partial class Net { public int Step() => 1; }
            """);
        Assert.Empty(run.RnnGenDiagnostics);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>As PyTorch warns for nn.LSTM(num_layers=1, dropout=p): a warning, and the model is generated without dropout.</summary>
    [Fact]
    public void DropoutOfAOneLayerModelIsAWarning()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel<float>(InputSize = 2, HiddenSize = 3, OutputSize = 1, Dropout = 0.2)]
            public partial class Net { }
            """);
        Diagnostic warning = Assert.Single(run.RnnGenDiagnostics);
        Assert.Equal(("RNNGEN019", DiagnosticSeverity.Warning), (warning.Id, warning.Severity));
        Assert.Equal("Dropout = 0.2", warning.Location.SourceTree!.GetText().ToString(warning.Location.SourceSpan));
        Assert.StartsWith("Dropout applies between stacked layers, after every layer but the last, and Net has one layer", warning.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        string generated = Assert.Single(run.GeneratedSources, s => s.HintName == "Net.g.cs").Source;
        Assert.DoesNotContain("IRnnDropout", generated);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void NonConstantArgumentIsReported()
    {
        // The compiler rejects the argument itself (CS0182); the generator must still not throw and must not generate.
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel<float>(InputSize = System.Environment.ProcessorCount, HiddenSize = 1, OutputSize = 1)]
            public partial class Net { }
            """);
        Assert.Empty(run.GeneratedSources);
        Assert.Equal("RNNGEN009", Assert.Single(run.RnnGenDiagnostics, d => d.Id.StartsWith("RNNGEN", System.StringComparison.Ordinal)).Id);
        Assert.DoesNotContain(run.RnnGenDiagnostics, d => d.Id == "CS8785");
    }

    /// <summary>The messages users read, pinned as a snapshot.</summary>
    [Fact]
    public void Messages()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)]
            public class NotPartial { }
            [RnnModel<float>(InputSize = 0, HiddenSize = 5000, OutputSize = 1, Layers = 99)]
            public partial class OutOfRange { }
            [RnnModel<double>(InputSize = 1, HiddenSize = 1, OutputSize = 1, Topology = (RnnTopology)9, Loss = RnnLoss.CrossEntropy)]
            public partial class BadEnumAndLoss { }
            [RnnModel<float>(HiddenSize = 1)]
            public partial class MissingSizes { }
            [RnnModel<float>(InputSize = 4, HiddenSize = 2, OutputSize = 3, VocabularySize = 5, PaddingIndex = 5, EmbeddingModule = "rnn", Topology = RnnTopology.OneToMany)]
            public partial class BadEmbedding { }
            [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1, Layers = 2, Dropout = 1, HeadDropout = -0.5)]
            public partial class BadDropout { }
            """);
        Assert.Empty(run.GeneratedSources);
        SnapshotVerifier.Verify(run);
    }

    private static Diagnostic AssertSingleDiagnostic(string source, string id, string pointsAt)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.RnnGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        // The analyzer reports at the source: the span it points at is the text the user wrote.
        SyntaxTree tree = Assert.Single(run.OutputCompilation.SyntaxTrees, t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(pointsAt, tree.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Empty(run.GeneratedSources);
        return diagnostic;
    }
}
