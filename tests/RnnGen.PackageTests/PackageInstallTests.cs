using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.PackageTests;

/// <summary>
/// The README's install section, run as written: pack RnnGen into a folder feed, add the package to an empty console
/// app in a temporary folder (outside the repository, so none of its build files apply), declare a model, build with
/// warnings as errors, run it, meet the analyzer's error on a broken declaration, then declare the model by its weights file
/// and topology alone, so that the build reads the rest from the file's header (and reports a stated size that contradicts
/// it) and embeds the file, run with the embedded weights, then publish the same app with NativeAOT and run the native
/// binary, alone in its folder, which holds the weights.
/// </summary>
public sealed partial class PackageInstallTests(ITestOutputHelper output)
{
    private const string ReferenceCase = "bi1_tanh_m2m";

    /// <summary>The model of the reference case <c>bi1_tanh_m2m</c>: PyTorch's nn.RNN(4, 8, bidirectional=True) + nn.Linear(16, 4), T = 6.</summary>
    private const string AppProgram = """
        using System.Globalization;
        using System.Numerics;
        using RnnGen;

        // args[0]: a safetensors file with PyTorch's weights (state-dict names) and an input sequence "x".
        var model = new Tagger();
        model.LoadWeights(args[0]);
        float[] sequence;
        using (var file = SafeTensorsReader.Open(args[0]))
        {
            sequence = file.Read<float>("x");
        }

        var predictions = new float[sequence.Length / Tagger.InputSize * Tagger.OutputSize];
        model.Forward(sequence, predictions);
        Console.WriteLine($"Vector<float>.Count {Vector<float>.Count}");
        foreach (float p in predictions)
        {
            Console.WriteLine(p.ToString("R", CultureInfo.InvariantCulture));
        }

        [RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Direction = RnnDirection.Bidirectional)]
        public partial class Tagger { }
        """;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(15); // only against hangs: a loaded machine is slow

