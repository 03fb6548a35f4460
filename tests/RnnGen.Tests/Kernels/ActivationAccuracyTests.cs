using System;
using System.Numerics;
using RnnGen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// The vectorised tanh and sigmoid against the correctly rounded values (Math.Tanh and 1 / (1 + e^-x) in double, rounded to
/// float; for double, the same functions, which the BCL computes to within an ulp), over the whole range, in ulps.
/// </summary>
public sealed class ActivationAccuracyTests(ITestOutputHelper output)
{
    /// <summary>The measured maxima on this machine's kernels (see the README's accuracy table); a regression beyond them fails.</summary>
    private const long FloatTanhUlps = 2, FloatSigmoidUlps = 3, DoubleTanhUlps = 2, DoubleSigmoidUlps = 3;

    [Fact]
    public void FloatTanhIsWithinTwoUlpsEverywhere() =>
        AssertFloatUlps(static values => Activations.Tanh<float>(values), Math.Tanh, FloatTanhUlps, "tanh");

    [Fact]
    public void FloatSigmoidIsWithinThreeUlpsEverywhere() =>
        AssertFloatUlps(static values => Activations.Sigmoid<float>(values), static x => 1 / (1 + Math.Exp(-x)), FloatSigmoidUlps, "sigmoid");

    [Fact]
    public void DoubleTanhIsWithinTwoUlpsEverywhere() =>
        AssertDoubleUlps(static values => Activations.Tanh<double>(values), Math.Tanh, DoubleTanhUlps, "tanh");

    [Fact]
    public void DoubleSigmoidIsWithinThreeUlpsEverywhere() =>
        AssertDoubleUlps(static values => Activations.Sigmoid<double>(values), static x => Sigmoid(x), DoubleSigmoidUlps, "sigmoid");

    /// <summary>Where the old formulation 1 - 2 / (e^{2x} + 1) lost every bit: tanh of tiny values is the value itself.</summary>
    [Fact]
    public void TanhOfSmallValuesKeepsTheirRelativePrecision()
    {
        float[] values = [1e-3f, -1e-5f, 3e-8f, 1e-30f, 0f, -0f, 0.5f, -0.6f];
        float[] expected = [.. Array.ConvertAll(values, static x => (float)Math.Tanh(x))];
        Activations.Tanh<float>(values);
        Assert.Equal(expected, values);
    }

    [Fact]
    public void SpecialValuesMapAsTheFunctionsDo()
    {
        float[] tanh = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, 100f, -100f, 44.4f, -44.4f, 20f];
        Activations.Tanh<float>(tanh);
        Assert.Equal([1f, -1f, float.NaN, 1f, -1f, 1f, -1f, 1f], tanh);
        float[] sigmoid = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, 100f, -100f, 0f, -200f, 200f];
        Activations.Sigmoid<float>(sigmoid);
        Assert.Equal([1f, 0f, float.NaN, 1f, (float)Sigmoid(-100), 0.5f, 0f, 1f], sigmoid);
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>Every 61st float from -∞ to +∞ (about 70 million values, subnormals included), a vector-width batch at a time.</summary>
    private void AssertFloatUlps(SpanAction<float> function, Func<double, double> reference, long allowed, string name)
    {
        const int Batch = 4096;
        var inputs = new float[Batch];
        var values = new float[Batch];
        long worst = 0;
        float worstInput = 0;
        int count = 0;
        for (long bits = 0; bits <= 0xFF800000L; bits += 61)
        {
            float x = BitConverter.Int32BitsToSingle(unchecked((int)(uint)bits));
            if (float.IsNaN(x))
            {
                continue;
            }
            inputs[count++] = x;
            if (count == Batch || bits + 61 > 0xFF800000L)
            {
                inputs.AsSpan(0, count).CopyTo(values);
                function(values.AsSpan(0, count));
                for (int i = 0; i < count; i++)
                {
                    long ulps = FloatUlps(values[i], (float)reference(inputs[i]));
                    if (ulps > worst)
                    {
                        (worst, worstInput) = (ulps, inputs[i]);
                    }
                }
                count = 0;
            }
        }
        output.WriteLine($"float {name}: largest error {worst} ulp (at {worstInput:R}), Vector<float>.Count = {Vector<float>.Count}");
        Assert.True(worst <= allowed, $"float {name} is {worst} ulp off at {worstInput:R}");
    }

    /// <summary>Two million doubles with exponents spread from 2^-1074 to 2^10, both signs.</summary>
    private void AssertDoubleUlps(SpanAction<double> function, Func<double, double> reference, long allowed, string name)
    {
        var random = new Random(20261201);
        var inputs = new double[2_000_000];
        for (int i = 0; i < inputs.Length; i++)
        {
            double magnitude = Math.ScaleB(1 + random.NextDouble(), random.Next(-1074, 10));
            inputs[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }
        double[] values = (double[])inputs.Clone();
        function(values);
        long worst = 0;
        double worstInput = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            long ulps = DoubleUlps(values[i], reference(inputs[i]));
            if (ulps > worst)
            {
                (worst, worstInput) = (ulps, inputs[i]);
            }
        }
        output.WriteLine($"double {name}: largest error {worst} ulp (at {worstInput:R}) against the BCL's, Vector<double>.Count = {Vector<double>.Count}");
        Assert.True(worst <= allowed, $"double {name} is {worst} ulp off at {worstInput:R}");
    }

    private delegate void SpanAction<T>(Span<T> values);

    /// <summary>The number of floats between a and b (0 when equal, and for +0 and -0).</summary>
    internal static long FloatUlps(float a, float b) => Math.Abs(Ordered(a) - Ordered(b));

    internal static long DoubleUlps(double a, double b)
    {
        long x = BitConverter.DoubleToInt64Bits(a), y = BitConverter.DoubleToInt64Bits(b);
        x = x < 0 ? long.MinValue - x : x;
        y = y < 0 ? long.MinValue - y : y;
        return (long)Math.Min(ulong.MaxValue >> 1, (ulong)Math.Abs((decimal)x - y));
    }

    private static long Ordered(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        return bits < 0 ? int.MinValue - (long)bits : bits;
    }
}
