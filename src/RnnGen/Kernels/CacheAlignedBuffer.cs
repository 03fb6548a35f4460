using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Kernels;

/// <summary>
/// A model's parameters or gradients, one fixed-length buffer whose first element starts a 64-byte cache line, so that
/// the rows of a weight matrix that are whole lines (3H or 4H a multiple of 16 floats) are read without a vector load
/// straddling two lines, which costs two. An array's elements start on any 8-byte boundary: this is a pinned array (it
/// never moves, so the boundary stays where it was found) one line longer than the buffer, read from its first boundary.
/// The GRU and LSTM streaming steps at H = 64 took 1.7-1.9× as long with W_hh 4-32 bytes past a line (Ice Lake, one process).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CacheAlignedBuffer<T>
    where T : unmanaged
{
    private readonly T[] _storage;
    private readonly int _start;

    /// <summary>A buffer of <paramref name="length"/> zeros.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public CacheAlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _storage = GC.AllocateArray<T>(length + (MatrixKernels.CacheLineBytes / Unsafe.SizeOf<T>()), pinned: true);
        _start = MatrixKernels.ElementsToCacheLine(ref MemoryMarshal.GetArrayDataReference(_storage));
        Length = length;
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The elements, from the cache-line boundary.</summary>
    public Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _start), Length);
    }
}
