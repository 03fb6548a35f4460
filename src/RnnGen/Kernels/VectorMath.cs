using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// Lane-wise arithmetic of <see cref="Vector{T}"/> (and of Vector512&lt;T&gt; on AVX-512 cores) for float and double: the
/// multiply-add the kernels accumulate with, and tanh and the logistic sigmoid accurate to a few ulp over the whole range
/// (the tests state the measured bounds), one body for both widths over <see cref="ILanes{TVector, T}"/>.
/// </summary>
internal static class VectorMath
{
    /// <summary>left * right + addend, fused where the CPU has FMA (MultiplyAddEstimate: never emulated element by element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MultiplyAdd<T>(Vector<T> left, Vector<T> right, Vector<T> addend)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.MultiplyAddEstimate(left.As<T, float>(), right.As<T, float>(), addend.As<T, float>()).As<float, T>();
        }
        return Vector.MultiplyAddEstimate(left.As<T, double>(), right.As<T, double>(), addend.As<T, double>()).As<double, T>();
    }

    /// <summary>
    /// Whether the kernels read pairs of Vector&lt;T&gt; as one 512-bit vector: on cores with AVX-512, where Vector&lt;T&gt;
    /// stays 256 bits wide (the runtime's default there). Constant for the JIT.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PairsAsVector512<T>()
        where T : unmanaged => Vector512.IsHardwareAccelerated && Vector<T>.Count == Vector256<T>.Count;

    /// <summary>Whether <paramref name="count"/> elements are whole 512-bit vectors that the kernels read as such (<see cref="PairsAsVector512"/>). Constant for constant counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool WholeVector512s<T>(int count)
        where T : unmanaged => PairsAsVector512<T>() && count % Vector512<T>.Count == 0;

    /// <summary>left * right + addend at 512 bits, for the kernels that use AVX-512 where Vector&lt;T&gt; is narrower.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd<T>(Vector512<T> left, Vector512<T> right, Vector512<T> addend)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.MultiplyAddEstimate(left.As<T, float>(), right.As<T, float>(), addend.As<T, float>()).As<float, T>();
        }
        return Vector512.MultiplyAddEstimate(left.As<T, double>(), right.As<T, double>(), addend.As<T, double>()).As<double, T>();
    }

    /// <summary>
    /// tanh(x). Near zero, 1 - 2 / (e^{2x} + 1) would cancel to a few correct bits, so |x| &lt; 0.625 uses Cephes' odd
    /// minimax approximation (a polynomial for float, a rational function for double); beyond, the exponential form loses at
    /// most a bit, and a huge e^{2|x|} gives exactly ±1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Tanh<T>(Vector<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Floats<Vector<float>, VectorLanes<float>>.Tanh(x.As<T, float>()).As<float, T>()
            : Doubles<Vector<double>, VectorLanes<double>>.Tanh(x.As<T, double>()).As<double, T>();

    /// <summary><see cref="Tanh{T}(Vector{T})"/> at 512 bits, the same arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh<T>(Vector512<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Floats<Vector512<float>, Vector512Lanes<float>>.Tanh(x.As<T, float>()).As<float, T>()
            : Doubles<Vector512<double>, Vector512Lanes<double>>.Tanh(x.As<T, double>()).As<double, T>();

    /// <summary>
    /// 1 / (1 + e^{-x}) as 1 / (1 + e^{-|x|}) for x &gt;= 0 and e^{-|x|} / (1 + e^{-|x|}) for x &lt; 0: the exponential never
    /// overflows, so sigmoid(-100) is the tiny number it is rather than 1 / ∞, one division rounds, and no step cancels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sigmoid<T>(Vector<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Floats<Vector<float>, VectorLanes<float>>.Sigmoid(x.As<T, float>()).As<float, T>()
            : Doubles<Vector<double>, VectorLanes<double>>.Sigmoid(x.As<T, double>()).As<double, T>();

    /// <summary><see cref="Sigmoid{T}(Vector{T})"/> at 512 bits, the same arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid<T>(Vector512<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Floats<Vector512<float>, Vector512Lanes<float>>.Sigmoid(x.As<T, float>()).As<float, T>()
            : Doubles<Vector512<double>, Vector512Lanes<double>>.Sigmoid(x.As<T, double>()).As<double, T>();

    /// <summary>The scalar tanh of the tails, the BCL's correctly rounded-to-an-ulp one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => T.Tanh(x);

    /// <summary>The scalar logistic sigmoid of the tails, the same formulation as the vector one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T small = T.Exp(-T.Abs(x));
        return (x < T.Zero ? small : T.One) / (T.One + small);
    }

    private const float SmallTanhLimit = 0.625f;

    /// <summary>The float activations, one body for both widths.</summary>
    private static class Floats<TVector, TLanes>
        where TVector : struct
        where TLanes : ILanes<TVector, float>
    {
        /// <summary>2^64, the scale of the sigmoid's numerator and denominator.</summary>
        private const float TwoToThe64 = 18446744073709551616f;

        /// <summary>
        /// e^r - 1 and n for x = n ln 2 + r, |r| &lt;= ln 2 / 2: n = round(x log2 e), r = x - n ln 2 (ln 2 in two parts, so r
        /// is exact), e^r by Cephes' degree-7 minimax polynomial in Estrin's scheme (half the dependent steps of Horner's: the
        /// recurrent steps wait on this chain). The caller adds the 1 and applies 2^n as its range allows, the two folded into
        /// one fused multiply-add where it can (2^n e^r = 2^n + 2^n (e^r - 1)).
        /// </summary>
        /// <param name="x">Within [-175, 88.5], or NaN (which gives NaN).</param>
        /// <param name="exponent">Receives n, a whole number within [-253, 128].</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVector ExpReducedMinusOne(TVector x, out TVector exponent)
        {
            // Rounds to the nearest integer: adding 1.5 * 2^23 leaves no fraction bits.
            exponent = TLanes.Subtract(TLanes.MultiplyAdd(x, TLanes.Broadcast(1.44269504088896341f), TLanes.Broadcast(12582912f)), TLanes.Broadcast(12582912f));
            TVector r = TLanes.MultiplyAdd(exponent, TLanes.Broadcast(-0.693359375f), x);
            r = TLanes.MultiplyAdd(exponent, TLanes.Broadcast(2.12194440e-4f), r);
            TVector r2 = TLanes.Multiply(r, r);
            TVector low = TLanes.MultiplyAdd(TLanes.Broadcast(1.6666665459e-1f), r, TLanes.Broadcast(5.0000001201e-1f));
            TVector middle = TLanes.MultiplyAdd(TLanes.Broadcast(8.3334519073e-3f), r, TLanes.Broadcast(4.1665795894e-2f));
            TVector high = TLanes.MultiplyAdd(TLanes.Broadcast(1.9875691500e-4f), r, TLanes.Broadcast(1.3981999507e-3f));
            TVector p = TLanes.MultiplyAdd(TLanes.MultiplyAdd(high, r2, middle), r2, low);
            return TLanes.MultiplyAdd(p, r2, r);
        }

        /// <summary>
        /// With e^{-|x|} = 2^n (1 + m), m = e^r - 1 (<see cref="ExpReducedMinusOne"/>), scaled by 2^64: with s = 2^(n + 64), a
        /// normal power for n &gt;= -190 (|x| &lt;= 110 after the clamp; e^{-|x|} already rounds to 0 beyond 104),
        /// 2^64 e^{-|x|} = s + s m and 2^64 (1 + e^{-|x|}) = (2^64 + s) + s m, one fused multiply-add each. Their quotient is
        /// the sigmoid whatever the scale, so subnormal results round once, in the division, and nothing waits on a
        /// rescaling. NaN passes through.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Sigmoid(TVector x)
        {
            // -|x| (the sign bit set), the constant first: x86's max returns its second operand when either is NaN.
            TVector excess = ExpReducedMinusOne(TLanes.MaxNative(TLanes.Broadcast(-110f), TLanes.BitwiseOr(x, TLanes.Broadcast(-0f))), out TVector exponent);
            TVector scale = TLanes.PowerOfTwo(exponent, 64);
            TVector scaledSmall = TLanes.MultiplyAdd(scale, excess, scale);
            TVector scaledDenominator = TLanes.MultiplyAdd(scale, excess, TLanes.Add(scale, TLanes.Broadcast(TwoToThe64)));
            return TLanes.Divide(TLanes.ConditionalSelect(TLanes.LessThan(x, TLanes.Broadcast(0f)), scaledSmall, TLanes.Broadcast(TwoToThe64)), scaledDenominator);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Tanh(TVector x)
        {
            TVector magnitude = TLanes.Abs(x);
            // Cephes tanhf: x + x³ P(x²), 2.5e-7 peak relative error on [-0.625, 0.625].
            TVector z = TLanes.Multiply(x, x);
            TVector p = TLanes.MultiplyAdd(TLanes.Broadcast(-5.70498872745e-3f), z, TLanes.Broadcast(2.06390887954e-2f));
            p = TLanes.MultiplyAdd(p, z, TLanes.Broadcast(-5.37397155531e-2f));
            p = TLanes.MultiplyAdd(p, z, TLanes.Broadcast(1.33314422036e-1f));
            p = TLanes.MultiplyAdd(p, z, TLanes.Broadcast(-3.33332819422e-1f));
            TVector small = TLanes.MultiplyAdd(TLanes.Multiply(p, z), x, x);
            if (TLanes.LessThanAll(magnitude, TLanes.Broadcast(SmallTanhLimit)))
            {
                // Every lane small (NaN is not): the exponential is not needed. Gated cells' pre-activations often are, step
                // after step, so the branch predicts: 1.05-1.26× faster streaming steps, the same results (xsimd's tanh does
                // the same).
                return small;
            }
            // e^{2|x|} with 2|x| clamped to 20, where 1 - 2 / (e^20 + 1) already rounds to 1: 2^n then fits one power of 2.
            TVector excess = ExpReducedMinusOne(TLanes.MinNative(TLanes.Add(magnitude, magnitude), TLanes.Broadcast(20f)), out TVector exponent);
            TVector scale = TLanes.PowerOfTwo(exponent, 0);
            // 1 - 2 / (2^n (1 + m) + 1)
            TVector large = TLanes.Subtract(TLanes.Broadcast(1f), TLanes.Divide(TLanes.Broadcast(2f), TLanes.MultiplyAdd(scale, excess, TLanes.Add(scale, TLanes.Broadcast(1f)))));
            large = TLanes.BitwiseOr(large, TLanes.BitwiseAnd(x, TLanes.Broadcast(-0f))); // x's sign on the positive quotient
            // NaN fails the comparison and keeps the small branch's NaN.
            return TLanes.ConditionalSelect(TLanes.GreaterThanOrEqual(magnitude, TLanes.Broadcast(SmallTanhLimit)), large, small);
        }
    }

    /// <summary>The double activations, one body for both widths, with the BCL's exponential.</summary>
    private static class Doubles<TVector, TLanes>
        where TVector : struct
        where TLanes : ILanes<TVector, double>
    {
        /// <summary>e^{-|x|} never overflows, and nothing cancels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Sigmoid(TVector x)
        {
            TVector small = TLanes.Exp(TLanes.Negate(TLanes.Abs(x)));
            return TLanes.Divide(TLanes.ConditionalSelect(TLanes.LessThan(x, TLanes.Broadcast(0.0)), small, TLanes.Broadcast(1.0)), TLanes.Add(TLanes.Broadcast(1.0), small));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Tanh(TVector x)
        {
            TVector magnitude = TLanes.Abs(x);
            // Cephes tanh: x + x z P(z) / Q(z) with z = x², 2.5e-16 peak relative error on [-0.625, 0.625].
            TVector z = TLanes.Multiply(x, x);
            TVector p = TLanes.MultiplyAdd(TLanes.Broadcast(-9.64399179425052238628e-1), z, TLanes.Broadcast(-9.92877231001918586564e1));
            p = TLanes.MultiplyAdd(p, z, TLanes.Broadcast(-1.61468768441708447952e3));
            TVector q = TLanes.Add(z, TLanes.Broadcast(1.12811678491632931402e2));
            q = TLanes.MultiplyAdd(q, z, TLanes.Broadcast(2.23548839060100448583e3));
            q = TLanes.MultiplyAdd(q, z, TLanes.Broadcast(4.84406305325125486048e3));
            TVector small = TLanes.MultiplyAdd(TLanes.Divide(TLanes.Multiply(z, p), q), x, x);
            if (TLanes.LessThanAll(magnitude, TLanes.Broadcast(SmallTanhLimit)))
            {
                return small; // as the float tanh
            }
            TVector large = TLanes.Subtract(TLanes.Broadcast(1.0), TLanes.Divide(TLanes.Broadcast(2.0), TLanes.Add(TLanes.Exp(TLanes.Add(magnitude, magnitude)), TLanes.Broadcast(1.0))));
            large = TLanes.ConditionalSelect(TLanes.LessThan(x, TLanes.Broadcast(0.0)), TLanes.Negate(large), large);
            return TLanes.ConditionalSelect(TLanes.LessThan(magnitude, TLanes.Broadcast(SmallTanhLimit)), small, large);
        }
    }
}
