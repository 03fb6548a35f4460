using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using RnnGen.CodeFixes;
using RnnGen.Generator;
using RnnGen.Generator.Model;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>
/// Each code fix, through Roslyn's code-fix test harness: the analyzer reports the marked diagnostic on the test code, the
/// fix (chosen by its equivalence key where a diagnostic offers two) turns it into the fixed code, and the analyzer then
/// reports nothing. Fix All runs over every marked diagnostic of the document at once.
/// </summary>
public sealed class CodeFixTests
{
    [Fact]
    public Task PartialIsAddedToTheClassAndEveryContainingType() => Verify<MakePartialCodeFix>(
        """
        using RnnGen;
        namespace Demo
        {
            public static class Outer
            {
                internal class Middle
                {
                    [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
                    sealed class {|RNNGEN001:{|RNNGEN002:{|RNNGEN002:Net|}|}|} { }
                }
            }
        }
        """,
        """
        using RnnGen;
        namespace Demo
        {
            public static partial class Outer
            {
                internal partial class Middle
                {
                    [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
                    sealed partial class Net { }
                }
            }
        }
        """);

    /// <summary>A class with no modifier at all: <c>partial</c> takes the keyword's place, its indentation kept.</summary>
    [Fact]
    public Task PartialIsAddedWithoutOtherModifiers() => Verify<MakePartialCodeFix>(
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        class {|RNNGEN001:Net|} { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        partial class Net { }
        """);

    [Fact]
    public Task FixAllMakesEveryModelInTheDocumentPartial() => Verify<MakePartialCodeFix>(
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        public class {|RNNGEN001:First|} { }
        [RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        public class {|RNNGEN001:Second|} { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        public partial class First { }
        [RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        public partial class Second { }
        """);

    [Theory]
    [InlineData("HiddenSize = 0", "HiddenSize = 1")]
    [InlineData("HiddenSize = 5000", "HiddenSize = 4096")]
    public Task ASizeOutOfRangeIsClamped(string bad, string clamped) => Verify<AttributeArgumentCodeFix>(
        $$"""
        using RnnGen;
        [RnnModel<float>(InputSize = 3, {|RNNGEN003:{{bad}}|}, OutputSize = 2)]
        public partial class Net { }
        """,
        $$"""
        using RnnGen;
        [RnnModel<float>(InputSize = 3, {{clamped}}, OutputSize = 2)]
        public partial class Net { }
        """);

    [Fact]
    public Task LayersAboveTheirLimitAreClamped() => Verify<AttributeArgumentCodeFix>(
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, {|RNNGEN003:Layers = 40|})]
        public partial class Net { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 16)]
        public partial class Net { }
        """);

    [Fact]
    public Task AMissingSizeIsAddedWithAPlaceholder() => Verify<AttributeArgumentCodeFix>(
        """
        using RnnGen;
        [{|RNNGEN006:RnnModel<float>(InputSize = 3, OutputSize = 2)|}]
        public partial class Net { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, OutputSize = 2, HiddenSize = 1)]
        public partial class Net { }
        """);

    /// <summary>Across lines, the added argument goes right after the last value, before its comment.</summary>
    [Fact]
    public Task AnArgumentAddedToAMultiLineAttributeKeepsTheLastComment() => Verify<AttributeArgumentCodeFix>(
        """
        using RnnGen;
        [{|RNNGEN006:RnnModel<float>(InputSize = 3,
            OutputSize = 2 // three classes and a blank
        )|}]
        public partial class Net { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3,
            OutputSize = 2, HiddenSize = 1 // three classes and a blank
        )]
        public partial class Net { }
        """);

    /// <summary>RNNGEN007 and RNNGEN010 offer two ways out; each fix, chosen by its key, gives its own fixed declaration.</summary>
    [Theory]
    [InlineData("OutputActivation = RnnOutputActivation.Sigmoid, {|RNNGEN007:Loss = RnnLoss.CrossEntropy|}",
        "RNNGEN007: Set OutputActivation = RnnOutputActivation.Softmax", "OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy")]
    [InlineData("OutputActivation = RnnOutputActivation.Sigmoid, {|RNNGEN007:Loss = RnnLoss.CrossEntropy|}",
        "RNNGEN007: Remove Loss = CrossEntropy (squared error)", "OutputActivation = RnnOutputActivation.Sigmoid")]
    [InlineData("Direction = RnnDirection.Bidirectional, {|RNNGEN010:Streaming = true|}",
        "RNNGEN010: Set Direction = RnnDirection.Unidirectional", "Direction = RnnDirection.Unidirectional, Streaming = true")]
    [InlineData("Direction = RnnDirection.Bidirectional, {|RNNGEN010:Streaming = true|}", "RNNGEN010: Remove Streaming", "Direction = RnnDirection.Bidirectional")]
    public Task EachOfTwoFixesGivesItsDeclaration(string arguments, string fix, string fixedArguments) => Verify<AttributeArgumentCodeFix>(
        $$"""
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, {{arguments}})]
        public partial class Net { }
        """,
        $$"""
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, {{fixedArguments}})]
        public partial class Net { }
        """,
        fix);

    /// <summary>Without <c>using RnnGen;</c> the added value is written in full.</summary>
    [Fact]
    public Task TheSoftmaxIsAddedWhereNoneIsWrittenAndQualifiedWithoutAUsing() => Verify<AttributeArgumentCodeFix>(
        """
        [RnnGen.RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, {|RNNGEN007:Loss = RnnGen.RnnLoss.CrossEntropy|})]
        public partial class Net { }
        """,
        """
        [RnnGen.RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Loss = RnnGen.RnnLoss.CrossEntropy, OutputActivation = RnnGen.RnnOutputActivation.Softmax)]
        public partial class Net { }
        """,
        "RNNGEN007: Set OutputActivation = RnnOutputActivation.Softmax");

    [Fact]
    public Task AGatedCellLosesItsActivation() => Verify<AttributeArgumentCodeFix>(
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Lstm, {|RNNGEN012:Activation = RnnActivation.Relu|})]
        public partial class Net { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Lstm)]
        public partial class Net { }
        """);

    /// <summary>
    /// A declaration that states what its weights file contradicts (RNNGEN027): the fix drops the argument, the file's
    /// value holds, and nothing is left to report. The file is the bi1_tanh_m2m case's (nn.RNN(4, 8, bidirectional=True)),
    /// its header given to the analyzer as the build writes it.
    /// </summary>
    [Fact]
    public Task AnArgumentTheWeightsFileContradictsIsRemoved() => Verify<AttributeArgumentCodeFix>(
        """
        using RnnGen;
        [RnnModel<float>(Weights = "models/tagger.safetensors", Direction = RnnDirection.Bidirectional, {|RNNGEN027:HiddenSize = 9|})]
        public partial class Net { }
        """,
        """
        using RnnGen;
        [RnnModel<float>(Weights = "models/tagger.safetensors", Direction = RnnDirection.Bidirectional)]
        public partial class Net { }
        """,
        additionalFiles: [("obj/rnngen/models_tagger.safetensors" + WeightsHeader.Extension, HeaderOf("models/tagger.safetensors", "bi1_tanh_m2m"))]);

    /// <summary>What the build writes for a listed weights file: its path and the safetensors header of the case's file, from its own bytes.</summary>
    private static string HeaderOf(string listedAs, string referenceCase)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(System.IO.Path.Combine(System.AppContext.BaseDirectory, "data", "pytorch", referenceCase + ".safetensors"));
        int length = (int)System.BitConverter.ToUInt64(bytes, 0);
        return $$"""{"file": "{{listedAs}}", "header": {{System.Text.Encoding.UTF8.GetString(bytes, 8, length).TrimEnd(' ')}}}""";
    }

    private static async Task Verify<TFix>(string source, string fixedSource, string? equivalenceKey = null, (string Path, string Text)[]? additionalFiles = null)
        where TFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<RnnModelAnalyzer, TFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            // Offline: no reference pack is downloaded; the compilation gets .NET 10's reference assemblies and the runtime library.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        test.TestState.AdditionalReferences.Add(typeof(RnnModelAttribute<>).Assembly);
        foreach ((string path, string text) in additionalFiles ?? [])
        {
            test.TestState.AdditionalFiles.Add((path, text));
            test.FixedState.AdditionalFiles.Add((path, text));
        }
        await test.RunAsync();
    }
}
