using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using RnnGen.Benchmarks;

namespace RnnGen.Versus;

/// <summary>
/// The least time a batch-1 forward over T steps can take on this core with float weights, for issue 11's targets that
/// proved out of reach. At batch 1 every step must read all of W_hh (the recurrence leaves no reuse across steps), so the
/// floor is T passes over a buffer of W_hh's size at the fastest rate this core reads it (<see cref="Stream"/>), plus the
/// input projection and the head, whose weights are reused over the steps, at the measured FMA peak (<see cref="Peak"/>).
/// The gate arithmetic, the states and the dependency between steps are left out, so no implementation can go below it.
/// </summary>
public static class Floor
{
    /// <summary>
    /// Reads <paramref name="weights"/> <paramref name="passes"/> times with one fused multiply-add per element: contiguous
    /// loads of the widest vectors the core has (512 bits with AVX-512, where Vector&lt;float&gt; stays 256 bits wide and
    /// streams a third slower) into 8 independent accumulators, the fastest a core streams a matrix through its FMA units.
    /// Every other pass takes the pages from the last, as the forwards take their column panels (each read upwards, as the
    /// prefetchers follow best), so that a buffer about a cache's size starts each pass on what the last one read last.
    /// </summary>
    public static float Stream(ReadOnlySpan<float> weights, int passes) =>
        Vector512.IsHardwareAccelerated && Vector<float>.Count < Vector512<float>.Count ? Stream512(weights, passes) : StreamVector(weights, passes);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float StreamVector(ReadOnlySpan<float> weights, int passes)
    {
        int lanes = Vector<float>.Count, block = 8 * lanes, length = weights.Length - (weights.Length % block);
        ref float start = ref MemoryMarshal.GetReference(weights);
        Vector<float> x = new(0.5f);
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int pass = 0; pass < passes; pass++)
        {
            for (int read = 0; read < length; read += block)
            {
                ref float at = ref Unsafe.Add(ref start, InPassOrder(read, length, pass));
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at), x, a0);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)lanes), x, a1);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)(2 * lanes)), x, a2);
                a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)(3 * lanes)), x, a3);
                a4 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)(4 * lanes)), x, a4);
                a5 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)(5 * lanes)), x, a5);
                a6 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)(6 * lanes)), x, a6);
                a7 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref at, (nuint)(7 * lanes)), x, a7);
            }
        }
        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    /// <summary>
    /// Where the <paramref name="read"/>-th float of a pass lies: in order on even passes; on odd ones at the same place
    /// of its page, the whole pages taken from the last (a part page at the end stays last).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int InPassOrder(int read, int length, int pass)
    {
        const int pageFloats = 4096 / sizeof(float);
        int wholePages = length / pageFloats;
        return pass % 2 == 0 || read >= wholePages * pageFloats ? read : ((wholePages - 1 - (read / pageFloats)) * pageFloats) + (read % pageFloats);
    }

    // Vector512 has no common interface with Vector<T> that code outside the BCL can use, hence the second loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Stream512(ReadOnlySpan<float> weights, int passes)
    {
        int lanes = Vector512<float>.Count, block = 8 * lanes, length = weights.Length - (weights.Length % block);
        ref float start = ref MemoryMarshal.GetReference(weights);
        Vector512<float> x = Vector512.Create(0.5f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int pass = 0; pass < passes; pass++)
        {
            for (int read = 0; read < length; read += block)
            {
                ref float at = ref Unsafe.Add(ref start, InPassOrder(read, length, pass));
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at), x, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)lanes), x, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(2 * lanes)), x, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(3 * lanes)), x, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(4 * lanes)), x, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(5 * lanes)), x, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(6 * lanes)), x, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(7 * lanes)), x, a7);
            }
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    /// <summary>
    /// <paramref name="count"/> weights in [-1, 1) from a cache-line boundary of a pinned array, for <see cref="Stream"/>: an
    /// array's elements start on any 8-byte boundary, and a load that straddles two lines costs two.
    /// </summary>
    public static ArraySegment<float> LineAlignedWeights(Random random, int count)
    {
        const int lineFloats = 64 / sizeof(float);
        float[] array = GC.AllocateArray<float>(count + lineFloats, pinned: true);
        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetArrayDataReference(array));
        var weights = new ArraySegment<float>(array, (int)((-address & 63) / sizeof(float)), count);
        for (int i = 0; i < count; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2) - 1);
        }
        return weights;
    }

    /// <summary>Nanoseconds of the work that reuses its weights over the steps, at <paramref name="flopsPerNanosecond"/>: W_ih x for every step and the head.</summary>
    public static double ReusedWeightsNanoseconds(int gates, int inputSize, int hiddenSize, int outputSize, int steps, double flopsPerNanosecond) =>
        2.0 * steps * ((gates * hiddenSize * (double)inputSize) + (outputSize * (double)hiddenSize)) / flopsPerNanosecond;

    /// <summary>This core's FMA peak at its widest vectors (as <see cref="Stream"/>), measured now: floating-point operations per nanosecond.</summary>
    public static double PeakFlopsPerNanosecond() =>
        Vector512.IsHardwareAccelerated && Vector<float>.Count < Vector512<float>.Count
            ? Peak.Flops(Vector512<float>.Count) / Paired.MeasureAlone(() => Peak.Vector512Float()).Median
            : Peak.Flops(Vector<float>.Count) / Paired.MeasureAlone(() => Peak.VectorFloat()).Median;
}
