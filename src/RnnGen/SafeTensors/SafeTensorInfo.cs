using System;
using System.Collections.Immutable;

namespace RnnGen;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's name, e.g. <c>rnn.weight_ih_l0</c>.</param>
/// <param name="DType">The element type as the file spells it: <c>F64</c>, <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>, …</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar.</param>
/// <param name="DataBegin">The offset of the first byte, relative to the start of the data section (the byte after the header).</param>
/// <param name="DataEnd">The offset one past the last byte, relative to the start of the data section.</param>
public sealed record SafeTensorInfo(string Name, string DType, ImmutableArray<long> Shape, long DataBegin, long DataEnd)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/>'s dimensions (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dimension in Shape)
            {
                count = checked(count * dimension);
            }

            return count;
        }
    }

    /// <summary>The shape as text, e.g. <c>[16, 7]</c>, <c>[3]</c> or <c>[]</c> for a scalar.</summary>
    public string ShapeText => FormatShape(Shape.AsSpan());

    /// <summary>Whether <paramref name="other"/> describes the same tensor: equal names, dtypes, dimensions and offsets.</summary>
    /// <param name="other">The entry to compare with.</param>
    /// <returns>Whether the two entries are equal.</returns>
    public bool Equals(SafeTensorInfo? other) =>
        other is not null
        && Name == other.Name
        && DType == other.DType
        && Shape.AsSpan().SequenceEqual(other.Shape.AsSpan())
        && DataBegin == other.DataBegin
        && DataEnd == other.DataEnd;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, DType, Shape.Length, DataBegin, DataEnd);

    /// <summary>The entry as text, e.g. <c>rnn.weight_ih_l0: F32 [16, 7], bytes 0 to 448</c>.</summary>
    /// <returns>The entry's name, dtype, shape and byte range.</returns>
    public override string ToString() => $"{Name}: {DType} {ShapeText}, bytes {DataBegin} to {DataEnd}";

    internal static string FormatShape(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>The product of <paramref name="shape"/>'s (non-negative) dimensions, or false when it overflows a <see cref="long"/>.</summary>
    internal static bool TryGetElementCount(ReadOnlySpan<long> shape, out long count)
    {
        count = 1;
        foreach (long dimension in shape)
        {
            if (dimension != 0 && count > long.MaxValue / dimension)
            {
                return false;
            }

            count *= dimension;
        }

        return true;
    }

    /// <summary>The size of one element of <paramref name="dtype"/> in bits, or 0 when the dtype is not one the safetensors format defines.</summary>
    internal static int BitsPerElement(string dtype) => dtype switch
    {
        "F4" => 4,
        "F6_E2M3" or "F6_E3M2" => 6,
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 8,
        "I16" or "U16" or "F16" or "BF16" => 16,
        "I32" or "U32" or "F32" => 32,
        "I64" or "U64" or "F64" or "C64" => 64,
        _ => 0,
    };
}
