using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.TestKit;
using Xunit;
using Model = RnnGen.Generator.Model;

namespace RnnGen.Tests.Generator;

/// <summary>The generator reads the attribute's enums as numbers; its mirrors must agree with the runtime library's enums name for name.</summary>
public sealed class EnumMirrorTests
{
    [Theory]
    [InlineData(typeof(RnnDirection), typeof(Model.Direction))]
    [InlineData(typeof(RnnActivation), typeof(Model.HiddenActivation))]
    [InlineData(typeof(RnnOutputActivation), typeof(Model.OutputActivation))]
    [InlineData(typeof(RnnTopology), typeof(Model.Topology))]
    [InlineData(typeof(RnnLoss), typeof(Model.Loss))]
    [InlineData(typeof(RnnCell), typeof(Model.Cell))]
    public void GeneratorEnumMatchesRuntimeEnum(Type runtime, Type mirror)
    {
        Assert.Equal(
            Enum.GetNames(runtime).Select(n => (n, Convert.ToInt32(Enum.Parse(runtime, n)))),
            Enum.GetNames(mirror).Select(n => (n, Convert.ToInt32(Enum.Parse(mirror, n)))));
    }

    /// <summary>
    /// A declaration written with the enum's former name, <c>OutputActivation.Softmax</c>, still generates the same model;
    /// the only new diagnostic is the obsolete name's warning (CS0618), which says what to write instead.
    /// </summary>
    [Fact]
    public void TheFormerOutputActivationNameStillCompilesWithAWarning()
    {
        const string declaration = """
            using RnnGen;
            [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, OutputActivation = {0}.Softmax, Loss = RnnLoss.CrossEntropy)]
            public partial class Net { }
            """;
        GeneratorRun former = GeneratorHarness.Run(declaration.Replace("{0}", "OutputActivation"));
        GeneratorRun current = GeneratorHarness.Run(declaration.Replace("{0}", "RnnOutputActivation"));

        Assert.Equal(current.GeneratedSources, former.GeneratedSources);
        Diagnostic warning = Assert.Single(former.AllDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.Equal("CS0618", warning.Id);
        Assert.Contains("Use RnnOutputActivation", warning.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(current.AllDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
    }

    [Fact]
    public void LimitsMatch()
    {
        Assert.Equal(RnnLimits.MaxSize, Model.Limits.MaxSize);
        Assert.Equal(RnnLimits.MaxLayers, Model.Limits.MaxLayers);
        Assert.Equal(RnnLimits.MaxVocabularySize, Model.Limits.MaxVocabularySize);
    }
}
