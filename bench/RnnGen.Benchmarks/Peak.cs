using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Benchmarks;

/// <summary>
/// The core's FMA peak: 12 independent chains of fused multiply-adds (enough to cover the FMA latency on both
/// FMA pipes), at Vector&lt;T&gt; width and at 512 bits. FLOPs = 2 per lane per FMA.
/// </summary>
public static class Peak
{
    public const int Iterations = 1 << 15;
    public const int Chains = 12;

    public static double Flops(int lanes) => 2.0 * Chains * Iterations * lanes;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float VectorFloat()
    {
        Vector<float> m = new(0.9999999f), a = new(1e-7f);
        Vector<float> c0 = new(1.00f), c1 = new(1.01f), c2 = new(1.02f), c3 = new(1.03f), c4 = new(1.04f), c5 = new(1.05f);
        Vector<float> c6 = new(1.06f), c7 = new(1.07f), c8 = new(1.08f), c9 = new(1.09f), c10 = new(1.10f), c11 = new(1.11f);
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector.FusedMultiplyAdd(c0, m, a); c1 = Vector.FusedMultiplyAdd(c1, m, a); c2 = Vector.FusedMultiplyAdd(c2, m, a);
            c3 = Vector.FusedMultiplyAdd(c3, m, a); c4 = Vector.FusedMultiplyAdd(c4, m, a); c5 = Vector.FusedMultiplyAdd(c5, m, a);
            c6 = Vector.FusedMultiplyAdd(c6, m, a); c7 = Vector.FusedMultiplyAdd(c7, m, a); c8 = Vector.FusedMultiplyAdd(c8, m, a);
            c9 = Vector.FusedMultiplyAdd(c9, m, a); c10 = Vector.FusedMultiplyAdd(c10, m, a); c11 = Vector.FusedMultiplyAdd(c11, m, a);
        }
        return Vector.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static double VectorDouble()
    {
        Vector<double> m = new(0.9999999), a = new(1e-7);
        Vector<double> c0 = new(1.00), c1 = new(1.01), c2 = new(1.02), c3 = new(1.03), c4 = new(1.04), c5 = new(1.05);
        Vector<double> c6 = new(1.06), c7 = new(1.07), c8 = new(1.08), c9 = new(1.09), c10 = new(1.10), c11 = new(1.11);
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector.FusedMultiplyAdd(c0, m, a); c1 = Vector.FusedMultiplyAdd(c1, m, a); c2 = Vector.FusedMultiplyAdd(c2, m, a);
            c3 = Vector.FusedMultiplyAdd(c3, m, a); c4 = Vector.FusedMultiplyAdd(c4, m, a); c5 = Vector.FusedMultiplyAdd(c5, m, a);
            c6 = Vector.FusedMultiplyAdd(c6, m, a); c7 = Vector.FusedMultiplyAdd(c7, m, a); c8 = Vector.FusedMultiplyAdd(c8, m, a);
            c9 = Vector.FusedMultiplyAdd(c9, m, a); c10 = Vector.FusedMultiplyAdd(c10, m, a); c11 = Vector.FusedMultiplyAdd(c11, m, a);
        }
        return Vector.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Vector512Float()
    {
        Vector512<float> m = Vector512.Create(0.9999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1.00f), c1 = Vector512.Create(1.01f), c2 = Vector512.Create(1.02f), c3 = Vector512.Create(1.03f);
        Vector512<float> c4 = Vector512.Create(1.04f), c5 = Vector512.Create(1.05f), c6 = Vector512.Create(1.06f), c7 = Vector512.Create(1.07f);
        Vector512<float> c8 = Vector512.Create(1.08f), c9 = Vector512.Create(1.09f), c10 = Vector512.Create(1.10f), c11 = Vector512.Create(1.11f);
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a); c2 = Vector512.FusedMultiplyAdd(c2, m, a);
            c3 = Vector512.FusedMultiplyAdd(c3, m, a); c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a); c8 = Vector512.FusedMultiplyAdd(c8, m, a);
            c9 = Vector512.FusedMultiplyAdd(c9, m, a); c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static double Vector512Double()
    {
        Vector512<double> m = Vector512.Create(0.9999999), a = Vector512.Create(1e-7);
        Vector512<double> c0 = Vector512.Create(1.00), c1 = Vector512.Create(1.01), c2 = Vector512.Create(1.02), c3 = Vector512.Create(1.03);
        Vector512<double> c4 = Vector512.Create(1.04), c5 = Vector512.Create(1.05), c6 = Vector512.Create(1.06), c7 = Vector512.Create(1.07);
        Vector512<double> c8 = Vector512.Create(1.08), c9 = Vector512.Create(1.09), c10 = Vector512.Create(1.10), c11 = Vector512.Create(1.11);
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a); c2 = Vector512.FusedMultiplyAdd(c2, m, a);
            c3 = Vector512.FusedMultiplyAdd(c3, m, a); c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a); c8 = Vector512.FusedMultiplyAdd(c8, m, a);
            c9 = Vector512.FusedMultiplyAdd(c9, m, a); c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