    [Fact]
    public void PackageInstallsBuildsRunsAndPublishesWithNativeAot()
    {
        string repository = FindRepository();
        string root = Path.Combine(Path.GetTempPath(), "rnngen-package-test-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(root, "feed");
        string app = Path.Combine(root, "PackageUser");
        Directory.CreateDirectory(app);
        try
        {
            // Pack as the README says; --artifacts-path keeps this build's bin/obj out of the repository's folders. The
            // local pack's own version, a prerelease of the second it was made, is one no earlier run used, so the NuGet
            // cache can never serve a stale copy.
            DateTime packed = DateTime.UtcNow;
            Run(repository, "pack", "src/RnnGen", "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(root, "artifacts"));
            string package = Assert.Single(Directory.GetFiles(feed, "RnnGen.*.nupkg"));
            string version = Path.GetFileNameWithoutExtension(package)["RnnGen.".Length..];
            Assert.Matches(@"^0\.1\.0-dev\.\d{14}$", version);
            Assert.InRange(DateTime.ParseExact(version["0.1.0-dev.".Length..], "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture),
                packed.AddSeconds(-1).AddTicks(-packed.Ticks % TimeSpan.TicksPerSecond), DateTime.UtcNow);
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), "no symbol package");
            using (ZipArchive contents = ZipFile.OpenRead(package))
            {
                string[] analyzers = [.. contents.Entries.Select(entry => entry.FullName).Where(name => name.StartsWith("analyzers/", StringComparison.Ordinal)).Order()];
                Assert.Equal(["analyzers/dotnet/cs/RnnGen.CodeFixes.dll", "analyzers/dotnet/cs/RnnGen.Generator.dll"], analyzers);
            }

            output.WriteLine($"package: {new FileInfo(package).Length:N0} bytes");

            // A new console app whose nuget.config lists the folder feed and the sources NuGet is configured with.
            Run(app, "new", "console", "--framework", "net10.0");
            string[] sources = ConfiguredSources(Run(app, "nuget", "list", "source", "--format", "short"));
            Run(app, "new", "nugetconfig");
            ReplaceSources(app, [feed, .. sources]);
            Run(app, "add", "package", "RnnGen", "--version", version);

            File.WriteAllText(Path.Combine(app, "Program.cs"), AppProgram);
            string weights = Path.Combine(repository, "tests", "data", "pytorch", ReferenceCase + ".safetensors");
            double[] expected = ReadExpectedPrediction(weights);

            string build = Run(app, "build", "-warnaserror", "-clp:Summary");
            AssertNoWarnings(build);

            // The analyzer as a user meets it: the model class without 'partial' fails the build with RNNGEN001 and its help link.
            File.WriteAllText(Path.Combine(app, "Program.cs"), AppProgram.Replace("public partial class Tagger", "public class Tagger", StringComparison.Ordinal));
            (int brokenExit, string broken) = Execute(DotNet(), app, ["build", "-clp:Summary"]);
            Assert.NotEqual(0, brokenExit);
            Assert.Matches(@"error RNNGEN001: The class 'Tagger' has \[RnnModel\] and must be declared 'partial' .*\(https://www\.nuget\.org/packages/RnnGen#readme-body-tab\)", broken);
            // Weights known at compile time: the project lists the file once and the declaration names it; the build reads the
            // file's header for the analyzer, which passes the matching declaration and reports a mismatched one at the argument.
            File.Copy(weights, Path.Combine(app, "tagger.safetensors"));
            File.WriteAllBytes(Path.Combine(app, "broken.safetensors"), [1, 2, 3, 4, 5]); // shorter than a header's length
            string projectFile = Path.Combine(app, "PackageUser.csproj");
            File.WriteAllText(projectFile, File.ReadAllText(projectFile).Replace(
                "</Project>", "  <ItemGroup>\n    <RnnGenWeights Include=\"tagger.safetensors\" />\n    <RnnGenWeights Include=\"broken.safetensors\" />\n  </ItemGroup>\n</Project>", StringComparison.Ordinal));
            // From here on the model is declared by its file and topology alone (the rest is read from the file's header), and
            // reads the copy the build embedded, its input too: the app takes no argument and needs no file beside it.
            string declaredWithWeights = AppProgram
                .Replace("[RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Direction = RnnDirection.Bidirectional)]",
                    "[RnnModel<float>(Weights = \"tagger.safetensors\", Topology = RnnTopology.ManyToMany)]", StringComparison.Ordinal)
                .Replace("// args[0]: a safetensors file with PyTorch's weights (state-dict names) and an input sequence \"x\".",
                    "// The weights and the input sequence \"x\": the copy of tagger.safetensors that the build embedded.", StringComparison.Ordinal)
                .Replace("model.LoadWeights(args[0]);", "model.LoadEmbeddedWeights();", StringComparison.Ordinal)
                .Replace("using (var file = SafeTensorsReader.Open(args[0]))",
                    "using (var file = new SafeTensorsReader(typeof(Tagger).Assembly.GetManifestResourceStream(\"RnnGen.Weights/tagger.safetensors\")!))", StringComparison.Ordinal);
            Assert.DoesNotContain("args[0]", declaredWithWeights, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(app, "Program.cs"), declaredWithWeights.Replace("Topology = RnnTopology.ManyToMany)]", "Topology = RnnTopology.ManyToMany, HiddenSize = 9)]", StringComparison.Ordinal));
            (int mismatchExit, string mismatch) = Execute(DotNet(), app, ["build", "-clp:Summary"]);
            Assert.NotEqual(0, mismatchExit);
            Assert.Contains("error RNNGEN027: Tagger states HiddenSize = 9, and \"tagger.safetensors\" holds 8: 'rnn.weight_hh_l0' is [8, 8]; remove the argument to take the file's value", mismatch);
            File.WriteAllText(Path.Combine(app, "Program.cs"), declaredWithWeights.Replace("\"tagger.safetensors\"", "\"broken.safetensors\"", StringComparison.Ordinal));
            (int brokenFileExit, string brokenFile) = Execute(DotNet(), app, ["build", "-clp:Summary"]);
            Assert.NotEqual(0, brokenFileExit);
            Assert.Contains("error RNNGEN021: The weights file \"broken.safetensors\" cannot be read: it is shorter than the 8 bytes of a safetensors header's length", brokenFile);
            File.WriteAllText(Path.Combine(app, "Program.cs"), declaredWithWeights);
            AssertNoWarnings(Run(app, "build", "-warnaserror", "-clp:Summary"));
            string dll = Path.Combine(app, "bin", "Debug", "net10.0", "PackageUser.dll");
            (int vectorCount, float[] jitPrediction) = ParseOutput(Run(app, dll));
            AssertClose(expected, jitPrediction);

            // NativeAOT: PublishAot in the project file (not -p:PublishAot=true), and AVX2 so Vector<float> is 256-bit.
            string project = Path.Combine(app, "PackageUser.csproj");
            // x86-64-v3 binaries refuse to start on CPUs without AVX2, so only where this one has it.
            string instructionSet = RuntimeInformation.ProcessArchitecture == Architecture.X64 && System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "\n    <IlcInstructionSet>x86-64-v3</IlcInstructionSet>" : "";
            File.WriteAllText(project, File.ReadAllText(project).Replace(
                "</PropertyGroup>",
                $"  <PublishAot>true</PublishAot>{instructionSet}\n  </PropertyGroup>",
                StringComparison.Ordinal));
            string publishFolder = Path.Combine(root, "aot");
            string publish = Run(app, "publish", "-c", "Release", "-o", publishFolder, "-warnaserror", "-clp:Summary");
            AssertNoWarnings(publish);
            string native = Path.Combine(publishFolder, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "PackageUser.exe" : "PackageUser");
            Assert.True(File.Exists(native), $"no native binary at {native}");
            output.WriteLine($"native binary: {new FileInfo(native).Length:N0} bytes");
            Assert.Empty(Directory.GetFiles(publishFolder, "*.safetensors"));
            (int aotVectorCount, float[] aotPrediction) = ParseOutput(RunExecutable(native, publishFolder));
            AssertClose(expected, aotPrediction);
            if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
            {
                Assert.Equal(vectorCount, aotVectorCount);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temporary folder is harmless.
            }
        }
    }

    private static string FindRepository()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RnnGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The enabled sources of `dotnet nuget list source --format short` ("E &lt;source&gt;" lines).</summary>
    private static string[] ConfiguredSources(string listing)
    {
        string[] sources = listing.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("E ", StringComparison.Ordinal))
            .Select(line => line[2..].Trim())
            .ToArray();
        Assert.NotEmpty(sources);
        return sources;
    }

