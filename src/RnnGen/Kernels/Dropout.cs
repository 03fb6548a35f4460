using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// Inverted dropout with masks that are a pure function of (key, site, step, unit), drawn by hashing those four numbers
/// with SplitMix64's finaliser: no random state to carry, so a sequence's masks are the same in a single call, in a batch
/// at any position, in any worker, and again in its backward pass (which recomputes them instead of keeping them).
/// </summary>
/// <remarks>
/// A site is the layer whose output is dropped: layer l &lt; Layers - 1 for the dropout between layers l and l + 1, and
/// Layers - 1 for the head's input. A many-to-one head reads one vector per sequence, its mask that of step 0.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dropout
{
    private const ulong Golden = 0x9E3779B97F4A7C15; // 2^64 / φ, SplitMix64's increment

    /// <summary>
    /// Whether unit <paramref name="unit"/> of step <paramref name="step"/> at <paramref name="site"/> survives in the sequence
    /// keyed <paramref name="key"/>: with row = Mix(Mix(key + G·(site + 1)) + G·(step + 1)) and draw = the high 32 bits of
    /// Mix(row + G·(unit + 1)) (G = 0x9E3779B97F4A7C15, Mix = SplitMix64's finaliser, arithmetic modulo 2^64), when
    /// draw ≥ round(<paramref name="probability"/> · 2^32).
    /// </summary>
    public static bool Keeps(ulong key, int site, int step, int unit, double probability) =>
        Draw(RowHash(key, site, step), unit) >= Threshold(probability);

    /// <summary>
    /// One sequence's rows at a site, [steps, width] with row t = step t: <paramref name="dropped"/> = mask ⊙ <paramref name="rows"/>
    /// / (1 - p), which it returns. The spans may be the same memory (a backward pass masks its gradients in place).
    /// </summary>
    public static ReadOnlySpan<T> Apply<T>(ReadOnlySpan<T> rows, Span<T> dropped, int width, ulong key, int site, double probability)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        KernelGuard.Require(width > 0 && rows.Length % width == 0 && dropped.Length == rows.Length, "Dropout.Apply: rows and dropped must be the same whole number of rows.");
        (uint threshold, T scale) = Rate<T>(probability);
        for (int step = 0; step < rows.Length / width; step++)
        {
            Row(rows.Slice(step * width, width), dropped.Slice(step * width, width), RowHash(key, site, step), threshold, scale);
        }
        return dropped;
    }

    /// <summary>
    /// <see cref="Apply{T}"/> over a packed batch's rows, [Rows, width]: the sequence of batch index b is keyed
    /// <paramref name="firstKey"/> + b, whatever its place in the packing.
    /// </summary>
    public static ReadOnlySpan<T> ApplyPacked<T>(PackedBatch batch, ReadOnlySpan<T> rows, Span<T> dropped, int width, ulong firstKey, int site, double probability)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        KernelGuard.Require(rows.Length == batch.Rows * width && dropped.Length == rows.Length, "Dropout.ApplyPacked: rows and dropped must be [Rows, width].");
        (uint threshold, T scale) = Rate<T>(probability);
        for (int step = 0; step < batch.Steps; step++)
        {
            for (int position = 0, row = batch.StepStart(step); position < batch.StepRows(step); position++, row++)
            {
                ulong key = firstKey + (ulong)batch.SequenceAt(position);
                Row(rows.Slice(row * width, width), dropped.Slice(row * width, width), RowHash(key, site, step), threshold, scale);
            }
        }
        return dropped;
    }

    /// <summary>
    /// <see cref="Apply{T}"/> over one row per sequence in the batch's sorted order, [Count, width] (a many-to-one head's
    /// inputs), each with step 0's mask of its sequence, keyed <paramref name="firstKey"/> + its batch index.
    /// </summary>
    public static ReadOnlySpan<T> ApplySorted<T>(PackedBatch batch, ReadOnlySpan<T> rows, Span<T> dropped, int width, ulong firstKey, int site, double probability)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        KernelGuard.Require(rows.Length == batch.Count * width && dropped.Length == rows.Length, "Dropout.ApplySorted: rows and dropped must be [Count, width].");
        (uint threshold, T scale) = Rate<T>(probability);
        for (int position = 0; position < batch.Count; position++)
        {
            ulong key = firstKey + (ulong)batch.SequenceAt(position);
            Row(rows.Slice(position * width, width), dropped.Slice(position * width, width), RowHash(key, site, 0), threshold, scale);
        }
        return dropped;
    }

    private static void Row<T>(ReadOnlySpan<T> row, Span<T> dropped, ulong rowHash, uint threshold, T scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int unit = 0; unit < row.Length; unit++)
        {
            dropped[unit] = Draw(rowHash, unit) >= threshold ? row[unit] * scale : T.Zero;
        }
    }

    private static (uint Threshold, T Scale) Rate<T>(double probability)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (Threshold(probability), T.CreateChecked(1.0 / (1.0 - probability)));

    private static uint Threshold(double probability) => (uint)Math.Min(Math.Round(probability * 4294967296.0), uint.MaxValue);

    private static ulong RowHash(ulong key, int site, int step) => Mix(Mix(key + (Golden * (ulong)(site + 1))) + (Golden * (ulong)(step + 1)));

    private static uint Draw(ulong rowHash, int unit) => (uint)(Mix(rowHash + (Golden * (ulong)(unit + 1))) >> 32);

    /// <summary>SplitMix64's finaliser (Steele, Lea and Flood), a bijection that scatters every input bit over the output.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
