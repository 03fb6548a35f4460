using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// The matrix-matrix products of the batched passes: many rows (the sequences of a batch at one step, or every packed row of
/// a batch) times one [<c>TRows</c>, <c>TColumns</c>] weight matrix. The matrix is first copied into column panels, each
/// [TRows, two vectors] contiguous (<see cref="Pack"/>), and every block of rows passes over one panel before the next: a panel (8 KB for 128 rows
/// of floats) stays in the first-level cache, where the rows of a wide matrix read in place sit a page apart and miss.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PanelKernels
{
    /// <summary>Rows per pass: each weight vector loaded serves this many rows.</summary>
    private const int BlockRows = 4;

    /// <summary>Rows per pass of the 512-bit panels (<see cref="RowBlocksTimesPanels512"/>).</summary>
    private const int WideBlockRows = 2 * BlockRows;

    /// <summary>The length of the panels of a [<typeparamref name="TRows"/>, <typeparamref name="TColumns"/>] matrix: the matrix's.</summary>
    public static int PackedLength<TRows, TColumns>()
        where TRows : struct, ISize
        where TColumns : struct, ISize => TRows.Value * TColumns.Value;

    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="panels"/>: the panel of columns [j, j + w) starts at j * TRows and
    /// holds row i's columns at i * w, where w is two vectors, or for the last panel the columns left.
    /// </summary>
    public static void Pack<T, TRows, TColumns>(ReadOnlySpan<T> weights, Span<T> panels)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize => PackStrided<T, TRows, TColumns>(weights, TColumns.Value, 1, panels);

    /// <summary>
    /// Like <see cref="Pack"/> for the [TRows, TColumns] matrix whose transpose, [TColumns, TRows], is <paramref name="transposed"/>:
    /// the backward pass sends gradients back through a weight matrix this way.
    /// </summary>
    public static void PackTransposed<T, TRows, TColumns>(ReadOnlySpan<T> transposed, Span<T> panels)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize => PackStrided<T, TRows, TColumns>(transposed, 1, TRows.Value, panels);

    /// <summary>The panels of the matrix whose element (i, j) is source[i * rowStride + j * columnStride].</summary>
    private static void PackStrided<T, TRows, TColumns>(ReadOnlySpan<T> source, int rowStride, int columnStride, Span<T> panels)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value;
        KernelGuard.Require(source.Length >= rows * columns && panels.Length >= PackedLength<TRows, TColumns>(), SpanTooShort);
        for (int j = 0; j < columns; j += PanelWidth<T>())
        {
            int width = Math.Min(PanelWidth<T>(), columns - j);
            for (int i = 0; i < rows; i++)
            {
                Span<T> row = panels.Slice((j * rows) + (i * width), width);
                if (columnStride == 1)
                {
                    source.Slice((i * rowStride) + j, width).CopyTo(row); // a row of the matrix as stored
                    continue;
                }
                for (int c = 0; c < width; c++)
                {
                    row[c] = source[(i * rowStride) + ((j + c) * columnStride)];
                }
            }
        }
    }

    private static int PanelWidth<T>() => 2 * Vector<T>.Count;

    /// <summary>results[r * resultStride + j] = starts[r * startStride + j] + Σ_i vectors[r * vectorStride + i] * weights[i, j] for r &lt; <paramref name="count"/>.</summary>
    /// <param name="vectors">The rows multiplied, each TRows long, <paramref name="vectorStride"/> apart.</param>
    /// <param name="vectorStride">The distance between two rows of <paramref name="vectors"/>.</param>
    /// <param name="count">How many rows.</param>
    /// <param name="panels">The matrix's panels (<see cref="Pack"/>).</param>
    /// <param name="starts">The rows added to the products, each TColumns long, <paramref name="startStride"/> apart: stride 0 for a bias.</param>
    /// <param name="startStride">The distance between two rows of <paramref name="starts"/>.</param>
    /// <param name="results">Receives the rows, each TColumns long, <paramref name="resultStride"/> apart.</param>
    /// <param name="resultStride">The distance between two rows of <paramref name="results"/>.</param>
    public static void MultiplyRows<T, TRows, TColumns>(ReadOnlySpan<T> vectors, int vectorStride, int count, ReadOnlySpan<T> panels, ReadOnlySpan<T> starts, int startStride, Span<T> results, int resultStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        Require<TRows, TColumns>(vectors.Length, vectorStride, count, panels.Length, results.Length, resultStride);
        KernelGuard.Require(startStride >= 0 && (count == 0 || (long)starts.Length >= ((long)(count - 1) * startStride) + TColumns.Value), SpanTooShort);
        RowsTimesPanels<T, TRows, TColumns>(ref MemoryMarshal.GetReference(vectors), vectorStride, count, ref MemoryMarshal.GetReference(panels),
            ref MemoryMarshal.GetReference(starts), startStride, ref MemoryMarshal.GetReference(results), resultStride);
    }

    /// <summary>accumulators[r * accumulatorStride + j] += Σ_i vectors[r * vectorStride + i] * weights[i, j] for r &lt; <paramref name="count"/>.</summary>
    /// <param name="vectors">The rows multiplied, each TRows long, <paramref name="vectorStride"/> apart.</param>
    /// <param name="vectorStride">The distance between two rows of <paramref name="vectors"/>.</param>
    /// <param name="count">How many rows.</param>
    /// <param name="panels">The matrix's panels (<see cref="Pack"/>).</param>
    /// <param name="accumulators">The rows added to, each TColumns long, <paramref name="accumulatorStride"/> apart.</param>
    /// <param name="accumulatorStride">The distance between two rows of <paramref name="accumulators"/>.</param>
    public static void MultiplyAddRows<T, TRows, TColumns>(ReadOnlySpan<T> vectors, int vectorStride, int count, ReadOnlySpan<T> panels, Span<T> accumulators, int accumulatorStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        Require<TRows, TColumns>(vectors.Length, vectorStride, count, panels.Length, accumulators.Length, accumulatorStride);
        ref T accumulator = ref MemoryMarshal.GetReference(accumulators);
        RowsTimesPanels<T, TRows, TColumns>(ref MemoryMarshal.GetReference(vectors), vectorStride, count, ref MemoryMarshal.GetReference(panels),
            ref accumulator, accumulatorStride, ref accumulator, accumulatorStride);
    }

    private static void Require<TRows, TColumns>(int vectorsLength, int vectorStride, int count, int panelsLength, int resultsLength, int resultStride)
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value;
        KernelGuard.Require(count >= 0 && panelsLength >= PackedLength<TRows, TColumns>() && (count == 0
            || (vectorStride >= rows && resultStride >= columns && (long)vectorsLength >= ((long)(count - 1) * vectorStride) + rows
                && (long)resultsLength >= ((long)(count - 1) * resultStride) + columns)), SpanTooShort);
    }

    /// <summary>
    /// results[r * resultStride + j] = starts[r * startStride + j] + Σ_i vectors[r * vectorStride + i] * weights[i, j]: panel by
    /// panel, BlockRows rows × 2 vectors per pass; the starts are the bias (stride 0) or the results themselves. Bounds checked by the callers.
    /// </summary>
    private static void RowsTimesPanels<T, TRows, TColumns>(ref T vectors, int vectorStride, int count, ref T panels, ref T starts, int startStride, ref T results, int resultStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value, lanes = Vector<T>.Count, width = 2 * lanes;
        int blocked = count - (count % BlockRows);
        int j = 0;
        for (; j <= columns - width; j += width)
        {
            ref T panel = ref Unsafe.Add(ref panels, j * rows);
            nuint second = (nuint)(j + lanes);
            int r = 0;
            if (VectorMath.PairsAsVector512<T>())
            {
                // The panels go in pairs, the first of each pair doing both panels' blocks of WideBlockRows rows.
                bool secondOfPair = (j / width) % 2 == 1;
                r = secondOfPair ? count - (count % WideBlockRows)
                    : j <= columns - (2 * width)
                        ? RowBlocksTimesPanels512<T, TRows>(ref vectors, vectorStride, count, ref panel, ref starts, startStride, ref results, resultStride, j, twoPanels: true)
                        : RowBlocksTimesPanels512<T, TRows>(ref vectors, vectorStride, count, ref panel, ref starts, startStride, ref results, resultStride, j, twoPanels: false);
            }
            for (; r < blocked; r += BlockRows)
            {
                ref T x0 = ref Unsafe.Add(ref vectors, r * vectorStride);
                ref T x1 = ref Unsafe.Add(ref x0, vectorStride);
                ref T x2 = ref Unsafe.Add(ref x1, vectorStride);
                ref T x3 = ref Unsafe.Add(ref x2, vectorStride);
                ref T start0 = ref Unsafe.Add(ref starts, r * startStride);
                ref T start1 = ref Unsafe.Add(ref start0, startStride);
                ref T start2 = ref Unsafe.Add(ref start1, startStride);
                ref T start3 = ref Unsafe.Add(ref start2, startStride);
                Vector<T> sum0a = Vector.LoadUnsafe(ref start0, (nuint)j), sum0b = Vector.LoadUnsafe(ref start0, second);
                Vector<T> sum1a = Vector.LoadUnsafe(ref start1, (nuint)j), sum1b = Vector.LoadUnsafe(ref start1, second);
                Vector<T> sum2a = Vector.LoadUnsafe(ref start2, (nuint)j), sum2b = Vector.LoadUnsafe(ref start2, second);
                Vector<T> sum3a = Vector.LoadUnsafe(ref start3, (nuint)j), sum3b = Vector.LoadUnsafe(ref start3, second);
                ref T row = ref panel;
                for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, width))
                {
                    Vector<T> weightA = Vector.LoadUnsafe(ref row), weightB = Vector.LoadUnsafe(ref row, (nuint)lanes);
                    Vector<T> value0 = new(Unsafe.Add(ref x0, i)), value1 = new(Unsafe.Add(ref x1, i));
                    Vector<T> value2 = new(Unsafe.Add(ref x2, i)), value3 = new(Unsafe.Add(ref x3, i));
                    sum0a = VectorMath.MultiplyAdd(value0, weightA, sum0a);
                    sum0b = VectorMath.MultiplyAdd(value0, weightB, sum0b);
                    sum1a = VectorMath.MultiplyAdd(value1, weightA, sum1a);
                    sum1b = VectorMath.MultiplyAdd(value1, weightB, sum1b);
                    sum2a = VectorMath.MultiplyAdd(value2, weightA, sum2a);
                    sum2b = VectorMath.MultiplyAdd(value2, weightB, sum2b);
                    sum3a = VectorMath.MultiplyAdd(value3, weightA, sum3a);
                    sum3b = VectorMath.MultiplyAdd(value3, weightB, sum3b);
                }
                ref T output0 = ref Unsafe.Add(ref results, r * resultStride);
                ref T output1 = ref Unsafe.Add(ref output0, resultStride);
                ref T output2 = ref Unsafe.Add(ref output1, resultStride);
                ref T output3 = ref Unsafe.Add(ref output2, resultStride);
                Vector.StoreUnsafe(sum0a, ref output0, (nuint)j);
                Vector.StoreUnsafe(sum0b, ref output0, second);
                Vector.StoreUnsafe(sum1a, ref output1, (nuint)j);
                Vector.StoreUnsafe(sum1b, ref output1, second);
                Vector.StoreUnsafe(sum2a, ref output2, (nuint)j);
                Vector.StoreUnsafe(sum2b, ref output2, second);
                Vector.StoreUnsafe(sum3a, ref output3, (nuint)j);
                Vector.StoreUnsafe(sum3b, ref output3, second);
            }
            // The rows left over (fewer than BlockRows), one at a time: two vectors, the even and odd weight rows summed apart
            // so that four chains hide the FMA latency.
            for (; r < count; r++)
            {
                ref T x = ref Unsafe.Add(ref vectors, r * vectorStride);
                ref T start = ref Unsafe.Add(ref starts, r * startStride);
                Vector<T> evenA = Vector.LoadUnsafe(ref start, (nuint)j), evenB = Vector.LoadUnsafe(ref start, second);
                Vector<T> oddA = Vector<T>.Zero, oddB = Vector<T>.Zero;
                ref T row = ref panel;
                int i = 0;
                for (; i <= rows - 2; i += 2, row = ref Unsafe.Add(ref row, 2 * width))
                {
                    Vector<T> even = new(Unsafe.Add(ref x, i)), odd = new(Unsafe.Add(ref x, i + 1));
                    evenA = VectorMath.MultiplyAdd(even, Vector.LoadUnsafe(ref row), evenA);
                    evenB = VectorMath.MultiplyAdd(even, Vector.LoadUnsafe(ref row, (nuint)lanes), evenB);
                    oddA = VectorMath.MultiplyAdd(odd, Vector.LoadUnsafe(ref row, (nuint)width), oddA);
                    oddB = VectorMath.MultiplyAdd(odd, Vector.LoadUnsafe(ref row, (nuint)(width + lanes)), oddB);
                }
                if (i < rows)
                {
                    Vector<T> last = new(Unsafe.Add(ref x, i));
                    evenA = VectorMath.MultiplyAdd(last, Vector.LoadUnsafe(ref row), evenA);
                    evenB = VectorMath.MultiplyAdd(last, Vector.LoadUnsafe(ref row, (nuint)lanes), evenB);
                }
                ref T output = ref Unsafe.Add(ref results, r * resultStride);
                Vector.StoreUnsafe(evenA + oddA, ref output, (nuint)j);
                Vector.StoreUnsafe(evenB + oddB, ref output, second);
            }
        }
        // The last, narrower panel (the columns after the last two whole vectors), one value at a time.
        ref T narrow = ref Unsafe.Add(ref panels, j * rows);
        int left = columns - j;
        for (int c = 0; c < left; c++, j++)
        {
            for (int r = 0; r < count; r++)
            {
                ref T x = ref Unsafe.Add(ref vectors, r * vectorStride);
                T total = Unsafe.Add(ref starts, (r * startStride) + j);
                for (int i = 0; i < rows; i++)
                {
                    total = T.MultiplyAddEstimate(Unsafe.Add(ref x, i), Unsafe.Add(ref narrow, (i * left) + c), total);
                }
                Unsafe.Add(ref results, (r * resultStride) + j) = total;
            }
        }
    }

    /// <summary>
    /// The rows of <see cref="RowsTimesPanels"/> in blocks of 8 for one panel whose rows are one 512-bit vector (two of
    /// Vector&lt;T&gt;'s 256 bits), or for it and the next (<paramref name="twoPanels"/>, a constant at each call), on AVX-512
    /// cores: each weight vector loaded serves 8 rows, 8 or 16 FMA chains in flight, the same sums in the same order as the
    /// 256-bit pass. Returns how many rows it did (a multiple of <see cref="BlockRows"/>). On Sapphire Rapids one panel a
    /// pass took the batch-32 forwards at (64, 128) from 0.82-0.84 (GRU) and 0.60-0.63 (LSTM) of ONNX Runtime's speed to
    /// 1.00-1.04 and 0.71-0.81 (three runs each way, alternated); two panels a pass (16 chains) then from 0.98-1.03 and
    /// 0.70-0.78 to 1.29-1.30 and 0.84-0.90 (likewise).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowBlocksTimesPanels512<T, TRows>(ref T vectors, int vectorStride, int count, ref T panel, ref T starts, int startStride, ref T results, int resultStride, int column, bool twoPanels)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
    {
        const int block = WideBlockRows;
        int rows = TRows.Value, width = Vector512<T>.Count, blocked = count - (count % block);
        nuint nextPanel = (nuint)(rows * width), next = (nuint)width; // the next panel's rows, and its columns in a row of sums
        for (int r = 0; r < blocked; r += block)
        {
            ref T x0 = ref Unsafe.Add(ref vectors, r * vectorStride);
            ref T x1 = ref Unsafe.Add(ref x0, vectorStride);
            ref T x2 = ref Unsafe.Add(ref x1, vectorStride);
            ref T x3 = ref Unsafe.Add(ref x2, vectorStride);
            ref T x4 = ref Unsafe.Add(ref x3, vectorStride);
            ref T x5 = ref Unsafe.Add(ref x4, vectorStride);
            ref T x6 = ref Unsafe.Add(ref x5, vectorStride);
            ref T x7 = ref Unsafe.Add(ref x6, vectorStride);
            ref T start0 = ref Unsafe.Add(ref starts, (r * startStride) + column);
            ref T start1 = ref Unsafe.Add(ref start0, startStride);
            ref T start2 = ref Unsafe.Add(ref start1, startStride);
            ref T start3 = ref Unsafe.Add(ref start2, startStride);
            ref T start4 = ref Unsafe.Add(ref start3, startStride);
            ref T start5 = ref Unsafe.Add(ref start4, startStride);
            ref T start6 = ref Unsafe.Add(ref start5, startStride);
            ref T start7 = ref Unsafe.Add(ref start6, startStride);
            Vector512<T> sum0 = Vector512.LoadUnsafe(ref start0), sum1 = Vector512.LoadUnsafe(ref start1);
            Vector512<T> sum2 = Vector512.LoadUnsafe(ref start2), sum3 = Vector512.LoadUnsafe(ref start3);
            Vector512<T> sum4 = Vector512.LoadUnsafe(ref start4), sum5 = Vector512.LoadUnsafe(ref start5);
            Vector512<T> sum6 = Vector512.LoadUnsafe(ref start6), sum7 = Vector512.LoadUnsafe(ref start7);
            Vector512<T> after0 = default, after1 = default, after2 = default, after3 = default;
            Vector512<T> after4 = default, after5 = default, after6 = default, after7 = default;
            if (twoPanels)
            {
                after0 = Vector512.LoadUnsafe(ref start0, next);
                after1 = Vector512.LoadUnsafe(ref start1, next);
                after2 = Vector512.LoadUnsafe(ref start2, next);
                after3 = Vector512.LoadUnsafe(ref start3, next);
                after4 = Vector512.LoadUnsafe(ref start4, next);
                after5 = Vector512.LoadUnsafe(ref start5, next);
                after6 = Vector512.LoadUnsafe(ref start6, next);
                after7 = Vector512.LoadUnsafe(ref start7, next);
            }
            ref T row = ref panel;
            for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, width))
            {
                Vector512<T> weight = Vector512.LoadUnsafe(ref row);
                Vector512<T> value0 = Vector512.Create(Unsafe.Add(ref x0, i)), value1 = Vector512.Create(Unsafe.Add(ref x1, i));
                Vector512<T> value2 = Vector512.Create(Unsafe.Add(ref x2, i)), value3 = Vector512.Create(Unsafe.Add(ref x3, i));
                Vector512<T> value4 = Vector512.Create(Unsafe.Add(ref x4, i)), value5 = Vector512.Create(Unsafe.Add(ref x5, i));
                Vector512<T> value6 = Vector512.Create(Unsafe.Add(ref x6, i)), value7 = Vector512.Create(Unsafe.Add(ref x7, i));
                sum0 = VectorMath.MultiplyAdd(value0, weight, sum0);
                sum1 = VectorMath.MultiplyAdd(value1, weight, sum1);
                sum2 = VectorMath.MultiplyAdd(value2, weight, sum2);
                sum3 = VectorMath.MultiplyAdd(value3, weight, sum3);
                sum4 = VectorMath.MultiplyAdd(value4, weight, sum4);
                sum5 = VectorMath.MultiplyAdd(value5, weight, sum5);
                sum6 = VectorMath.MultiplyAdd(value6, weight, sum6);
                sum7 = VectorMath.MultiplyAdd(value7, weight, sum7);
                if (twoPanels)
                {
                    Vector512<T> nextWeight = Vector512.LoadUnsafe(ref row, nextPanel);
                    after0 = VectorMath.MultiplyAdd(value0, nextWeight, after0);
                    after1 = VectorMath.MultiplyAdd(value1, nextWeight, after1);
                    after2 = VectorMath.MultiplyAdd(value2, nextWeight, after2);
                    after3 = VectorMath.MultiplyAdd(value3, nextWeight, after3);
                    after4 = VectorMath.MultiplyAdd(value4, nextWeight, after4);
                    after5 = VectorMath.MultiplyAdd(value5, nextWeight, after5);
                    after6 = VectorMath.MultiplyAdd(value6, nextWeight, after6);
                    after7 = VectorMath.MultiplyAdd(value7, nextWeight, after7);
                }
            }
            ref T output0 = ref Unsafe.Add(ref results, (r * resultStride) + column);
            ref T output1 = ref Unsafe.Add(ref output0, resultStride);
            ref T output2 = ref Unsafe.Add(ref output1, resultStride);
            ref T output3 = ref Unsafe.Add(ref output2, resultStride);
            ref T output4 = ref Unsafe.Add(ref output3, resultStride);
            ref T output5 = ref Unsafe.Add(ref output4, resultStride);
            ref T output6 = ref Unsafe.Add(ref output5, resultStride);
            ref T output7 = ref Unsafe.Add(ref output6, resultStride);
            Vector512.StoreUnsafe(sum0, ref output0);
            Vector512.StoreUnsafe(sum1, ref output1);
            Vector512.StoreUnsafe(sum2, ref output2);
            Vector512.StoreUnsafe(sum3, ref output3);
            Vector512.StoreUnsafe(sum4, ref output4);
            Vector512.StoreUnsafe(sum5, ref output5);
            Vector512.StoreUnsafe(sum6, ref output6);
            Vector512.StoreUnsafe(sum7, ref output7);
            if (twoPanels)
            {
                Vector512.StoreUnsafe(after0, ref output0, next);
                Vector512.StoreUnsafe(after1, ref output1, next);
                Vector512.StoreUnsafe(after2, ref output2, next);
                Vector512.StoreUnsafe(after3, ref output3, next);
                Vector512.StoreUnsafe(after4, ref output4, next);
                Vector512.StoreUnsafe(after5, ref output5, next);
                Vector512.StoreUnsafe(after6, ref output6, next);
                Vector512.StoreUnsafe(after7, ref output7, next);
            }
        }
        return blocked;
    }

    private const string SpanTooShort = "A span passed to a panel kernel is shorter than the kernel's shape needs.";
}
