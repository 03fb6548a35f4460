using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using RnnGen.TestKit;
using RnnGen.Tests.SafeTensors;
using Xunit;

namespace RnnGen.Tests.Parity;

/// <summary>
/// The conformance runner on reference folders other than ours: cases without some expected tensors, a folder's own
/// tolerance, a case whose file is missing, and a cases.json that is not in the format.
/// </summary>
public sealed class ConformanceRunnerTests
{
    private const string Source = "lstm_uni1_m2m";

    [Fact]
    public void TensorsACaseDoesNotHaveAreNotApplicableAndTheRestIsStillCompared()
    {
        using var folder = new TemporaryDirectory();
        WriteCase(folder.Path, "partial", name => name == "expected.final_cell" || name.StartsWith("expected.grad.", StringComparison.Ordinal));
        WriteCases(folder.Path, null, "partial");

        (int failed, string[] lines) = Run(folder.Path);

        Assert.Equal(0, failed);
        Assert.All(lines[..^1], line => Assert.Matches(@"^partial (float|double) PASS output=\d\.\d\de-\d\d grad=n/a  \(n/a: expected\.final_cell, expected\.grad\.\*\)$", line));
        Assert.Equal("2 passed, 0 failed", lines[^1]);
    }

    [Fact]
    public void WrongValuesInTheTensorsLeftStillFail()
    {
        using var folder = new TemporaryDirectory();
        WriteCase(folder.Path, "partial", name => name.StartsWith("expected.grad.", StringComparison.Ordinal), shiftPredictions: 1e-3);
        WriteCases(folder.Path, null, "partial");

        (int failed, string[] lines) = Run(folder.Path);

        Assert.Equal(2, failed);
        Assert.All(lines[..^1], line => Assert.Contains("FAIL", line));
        Assert.All(lines[..^1], line => Assert.Contains("expected.prediction[0]", line));
    }

    [Fact]
    public void AFoldersToleranceReplacesTheDefaultForItsPrecision()
    {
        using var folder = new TemporaryDirectory();
        WriteCase(folder.Path, "exact", _ => false);
        // float results cannot equal float64 values exactly; double keeps its default tolerance.
        WriteCases(folder.Path, new JsonObject { ["float"] = new JsonObject { ["atol"] = 0.0, ["rtol"] = 0.0 } }, "exact");

        (int failed, string[] lines) = Run(folder.Path);

        Assert.Equal(1, failed);
        Assert.StartsWith("exact float FAIL", lines[0]);
        Assert.StartsWith("exact double PASS", lines[1]);
    }

    [Fact]
    public void ACaseWhoseFileIsMissingFailsWithTheReasonAndTheOthersStillRun()
    {
        using var folder = new TemporaryDirectory();
        WriteCase(folder.Path, "present", _ => false);
        WriteCases(folder.Path, null, "gone", "present");

        (int failed, string[] lines) = Run(folder.Path);

        Assert.Equal(2, failed);
        Assert.Matches(@"^gone float FAIL output=n/a grad=n/a  \(FileNotFoundException: .*gone\.safetensors", lines[0]);
        Assert.StartsWith("present float PASS", lines[2]);
        Assert.Equal("2 passed, 2 failed", lines[^1]);
    }

    [Fact]
    public void ACasesFileOutOfTheFormatNamesTheCaseAndTheKey()
    {
        using var folder = new TemporaryDirectory();
        JsonObject entry = SourceEntry("broken");
        entry.Remove("hidden");
        File.WriteAllText(Path.Combine(folder.Path, "cases.json"), new JsonObject { ["cases"] = new JsonArray(entry) }.ToJsonString());

        var exception = Assert.Throws<InvalidDataException>(() => ReferenceCase.LoadAll(folder.Path));

        Assert.Contains("case 'broken'", exception.Message);
        Assert.Contains("no \"hidden\"", exception.Message);
    }

    private static (int Failed, string[] Lines) Run(string folder)
    {
        var output = new StringWriter();
        int failed = Conformance.Run([folder], output);
        return (failed, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd('\r')).ToArray());
    }

    /// <summary>The shared LSTM case's file under another name, without the tensors <paramref name="leaveOut"/> picks.</summary>
    private static void WriteCase(string folder, string name, Func<string, bool> leaveOut, double shiftPredictions = 0)
    {
        using SafeTensorsReader source = SafeTensorsReader.Open(Path.Combine(PyTorchParityTests.GatedReferenceDirectory, Source + ".safetensors"));
        var file = new SafeTensorsWriter();
        foreach (SafeTensorInfo tensor in source.Tensors.Where(tensor => !leaveOut(tensor.Name)))
        {
            long[] shape = [.. tensor.Shape];
            if (tensor.DType == "F64")
            {
                double[] values = source.Read<double>(tensor.Name);
                if (tensor.Name == "expected.prediction")
                {
                    values[0] += shiftPredictions;
                }
                file.Add<double>(tensor.Name, values, shape);
            }
            else
            {
                file.Add<float>(tensor.Name, source.Read<float>(tensor.Name), shape);
            }
        }
        using FileStream stream = File.Create(Path.Combine(folder, name + ".safetensors"));
        file.WriteTo(stream);
    }

    private static void WriteCases(string folder, JsonObject? tolerance, params string[] names)
    {
        var document = new JsonObject { ["cases"] = new JsonArray([.. names.Select(SourceEntry)]) };
        if (tolerance is not null)
        {
            document["tolerance"] = tolerance;
        }
        File.WriteAllText(Path.Combine(folder, "cases.json"), document.ToJsonString());
    }

    /// <summary>The shared LSTM case's cases.json entry under another name.</summary>
    private static JsonObject SourceEntry(string name)
    {
        JsonNode cases = JsonNode.Parse(File.ReadAllText(Path.Combine(PyTorchParityTests.GatedReferenceDirectory, "cases.json")))!["cases"]!;
        var entry = (JsonObject)cases.AsArray().Single(c => (string?)c!["name"] == Source)!.DeepClone();
        entry["name"] = name;
        return entry;
    }
}
