using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Parity;

/// <summary>The generated forward pass against PyTorch's (tests/data/pytorch, computed by PyTorch autograd in float64).</summary>
public sealed class PyTorchParityTests
{
    internal static readonly string ReferenceDirectory = Path.Combine(AppContext.BaseDirectory, "data", "pytorch");

    internal static readonly string GatedReferenceDirectory = Path.Combine(AppContext.BaseDirectory, "data", "pytorch-gated");

    private static IEnumerable<ReferenceCase> AllCases() =>
        ReferenceCase.LoadAll(ReferenceDirectory).Concat(ReferenceCase.LoadAll(GatedReferenceDirectory));

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (ReferenceCase referenceCase in AllCases())
        {
            data.Add(referenceCase.Name, "float");
            data.Add(referenceCase.Name, "double");
        }
        return data;
    }

    /// <summary>Models compiled into this test assembly by the real generator reproduce every output, final state, prediction and loss.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void CompiledModelMatchesPyTorch(string caseName, string precision)
    {
        ReferenceCase referenceCase = AllCases().Single(c => c.Name == caseName);
        Conformance.CaseResult result = precision == "float"
            ? Conformance.Check(referenceCase, Conformance.CreateModel<float>(typeof(PyTorchParityTests).Assembly, referenceCase, precision), precision)
            : Conformance.Check(referenceCase, Conformance.CreateModel<double>(typeof(PyTorchParityTests).Assembly, referenceCase, precision), precision);
        Assert.True(result.Passed, result.Detail);
    }

    /// <summary>The conformance runner, which builds the models in memory, passes every shared case in both precisions.</summary>
    [Theory]
    [InlineData("pytorch", "12 passed, 0 failed")]
    [InlineData("pytorch-gated", "8 passed, 0 failed")]
    public void ConformanceRunnerPassesEveryCase(string folder, string summary)
    {
        var output = new StringWriter();
        int failed = Conformance.Run([Path.Combine(AppContext.BaseDirectory, "data", folder)], output);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(failed == 0, output.ToString());
        Assert.Equal(summary, lines[^1].Trim());
        Assert.All(lines[..^1], line => Assert.Matches(@"^\w+ (float|double) PASS output=\d\.\d\de[-+]\d\d grad=\d\.\d\de[-+]\d\d$", line.Trim()));
    }
}
