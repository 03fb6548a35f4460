using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>An edit elsewhere in the project must not re-run the emitter: every tracked step stays Cached or Unchanged.</summary>
public sealed class IncrementalTests
{
    [Fact]
    public void UnrelatedEditKeepsEveryStepCached()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            """
            using RnnGen;
            [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
            public partial class Net { }
            [RnnModel<float>(InputSize = 0, HiddenSize = 4, OutputSize = 2)]
            public partial class Broken { }
            """,
            "public static class Other { public static int Value => 1; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            other, other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("public static class Other { public static int Value => 2; }")));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Models, TrackingNames.Sizes })
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} is not tracked");
            Assert.All(
                result.TrackedSteps[step].SelectMany(s => s.Outputs),
                output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"step {step} was {output.Reason}"));
        }
        // The specs must hold plain values only: a symbol, syntax node or compilation would defeat caching.
        Assert.All(result.TrackedSteps[TrackingNames.Parse].SelectMany(s => s.Outputs), output =>
            Assert.False(output.Value is ISymbol or SyntaxNode or Compilation));
    }

    /// <summary>
    /// The size structs are collected over the whole compilation: an edit that changes no size leaves their file cached,
    /// one that brings a new size re-emits it with that size.
    /// </summary>
    [Fact]
    public void SizeStructsFollowTheSetOfSizes()
    {
        string Source(string activation, int hidden) =>
            $"using RnnGen;\n[RnnModel<float>(InputSize = 3, HiddenSize = {hidden}, OutputSize = 2, Activation = RnnActivation.{activation})]\npublic partial class Net {{ }}\n";
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Source("Tanh", 4));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        SyntaxTree model = compilation.SyntaxTrees.Single();

        GeneratorRunResult sameSizes = driver.RunGenerators(compilation.ReplaceSyntaxTree(model, model.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Source("Relu", 4))))).GetRunResult().Results.Single();
        Assert.All(sameSizes.TrackedSteps[TrackingNames.Sizes].SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"the sizes were {output.Reason}"));

        GeneratorRunResult newSize = driver.RunGenerators(compilation.ReplaceSyntaxTree(model, model.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Source("Tanh", 7))))).GetRunResult().Results.Single();
        Assert.Contains(newSize.TrackedSteps[TrackingNames.Sizes].SelectMany(s => s.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
        string sizes = newSize.GeneratedSources.Single(s => s.HintName == "RnnGen.Sizes.g.cs").SourceText.ToString();
        Assert.Contains("struct N7 ", sizes, System.StringComparison.Ordinal);
        Assert.DoesNotContain("struct N4 ", sizes, System.StringComparison.Ordinal);
    }

    /// <summary>Two models in one compilation share one file of size structs, each size once, and the whole compiles cleanly.</summary>
    [Fact]
    public void SizeStructsAreEmittedOncePerCompilation()
    {
        GeneratorRun run = GeneratorHarness.Run(
            """
            using RnnGen;
            [RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2)]
            public partial class First { }
            [RnnModel<double>(InputSize = 5, HiddenSize = 3, OutputSize = 2, Cell = RnnCell.Gru)]
            public partial class Second { }
            """);
        Assert.DoesNotContain(run.AllDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        string sizes = Assert.Single(run.GeneratedSources, s => s.HintName == "RnnGen.Sizes.g.cs").Source;
        // First: 3, 5, 2; Second: 5, 3, 2 (a cell runner derives its gate width from the hidden size).
        string[] declared = [.. System.Text.RegularExpressions.Regex.Matches(sizes, @"struct (N\d+) ").Select(m => m.Groups[1].Value)];
        Assert.Equal(["N2", "N3", "N5"], declared);
    }
}
