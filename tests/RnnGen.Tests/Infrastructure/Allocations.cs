using System;

namespace RnnGen.Tests.Infrastructure;

/// <summary>What code allocates on the calling thread once it runs in steady state.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes <paramref name="body"/> allocated on this thread in any of <paramref name="windows"/> runs. An
    /// allocation on every call shows in each run; the runtime's one-off work on the thread (code reached for the first
    /// time while tiered compilation is behind, as when other tests keep the JIT busy) lands in one.
    /// </summary>
    public static long InSteadyState(Action body, int windows = 3)
    {
        long fewest = long.MaxValue;
        for (int window = 0; window < windows; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            body();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
