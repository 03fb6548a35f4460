using System;

namespace RnnGen;

/// <summary>
/// The order in which an epoch visits the training data: a Fisher-Yates shuffle drawn from SplitMix64 seeded by the
/// trainer's seed and the epoch's number, so an epoch's order depends on nothing else (a resumed run replays it from
/// the epoch alone) and is the same on every runtime (System.Random's algorithms are not specified).
/// </summary>
internal static class EpochShuffle
{
    /// <summary>Fills <paramref name="order"/> with a permutation of 0 .. Length - 1, the one of epoch <paramref name="epoch"/> (1-based).</summary>
    public static void Permute(Span<int> order, int seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        ulong state = ((ulong)(uint)seed << 32) | (uint)epoch;
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = Below(ref state, (uint)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>A uniform integer in [0, bound), by Lemire's multiply-and-reject (no modulo bias).</summary>
    private static int Below(ref ulong state, uint bound)
    {
        ulong product = (ulong)(uint)Next(ref state) * bound;
        if ((uint)product < bound)
        {
            uint threshold = (0u - bound) % bound;
            while ((uint)product < threshold)
            {
                product = (ulong)(uint)Next(ref state) * bound;
            }
        }

        return (int)(product >> 32);
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood): one output per call, its state a counter.</summary>
    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
