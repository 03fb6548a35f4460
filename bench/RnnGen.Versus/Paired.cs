using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime;

namespace RnnGen.Versus;

/// <summary>
/// Times two implementations of one workload against each other, alternating: each round times a batch of calls of
/// one, then of the other (the order swapped every round), so both see the same state of a shared, noisy machine.
/// Reports each side's median time per call and the median of the rounds' ratios.
/// </summary>
public static class Paired
{
    public const int Rounds = 21;

    /// <summary>The wall time one timed batch aims at.</summary>
    private static readonly TimeSpan s_batch = TimeSpan.FromMilliseconds(25);

    /// <summary>How long no method may have been compiled before the warm-up ends: 3× tiering's 100 ms call-counting delay.</summary>
    private static readonly TimeSpan s_settled = TimeSpan.FromMilliseconds(300);

    /// <summary>The longest warm-up, for code that keeps compiling. Under NativeAOT nothing compiles: the warm-up lasts <see cref="s_settled"/>.</summary>
    private static readonly TimeSpan s_longestWarmUp = TimeSpan.FromSeconds(5);

    public static PairResult Measure(Action ours, Action theirs)
    {
        int oursCalls = Calibrate(ours), theirsCalls = Calibrate(theirs);
        var oursTimes = new double[Rounds];
        var theirsTimes = new double[Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            if (round % 2 == 0)
            {
                oursTimes[round] = Time(ours, oursCalls);
                theirsTimes[round] = Time(theirs, theirsCalls);
            }
            else
            {
                theirsTimes[round] = Time(theirs, theirsCalls);
                oursTimes[round] = Time(ours, oursCalls);
            }
        }
        double[] ratios = [.. Enumerable.Range(0, Rounds).Select(r => theirsTimes[r] / oursTimes[r])];
        return new PairResult(Quantiles.Of(oursTimes), Quantiles.Of(theirsTimes), Quantiles.Of(ratios));
    }

    /// <summary>One implementation alone (a workload no baseline runs in this process), in the same rounds.</summary>
    public static Quantiles MeasureAlone(Action action)
    {
        int calls = Calibrate(action);
        double[] times = [.. Enumerable.Range(0, Rounds).Select(_ => Time(action, calls))];
        return Quantiles.Of(times);
    }

    /// <summary>
    /// Warms the code up until the JIT has settled, then returns how many calls fill one batch. Tiered compilation
    /// recompiles a method only after 30 calls and a 100 ms pause in new compilations, and with dynamic PGO once more
    /// after an instrumented tier: a fixed number of warm-up calls left a 64-step StepBlock at hidden 8 in its early tiers
    /// for most of the rounds (2-3× its settled time). So calls go on until no method has been compiled for
    /// <see cref="s_settled"/>.
    /// </summary>
    private static int Calibrate(Action action)
    {
        var warmUp = Stopwatch.StartNew();
        var sinceCompilation = Stopwatch.StartNew();
        long compiled = JitInfo.GetCompiledMethodCount();
        while (sinceCompilation.Elapsed < s_settled && warmUp.Elapsed < s_longestWarmUp)
        {
            action();
            long now = JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                sinceCompilation.Restart();
            }
        }
        int calls = 1;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
            {
                action();
            }
            if (clock.Elapsed >= s_batch / 4)
            {
                return Math.Max(1, (int)(calls * (s_batch / clock.Elapsed)));
            }
            calls *= 2;
        }
    }

    /// <returns>Nanoseconds per call.</returns>
    private static double Time(Action action, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            action();
        }
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }
}

/// <summary>Per-call times of both sides (ns) and their ratio, theirs / ours (above 1: ours is faster).</summary>
public sealed record PairResult(Quantiles Ours, Quantiles Theirs, Quantiles Ratio);

/// <summary>The median and the interquartile range of a set of measurements.</summary>
public sealed record Quantiles(double Median, double Lower, double Upper)
{
    public static Quantiles Of(double[] values)
    {
        double[] sorted = [.. values.OrderBy(v => v)];
        double At(double q)
        {
            double position = q * (sorted.Length - 1);
            int below = (int)Math.Floor(position);
            int above = Math.Min(below + 1, sorted.Length - 1);
            return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
        }
        return new Quantiles(At(0.5), At(0.25), At(0.75));
    }
}
