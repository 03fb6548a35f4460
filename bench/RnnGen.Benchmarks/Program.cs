using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace RnnGen.Benchmarks;

/// <summary>
/// dotnet run -c Release --project bench/RnnGen.Benchmarks -- --quick
///   BenchmarkDotNet, in-process (InProcessEmitToolchain), a short job (pilot to 15 ms iterations, 1 warm-up and 5
///   measured iterations, medians; allocations checked exactly with GC.GetAllocatedBytesForCurrentThread); prints only VERIFY, RESULT, BASELINE, THROUGHPUT, PEAK
///   and ALLOCATIONS lines. Under two minutes on 2 cores.
/// dotnet run -c Release --project bench/RnnGen.Benchmarks [-- BenchmarkDotNet arguments, e.g. --filter *Forward*]
///   the normal BenchmarkDotNet jobs (separate processes) with the memory diagnoser, then the same RESULT lines.
/// Both modes first check, untimed, that the scalar, TensorPrimitives and prototype implementations compute the
/// generated model's outputs and gradients (exit code 1 if not).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var clock = Stopwatch.StartNew();
        if (args.Contains("--peak-only"))
        {
            return PeakOnly();
        }
        if (args.Contains("--generator-only"))
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Console.WriteLine($"ENV load average at the start: {LoadAverage()}");
            int code = RunGeneratorSpeed(quick: false);
            Console.WriteLine($"ENV load average at the end: {LoadAverage()}");
            Console.WriteLine($"DONE in {clock.Elapsed.TotalSeconds:F0} s (generator only)");
            return code;
        }
        bool quick = args.Contains("--quick");
        Registry.Quick = quick;
        string[] rest = args.Where(a => a != "--quick").ToArray();
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        Console.WriteLine($"ENV Vector<float>.Count={Vector<float>.Count} Vector<double>.Count={Vector<double>.Count} Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated} cores={Environment.ProcessorCount} runtime={Environment.Version}");
        bool anyStep = Registry.All.Any(c => c.HasGeneratedStep);
        Console.WriteLine(anyStep
            ? "ENV streaming: the models have a generated Step(ReadOnlySpan<T>, Span<T>); step_* lines measure it"
            : "ENV streaming: no generated Step yet; stepfwd_* lines measure Forward over T = 1 from the carried state instead");

        Console.WriteLine($"ENV load average at the start: {LoadAverage()}");
        bool ok = true;
        foreach (IModelCase c in Registry.All)
        {
            ok &= c.Verify(out string report);
            Console.WriteLine(report);
        }
        if (!ok)
        {
            Console.WriteLine("VERIFY FAILED: the implementations disagree; not measuring.");
            return 1;
        }

        CheckAllocations();
        string? peak512 = RunPeak512Child();

        string artifacts = Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts");
        IConfig config;
        IEnumerable<Summary> summaries;
        Type[] types = [typeof(FmaPeak), typeof(Forward), typeof(Bptt), typeof(Step), typeof(Train)];
        // No prototype where it does not apply; the 512-bit peak runs in the child process (see RunPeak512Child).
        var filter = new SimpleFilter(b =>
            !b.Descriptor.WorkloadMethod.Name.StartsWith("Vector512", StringComparison.Ordinal)
            && (b.Descriptor.WorkloadMethod.Name != nameof(Forward.Prototype) || Registry.Get((string)b.Parameters["Case"]).HasPrototype));
        if (quick)
        {
            Job job = QuickJob();
            config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddLogger(NullLogger.Instance)
                .AddFilter(filter)
                .WithArtifactsPath(artifacts)
                .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
            summaries = BenchmarkRunner.Run(types, config);
        }
        else
        {
            config = DefaultConfig.Instance
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddFilter(filter)
                .WithArtifactsPath(artifacts)
                .WithOptions(ConfigOptions.JoinSummary);
            if (!rest.Contains("--filter"))
            {
                rest = [.. rest, "--filter", "*"];
            }
            summaries = BenchmarkSwitcher.FromTypes(types).Run(rest, config);
        }

        Print(summaries.ToList(), peak512);
        if (RunGeneratorSpeed(quick) != 0)
        {
            return 1;
        }
        Console.WriteLine($"ENV load average at the end: {LoadAverage()} (2 cores shared: figures scale with the other processes' load)");
        Console.WriteLine($"DONE in {clock.Elapsed.TotalSeconds:F0} s ({(quick ? "quick" : "full")} mode)");
        return 0;
    }

    private readonly record struct Measurement(double Nanoseconds, long? AllocatedBytes);

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>
    /// The generator's speed (<see cref="GeneratorSpeed"/>), in both modes: checked first (50 models compile cleanly; an
    /// unrelated edit leaves every tracked step cached), then an in-process job of its own (2 warm-up and 9 measured
    /// iterations; a run longer than the 15 ms iteration is one invocation per iteration), medians in milliseconds:
    /// RESULT name=generator_50_models_first|generator_50_models_incremental|compile_50_models ms=...
    /// </summary>
    private static int RunGeneratorSpeed(bool quick)
    {
        string? report = GeneratorSpeed.Check(out string problem);
        if (report is null)
        {
            Console.WriteLine($"VERIFY FAILED generator: {problem}");
            return 1;
        }
        Console.WriteLine(report);
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.DontLogOutput)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 1 : 2)
            .WithIterationCount(quick ? 5 : 9) // quick mode keeps the whole run under two minutes
            .WithIterationTime(TimeInterval.FromMilliseconds(15))
            .WithId("Generator");
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(NullLogger.Instance)
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts", "generator"))
            .WithOptions(ConfigOptions.DisableLogFile);
        Summary summary = BenchmarkRunner.Run<GeneratorSpeed>(config);
        var names = new Dictionary<string, string>
        {
            [nameof(GeneratorSpeed.FirstRun)] = $"generator_{GeneratorSpeed.ModelCount}_models_first",
            [nameof(GeneratorSpeed.IncrementalRun)] = $"generator_{GeneratorSpeed.ModelCount}_models_incremental",
            [nameof(GeneratorSpeed.FirstRunAndEmit)] = $"compile_{GeneratorSpeed.ModelCount}_models",
            [nameof(GeneratorSpeed.BuildAndEmit)] = $"compile_{GeneratorSpeed.ModelCount}_models_build",
            [nameof(GeneratorSpeed.BuildWithDocumentationFileAndEmit)] = $"compile_{GeneratorSpeed.ModelCount}_models_build_documentation_file",
        };
        foreach (BenchmarkReport r in summary.Reports)
        {
            if (r.ResultStatistics is not null)
            {
                Console.WriteLine(FormattableString.Invariant(
                    $"RESULT name={names[r.BenchmarkCase.Descriptor.WorkloadMethod.Name]} ms={r.ResultStatistics.Median / 1e6:F2} min_ms={r.ResultStatistics.Min / 1e6:F2} max_ms={r.ResultStatistics.Max / 1e6:F2}"));
            }
        }
        return 0;
    }

    private static Job QuickJob() => Job.Default
        .WithToolchain(InProcessEmitToolchain.DontLogOutput)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(15))
        .WithId("Quick");

    /// <summary>
    /// The runtime leaves Vector512 unaccelerated on this CPU by default (PreferredVectorBitWidth = 256), which is what
    /// the generated code and TensorPrimitives see. The 512-bit FMA peak is therefore measured in a child process with
    /// DOTNET_PreferredVectorBitWidth=512 (same short BenchmarkDotNet job), so only that figure sees 512-bit vectors.
    /// </summary>
    private static string? RunPeak512Child()
    {
        try
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!, $"\"{typeof(Program).Assembly.Location}\" --peak-only")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) != "dotnet")
            {
                start = new ProcessStartInfo(Environment.ProcessPath!, "--peak-only") { RedirectStandardOutput = true, UseShellExecute = false };
            }
            start.Environment["DOTNET_PreferredVectorBitWidth"] = "512";
            using Process child = Process.Start(start)!;
            string output = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            return output;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Console.WriteLine($"PEAK512 child failed: {e.Message}");
            return null;
        }
    }

    private static int PeakOnly()
    {
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(QuickJob())
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(NullLogger.Instance)
            .AddFilter(new SimpleFilter(b => b.Descriptor.WorkloadMethod.Name.StartsWith("Vector512", StringComparison.Ordinal)))
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts", "peak512"))
            .WithOptions(ConfigOptions.DisableLogFile);
        Summary summary = BenchmarkRunner.Run<FmaPeak>(config);
        foreach (BenchmarkReport report in summary.Reports)
        {
            if (report.ResultStatistics is not null)
            {
                Console.WriteLine(FormattableString.Invariant($"PEAK512 method={report.BenchmarkCase.Descriptor.WorkloadMethod.Name} ns={report.ResultStatistics.Median} accelerated={Vector512.IsHardwareAccelerated}"));
            }
        }
        return 0;
    }

    /// <summary>
    /// Zero allocations, checked exactly: GC.GetAllocatedBytesForCurrentThread around 2 calls of every measured loop after
    /// a warm-up call (the scalar and TensorPrimitives training loops are skipped for time). In full mode
    /// BenchmarkDotNet's memory diagnoser reports the same per benchmark.
    /// </summary>
    private static void CheckAllocations()
    {
        var nonZero = new List<string>();
        int loops = 0;
        foreach (IModelCase c in Registry.All)
        {
            foreach (Impl impl in new[] { Impl.Generated, Impl.Scalar, Impl.TensorPrimitives, Impl.Prototype })
            {
                if (impl == Impl.Prototype && !c.HasPrototype)
                {
                    continue;
                }
                var families = new List<(string Name, Action Run)> { ("Forward", () => c.Forward(impl)), ("Bptt", () => c.Bptt(impl)) };
                if (c.CanStep) { families.Add(("Step", () => c.Step(impl))); }
                if (impl == Impl.Generated && Registry.TrainKeys().Contains(c.Key)) { families.Add(("Train", () => c.Train(impl))); }
                foreach ((string name, Action run) in families)
                {
                    run();
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    run();
                    run();
                    long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                    loops++;
                    if (bytes != 0)
                    {
                        nonZero.Add($"{name}.{impl}({c.Key})={bytes / 2}B");
                    }
                }
            }
        }
        Console.WriteLine(nonZero.Count == 0
            ? $"ALLOCATIONS 0 B per call in all {loops} measured loops (GC.GetAllocatedBytesForCurrentThread around 2 warmed calls each)"
            : $"ALLOCATIONS non-zero per call: {string.Join(' ', nonZero)}");
    }

    private static void Print(List<Summary> summaries, string? peak512)
    {
        var results = new Dictionary<(string Type, string Method, string Case), Measurement>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                if (report.ResultStatistics is null)
                {
                    continue;
                }
                BenchmarkDotNet.Running.BenchmarkCase bc = report.BenchmarkCase;
                string key = bc.Parameters.Items.FirstOrDefault(p => p.Name == "Case")?.Value as string ?? "";
                results[(bc.Descriptor.Type.Name, bc.Descriptor.WorkloadMethod.Name, key)] =
                    new Measurement(report.ResultStatistics.Median, report.GcStats.GetBytesAllocatedPerOperation(bc));
            }
        }

        double Gflops(double flops, double ns) => flops / ns;
        var peak = new Dictionary<string, double>();
        foreach ((string method, int lanes) in new[] { ("VectorFloat", Vector<float>.Count), ("VectorDouble", Vector<double>.Count), ("Vector512Float", 16), ("Vector512Double", 8) })
        {
            if (results.TryGetValue((nameof(FmaPeak), method, ""), out Measurement m))
            {
                peak[method] = Gflops(Benchmarks.Peak.Flops(lanes), m.Nanoseconds);
            }
        }
        foreach (string line in (peak512 ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // PEAK512 method=Vector512Float ns=... accelerated=True
            string[] parts = line.Split(' ');
            if (parts.Length >= 3 && parts[0] == "PEAK512")
            {
                string method = parts[1]["method=".Length..];
                double ns = double.Parse(parts[2]["ns=".Length..], CultureInfo.InvariantCulture);
                results[(nameof(FmaPeak), method, "")] = new Measurement(ns, null);
                peak[method] = Gflops(Benchmarks.Peak.Flops(method.EndsWith("Float", StringComparison.Ordinal) ? 16 : 8), ns);
                if (method == "Vector512Float")
                {
                    Console.WriteLine(parts[^1] == "accelerated=True"
                        ? "ENV 512-bit peak measured in a child process with DOTNET_PreferredVectorBitWidth=512 (Vector512 accelerated)"
                        : "ENV Vector512 is not hardware accelerated even with DOTNET_PreferredVectorBitWidth=512 (no AVX-512 exposed by this CPU): peak_fma512 lines measure Vector512 code lowered to 256-bit instructions");
                }
            }
        }
        double PeakOf(IModelCase c) => peak.GetValueOrDefault(c.IsDouble ? "VectorDouble" : "VectorFloat", double.NaN);

        foreach ((string method, string type, int bits) in new[] { ("VectorFloat", "float", Vector<float>.Count * 32), ("Vector512Float", "float", 512), ("VectorDouble", "double", Vector<double>.Count * 64), ("Vector512Double", "double", 512) })
        {
            if (peak.TryGetValue(method, out double g))
            {
                double vectorPeak = peak.GetValueOrDefault(type == "float" ? "VectorFloat" : "VectorDouble", double.NaN);
                Console.WriteLine($"RESULT name=peak_fma{bits}_{type} us={results[(nameof(FmaPeak), method, "")].Nanoseconds / 1000:F2} gflops={g:F1} peak_pct={100 * g / vectorPeak:F1} vs_scalar=- vs_tensorprimitives=-");
            }
        }

        var allocations = new List<string>();
        void Emit(string family, string prefix, Func<IModelCase, string> name, Func<IModelCase, double> flops, IEnumerable<string> keys, bool withPrototype)
        {
            foreach (string key in keys)
            {
                IModelCase c = Registry.Get(key);
                if (!results.TryGetValue((family, "Generated", key), out Measurement generated))
                {
                    continue;
                }
                Measurement scalar = results.GetValueOrDefault((family, "Scalar", key), new Measurement(double.NaN, null));
                Measurement tp = results.GetValueOrDefault((family, "TensorPrimitives", key), new Measurement(double.NaN, null));
                double f = flops(c);
                void Line(string label, Measurement m)
                {
                    double g = Gflops(f, m.Nanoseconds);
                    Console.WriteLine($"RESULT name={label} us={m.Nanoseconds / 1000:F3} gflops={g:F2} peak_pct={100 * g / PeakOf(c):F1} vs_scalar={scalar.Nanoseconds / m.Nanoseconds:F2} vs_tensorprimitives={tp.Nanoseconds / m.Nanoseconds:F2}");
                }
                Line(prefix + name(c), generated);
                foreach ((string impl, Measurement m) in new[] { ("scalar", scalar), ("tensorprimitives", tp) })
                {
                    double g = Gflops(f, m.Nanoseconds);
                    Console.WriteLine($"BASELINE name={prefix + name(c)} impl={impl} us={m.Nanoseconds / 1000:F3} gflops={g:F2} peak_pct={100 * g / PeakOf(c):F1}");
                }
                if (withPrototype && results.TryGetValue((family, "Prototype", key), out Measurement prototype))
                {
                    Line("proto_" + prefix + name(c), prototype);
                    Console.WriteLine($"PROTO name={prefix + name(c)} prototype_vs_generated={generated.Nanoseconds / prototype.Nanoseconds:F2}");
                }
                if (family == nameof(Train))
                {
                    Console.WriteLine($"THROUGHPUT name={prefix + name(c)} generated_seq_per_s={32e9 / generated.Nanoseconds:F0} scalar_seq_per_s={32e9 / scalar.Nanoseconds:F0} tensorprimitives_seq_per_s={32e9 / tp.Nanoseconds:F0}");
                }
            }
        }

        Emit(nameof(Forward), "forward_", c => c.Key, c => c.ForwardFlops, Forward.Cases, true);
        Emit(nameof(Bptt), "bptt_", c => c.Key, c => c.BpttFlops, Bptt.Cases, true);
        Emit(nameof(Step), "", c => (c.HasGeneratedStep ? "step_" : "stepfwd_") + c.Key.Replace("_T50", "_T1", StringComparison.Ordinal), c => c.StepFlops, Step.Cases, true);
        Emit(nameof(Train), "train_", c => c.Key.Replace("_T50", "_T50_B32", StringComparison.Ordinal), c => c.TrainFlops, Train.Cases, false);

        foreach (KeyValuePair<(string Type, string Method, string Case), Measurement> entry in results)
        {
            if (entry.Value.AllocatedBytes is long bytes && bytes > 0)
            {
                allocations.Add($"{entry.Key.Type}.{entry.Key.Method}({entry.Key.Case})={bytes}B");
            }
        }
        int withData = results.Values.Count(m => m.AllocatedBytes is not null);
        if (withData == 0)
        {
            return;
        }
        Console.WriteLine(allocations.Count == 0
            ? $"ALLOCATIONS (memory diagnoser) 0 B per operation in all {withData} measured loops (BenchmarkDotNet memory diagnoser)"
            : $"ALLOCATIONS (memory diagnoser) non-zero: {string.Join(' ', allocations)}");
    }
}