    /// <summary>Empties the template's source list (it keeps its &lt;clear /&gt;) and adds <paramref name="sources"/>, each with `dotnet nuget add source`.</summary>
    private void ReplaceSources(string app, string[] sources)
    {
        string config = Path.Combine(app, "nuget.config");
        string text = File.ReadAllText(config);
        File.WriteAllText(config, AddSourceLine().Replace(text, string.Empty));
        for (int i = 0; i < sources.Length; i++)
        {
            Run(app, "nuget", "add", "source", sources[i], "--name", i == 0 ? "rnngen-local" : $"configured-{i}", "--configfile", config);
        }

        output.WriteLine(File.ReadAllText(config));
    }

    [GeneratedRegex(@"^\s*<add key=.*/>\s*$\n?", RegexOptions.Multiline)]
    private static partial Regex AddSourceLine();

    private static double[] ReadExpectedPrediction(string weights)
    {
        using SafeTensorsReader file = SafeTensorsReader.Open(weights);
        return file.Read<double>("expected.prediction");
    }

    private static (int VectorCount, float[] Prediction) ParseOutput(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("Vector<float>.Count ", lines[0]);
        int vectorCount = int.Parse(lines[0]["Vector<float>.Count ".Length..], CultureInfo.InvariantCulture);
        return (vectorCount, lines[1..].Select(line => float.Parse(line, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Within the conformance tolerance for float: |got - expected| &lt;= 1e-5 + 1e-4 |expected|.</summary>
    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(double.IsFinite(actual[i]), $"prediction {i} is {actual[i]}");
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + (1e-4 * Math.Abs(expected[i])), $"prediction {i}: {actual[i]} differs from PyTorch's {expected[i]}");
        }
    }

    private static void AssertNoWarnings(string buildOutput)
    {
        string[] warnings = buildOutput.Split('\n').Where(line => WarningLine().IsMatch(line)).ToArray();
        Assert.True(warnings.Length == 0, "The build printed warnings:\n" + string.Join("\n", warnings));
        Assert.Matches(@"(?m)^\s*0 Warning\(s\)", buildOutput);
    }

    [GeneratedRegex(@":\s*warning\s+[A-Za-z]+[0-9]+", RegexOptions.IgnoreCase)]
    private static partial Regex WarningLine();

    private string Run(string workingDirectory, params string[] arguments) => RunExecutable(DotNet(), workingDirectory, arguments);

    private static string DotNet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private string RunExecutable(string fileName, string workingDirectory, params string[] arguments)
    {
        (int exitCode, string all) = Execute(fileName, workingDirectory, arguments);
        Assert.True(exitCode == 0, $"`{Path.GetFileName(fileName)} {string.Join(' ', arguments)}` exited with {exitCode}:\n{all}");
        return all;
    }

    /// <summary>Runs the command to its end and returns its exit code and everything it printed.</summary>
    private (int ExitCode, string Output) Execute(string fileName, string workingDirectory, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // What `dotnet test` sets for its own build must not leak into the user's; no build servers outlive a command,
        // so the output pipes close when the command ends.
        foreach (string name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(text, e.Data);
        process.ErrorDataReceived += (_, e) => Append(text, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{Path.GetFileName(fileName)} {string.Join(' ', arguments)}` did not finish in {CommandTimeout}:\n{text}");
        }

        process.WaitForExit(); // drains the output
        string all;
        lock (text)
        {
            all = text.ToString();
        }

        output.WriteLine($"$ {Path.GetFileName(fileName)} {string.Join(' ', arguments)}   ({clock.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode})");
        return (process.ExitCode, all);
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }
}
