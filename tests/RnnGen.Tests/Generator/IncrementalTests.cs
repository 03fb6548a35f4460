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

        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Models })
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
}
