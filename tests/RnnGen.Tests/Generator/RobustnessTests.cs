using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>The generator never throws, also on code as it is being typed: each input either generates or is left to a diagnostic.</summary>
public sealed class RobustnessTests
{
    private const string ValidDeclaration = """
        using RnnGen;
        namespace Demo
        {
            public partial class Outer
            {
                [RnnModel<double>(InputSize = 7, HiddenSize = 16, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
                                  Activation = RnnActivation.Relu, OutputActivation = RnnOutputActivation.Softmax,
                                  Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
                public partial class Tagger { }
            }
        }
        """;

    /// <summary>Every prefix of a valid declaration, as an editor sees it while the user types.</summary>
    [Fact]
    public void EveryTruncationIsHandled()
    {
        for (int length = 1; length <= ValidDeclaration.Length; length++)
        {
            AssertHandled(ValidDeclaration[..length]);
        }
    }

    [Theory]
    [InlineData("[RnnModel<float>(InputSize = \"7\", HiddenSize = 1, OutputSize = 1)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 7.5, HiddenSize = 1, OutputSize = 1)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 2 * 3 + 1, HiddenSize = 1 << 3, OutputSize = 1)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1, Direction = RnnActivation.Relu)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1, Missing = 3)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(1, 2, 3)] public partial class Net { }")]
    [InlineData("[RnnModel<float>] public partial class Net { }")]
    [InlineData("[RnnModel<int>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial struct Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial interface INet { }")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial record struct Net;")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] [RnnModel<double>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial class Net { }")]
    [InlineData("[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial class Net { } public partial class Net { public void Forward() { } }")]
    [InlineData("class C { const int N = 4; [RnnModel<float>(InputSize = N, HiddenSize = N, OutputSize = N)] partial class Net { } }")]
    public void MalformedDeclarationIsHandled(string declaration) => AssertHandled("using RnnGen;\n" + declaration);

    /// <summary>No exception escapes (CS8785 is how the compiler reports a generator that threw), and when the source has no errors, neither does the output.</summary>
    private static void AssertHandled(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.DoesNotContain(run.RnnGenDiagnostics, d => d.Id == "CS8785");
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        bool inputHasErrors = GeneratorHarness.CreateCompilation(source).GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        bool reported = run.RnnGenDiagnostics.Any(d => d.Id.StartsWith("RNNGEN", StringComparison.Ordinal));
        if (!inputHasErrors && !reported && run.GeneratedSources.Count > 0)
        {
            Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        }
    }
}
