using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>The activations g1 and g2, applied in place to one step's values.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Activations
{
    /// <summary>values[j] = tanh(values[j]), a vector at a time (see <see cref="VectorMath.Tanh{T}(Vector{T})"/> for the accuracy).</summary>
    public static void Tanh<T>(Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = VectorMath.PairsAsVector512<T>() ? ActivateVectors<T, Vector512<T>, Vector512Lanes<T>>(values, 0, sigmoid: false) : 0;
        for (j = ActivateVectors<T, Vector<T>, VectorLanes<T>>(values, j, sigmoid: false); j < values.Length; j++)
        {
            values[j] = VectorMath.Tanh(values[j]);
        }
    }

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
        int j = VectorMath.PairsAsVector512<T>() ? ActivateVectors<T, Vector512<T>, Vector512Lanes<T>>(values, 0, sigmoid: true) : 0;
        for (j = ActivateVectors<T, Vector<T>, VectorLanes<T>>(values, j, sigmoid: true); j < values.Length; j++)
        {
            values[j] = VectorMath.Sigmoid(values[j]);
        }
    }

    /// <summary>The sigmoid or tanh of the whole vectors of <paramref name="values"/> from <paramref name="from"/> on, in place; returns where they end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ActivateVectors<T, TVector, TLanes>(Span<T> values, int from, bool sigmoid)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        ref T value = ref MemoryMarshal.GetReference(values);
        int j = from;
        for (; j <= values.Length - TLanes.Count; j += TLanes.Count)
        {
            TVector x = TLanes.Load(ref value, (nuint)j);
            TLanes.Store(sigmoid ? TLanes.Sigmoid(x) : TLanes.Tanh(x), ref value, (nuint)j);
        }
        return j;
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

    /// <summary>The softmax of every row of <paramref name="values"/>, rows <paramref name="width"/> wide: one per step.</summary>
    public static void SoftmaxRows<T>(Span<T> values, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        KernelGuard.Require(width > 0 && values.Length % width == 0, LengthsDiffer);
        for (int start = 0; start < values.Length; start += width)
        {
            Softmax(values.Slice(start, width));
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

    /// <summary>preactivationGradients[j] = (outputGradients[j] + carried[j]) (1 - y_j²): dE/d(pre-activation) of one tanh layer step.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> carried, Span<T> preactivationGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = preactivationGradients.Length;
        KernelGuard.Require(outputs.Length >= n && outputGradients.Length >= n && carried.Length >= n, LengthsDiffer);
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> y = new(outputs.Slice(j));
            ((new Vector<T>(outputGradients.Slice(j)) + new Vector<T>(carried.Slice(j))) * (Vector<T>.One - (y * y))).CopyTo(preactivationGradients.Slice(j));
        }
        for (; j < n; j++)
        {
            preactivationGradients[j] = (outputGradients[j] + carried[j]) * (T.One - (outputs[j] * outputs[j]));
        }
    }

    /// <summary>preactivationGradients[j] = outputGradients[j] + carried[j] where y_j &gt; 0, else 0: dE/d(pre-activation) of one relu layer step.</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, ReadOnlySpan<T> carried, Span<T> preactivationGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = preactivationGradients.Length;
        KernelGuard.Require(outputs.Length >= n && outputGradients.Length >= n && carried.Length >= n, LengthsDiffer);
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> sum = new Vector<T>(outputGradients.Slice(j)) + new Vector<T>(carried.Slice(j));
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(outputs.Slice(j)), Vector<T>.Zero), sum, Vector<T>.Zero).CopyTo(preactivationGradients.Slice(j));
        }
        for (; j < n; j++)
        {
            preactivationGradients[j] = outputs[j] > T.Zero ? outputGradients[j] + carried[j] : T.Zero;
        }
    }

    /// <summary>
    /// destination[j] += Σ_r rows[r, j] over every row of <paramref name="rows"/> (rows destination.Length wide): a bias
    /// gradient summed over steps. The sums run in double and are rounded once, so a long sequence's float bias gradient is
    /// as accurate as one step's.
    /// </summary>
    public static void AddRowsTo<T>(ReadOnlySpan<T> rows, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const int Chunk = 256;
        int width = destination.Length;
        KernelGuard.Require(width > 0 && rows.Length % width == 0, LengthsDiffer);
        Span<double> sums = stackalloc double[Math.Min(width, Chunk)];
        for (int start = 0; start < width; start += Chunk)
        {
            Span<double> chunk = sums.Slice(0, Math.Min(Chunk, width - start));
            chunk.Clear();
            for (int row = start; row < rows.Length; row += width)
            {
                AddWidened(rows.Slice(row, chunk.Length), chunk);
            }
            for (int j = 0; j < chunk.Length; j++)
            {
                destination[start + j] = T.CreateTruncating(double.CreateTruncating(destination[start + j]) + chunk[j]);
            }
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

    /// <summary>sums[j] += values[j] in double, a vector at a time (floats widened to two double vectors).</summary>
    private static void AddWidened<T>(ReadOnlySpan<T> values, Span<double> sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> floats = MemoryMarshal.Cast<T, float>(values);
            for (; j <= floats.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(floats.Slice(j)), out Vector<double> low, out Vector<double> high);
                (new Vector<double>(sums.Slice(j)) + low).CopyTo(sums.Slice(j));
                (new Vector<double>(sums.Slice(j + Vector<double>.Count)) + high).CopyTo(sums.Slice(j + Vector<double>.Count));
            }
        }
        else
        {
            ReadOnlySpan<double> doubles = MemoryMarshal.Cast<T, double>(values);
            for (; j <= doubles.Length - Vector<double>.Count; j += Vector<double>.Count)
            {
                (new Vector<double>(sums.Slice(j)) + new Vector<double>(doubles.Slice(j))).CopyTo(sums.Slice(j));
            }
        }
        for (; j < values.Length; j++)
        {
            sums[j] += double.CreateTruncating(values[j]);
        }
    }

    /// <summary>The softmax's Jacobian applied to dE/dy for every row of <paramref name="gradients"/>, rows <paramref name="width"/> wide: one per step.</summary>
    public static void SoftmaxBackwardRows<T>(ReadOnlySpan<T> outputs, Span<T> gradients, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        KernelGuard.Require(width > 0 && gradients.Length % width == 0 && outputs.Length >= gradients.Length, LengthsDiffer);
        for (int start = 0; start < gradients.Length; start += width)
        {
            SoftmaxBackward(outputs.Slice(start, width), gradients.Slice(start, width));
        }
    }

    /// <summary>destination[j] += values[j].</summary>
    public static void AddTo<T>(ReadOnlySpan<T> values, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = values.Length;
        KernelGuard.Require(destination.Length >= n, LengthsDiffer);
        ref T value = ref MemoryMarshal.GetReference(values);
        ref T sum = ref MemoryMarshal.GetReference(destination);
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref value, (nuint)j) + Vector.LoadUnsafe(ref sum, (nuint)j), ref sum, (nuint)j);
        }
        for (; j < n; j++)
        {
            Unsafe.Add(ref sum, j) += Unsafe.Add(ref value, j);
        }
    }

    /// <summary>values[i] /= divisor (a division per element, as the scalar one rounds, not a multiplication by the reciprocal).</summary>
    internal static void DivideBy<T>(Span<T> values, T divisor)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T value = ref MemoryMarshal.GetReference(values);
        var divisors = new Vector<T>(divisor);
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref value, (nuint)j) / divisors, ref value, (nuint)j);
        }
        for (; j < values.Length; j++)
        {
            Unsafe.Add(ref value, j) /= divisor;
        }
    }

    private const string LengthsDiffer = "A span passed to an activation kernel is shorter than the others.";

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
