using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen;

/// <summary>The activations g1 and g2, applied in place to one step's values.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnActivations
{
    /// <summary>values[j] = tanh(values[j]), as 1 - 2 / (exp(2x) + 1) a vector at a time (exp overflowing to infinity gives exactly 1).</summary>
    public static void Tanh<T>(Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector<T> one = Vector<T>.One, two = one + one;
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> x = new(values.Slice(j));
            (one - (two / (Exp(x + x) + one))).CopyTo(values.Slice(j));
        }
        for (; j < values.Length; j++)
        {
            values[j] = T.Tanh(values[j]);
        }
    }

    /// <summary>e^x lane by lane, with the BCL's vectorised exponential of float or double.</summary>
    private static Vector<T> Exp<T>(Vector<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Vector.Exp(x.As<T, float>()).As<float, T>()
            : Vector.Exp(x.As<T, double>()).As<double, T>();

    /// <summary>values[j] = max(0, values[j]).</summary>
    public static void Relu<T>(Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector.Max(new Vector<T>(values.Slice(j)), Vector<T>.Zero).CopyTo(values.Slice(j));
        }
        for (; j < values.Length; j++)
        {
            values[j] = T.Max(values[j], T.Zero);
        }
    }

    /// <summary>values[j] = 1 / (1 + exp(-values[j])), a vector at a time.</summary>
    public static void Sigmoid<T>(Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            (Vector<T>.One / (Vector<T>.One + Exp(-new Vector<T>(values.Slice(j))))).CopyTo(values.Slice(j));
        }
        for (; j < values.Length; j++)
        {
            values[j] = T.One / (T.One + T.Exp(-values[j]));
        }
    }

    /// <summary>values[j] = exp(values[j]) / Σ_k exp(values[k]), computed after subtracting the maximum so large values do not overflow.</summary>
    public static void Softmax<T>(Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = Max<T>(values);
        T sum = T.Zero;
        for (int j = 0; j < values.Length; j++)
        {
            values[j] = T.Exp(values[j] - max);
            sum += values[j];
        }
        T scale = T.One / sum;
        for (int j = 0; j < values.Length; j++)
        {
            values[j] *= scale;
        }
    }

    /// <summary>gradients[j] *= y(1 - y), the sigmoid's derivative expressed through its outputs.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> outputs, Span<T> gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int j = 0; j < gradients.Length; j++)
        {
            gradients[j] *= outputs[j] * (T.One - outputs[j]);
        }
    }

    /// <summary>gradients[j] *= 1 - y², tanh's derivative expressed through its outputs.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> outputs, Span<T> gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int j = 0; j < gradients.Length; j++)
        {
            gradients[j] *= T.One - (outputs[j] * outputs[j]);
        }
    }

    /// <summary>gradients[j] = y_j (gradients[j] - Σ_k gradients[k] y_k), the softmax's Jacobian applied to dE/dy.</summary>
    public static void SoftmaxBackward<T>(ReadOnlySpan<T> outputs, Span<T> gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T weighted = T.Zero;
        for (int k = 0; k < gradients.Length; k++)
        {
            weighted += gradients[k] * outputs[k];
        }
        for (int j = 0; j < gradients.Length; j++)
        {
            gradients[j] = outputs[j] * (gradients[j] - weighted);
        }
    }

    /// <summary>destination[j] += values[j].</summary>
    public static void AddTo<T>(ReadOnlySpan<T> values, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            (new Vector<T>(values.Slice(j)) + new Vector<T>(destination.Slice(j))).CopyTo(destination.Slice(j));
        }
        for (; j < values.Length; j++)
        {
            destination[j] += values[j];
        }
    }

    /// <summary>The largest of one step's values, subtracted before exponentiating so large values do not overflow.</summary>
    internal static T Max<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = values[0];
        for (int j = 1; j < values.Length; j++)
        {
            max = T.Max(max, values[j]);
        }
        return max;
    }
}
