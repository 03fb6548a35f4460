using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen;

namespace RnnGen.AotBench;

// Same declarations as bench/RnnGen.Benchmarks (many-to-many, tanh, identity output, squared error, OutputSize 8).
[RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8)] public partial class F64x128 { }
[RnnModel<float>(InputSize = 16, HiddenSize = 32, OutputSize = 8, Streaming = true)] public partial class F16x32Stream { }
[RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Streaming = true)] public partial class F64x128Stream { }

/// <summary>
/// Stopwatch timing that works the same under the JIT and under NativeAOT: each case is warmed up (at least 0.5 s and
/// 200 calls, so the JIT's final code runs), then timed in 41 repetitions of a batch of calls sized to take about 5 ms;
/// the figure is the median of the per-call times. Prints
/// RESULT name=&lt;forward|bptt|step&gt;_I&lt;i&gt;_H&lt;h&gt;_T&lt;t&gt;_float_&lt;aot|jit&gt; us=&lt;median&gt; min_us=... max_us=... checksum=...
/// (the checksum of the outputs shows the builds compute the same thing; the last digits may differ with the vector width).
/// </summary>
public static class Program
{
    private const int Steps = 50;
    private const int Repetitions = 41;
    private const double RepetitionSeconds = 0.005;

    public static int Main()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        bool aot = !RuntimeFeature.IsDynamicCodeSupported;
        string mode = aot ? "aot" : "jit";
        Console.WriteLine($"ENV mode={mode} Vector<float>.Count={Vector<float>.Count} Vector256.IsHardwareAccelerated={Vector256.IsHardwareAccelerated} Avx2={Avx2.IsSupported} Fma={Fma.IsSupported} cores={Environment.ProcessorCount} runtime={Environment.Version}");
        Console.WriteLine($"ENV load average at the start: {LoadAverage()}");

        var random = new Random(99);
        float[] inputs = RandomArray(random, Steps * 64);
        float[] targets = RandomArray(random, Steps * 8);
        float[] predictions = new float[Steps * 8];
        float[] inputGradients = new float[Steps * 64];
        float[] stateGradients = new float[128];

        var forward = new F64x128();
        forward.InitializeParameters(new Random(1234));
        Measure($"forward_I64_H128_T{Steps}_float_{mode}", () => forward.Forward(inputs, default, predictions), () => Sum(predictions));

        var bptt = new F64x128();
        bptt.InitializeParameters(new Random(1234));
        Measure($"bptt_I64_H128_T{Steps}_float_{mode}", () =>
        {
            // As in RnnGen.Benchmarks, gradients accumulate (not zeroed in the loop).
            bptt.Forward(inputs, default, predictions);
            bptt.Backward(targets, inputGradients, stateGradients);
        }, () => Sum(inputGradients));

        var small = new F16x32Stream();
        small.InitializeParameters(new Random(1234));
        float[] smallInput = RandomArray(random, 16);
        float[] smallOutput = new float[8];
        small.Reset();
        Measure($"step_I16_H32_T1_float_{mode}", () => small.Step(smallInput, smallOutput), () => Sum(smallOutput));

        var medium = new F64x128Stream();
        medium.InitializeParameters(new Random(1234));
        float[] mediumInput = RandomArray(random, 64);
        float[] mediumOutput = new float[8];
        medium.Reset();
        Measure($"step_I64_H128_T1_float_{mode}", () => medium.Step(mediumInput, mediumOutput), () => Sum(mediumOutput));

        Console.WriteLine($"ENV load average at the end: {LoadAverage()}");
        return 0;
    }

    private static void Measure(string name, Action call, Func<double> checksum)
    {
        // Warm-up: at least 0.5 s and 200 calls.
        var clock = Stopwatch.StartNew();
        long warmupCalls = 0;
        while (warmupCalls < 200 || clock.Elapsed.TotalSeconds < 0.5)
        {
            call();
            warmupCalls++;
        }
        double perCall = clock.Elapsed.TotalSeconds / warmupCalls;
        int batch = Math.Max(1, (int)(RepetitionSeconds / perCall));

        var times = new double[Repetitions];
        for (int r = 0; r < Repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < batch; i++)
            {
                call();
            }
            times[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batch;
        }
        Array.Sort(times);
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT name={name} us={times[Repetitions / 2]:F3} min_us={times[0]:F3} max_us={times[^1]:F3} calls_per_repetition={batch} repetitions={Repetitions} checksum={checksum():G6}"));
    }

    private static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }
        return values;
    }

    private static double Sum(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }
        return sum;
    }

    private static string LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', parts[0], parts[1], parts[2]);
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }
}
