using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace RnnGen.Benchmarks;

/// <summary>
/// dotnet run -c Release --project bench/RnnGen.Benchmarks -- --versus-legacy
///   The generated models against the same shapes as generated before the kernel library (Legacy/), paired: each round
///   times the new model and then the legacy one on the same workload (a batch of calls of about 20 ms each), 15 rounds,
///   so a change in the machine's load hits both sides alike. Prints medians and the median of the per-round ratios:
///   RESULT name=versus_legacy_{workload}_{case} new_us=... legacy_us=... new_over_legacy=...
/// </summary>
public static class LegacyComparison
{
    private const int Rounds = 15;

    public static int Run()
    {
        foreach (IModelCase legacy in Registry.All.Where(c => c.Key.EndsWith("_legacy", StringComparison.Ordinal)))
        {
            IModelCase current = Registry.Get(legacy.Key[..^"_legacy".Length]);
            Compare("forward", current, legacy, static c => c.Forward(Impl.Generated));
            Compare("bptt", current, legacy, static c => c.Bptt(Impl.Generated));
            if (current.CanStep)
            {
                Compare("step", current, legacy, static c => c.Step(Impl.Generated));
            }
            if (current.HiddenSize <= 128 && !current.Key.Contains("_bi", StringComparison.Ordinal))
            {
                Compare("train", current, legacy, static c => c.Train(Impl.Generated));
            }
        }
        return 0;
    }

    private static void Compare(string workload, IModelCase current, IModelCase legacy, Action<IModelCase> call)
    {
        int calls = CallsFor(current, call);
        CallsFor(legacy, call);
        var currentTimes = new List<double>();
        var legacyTimes = new List<double>();
        var ratios = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            double a = Microseconds(current, call, calls), b = Microseconds(legacy, call, calls);
            currentTimes.Add(a);
            legacyTimes.Add(b);
            ratios.Add(a / b);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT name=versus_legacy_{workload}_{current.Key} new_us={Median(currentTimes):G4} legacy_us={Median(legacyTimes):G4} new_over_legacy={Median(ratios):F3}"));
    }

    /// <summary>Warms the call up and returns how many calls take about 20 ms.</summary>
    private static int CallsFor(IModelCase model, Action<IModelCase> call)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (clock.Elapsed.TotalMilliseconds < 100 || calls < 10)
        {
            call(model);
            calls++;
        }
        return Math.Max(1, (int)(calls * 20 / clock.Elapsed.TotalMilliseconds));
    }

    private static double Microseconds(IModelCase model, Action<IModelCase> call, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            call(model);
        }
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }
}
