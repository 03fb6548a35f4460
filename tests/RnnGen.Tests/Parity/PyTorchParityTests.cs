using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Parity;

/// <summary>The generated models' outputs and gradients against PyTorch's (tests/data/pytorch, pytorch-gated and pytorch-variants, computed by PyTorch autograd in float64).</summary>
public sealed class PyTorchParityTests
{
    internal static readonly string ReferenceDirectory = Path.Combine(AppContext.BaseDirectory, "data", "pytorch");

    internal static readonly string GatedReferenceDirectory = Path.Combine(AppContext.BaseDirectory, "data", "pytorch-gated");

    /// <summary>Modules under their authors' names and bias-free layers (written by tests/data/pytorch_reference_cases.py).</summary>
    internal static readonly string VariantsReferenceDirectory = Path.Combine(AppContext.BaseDirectory, "data", "pytorch-variants");

    private static IEnumerable<ReferenceCase> AllCases() =>
        new[] { ReferenceDirectory, GatedReferenceDirectory, VariantsReferenceDirectory }.SelectMany(ReferenceCase.LoadAll);

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

    /// <summary>
    /// PyTorch float32's own largest errors on each case (tests/data/pytorch-float32-errors.json, written by
    /// tests/data/pytorch_float32_errors.py with Debian's PyTorch), over the forward tensors and the loss, and over the gradients.
    /// </summary>
    private static readonly Dictionary<string, (double Output, double Gradient)> s_pytorchFloat32Errors = LoadFloat32Errors();

    private static Dictionary<string, (double Output, double Gradient)> LoadFloat32Errors()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "pytorch-float32-errors.json")));
        return document.RootElement.GetProperty("cases").EnumerateObject()
            .ToDictionary(c => c.Name, c => (c.Value.GetProperty("output").GetDouble(), c.Value.GetProperty("grad").GetDouble()));
    }

    public static TheoryData<string> CaseNames() => new(AllCases().Select(c => c.Name));

    /// <summary>
    /// The float models are judged against PyTorch float32 on the same case, not only against a fixed tolerance: their
    /// largest output and gradient errors stay within twice PyTorch's, plus one rounding of a value of magnitude 1 (2^-24),
    /// which a case where PyTorch happens to round exactly still allows.
    /// </summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void FloatErrorsStayWithinTwicePyTorchFloat32s(string caseName)
    {
        ReferenceCase referenceCase = AllCases().Single(c => c.Name == caseName);
        Conformance.CaseResult result = Conformance.Check(referenceCase, Conformance.CreateModel<float>(typeof(PyTorchParityTests).Assembly, referenceCase, "float"), "float");
        (double pytorchOutput, double pytorchGradient) = s_pytorchFloat32Errors[caseName];
        const double OneRounding = 1.0 / (1 << 24);
        Assert.True(result.OutputError <= (2 * pytorchOutput) + OneRounding, $"output error {result.OutputError:E2}, PyTorch float32's {pytorchOutput:E2}");
        Assert.True(result.GradientError <= (2 * pytorchGradient) + OneRounding, $"gradient error {result.GradientError:E2}, PyTorch float32's {pytorchGradient:E2}");
    }

    /// <summary>The conformance runner, which builds the models in memory, passes every shared case in both precisions.</summary>
    [Theory]
    [InlineData("pytorch", "12 passed, 0 failed")]
    [InlineData("pytorch-gated", "8 passed, 0 failed")]
    [InlineData("pytorch-variants", "16 passed, 0 failed")]
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
