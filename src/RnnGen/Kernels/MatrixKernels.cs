using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// The matrix products of the generated models, specialised by their sizes: <c>TRows</c> and
/// <c>TColumns</c> are <see cref="ISize"/> structs, so each shape gets its own compiled body with constant
/// bounds (the loops that cannot run at that shape vanish), shared by every model of the shape. Matrices are stored row by
/// row as [rows, columns]; the generated models store weights transposed, [inputs, outputs], so that a matrix-vector product
/// broadcasts one input against a contiguous row of outputs. <see cref="Vector{T}"/> is the portable path: its width is only
/// known when the JIT or NativeAOT compiles the code, so each kernel runs whole vectors and then a scalar tail. On AVX-512
/// cores, where Vector&lt;T&gt; stays 256 bits wide, the hot loops read pairs of its vectors as one 512-bit vector
/// (<see cref="VectorMath.PairsAsVector512{T}"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MatrixKernels
{
    /// <summary>Output vectors kept in registers per pass of the matrix-vector product: enough independent FMA chains to cover the FMA latency.</summary>
    private const int BlockVectors = 8;

    /// <summary>Interleaved partial sums for the last output vectors, so even a narrow product keeps several chains going.</summary>
    private const int SplitInputs = 4;

    /// <summary>Steps per pass of the input projection: each weight vector loaded serves this many steps.</summary>
    private const int BlockSteps = 4;

    /// <summary>Steps per pass of <see cref="ProjectWideBlock"/>: twelve with 512-bit pairs (AVX-512's 32 registers), six with Vector&lt;T&gt; (16 registers on AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WideBlockSteps<T>()
        where T : unmanaged => VectorMath.PairsAsVector512<T>() ? 12 : 6;

    /// <summary>The lanes of <see cref="ProjectWideBlock"/>'s vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WideLanes<T>()
        where T : unmanaged => VectorMath.PairsAsVector512<T>() ? Vector512<T>.Count : Vector<T>.Count;

    /// <summary>Gradient rows per pass of <see cref="AddTransposedProduct"/>: each step-gradient vector loaded serves this many rows.</summary>
    private const int BlockRows = 4;

    /// <summary>Steps per pass of <see cref="AddTransposedProduct"/>.</summary>
    private const int ChunkSteps = 8;

    /// <summary>Rows per panel of <see cref="MultiplyAddByRowPanels"/>.</summary>
    private const int PanelRows = 4;

    /// <summary>The first-level data cache a matrix is measured against: above it, <see cref="MultiplyAdd"/> sweeps row panels.</summary>
    private const int FirstLevelCacheBytes = 32 * 1024;

    /// <summary>accumulator[j] += Σ_i vector[i] * weights[i, j] for a [<typeparamref name="TRows"/>, <typeparamref name="TColumns"/>] matrix.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    public static void MultiplyAdd<T, TRows, TColumns>(ReadOnlySpan<T> vector, ReadOnlySpan<T> weights, Span<T> accumulator)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        KernelGuard.Require(vector.Length >= TRows.Value && weights.Length >= TRows.Value * TColumns.Value && accumulator.Length >= TColumns.Value, SpanTooShort);
        ref T sum = ref MemoryMarshal.GetReference(accumulator);
        MultiplyAddFrom<T, TRows, TColumns>(ref MemoryMarshal.GetReference(vector), ref MemoryMarshal.GetReference(weights), ref sum, ref sum);
    }

    /// <summary>
    /// result[j] = bias[j] + Σ_i vector[i] * weights[i, j]: one step of a dense layer (a streaming step's head), the sums
    /// started from the bias in registers rather than copied into <paramref name="result"/> first.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    public static void Affine<T, TRows, TColumns>(ReadOnlySpan<T> vector, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> result)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        KernelGuard.Require(vector.Length >= TRows.Value && weights.Length >= TRows.Value * TColumns.Value && bias.Length >= TColumns.Value
            && result.Length >= TColumns.Value, SpanTooShort);
        MultiplyAddFrom<T, TRows, TColumns>(ref MemoryMarshal.GetReference(vector), ref MemoryMarshal.GetReference(weights), ref MemoryMarshal.GetReference(bias), ref MemoryMarshal.GetReference(result));
    }

    /// <summary>
    /// sum[j] = initial[j] + Σ_i input[i] * weight[i, j]; <paramref name="initial"/> may be <paramref name="sum"/>. A matrix
    /// beyond the first-level cache is swept in row panels, except on AVX-512 cores when its columns are whole blocks: there
    /// the blocks of 512-bit vectors keep their sums in registers at any size (the streaming step at H = 64, W_hh 48 and
    /// 64 KB, 1.06-1.21× as fast as with row panels; at H = 128 and 256, 1.00-1.07; alternated in one process). Up to 256
    /// columns on those cores every column's sum stays in a register instead (<see cref="MultiplyAddAllColumns512"/>).
    /// </summary>
    // Inlined, so that its callers' constant sizes fold its branches: as a call, the JIT's tier-1 code with dynamic PGO kept
    // the dead loops of its 8 × 8 instantiation, and the GRU's (1, 8) streaming step on AVX2 took 64-65 ns against 51-52.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddFrom<T, TRows, TColumns>(ref T input, ref T weight, ref T initial, ref T sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value;
        if (columns == 1)
        {
            // One column's weights are contiguous: a dot product.
            sum = initial + Dot(ref input, ref weight, rows);
            return;
        }
        if (FitsWideRegisters<T>(columns))
        {
            MultiplyAddAllColumns512(ref input, ref weight, rows, columns, ref initial, ref sum);
            return;
        }
        bool wholeWideBlocks = VectorMath.PairsAsVector512<T>() && columns % (BlockVectors * Vector<T>.Count) == 0;
        if (!FitsFirstLevelCache<T>(rows, columns) && !wholeWideBlocks)
        {
            MemoryMarshal.CreateReadOnlySpan(ref initial, columns).CopyTo(MemoryMarshal.CreateSpan(ref sum, columns));
            MultiplyAddByRowPanels(ref input, ref weight, ref sum, rows, columns);
            return;
        }
        int lanes = Vector<T>.Count;
        int j = 0;
        // BlockVectors output vectors at a time, in registers, each a stretch of every row.
        for (; j <= columns - (BlockVectors * lanes); j += BlockVectors * lanes)
        {
            if (VectorMath.PairsAsVector512<T>())
            {
                MultiplyAddBlock512(ref input, ref Unsafe.Add(ref weight, j), columns, rows, ref Unsafe.Add(ref initial, j), ref Unsafe.Add(ref sum, j));
            }
            else
            {
                MultiplyAddBlock(ref input, ref Unsafe.Add(ref weight, j), columns, rows, ref Unsafe.Add(ref initial, j), ref Unsafe.Add(ref sum, j));
            }
        }
        // The remaining whole vectors one at a time, the inputs split into SplitInputs interleaved partial sums.
        for (; j <= columns - lanes; j += lanes)
        {
            Vector<T> total0 = Vector.LoadUnsafe(ref initial, (nuint)j), total1 = Vector<T>.Zero, total2 = Vector<T>.Zero, total3 = Vector<T>.Zero;
            ref T row = ref Unsafe.Add(ref weight, j);
            int i = 0;
            for (; i <= rows - SplitInputs; i += SplitInputs, row = ref Unsafe.Add(ref row, SplitInputs * columns))
            {
                total0 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input, i)), Vector.LoadUnsafe(ref row), total0);
                total1 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input, i + 1)), Vector.LoadUnsafe(ref row, (nuint)columns), total1);
                total2 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input, i + 2)), Vector.LoadUnsafe(ref row, (nuint)(2 * columns)), total2);
                total3 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input, i + 3)), Vector.LoadUnsafe(ref row, (nuint)(3 * columns)), total3);
            }
            for (; i < rows; i++, row = ref Unsafe.Add(ref row, columns))
            {
                total0 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input, i)), Vector.LoadUnsafe(ref row), total0);
            }
            Vector.StoreUnsafe(total0 + total1 + (total2 + total3), ref sum, (nuint)j);
        }
        // The outputs left over when the columns are not a multiple of the vector width.
        for (; j < columns; j++)
        {
            T total = Unsafe.Add(ref initial, j);
            ref T column = ref Unsafe.Add(ref weight, j);
            for (int i = 0; i < rows; i++)
            {
                total = T.MultiplyAddEstimate(Unsafe.Add(ref input, i), Unsafe.Add(ref column, i * columns), total);
            }
            Unsafe.Add(ref sum, j) = total;
        }
    }

    /// <summary>
    /// Σ_i left[i] * right[i] in two interleaved vector sums: a single column (the head of a one-output model) is contiguous,
    /// and the column loop below would run it as one chain of scalar FMAs, each waiting on the last (at H = 64, 64 × 4 cycles).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot<T>(ref T left, ref T right, int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count, i = 0;
        T total = T.Zero;
        if (length >= lanes)
        {
            Vector<T> sum0 = Vector.LoadUnsafe(ref left) * Vector.LoadUnsafe(ref right), sum1 = Vector<T>.Zero;
            for (i = lanes; i <= length - (2 * lanes); i += 2 * lanes)
            {
                sum1 = VectorMath.MultiplyAdd(Vector.LoadUnsafe(ref left, (nuint)i), Vector.LoadUnsafe(ref right, (nuint)i), sum1);
                sum0 = VectorMath.MultiplyAdd(Vector.LoadUnsafe(ref left, (nuint)(i + lanes)), Vector.LoadUnsafe(ref right, (nuint)(i + lanes)), sum0);
            }
            if (i <= length - lanes)
            {
                sum1 = VectorMath.MultiplyAdd(Vector.LoadUnsafe(ref left, (nuint)i), Vector.LoadUnsafe(ref right, (nuint)i), sum1);
                i += lanes;
            }
            total = Vector.Sum(sum0 + sum1);
        }
        // The elements left over when the length is not a multiple of the vector width.
        for (; i < length; i++)
        {
            total = T.MultiplyAddEstimate(Unsafe.Add(ref left, i), Unsafe.Add(ref right, i), total);
        }
        return total;
    }

    /// <summary>
    /// The largest matrix read from column panels: this core's second-level cache (<see cref="CpuCaches"/>); beyond it the
    /// weights stream from the third level either way, and the packed copy only adds to what streams. The old path's time
    /// over the panels', alternating the two in one process: on Zen 3 (512 KB) 1.03-1.14 at 192 and 256 KB, 0.86-1.03 at
    /// 768 KB and 1 MB; on Sapphire Rapids (2 MB) 1.27-1.34 at 768 KB and 1 MB, 1.18 at 1.6 MB, 1.01-1.03 at 1.98 MB.
    /// </summary>
    private static long ColumnPanelsBytes => CpuCaches.SecondLevelBytes;

    /// <summary>
    /// The fewest steps for which the column panels are packed: the copy costs about what the panels save in 32 products.
    /// Measured on a batch-1 forward of the (64, 128) LSTM and GRU and the (128, 256) vanilla cell, the old path's time over
    /// the panels' in one process: 0.15-0.17 at 1 step, 0.62-0.66 at 4, 0.81-0.91 at 8 and 16; 0.89-1.21 at 32 to 48 (by
    /// model instance: the row panels' speed depends on where their buffers lie); 1.04-1.10 at 50.
    /// </summary>
    private const int PanelSteps = 32;

    /// <summary>
    /// Whether <paramref name="steps"/> matrix-vector products by a [<paramref name="rows"/>, <paramref name="columns"/>]
    /// matrix (a recurrence at batch 1) run on the matrix's column panels (<see cref="PackColumnPanels"/>): when it does not
    /// fit the first-level cache, fits the second (<see cref="ColumnPanelsBytes"/>), its columns are whole panels, and there are steps
    /// enough to pay for the copy.
    /// </summary>
    internal static bool UsesColumnPanels<T>(int rows, int columns, int steps)
        where T : unmanaged => steps >= PanelSteps && !FitsFirstLevelCache<T>(rows, columns) && (long)rows * columns * Unsafe.SizeOf<T>() <= ColumnPanelsBytes
            && columns % (BlockVectors * Vector<T>.Count) == 0;

    /// <summary>
    /// The scratch the column panels of a [<paramref name="rows"/>, <paramref name="columns"/>] matrix take where
    /// <see cref="UsesColumnPanels"/> may hold on this core (of float or double), else 0.
    /// </summary>
    public static int ColumnPanelsLength(int rows, int columns)
    {
        long elements = (long)rows * columns;
        return elements * sizeof(double) > FirstLevelCacheBytes && elements * sizeof(float) <= ColumnPanelsBytes ? (int)elements + CacheLineSlack : 0;
    }

    /// <summary>The elements a workspace adds for a packed matrix to start on a cache line (<see cref="OnCacheLine"/>).</summary>
    internal const int CacheLineSlack = CacheLineBytes / sizeof(float);

    internal const int CacheLineBytes = 64;

    /// <summary>
    /// The <paramref name="length"/> elements of <paramref name="span"/> from its first cache-line boundary, for a packed
    /// matrix: a vector load that straddles two lines costs two. Measured on the batch-1 LSTM forward at (64, 128) and
    /// (128, 256), one process: column panels 8 or 16 bytes past a 32-byte boundary took 1.17-1.23× as long as aligned
    /// ones, and an array's elements start on any 8-byte boundary.
    /// </summary>
    internal static Span<T> OnCacheLine<T>(Span<T> span, int length)
        where T : unmanaged => span.Slice(ElementsToCacheLine(ref MemoryMarshal.GetReference(span)), length);

    /// <summary>How many elements from <paramref name="first"/> the next cache-line boundary lies (0 on one).</summary>
    internal static int ElementsToCacheLine<T>(ref T first)
        where T : unmanaged
    {
        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref first);
        return (int)((-address & (CacheLineBytes - 1)) / Unsafe.SizeOf<T>());
    }

    /// <summary>
    /// Copies a [<paramref name="rows"/>, <paramref name="columns"/>] matrix into column panels of <see cref="BlockVectors"/>
    /// vectors, each [rows, panel] contiguous, for <see cref="MultiplyAddColumnPanels"/>; nothing into empty panels (a
    /// matrix that <see cref="UsesColumnPanels"/> leaves in place).
    /// </summary>
    internal static void PackColumnPanels<T>(ReadOnlySpan<T> weights, int rows, int columns, Span<T> panels)
        where T : unmanaged
    {
        int width = BlockVectors * Vector<T>.Count, at = 0;
        for (int j = 0; j < columns && !panels.IsEmpty; j += width)
        {
            for (int i = 0; i < rows; i++, at += width)
            {
                weights.Slice((i * columns) + j, width).CopyTo(panels.Slice(at, width));
            }
        }
    }

    /// <summary>
    /// accumulator[j] += Σ_i vector[i] * weights[i, j] on the panels <see cref="PackColumnPanels"/> wrote: each panel one
    /// contiguous stream, its sums in registers, so no store waits among the loads (the row-panel product's sums, read and
    /// written in memory, ran 1.1-2.4× slower by where they lay against the weights). With <paramref name="lastPanelFirst"/>
    /// the panels run from the last: a recurrence that flips it every step starts each product on the panels the previous
    /// one read last, still in cache, where panels read in one order, about the second-level cache's size in all, are
    /// each evicted before their next read. Each column's sum is the same either way.
    /// </summary>
    internal static void MultiplyAddColumnPanels<T>(ReadOnlySpan<T> vector, ReadOnlySpan<T> panels, int rows, int columns, Span<T> accumulator, bool lastPanelFirst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = BlockVectors * Vector<T>.Count;
        ref T input = ref MemoryMarshal.GetReference(vector);
        ref T sums = ref MemoryMarshal.GetReference(accumulator);
        for (int done = 0; done < columns; done += width)
        {
            int j = lastPanelFirst ? columns - width - done : done;
            ref T sum = ref Unsafe.Add(ref sums, j);
            ref T panel = ref Unsafe.Add(ref MemoryMarshal.GetReference(panels), j * rows);
            if (VectorMath.PairsAsVector512<T>())
            {
                MultiplyAddBlock512(ref input, ref panel, width, rows, ref sum, ref sum);
            }
            else
            {
                MultiplyAddBlock(ref input, ref panel, width, rows, ref sum, ref sum);
            }
        }
    }

    /// <summary>
    /// Every column of <see cref="ProjectInputs"/>'s next <see cref="WideBlockSteps"/> steps from <paramref name="input0"/>
    /// (their rows <typeparamref name="TRows"/> apart), <typeparamref name="TColumns"/> a whole number of stretches of two vectors: 12
    /// FMA chains with Vector&lt;T&gt;, 24 with Vector512 (the last six steps only there), each weight vector loaded
    /// serving every step. Each lane sums in the same order as in <see cref="ProjectFourSteps"/>. Out of line, with its
    /// sizes constant: inlined into <see cref="ProjectInputs"/> it used up the JIT's inlining budget there, which left the
    /// four-step pass's vector operations as calls (the vanilla (64, 128) forward at AVX2 1.1× slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ProjectWideBlock<T, TRows, TColumns, TVector, TLanes>(ref T input0, ref T weight, ref T bias, ref T output0, int stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
        where TVector : struct
        where TLanes : struct, ILanes<TVector, T>
    {
        int rows = TRows.Value, columns = TColumns.Value;
        bool wide = WideBlockSteps<T>() == 12;
        int lanes = TLanes.Count;
        for (int j = 0; j < columns; j += 2 * lanes)
        {
            nuint first = (nuint)j, second = (nuint)(j + lanes);
            TVector bias0 = TLanes.Load(ref bias, first), bias1 = TLanes.Load(ref bias, second);
            TVector sum0a = bias0, sum0b = bias1, sum1a = bias0, sum1b = bias1, sum2a = bias0, sum2b = bias1, sum3a = bias0, sum3b = bias1;
            TVector sum4a = bias0, sum4b = bias1, sum5a = bias0, sum5b = bias1, sum6a = bias0, sum6b = bias1, sum7a = bias0, sum7b = bias1;
            TVector sum8a = bias0, sum8b = bias1, sum9a = bias0, sum9b = bias1, sum10a = bias0, sum10b = bias1, sum11a = bias0, sum11b = bias1;
            ref T row = ref Unsafe.Add(ref weight, j);
            ref T x = ref input0;
            for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, columns), x = ref Unsafe.Add(ref x, 1))
            {
                TVector weightA = TLanes.Load(ref row, 0), weightB = TLanes.Load(ref row, (nuint)lanes);
                TVector step = TLanes.Broadcast(x);
                sum0a = TLanes.MultiplyAdd(step, weightA, sum0a);
                sum0b = TLanes.MultiplyAdd(step, weightB, sum0b);
                step = TLanes.Broadcast(Unsafe.Add(ref x, rows));
                sum1a = TLanes.MultiplyAdd(step, weightA, sum1a);
                sum1b = TLanes.MultiplyAdd(step, weightB, sum1b);
                step = TLanes.Broadcast(Unsafe.Add(ref x, 2 * rows));
                sum2a = TLanes.MultiplyAdd(step, weightA, sum2a);
                sum2b = TLanes.MultiplyAdd(step, weightB, sum2b);
                step = TLanes.Broadcast(Unsafe.Add(ref x, 3 * rows));
                sum3a = TLanes.MultiplyAdd(step, weightA, sum3a);
                sum3b = TLanes.MultiplyAdd(step, weightB, sum3b);
                step = TLanes.Broadcast(Unsafe.Add(ref x, 4 * rows));
                sum4a = TLanes.MultiplyAdd(step, weightA, sum4a);
                sum4b = TLanes.MultiplyAdd(step, weightB, sum4b);
                step = TLanes.Broadcast(Unsafe.Add(ref x, 5 * rows));
                sum5a = TLanes.MultiplyAdd(step, weightA, sum5a);
                sum5b = TLanes.MultiplyAdd(step, weightB, sum5b);
                if (wide)
                {
                    step = TLanes.Broadcast(Unsafe.Add(ref x, 6 * rows));
                    sum6a = TLanes.MultiplyAdd(step, weightA, sum6a);
                    sum6b = TLanes.MultiplyAdd(step, weightB, sum6b);
                    step = TLanes.Broadcast(Unsafe.Add(ref x, 7 * rows));
                    sum7a = TLanes.MultiplyAdd(step, weightA, sum7a);
                    sum7b = TLanes.MultiplyAdd(step, weightB, sum7b);
                    step = TLanes.Broadcast(Unsafe.Add(ref x, 8 * rows));
                    sum8a = TLanes.MultiplyAdd(step, weightA, sum8a);
                    sum8b = TLanes.MultiplyAdd(step, weightB, sum8b);
                    step = TLanes.Broadcast(Unsafe.Add(ref x, 9 * rows));
                    sum9a = TLanes.MultiplyAdd(step, weightA, sum9a);
                    sum9b = TLanes.MultiplyAdd(step, weightB, sum9b);
                    step = TLanes.Broadcast(Unsafe.Add(ref x, 10 * rows));
                    sum10a = TLanes.MultiplyAdd(step, weightA, sum10a);
                    sum10b = TLanes.MultiplyAdd(step, weightB, sum10b);
                    step = TLanes.Broadcast(Unsafe.Add(ref x, 11 * rows));
                    sum11a = TLanes.MultiplyAdd(step, weightA, sum11a);
                    sum11b = TLanes.MultiplyAdd(step, weightB, sum11b);
                }
            }
            // Each step's two vectors into its row of outputs.
            StorePair<T, TVector, TLanes>(sum0a, sum0b, ref output0, first, second);
            StorePair<T, TVector, TLanes>(sum1a, sum1b, ref Unsafe.Add(ref output0, stride), first, second);
            StorePair<T, TVector, TLanes>(sum2a, sum2b, ref Unsafe.Add(ref output0, 2 * stride), first, second);
            StorePair<T, TVector, TLanes>(sum3a, sum3b, ref Unsafe.Add(ref output0, 3 * stride), first, second);
            StorePair<T, TVector, TLanes>(sum4a, sum4b, ref Unsafe.Add(ref output0, 4 * stride), first, second);
            StorePair<T, TVector, TLanes>(sum5a, sum5b, ref Unsafe.Add(ref output0, 5 * stride), first, second);
            if (wide)
            {
                StorePair<T, TVector, TLanes>(sum6a, sum6b, ref Unsafe.Add(ref output0, 6 * stride), first, second);
                StorePair<T, TVector, TLanes>(sum7a, sum7b, ref Unsafe.Add(ref output0, 7 * stride), first, second);
                StorePair<T, TVector, TLanes>(sum8a, sum8b, ref Unsafe.Add(ref output0, 8 * stride), first, second);
                StorePair<T, TVector, TLanes>(sum9a, sum9b, ref Unsafe.Add(ref output0, 9 * stride), first, second);
                StorePair<T, TVector, TLanes>(sum10a, sum10b, ref Unsafe.Add(ref output0, 10 * stride), first, second);
                StorePair<T, TVector, TLanes>(sum11a, sum11b, ref Unsafe.Add(ref output0, 11 * stride), first, second);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair<T, TVector, TLanes>(TVector first, TVector second, ref T row, nuint firstAt, nuint secondAt)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : struct, ILanes<TVector, T>
    {
        TLanes.Store(first, ref row, firstAt);
        TLanes.Store(second, ref row, secondAt);
    }

    /// <summary>
    /// The columns of <see cref="ProjectInputs"/>'s four steps from <paramref name="start"/> in stretches of two vectors
    /// (Vector&lt;T&gt;, or Vector512 on AVX-512 cores): 8 FMA chains, each weight vector loaded serving the four steps.
    /// Returns the first column it left. At 512 bits the batch-1 forwards against ONNX Runtime on Sapphire Rapids went from
    /// 1.24-1.31 (GRU) and 1.07-1.18 (LSTM) at (64, 128) to 1.44-1.47 and 1.17-1.31, and from 1.00-1.06 and 0.82-0.89 at
    /// (128, 256) to 1.11-1.16 and 0.99-1.12 (three runs each way, alternated); each lane sums in the same order either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ProjectFourSteps<T, TVector, TLanes>(ref T input0, ref T input1, ref T input2, ref T input3, ref T weight, ref T bias, int rows, int columns, int start,
        ref T output0, ref T output1, ref T output2, ref T output3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : struct, ILanes<TVector, T>
    {
        int lanes = TLanes.Count, j = start;
        for (; j <= columns - (2 * lanes); j += 2 * lanes)
        {
            nuint first = (nuint)j, second = (nuint)(j + lanes);
            TVector bias0 = TLanes.Load(ref bias, first), bias1 = TLanes.Load(ref bias, second);
            TVector sum0a = bias0, sum0b = bias1, sum1a = bias0, sum1b = bias1, sum2a = bias0, sum2b = bias1, sum3a = bias0, sum3b = bias1;
            ref T row = ref Unsafe.Add(ref weight, j);
            for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, columns))
            {
                TVector weightA = TLanes.Load(ref row, 0), weightB = TLanes.Load(ref row, (nuint)lanes);
                TVector x0 = TLanes.Broadcast(Unsafe.Add(ref input0, i)), x1 = TLanes.Broadcast(Unsafe.Add(ref input1, i));
                TVector x2 = TLanes.Broadcast(Unsafe.Add(ref input2, i)), x3 = TLanes.Broadcast(Unsafe.Add(ref input3, i));
                sum0a = TLanes.MultiplyAdd(x0, weightA, sum0a);
                sum0b = TLanes.MultiplyAdd(x0, weightB, sum0b);
                sum1a = TLanes.MultiplyAdd(x1, weightA, sum1a);
                sum1b = TLanes.MultiplyAdd(x1, weightB, sum1b);
                sum2a = TLanes.MultiplyAdd(x2, weightA, sum2a);
                sum2b = TLanes.MultiplyAdd(x2, weightB, sum2b);
                sum3a = TLanes.MultiplyAdd(x3, weightA, sum3a);
                sum3b = TLanes.MultiplyAdd(x3, weightB, sum3b);
            }
            TLanes.Store(sum0a, ref output0, first);
            TLanes.Store(sum0b, ref output0, second);
            TLanes.Store(sum1a, ref output1, first);
            TLanes.Store(sum1b, ref output1, second);
            TLanes.Store(sum2a, ref output2, first);
            TLanes.Store(sum2b, ref output2, second);
            TLanes.Store(sum3a, ref output3, first);
            TLanes.Store(sum3b, ref output3, second);
        }
        return j;
    }

    /// <summary>The most 512-bit sums <see cref="MultiplyAddAllColumns512"/> keeps in registers (AVX-512 has 32).</summary>
    private const int WideRegisterSums = 16;

    /// <summary>
    /// Whether a matrix <paramref name="columns"/> wide is multiplied with every column's sum in a 512-bit register
    /// (<see cref="MultiplyAddAllColumns512"/>): on AVX-512 cores, for whole vectors of 8 to 16 (with fewer, too few FMA
    /// chains are in flight). Constant for constant sizes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FitsWideRegisters<T>(int columns)
        where T : unmanaged => VectorMath.WholeVector512s<T>(columns)
            && columns >= (WideRegisterSums / 2) * Vector512<T>.Count && columns <= WideRegisterSums * Vector512<T>.Count;

    /// <summary>
    /// sum[j] = initial[j] + Σ_i input[i] * weight[i, j] with every column's sum in a register (at most
    /// <see cref="WideRegisterSums"/> 512-bit vectors; <see cref="FitsWideRegisters"/>): the rows stream in order, the
    /// matrix one contiguous run from first element to last, whether or not it fits the first-level cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddAllColumns512<T>(ref T input, ref T weight, int rows, int columns, ref T initial, ref T sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int vectors = columns / Vector512<T>.Count;
        Vector512<T> sum0 = Start(ref initial, 0, vectors), sum1 = Start(ref initial, 1, vectors), sum2 = Start(ref initial, 2, vectors), sum3 = Start(ref initial, 3, vectors);
        Vector512<T> sum4 = Start(ref initial, 4, vectors), sum5 = Start(ref initial, 5, vectors), sum6 = Start(ref initial, 6, vectors), sum7 = Start(ref initial, 7, vectors);
        Vector512<T> sum8 = Start(ref initial, 8, vectors), sum9 = Start(ref initial, 9, vectors), sum10 = Start(ref initial, 10, vectors), sum11 = Start(ref initial, 11, vectors);
        Vector512<T> sum12 = Start(ref initial, 12, vectors), sum13 = Start(ref initial, 13, vectors), sum14 = Start(ref initial, 14, vectors), sum15 = Start(ref initial, 15, vectors);
        ref T row = ref weight;
        for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, columns))
        {
            Vector512<T> x = Vector512.Create(Unsafe.Add(ref input, i));
            sum0 = Accumulate(sum0, x, ref row, 0, vectors);
            sum1 = Accumulate(sum1, x, ref row, 1, vectors);
            sum2 = Accumulate(sum2, x, ref row, 2, vectors);
            sum3 = Accumulate(sum3, x, ref row, 3, vectors);
            sum4 = Accumulate(sum4, x, ref row, 4, vectors);
            sum5 = Accumulate(sum5, x, ref row, 5, vectors);
            sum6 = Accumulate(sum6, x, ref row, 6, vectors);
            sum7 = Accumulate(sum7, x, ref row, 7, vectors);
            sum8 = Accumulate(sum8, x, ref row, 8, vectors);
            sum9 = Accumulate(sum9, x, ref row, 9, vectors);
            sum10 = Accumulate(sum10, x, ref row, 10, vectors);
            sum11 = Accumulate(sum11, x, ref row, 11, vectors);
            sum12 = Accumulate(sum12, x, ref row, 12, vectors);
            sum13 = Accumulate(sum13, x, ref row, 13, vectors);
            sum14 = Accumulate(sum14, x, ref row, 14, vectors);
            sum15 = Accumulate(sum15, x, ref row, 15, vectors);
        }
        Finish(sum0, ref sum, 0, vectors); Finish(sum1, ref sum, 1, vectors); Finish(sum2, ref sum, 2, vectors); Finish(sum3, ref sum, 3, vectors);
        Finish(sum4, ref sum, 4, vectors); Finish(sum5, ref sum, 5, vectors); Finish(sum6, ref sum, 6, vectors); Finish(sum7, ref sum, 7, vectors);
        Finish(sum8, ref sum, 8, vectors); Finish(sum9, ref sum, 9, vectors); Finish(sum10, ref sum, 10, vectors); Finish(sum11, ref sum, 11, vectors);
        Finish(sum12, ref sum, 12, vectors); Finish(sum13, ref sum, 13, vectors); Finish(sum14, ref sum, 14, vectors); Finish(sum15, ref sum, 15, vectors);

        // Each register's part, skipped (at compile time, the sizes being constants) beyond the matrix's vectors.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<T> Start(ref T initial, int vector, int vectors) =>
            vector < vectors ? Vector512.LoadUnsafe(ref initial, (nuint)(vector * Vector512<T>.Count)) : default;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<T> Accumulate(Vector512<T> total, Vector512<T> x, ref T row, int vector, int vectors) =>
            vector < vectors ? VectorMath.MultiplyAdd(x, Vector512.LoadUnsafe(ref row, (nuint)(vector * Vector512<T>.Count)), total) : total;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Finish(Vector512<T> total, ref T sum, int vector, int vectors)
        {
            if (vector < vectors)
            {
                Vector512.StoreUnsafe(total, ref sum, (nuint)(vector * Vector512<T>.Count));
            }
        }
    }

    /// <summary>
    /// sum[j] = initial[j] + Σ_i input[i] * row_i[j] over <see cref="BlockVectors"/> 256-bit vectors from <paramref name="row"/>,
    /// whose row i lies <paramref name="rowStride"/> elements after row i - 1, read as four 512-bit vectors a row (AVX-512
    /// cores); two rows a pass, each into its own sums, keep eight FMA chains in flight. A matrix streams from the
    /// second-level cache that way at 1.14-1.31× the rate of 256-bit loads (Sapphire Rapids, 256 KB to 1 MB: 97-132 GB/s
    /// against 75-109, alternated in one process), and the batch-1 gated forwards on column panels ran 1.13-1.17× as fast.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddBlock512<T>(ref T input, ref T row, int rowStride, int rows, ref T initial, ref T sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> even0 = Vector512.LoadUnsafe(ref initial), even1 = Vector512.LoadUnsafe(ref initial, (nuint)lanes);
        Vector512<T> even2 = Vector512.LoadUnsafe(ref initial, (nuint)(2 * lanes)), even3 = Vector512.LoadUnsafe(ref initial, (nuint)(3 * lanes));
        Vector512<T> odd0 = Vector512<T>.Zero, odd1 = Vector512<T>.Zero, odd2 = Vector512<T>.Zero, odd3 = Vector512<T>.Zero;
        int i = 0;
        for (; i + 1 < rows; i += 2, row = ref Unsafe.Add(ref row, 2 * rowStride))
        {
            Vector512<T> first = Vector512.Create(Unsafe.Add(ref input, i)), second = Vector512.Create(Unsafe.Add(ref input, i + 1));
            even0 = VectorMath.MultiplyAdd(first, Vector512.LoadUnsafe(ref row), even0);
            even1 = VectorMath.MultiplyAdd(first, Vector512.LoadUnsafe(ref row, (nuint)lanes), even1);
            even2 = VectorMath.MultiplyAdd(first, Vector512.LoadUnsafe(ref row, (nuint)(2 * lanes)), even2);
            even3 = VectorMath.MultiplyAdd(first, Vector512.LoadUnsafe(ref row, (nuint)(3 * lanes)), even3);
            odd0 = VectorMath.MultiplyAdd(second, Vector512.LoadUnsafe(ref row, (nuint)rowStride), odd0);
            odd1 = VectorMath.MultiplyAdd(second, Vector512.LoadUnsafe(ref row, (nuint)(rowStride + lanes)), odd1);
            odd2 = VectorMath.MultiplyAdd(second, Vector512.LoadUnsafe(ref row, (nuint)(rowStride + (2 * lanes))), odd2);
            odd3 = VectorMath.MultiplyAdd(second, Vector512.LoadUnsafe(ref row, (nuint)(rowStride + (3 * lanes))), odd3);
        }
        if (i < rows)
        {
            Vector512<T> last = Vector512.Create(Unsafe.Add(ref input, i));
            even0 = VectorMath.MultiplyAdd(last, Vector512.LoadUnsafe(ref row), even0);
            even1 = VectorMath.MultiplyAdd(last, Vector512.LoadUnsafe(ref row, (nuint)lanes), even1);
            even2 = VectorMath.MultiplyAdd(last, Vector512.LoadUnsafe(ref row, (nuint)(2 * lanes)), even2);
            even3 = VectorMath.MultiplyAdd(last, Vector512.LoadUnsafe(ref row, (nuint)(3 * lanes)), even3);
        }
        Vector512.StoreUnsafe(even0 + odd0, ref sum);
        Vector512.StoreUnsafe(even1 + odd1, ref sum, (nuint)lanes);
        Vector512.StoreUnsafe(even2 + odd2, ref sum, (nuint)(2 * lanes));
        Vector512.StoreUnsafe(even3 + odd3, ref sum, (nuint)(3 * lanes));
    }

    /// <summary>
    /// sum[j] = initial[j] + Σ_i input[i] * row_i[j] for the BlockVectors vectors from <paramref name="row"/>, whose row i lies
    /// <paramref name="rowStride"/> elements after row i - 1: the sums stay in registers while the inputs stream, each input
    /// broadcast against a contiguous stretch of its row, the sums independent FMA chains (no horizontal sums).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddBlock<T>(ref T input, ref T row, int rowStride, int rows, ref T initial, ref T sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count;
        Vector<T> total0 = Vector.LoadUnsafe(ref initial), total1 = Vector.LoadUnsafe(ref initial, (nuint)lanes);
        Vector<T> total2 = Vector.LoadUnsafe(ref initial, (nuint)(2 * lanes)), total3 = Vector.LoadUnsafe(ref initial, (nuint)(3 * lanes));
        Vector<T> total4 = Vector.LoadUnsafe(ref initial, (nuint)(4 * lanes)), total5 = Vector.LoadUnsafe(ref initial, (nuint)(5 * lanes));
        Vector<T> total6 = Vector.LoadUnsafe(ref initial, (nuint)(6 * lanes)), total7 = Vector.LoadUnsafe(ref initial, (nuint)(7 * lanes));
        for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, rowStride))
        {
            Vector<T> broadcast = new(Unsafe.Add(ref input, i));
            total0 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row), total0);
            total1 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)lanes), total1);
            total2 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)(2 * lanes)), total2);
            total3 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)(3 * lanes)), total3);
            total4 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)(4 * lanes)), total4);
            total5 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)(5 * lanes)), total5);
            total6 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)(6 * lanes)), total6);
            total7 = VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)(7 * lanes)), total7);
        }
        Vector.StoreUnsafe(total0, ref sum);
        Vector.StoreUnsafe(total1, ref sum, (nuint)lanes);
        Vector.StoreUnsafe(total2, ref sum, (nuint)(2 * lanes));
        Vector.StoreUnsafe(total3, ref sum, (nuint)(3 * lanes));
        Vector.StoreUnsafe(total4, ref sum, (nuint)(4 * lanes));
        Vector.StoreUnsafe(total5, ref sum, (nuint)(5 * lanes));
        Vector.StoreUnsafe(total6, ref sum, (nuint)(6 * lanes));
        Vector.StoreUnsafe(total7, ref sum, (nuint)(7 * lanes));
    }

    /// <summary>
    /// How many vectors hold <paramref name="units"/> values, 512 bits wide where they pair (constant for constant sizes):
    /// at one or two, a gated step keeps every gate's sums in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int VectorsHolding<T>(int units)
        where T : unmanaged
    {
        int lanes = VectorMath.PairsAsVector512<T>() ? Vector512<T>.Count : Vector<T>.Count;
        return (units + lanes - 1) / lanes;
    }

    /// <summary>Whether a [<paramref name="rows"/>, <paramref name="columns"/>] matrix fits the 32 KB first-level data cache (constant for constant sizes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool FitsFirstLevelCache<T>(int rows, int columns)
        where T : unmanaged => (long)rows * columns * Unsafe.SizeOf<T>() <= FirstLevelCacheBytes;

    /// <summary>
    /// <see cref="MultiplyAdd"/> for a matrix that does not fit the first-level cache: PanelRows rows at a time, each panel
    /// swept from the first column to the last with the sums in memory (where they stay cached). The weights stream in as
    /// PanelRows sequential runs that the prefetchers follow, where column blocks would jump a row ahead at every load;
    /// measured 1.2-1.7× faster from 128×512 floats on.
    /// </summary>
    private static void MultiplyAddByRowPanels<T>(ref T input, ref T weight, ref T sum, int rows, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count;
        int i = 0;
        for (; i <= rows - PanelRows; i += PanelRows)
        {
            Vector<T> input0 = new(Unsafe.Add(ref input, i)), input1 = new(Unsafe.Add(ref input, i + 1));
            Vector<T> input2 = new(Unsafe.Add(ref input, i + 2)), input3 = new(Unsafe.Add(ref input, i + 3));
            ref T row0 = ref Unsafe.Add(ref weight, i * columns);
            ref T row1 = ref Unsafe.Add(ref row0, columns);
            ref T row2 = ref Unsafe.Add(ref row1, columns);
            ref T row3 = ref Unsafe.Add(ref row2, columns);
            int j = 0;
            for (; j <= columns - lanes; j += lanes)
            {
                Vector<T> total = Vector.LoadUnsafe(ref sum, (nuint)j);
                total = VectorMath.MultiplyAdd(input0, Vector.LoadUnsafe(ref row0, (nuint)j), total);
                total = VectorMath.MultiplyAdd(input1, Vector.LoadUnsafe(ref row1, (nuint)j), total);
                total = VectorMath.MultiplyAdd(input2, Vector.LoadUnsafe(ref row2, (nuint)j), total);
                total = VectorMath.MultiplyAdd(input3, Vector.LoadUnsafe(ref row3, (nuint)j), total);
                Vector.StoreUnsafe(total, ref sum, (nuint)j);
            }
            for (; j < columns; j++)
            {
                T total = T.MultiplyAddEstimate(Unsafe.Add(ref input, i), Unsafe.Add(ref row0, j), Unsafe.Add(ref sum, j));
                total = T.MultiplyAddEstimate(Unsafe.Add(ref input, i + 1), Unsafe.Add(ref row1, j), total);
                total = T.MultiplyAddEstimate(Unsafe.Add(ref input, i + 2), Unsafe.Add(ref row2, j), total);
                Unsafe.Add(ref sum, j) = T.MultiplyAddEstimate(Unsafe.Add(ref input, i + 3), Unsafe.Add(ref row3, j), total);
            }
        }
        for (; i < rows; i++)
        {
            T value = Unsafe.Add(ref input, i);
            Vector<T> broadcast = new(value);
            ref T row = ref Unsafe.Add(ref weight, i * columns);
            int j = 0;
            for (; j <= columns - lanes; j += lanes)
            {
                Vector.StoreUnsafe(VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref row, (nuint)j), Vector.LoadUnsafe(ref sum, (nuint)j)), ref sum, (nuint)j);
            }
            for (; j < columns; j++)
            {
                Unsafe.Add(ref sum, j) = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, j), Unsafe.Add(ref sum, j));
            }
        }
    }

    /// <summary>result[i] += Σ_j weights[i, j] * gradient[j] for a [<typeparamref name="TRows"/>, <typeparamref name="TColumns"/>] matrix: a gradient sent back through the weights.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    public static void MultiplyTransposedAdd<T, TRows, TColumns>(ReadOnlySpan<T> weights, ReadOnlySpan<T> gradient, Span<T> result)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value;
        KernelGuard.Require(weights.Length >= rows * columns && gradient.Length >= columns && result.Length >= rows, SpanTooShort);
        ref T gradientStart = ref MemoryMarshal.GetReference(gradient);
        ref T row = ref MemoryMarshal.GetReference(weights);
        ref T output = ref MemoryMarshal.GetReference(result);
        int lanes = Vector<T>.Count;
        for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, columns))
        {
            // Two partial sums, so consecutive vectors of a long row do not wait on each other.
            Vector<T> partial0 = Vector<T>.Zero, partial1 = Vector<T>.Zero;
            int j = 0;
            for (; j <= columns - (2 * lanes); j += 2 * lanes)
            {
                partial0 = VectorMath.MultiplyAdd(Vector.LoadUnsafe(ref row, (nuint)j), Vector.LoadUnsafe(ref gradientStart, (nuint)j), partial0);
                partial1 = VectorMath.MultiplyAdd(Vector.LoadUnsafe(ref row, (nuint)(j + lanes)), Vector.LoadUnsafe(ref gradientStart, (nuint)(j + lanes)), partial1);
            }
            for (; j <= columns - lanes; j += lanes)
            {
                partial0 = VectorMath.MultiplyAdd(Vector.LoadUnsafe(ref row, (nuint)j), Vector.LoadUnsafe(ref gradientStart, (nuint)j), partial0);
            }
            T total = Vector.Sum(partial0 + partial1);
            for (; j < columns; j++)
            {
                total = T.MultiplyAddEstimate(Unsafe.Add(ref row, j), Unsafe.Add(ref gradientStart, j), total);
            }
            Unsafe.Add(ref output, i) += total;
        }
    }

    /// <summary>weightGradients[i, j] += vector[i] * gradient[j] for a [<typeparamref name="TRows"/>, <typeparamref name="TColumns"/>] matrix: the weight gradient of one step.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    public static void AddOuterProduct<T, TRows, TColumns>(ReadOnlySpan<T> vector, ReadOnlySpan<T> gradient, Span<T> weightGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value;
        KernelGuard.Require(vector.Length >= rows && gradient.Length >= columns && weightGradients.Length >= rows * columns, SpanTooShort);
        ref T scales = ref MemoryMarshal.GetReference(vector);
        ref T gradientStart = ref MemoryMarshal.GetReference(gradient);
        ref T row = ref MemoryMarshal.GetReference(weightGradients);
        int lanes = Vector<T>.Count;
        for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, columns))
        {
            T scale = Unsafe.Add(ref scales, i);
            Vector<T> broadcast = new(scale);
            int j = 0;
            for (; j <= columns - lanes; j += lanes)
            {
                Vector.StoreUnsafe(VectorMath.MultiplyAdd(broadcast, Vector.LoadUnsafe(ref gradientStart, (nuint)j), Vector.LoadUnsafe(ref row, (nuint)j)), ref row, (nuint)j);
            }
            for (; j < columns; j++)
            {
                Unsafe.Add(ref row, j) = T.MultiplyAddEstimate(scale, Unsafe.Add(ref gradientStart, j), Unsafe.Add(ref row, j));
            }
        }
    }

    /// <summary>
    /// The input projection of a whole sequence, off the serial path of the recurrence: outputs[t * stride + column + j] =
    /// bias[j] + Σ_i inputs[t, i] * weights[i, j] for every step t of <paramref name="inputs"/> ([T, <typeparamref name="TRows"/>]),
    /// as one matrix-matrix product: BlockSteps steps × 2 output vectors per pass, or more steps where the columns are whole
    /// stretches (<see cref="ProjectWideBlock"/>), so each weight vector loaded serves those steps.
    /// </summary>
    /// <param name="inputs">Every step's input, [T, TRows].</param>
    /// <param name="weights">[TRows, TColumns].</param>
    /// <param name="bias">[TColumns].</param>
    /// <param name="outputs">Receives step t's result at t * <paramref name="stride"/> + <paramref name="column"/>.</param>
    /// <param name="stride">The distance between two steps' rows of <paramref name="outputs"/>.</param>
    /// <param name="column">Where each step's result starts in its row.</param>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    public static void ProjectInputs<T, TRows, TColumns>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> outputs, int stride, int column)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int rows = TRows.Value, columns = TColumns.Value;
        int steps = inputs.Length / rows;
        KernelGuard.Require(weights.Length >= rows * columns && bias.Length >= columns && column >= 0 && column + columns <= stride
            && (steps == 0 || (long)outputs.Length >= ((long)(steps - 1) * stride) + column + columns), SpanTooShort);
        ref T input = ref MemoryMarshal.GetReference(inputs);
        ref T weight = ref MemoryMarshal.GetReference(weights);
        ref T biasStart = ref MemoryMarshal.GetReference(bias);
        ref T outputStart = ref Unsafe.Add(ref MemoryMarshal.GetReference(outputs), column);
        int lanes = Vector<T>.Count;
        int t = 0;
        if (columns % (2 * WideLanes<T>()) == 0)
        {
            // Whole stretches of two vectors: more steps a pass (WideBlockSteps), so W_ih, whose rows lie a row of outputs
            // apart, is swept fewer times. The 128 × 1024 float projection of a (128, 256) LSTM over 48 steps took 50-53 µs
            // with twelve steps, 67-75 with eight and 144-150 with four at 512 bits, 146-157 with six against 240-257 with
            // four at 256 (AVX2); 64 × 512 12.4-12.9 against 22.4, 25-27 against 35-37 (Zen 5, scratch program, no tiering).
            int block = WideBlockSteps<T>();
            for (; t <= steps - block; t += block)
            {
                ref T input0 = ref Unsafe.Add(ref input, t * rows);
                ref T output0 = ref Unsafe.Add(ref outputStart, t * stride);
                if (VectorMath.PairsAsVector512<T>())
                {
                    ProjectWideBlock<T, TRows, TColumns, Vector512<T>, Vector512Lanes<T>>(ref input0, ref weight, ref biasStart, ref output0, stride);
                }
                else
                {
                    ProjectWideBlock<T, TRows, TColumns, Vector<T>, VectorLanes<T>>(ref input0, ref weight, ref biasStart, ref output0, stride);
                }
            }
        }
        for (; t <= steps - BlockSteps; t += BlockSteps)
        {
            ref T input0 = ref Unsafe.Add(ref input, t * rows);
            ref T input1 = ref Unsafe.Add(ref input0, rows);
            ref T input2 = ref Unsafe.Add(ref input1, rows);
            ref T input3 = ref Unsafe.Add(ref input2, rows);
            ref T output0 = ref Unsafe.Add(ref outputStart, t * stride);
            ref T output1 = ref Unsafe.Add(ref output0, stride);
            ref T output2 = ref Unsafe.Add(ref output1, stride);
            ref T output3 = ref Unsafe.Add(ref output2, stride);
            int j = 0;
            if (VectorMath.PairsAsVector512<T>())
            {
                j = ProjectFourSteps<T, Vector512<T>, Vector512Lanes<T>>(ref input0, ref input1, ref input2, ref input3, ref weight, ref biasStart, rows, columns, j, ref output0, ref output1, ref output2, ref output3);
            }
            j = ProjectFourSteps<T, Vector<T>, VectorLanes<T>>(ref input0, ref input1, ref input2, ref input3, ref weight, ref biasStart, rows, columns, j, ref output0, ref output1, ref output2, ref output3);
            // A last whole vector of columns for the same steps (narrow outputs, such as a head's, live here).
            for (; j <= columns - lanes; j += lanes)
            {
                Vector<T> b = Vector.LoadUnsafe(ref biasStart, (nuint)j);
                Vector<T> sum0 = b, sum1 = b, sum2 = b, sum3 = b;
                ref T row = ref Unsafe.Add(ref weight, j);
                for (int i = 0; i < rows; i++, row = ref Unsafe.Add(ref row, columns))
                {
                    Vector<T> w = Vector.LoadUnsafe(ref row);
                    sum0 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input0, i)), w, sum0);
                    sum1 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input1, i)), w, sum1);
                    sum2 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input2, i)), w, sum2);
                    sum3 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref input3, i)), w, sum3);
                }
                Vector.StoreUnsafe(sum0, ref output0, (nuint)j);
                Vector.StoreUnsafe(sum1, ref output1, (nuint)j);
                Vector.StoreUnsafe(sum2, ref output2, (nuint)j);
                Vector.StoreUnsafe(sum3, ref output3, (nuint)j);
            }
            // The columns left over (fewer than a vector), one at a time for the same steps.
            for (; j < columns; j++)
            {
                T b = Unsafe.Add(ref biasStart, j);
                T total0 = b, total1 = b, total2 = b, total3 = b;
                for (int i = 0; i < rows; i++)
                {
                    T w = Unsafe.Add(ref weight, (i * columns) + j);
                    total0 = T.MultiplyAddEstimate(Unsafe.Add(ref input0, i), w, total0);
                    total1 = T.MultiplyAddEstimate(Unsafe.Add(ref input1, i), w, total1);
                    total2 = T.MultiplyAddEstimate(Unsafe.Add(ref input2, i), w, total2);
                    total3 = T.MultiplyAddEstimate(Unsafe.Add(ref input3, i), w, total3);
                }
                Unsafe.Add(ref output0, j) = total0;
                Unsafe.Add(ref output1, j) = total1;
                Unsafe.Add(ref output2, j) = total2;
                Unsafe.Add(ref output3, j) = total3;
            }
        }
        // The last steps (fewer than BlockSteps) one at a time.
        for (; t < steps; t++)
        {
            Span<T> output = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outputStart, t * stride), columns);
            MemoryMarshal.CreateReadOnlySpan(ref biasStart, columns).CopyTo(output);
            MultiplyAdd<T, TRows, TColumns>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref input, t * rows), rows), weights, output);
        }
    }

    /// <summary>
    /// The weight gradient of many steps at once: gradients[i, j] += Σ_k rows[k * stride + i] * stepGradients[k, j] over
    /// <paramref name="count"/> steps, for a [<typeparamref name="TRows"/>, <typeparamref name="TColumns"/>] gradient, as one
    /// matrix-matrix product: BlockRows rows of the gradient × 2 vectors per pass, so each step-gradient vector loaded serves BlockRows rows.
    /// </summary>
    /// <param name="rows">Each step's row (a layer's input, or its state), <paramref name="stride"/> apart.</param>
    /// <param name="stride">The distance between two steps' rows.</param>
    /// <param name="stepGradients">Each step's gradient, [count, TColumns].</param>
    /// <param name="count">The number of steps.</param>
    /// <param name="gradients">[TRows, TColumns], added to.</param>
    /// <exception cref="ArgumentException">A span is shorter than the shape needs.</exception>
    public static void AddTransposedProduct<T, TRows, TColumns>(ReadOnlySpan<T> rows, int stride, ReadOnlySpan<T> stepGradients, int count, Span<T> gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int height = TRows.Value, columns = TColumns.Value;
        KernelGuard.Require(gradients.Length >= height * columns && count >= 0 && stride >= height
            && (count == 0 || ((long)rows.Length >= ((long)(count - 1) * stride) + height && (long)stepGradients.Length >= (long)count * columns)), SpanTooShort);
        ref T row = ref MemoryMarshal.GetReference(rows);
        ref T step = ref MemoryMarshal.GetReference(stepGradients);
        ref T gradient = ref MemoryMarshal.GetReference(gradients);
        int lanes = Vector<T>.Count;
        // A few steps at a time: their gradient rows (a wide layer's sit pages apart, in few cache sets) stay in the first-level
        // cache while every block of rows passes over them; over all steps at once, each load missed.
        for (int first = 0; first < count; first += ChunkSteps)
        {
            int last = Math.Min(count, first + ChunkSteps);
            int i = 0;
            for (; i <= height - BlockRows; i += BlockRows)
            {
                int j = 0;
                for (; j <= columns - (2 * lanes); j += 2 * lanes)
                {
                    Vector<T> sum0a = Vector<T>.Zero, sum0b = Vector<T>.Zero, sum1a = Vector<T>.Zero, sum1b = Vector<T>.Zero;
                    Vector<T> sum2a = Vector<T>.Zero, sum2b = Vector<T>.Zero, sum3a = Vector<T>.Zero, sum3b = Vector<T>.Zero;
                    for (int k = first; k < last; k++)
                    {
                        ref T stepRow = ref Unsafe.Add(ref step, (k * columns) + j);
                        Vector<T> gradientA = Vector.LoadUnsafe(ref stepRow), gradientB = Vector.LoadUnsafe(ref stepRow, (nuint)lanes);
                        ref T values = ref Unsafe.Add(ref row, (k * stride) + i);
                        Vector<T> value0 = new(values), value1 = new(Unsafe.Add(ref values, 1));
                        Vector<T> value2 = new(Unsafe.Add(ref values, 2)), value3 = new(Unsafe.Add(ref values, 3));
                        sum0a = VectorMath.MultiplyAdd(value0, gradientA, sum0a);
                        sum0b = VectorMath.MultiplyAdd(value0, gradientB, sum0b);
                        sum1a = VectorMath.MultiplyAdd(value1, gradientA, sum1a);
                        sum1b = VectorMath.MultiplyAdd(value1, gradientB, sum1b);
                        sum2a = VectorMath.MultiplyAdd(value2, gradientA, sum2a);
                        sum2b = VectorMath.MultiplyAdd(value2, gradientB, sum2b);
                        sum3a = VectorMath.MultiplyAdd(value3, gradientA, sum3a);
                        sum3b = VectorMath.MultiplyAdd(value3, gradientB, sum3b);
                    }
                    AddPair(ref Unsafe.Add(ref gradient, (i * columns) + j), lanes, sum0a, sum0b);
                    AddPair(ref Unsafe.Add(ref gradient, ((i + 1) * columns) + j), lanes, sum1a, sum1b);
                    AddPair(ref Unsafe.Add(ref gradient, ((i + 2) * columns) + j), lanes, sum2a, sum2b);
                    AddPair(ref Unsafe.Add(ref gradient, ((i + 3) * columns) + j), lanes, sum3a, sum3b);
                }
                // A last whole vector of columns for the same rows (narrow gradients, such as a head's, live here).
                for (; j <= columns - lanes; j += lanes)
                {
                    Vector<T> sum0 = Vector<T>.Zero, sum1 = Vector<T>.Zero, sum2 = Vector<T>.Zero, sum3 = Vector<T>.Zero;
                    for (int k = first; k < last; k++)
                    {
                        Vector<T> stepGradient = Vector.LoadUnsafe(ref step, (nuint)((k * columns) + j));
                        ref T values = ref Unsafe.Add(ref row, (k * stride) + i);
                        sum0 = VectorMath.MultiplyAdd(new Vector<T>(values), stepGradient, sum0);
                        sum1 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref values, 1)), stepGradient, sum1);
                        sum2 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref values, 2)), stepGradient, sum2);
                        sum3 = VectorMath.MultiplyAdd(new Vector<T>(Unsafe.Add(ref values, 3)), stepGradient, sum3);
                    }
                    AddVector(ref Unsafe.Add(ref gradient, (i * columns) + j), sum0);
                    AddVector(ref Unsafe.Add(ref gradient, ((i + 1) * columns) + j), sum1);
                    AddVector(ref Unsafe.Add(ref gradient, ((i + 2) * columns) + j), sum2);
                    AddVector(ref Unsafe.Add(ref gradient, ((i + 3) * columns) + j), sum3);
                }
                // The columns left over (fewer than a vector), one at a time for the same rows.
                for (; j < columns; j++)
                {
                    T total0 = T.Zero, total1 = T.Zero, total2 = T.Zero, total3 = T.Zero;
                    for (int k = first; k < last; k++)
                    {
                        T stepGradient = Unsafe.Add(ref step, (k * columns) + j);
                        ref T values = ref Unsafe.Add(ref row, (k * stride) + i);
                        total0 = T.MultiplyAddEstimate(values, stepGradient, total0);
                        total1 = T.MultiplyAddEstimate(Unsafe.Add(ref values, 1), stepGradient, total1);
                        total2 = T.MultiplyAddEstimate(Unsafe.Add(ref values, 2), stepGradient, total2);
                        total3 = T.MultiplyAddEstimate(Unsafe.Add(ref values, 3), stepGradient, total3);
                    }
                    Unsafe.Add(ref gradient, (i * columns) + j) += total0;
                    Unsafe.Add(ref gradient, ((i + 1) * columns) + j) += total1;
                    Unsafe.Add(ref gradient, ((i + 2) * columns) + j) += total2;
                    Unsafe.Add(ref gradient, ((i + 3) * columns) + j) += total3;
                }
            }
            // The rows left over (fewer than BlockRows), one at a time.
            for (; i < height; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    T total = T.Zero;
                    for (int k = first; k < last; k++)
                    {
                        total = T.MultiplyAddEstimate(Unsafe.Add(ref row, (k * stride) + i), Unsafe.Add(ref step, (k * columns) + j), total);
                    }
                    Unsafe.Add(ref gradient, (i * columns) + j) += total;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddVector<T>(ref T destination, Vector<T> value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Vector.StoreUnsafe(Vector.LoadUnsafe(ref destination) + value, ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPair<T>(ref T destination, int lanes, Vector<T> first, Vector<T> second)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector.StoreUnsafe(Vector.LoadUnsafe(ref destination) + first, ref destination);
        Vector.StoreUnsafe(Vector.LoadUnsafe(ref destination, (nuint)lanes) + second, ref destination, (nuint)lanes);
    }

    private const string SpanTooShort = "A span passed to a kernel is shorter than the kernel's shape needs.";
}
