using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;
using RnnGen.TestKit;
using RnnGen.Tests.Infrastructure;
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

        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Models, TrackingNames.Sizes })
        {
            AssertNothingRedone(result, step);
        }
        AssertNoSourceReemitted(result);
        // The specs must hold plain values only, all the way down: a symbol, syntax node or compilation would defeat caching.
        foreach ((object value, IncrementalStepRunReason _) in Incrementality.Outputs(result, TrackingNames.Parse))
        {
            Incrementality.AssertHoldsNoCompilationObjects(value, TrackingNames.Parse);
        }
    }

    /// <summary>The object-graph check fails on a Roslyn object stored deep inside a value, as a field of a field.</summary>
    [Fact]
    public void TheGraphCheckFindsASymbolHeldDeepInsideAValue()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("public class Held { }");
        var holder = new { Spec = new { Names = new object[] { "a", compilation.GetTypeByMetadataName("Held")! } } };
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Incrementality.AssertHoldsNoCompilationObjects(holder, "holder"));
        Incrementality.AssertHoldsNoCompilationObjects(new { Names = new[] { "a", "b" }, Size = 3 }, "plain");
    }

    /// <summary>Blank lines and a comment typed above a model move its syntax but change no spec: no source is emitted again.</summary>
    [Fact]
    public void WhitespaceEditAboveAModelReemitsNothing()
    {
        const string Model = "[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]\npublic partial class Net { }\n";
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("using RnnGen;\n" + Model);
        GeneratorRunResult result = RunEdited(compilation, "using RnnGen;\n\n\n// the model\n" + Model);
        AssertNothingRedone(result, TrackingNames.Models);
        AssertNothingRedone(result, TrackingNames.Sizes);
        AssertNoSourceReemitted(result);
    }

    /// <summary>Of two models, only the edited one is emitted again (here its activation: the shared sizes stay).</summary>
    [Fact]
    public void EditingOneOfTwoModelsReemitsOnlyIt()
    {
        static string Source(string activation) => $$"""
            using RnnGen;
            [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Activation = RnnActivation.{{activation}})]
            public partial class First { }
            [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Gru)]
            public partial class Second { }
            """;
        GeneratorRunResult result = RunEdited(GeneratorHarness.CreateCompilation(Source("Tanh")), Source("Relu"));
        var reasons = Incrementality.Outputs(result, TrackingNames.Models).Select(output => output.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Single(reasons, reason => reason == IncrementalStepRunReason.Modified);
        Assert.Single(reasons, reason => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        AssertNothingRedone(result, TrackingNames.Sizes);
        Assert.Single(SourceOutputs(result), reason => reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    /// <summary>
    /// Lines inserted above a broken declaration move only its diagnostic: the analyzer reports it at its new line, and the
    /// generator (which reports nothing) emits no source again.
    /// </summary>
    [Fact]
    public void MovingOnlyADiagnosticReemitsNoSource()
    {
        const string Valid = "using RnnGen;\n[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]\npublic partial class Net { }\n";
        const string Broken = "[RnnModel<float>(InputSize = 0, HiddenSize = 4, OutputSize = 2)]\npublic partial class Broken { }\n";
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Valid + Broken);
        GeneratorRunResult result = RunEdited(compilation, Valid + "\n\n" + Broken);
        Assert.Empty(result.Diagnostics);
        Diagnostic moved = Assert.Single(GeneratorHarness.Run(Valid + "\n\n" + Broken).RnnGenDiagnostics);
        Assert.Equal(("RNNGEN003", 5), (moved.Id, moved.Location.GetLineSpan().StartLinePosition.Line));
        AssertNothingRedone(result, TrackingNames.Models);
        AssertNothingRedone(result, TrackingNames.Sizes);
        AssertNoSourceReemitted(result);
    }

    /// <summary>Runs the generator over <paramref name="compilation"/>, then over it with its only tree replaced by <paramref name="editedSource"/>.</summary>
    private static GeneratorRunResult RunEdited(CSharpCompilation compilation, string editedSource)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        return driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(editedSource)))).GetRunResult().Results.Single();
    }

    private static void AssertNothingRedone(GeneratorRunResult result, string step) =>
        Assert.All(Incrementality.Outputs(result, step), output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step} was {output.Reason}"));

    /// <summary>How each source output (a model's file, the size structs, the diagnostics) was reached on this run.</summary>
    private static List<IncrementalStepRunReason> SourceOutputs(GeneratorRunResult result) =>
        [.. result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs).Select(output => output.Reason)];

    private static void AssertNoSourceReemitted(GeneratorRunResult result) =>
        Assert.All(SourceOutputs(result), reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"a source output was {reason}"));

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
