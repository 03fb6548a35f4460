using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// Lane-wise arithmetic of <see cref="Vector{T}"/> for float and double: the multiply-add the kernels accumulate with, and
/// tanh and the logistic sigmoid accurate to a few ulp over the whole range (the tests state the measured bounds).
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

    /// <summary>e^x lane by lane: <see cref="Exp(Vector{float})"/> for float, the BCL's vectorised exponential for double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Exp(x.As<T, float>()).As<float, T>()
            : Vector.Exp(x.As<T, double>()).As<double, T>();

    /// <summary>
    /// e^x in float arithmetic, Cephes' expf: e^x = 2^n e^r (<see cref="ExpReducedMinusOne"/>), with 2^n applied in two halves so
    /// that results down to the subnormals come out. About a quarter of the BCL's cost, which works in double for float;
    /// within an ulp (the activation tests measure what tanh and the sigmoid make of it). Large inputs are clamped to where
    /// e^x is still finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Exp(Vector<float> x)
    {
        // The CPU's own min and max (one instruction each; NaN is restored at the end).
        Vector<float> power = ExpReducedMinusOne(Vector.MinNative(Vector.MaxNative(x, new Vector<float>(-175f)), new Vector<float>(88.5f)), out Vector<int> exponent) + Vector<float>.One;
        Vector<int> half = Vector.ShiftRightArithmetic(exponent, 1); // n within [-253, 128]: each half a normal power of 2
        Vector<float> result = power * Vector.ShiftLeft(half + new Vector<int>(127), 23).As<int, float>()
            * Vector.ShiftLeft(exponent - half + new Vector<int>(127), 23).As<int, float>();
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x); // NaN stays NaN
    }

    /// <summary>
    /// e^r - 1 and n for x = n ln 2 + r, |r| &lt;= ln 2 / 2: n = round(x log2 e), r = x - n ln 2 (ln 2 in two parts, so r is
    /// exact), e^r by Cephes' degree-7 minimax polynomial in Estrin's scheme (half the dependent steps of Horner's: the
    /// recurrent steps wait on this chain). The caller adds the 1 and applies 2^n as its range allows, the two folded into
    /// one fused multiply-add where it can (2^n e^r = 2^n + 2^n (e^r - 1)).
    /// </summary>
    /// <param name="x">Within [-175, 88.5], or NaN (which gives NaN).</param>
    /// <param name="exponent">Receives n.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> ExpReducedMinusOne(Vector<float> x, out Vector<int> exponent)
    {
        // Rounds to the nearest integer: adding 1.5 * 2^23 leaves no fraction bits.
        Vector<float> n = Vector.MultiplyAddEstimate(x, new Vector<float>(1.44269504088896341f), new Vector<float>(12582912f)) - new Vector<float>(12582912f);
        Vector<float> r = Vector.MultiplyAddEstimate(n, new Vector<float>(-0.693359375f), x);
        r = Vector.MultiplyAddEstimate(n, new Vector<float>(2.12194440e-4f), r);
        Vector<float> r2 = r * r;
        Vector<float> low = Vector.MultiplyAddEstimate(new Vector<float>(1.6666665459e-1f), r, new Vector<float>(5.0000001201e-1f));
        Vector<float> middle = Vector.MultiplyAddEstimate(new Vector<float>(8.3334519073e-3f), r, new Vector<float>(4.1665795894e-2f));
        Vector<float> high = Vector.MultiplyAddEstimate(new Vector<float>(1.9875691500e-4f), r, new Vector<float>(1.3981999507e-3f));
        Vector<float> p = Vector.MultiplyAddEstimate(Vector.MultiplyAddEstimate(high, r2, middle), r2, low);
        exponent = Vector.ConvertToInt32Native(n); // a whole number within [-253, 128]: no saturation to handle
        return Vector.MultiplyAddEstimate(p, r2, r);
    }

    /// <summary>
    /// tanh(x). Near zero, 1 - 2 / (e^{2x} + 1) would cancel to a few correct bits, so |x| &lt; 0.625 uses Cephes' odd
    /// minimax approximation (a polynomial for float, a rational function for double); beyond, the exponential form loses at
    /// most a bit, and a huge e^{2|x|} gives exactly ±1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Tanh<T>(Vector<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Tanh(x.As<T, float>()).As<float, T>() : Tanh(x.As<T, double>()).As<double, T>();

    /// <summary>
    /// 1 / (1 + e^{-x}) as 1 / (1 + e^{-|x|}) for x &gt;= 0 and e^{-|x|} / (1 + e^{-|x|}) for x &lt; 0: the exponential never
    /// overflows, so sigmoid(-100) is the tiny number it is rather than 1 / ∞, one division rounds, and no step cancels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sigmoid<T>(Vector<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Sigmoid(x.As<T, float>()).As<float, T>();
        }
        Vector<T> small = Exp(-Vector.Abs(x));
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), small, Vector<T>.One) / (Vector<T>.One + small);
    }

    /// <summary>
    /// The float sigmoid with e^{-|x|} = 2^n (1 + m), m = e^r - 1 (<see cref="ExpReducedMinusOne"/>), scaled by 2^64: with
    /// s = 2^(n + 64), a normal power for n &gt;= -190 (|x| &lt;= 110 after the clamp; e^{-|x|} already rounds to 0 beyond
    /// 104), 2^64 e^{-|x|} = s + s m and 2^64 (1 + e^{-|x|}) = (2^64 + s) + s m, one fused multiply-add each. Their quotient
    /// is the sigmoid whatever the scale, so subnormal results round once, in the division, and nothing waits on a
    /// rescaling. NaN passes through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Sigmoid(Vector<float> x)
    {
        // -|x| (the sign bit set), the constant first: x86's max returns its second operand when either is NaN.
        Vector<float> excess = ExpReducedMinusOne(Vector.MaxNative(new Vector<float>(-110f), x | new Vector<float>(-0f)), out Vector<int> exponent);
        Vector<float> scale = Vector.ShiftLeft(exponent + new Vector<int>(127 + 64), 23).As<int, float>();
        Vector<float> scaledSmall = Vector.MultiplyAddEstimate(scale, excess, scale);
        Vector<float> scaledDenominator = Vector.MultiplyAddEstimate(scale, excess, scale + new Vector<float>(TwoToThe64));
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), scaledSmall, new Vector<float>(TwoToThe64)) / scaledDenominator;
    }

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

    /// <summary>2^64, the scale of the float sigmoid's numerator and denominator.</summary>
    private const float TwoToThe64 = 18446744073709551616f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> magnitude = Vector.Abs(x);
        // Cephes tanhf: x + x³ P(x²), 2.5e-7 peak relative error on [-0.625, 0.625].
        Vector<float> z = x * x;
        Vector<float> p = Vector.MultiplyAddEstimate(new Vector<float>(-5.70498872745e-3f), z, new Vector<float>(2.06390887954e-2f));
        p = Vector.MultiplyAddEstimate(p, z, new Vector<float>(-5.37397155531e-2f));
        p = Vector.MultiplyAddEstimate(p, z, new Vector<float>(1.33314422036e-1f));
        p = Vector.MultiplyAddEstimate(p, z, new Vector<float>(-3.33332819422e-1f));
        Vector<float> small = Vector.MultiplyAddEstimate(p * z, x, x);
        if (Vector.LessThanAll(magnitude, new Vector<float>(SmallTanhLimit)))
        {
            // Every lane small (NaN is not): the exponential is not needed. Gated cells' pre-activations often are, step after
            // step, so the branch predicts: 1.05-1.26× faster streaming steps, the same results (xsimd's tanh does the same).
            return small;
        }
        // e^{2|x|} with 2|x| clamped to 20, where 1 - 2 / (e^20 + 1) already rounds to 1: 2^n then fits one power of 2.
        Vector<float> excess = ExpReducedMinusOne(Vector.MinNative(magnitude + magnitude, new Vector<float>(20f)), out Vector<int> exponent);
        Vector<float> scale = Vector.ShiftLeft(exponent + new Vector<int>(127), 23).As<int, float>();
        Vector<float> large = Vector<float>.One - (new Vector<float>(2f) / Vector.MultiplyAddEstimate(scale, excess, scale + Vector<float>.One)); // 2^n (1 + m) + 1
        large |= x & new Vector<float>(-0f); // x's sign on the positive quotient
        // NaN fails the comparison and keeps the small branch's NaN.
        return Vector.ConditionalSelect(Vector.GreaterThanOrEqual(magnitude, new Vector<float>(SmallTanhLimit)), large, small);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Tanh(Vector<double> x)
    {
        Vector<double> magnitude = Vector.Abs(x);
        // Cephes tanh: x + x z P(z) / Q(z) with z = x², 2.5e-16 peak relative error on [-0.625, 0.625].
        Vector<double> z = x * x;
        Vector<double> p = Vector.MultiplyAddEstimate(new Vector<double>(-9.64399179425052238628e-1), z, new Vector<double>(-9.92877231001918586564e1));
        p = Vector.MultiplyAddEstimate(p, z, new Vector<double>(-1.61468768441708447952e3));
        Vector<double> q = z + new Vector<double>(1.12811678491632931402e2);
        q = Vector.MultiplyAddEstimate(q, z, new Vector<double>(2.23548839060100448583e3));
        q = Vector.MultiplyAddEstimate(q, z, new Vector<double>(4.84406305325125486048e3));
        Vector<double> small = Vector.MultiplyAddEstimate(z * p / q, x, x);
        if (Vector.LessThanAll(magnitude, new Vector<double>(SmallTanhLimit)))
        {
            return small; // as the float tanh
        }
        Vector<double> large = Vector<double>.One - (new Vector<double>(2.0) / (Vector.Exp(magnitude + magnitude) + Vector<double>.One));
        large = Vector.ConditionalSelect(Vector.LessThan(x, Vector<double>.Zero), -large, large);
        return Vector.ConditionalSelect(Vector.LessThan(magnitude, new Vector<double>(SmallTanhLimit)), small, large);
    }
}
