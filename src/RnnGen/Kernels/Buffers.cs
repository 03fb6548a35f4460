using System;
using System.ComponentModel;

namespace RnnGen.Kernels;

/// <summary>The growth of a generated model's reusable buffers: a buffer is replaced only when a call needs more than it holds, so steady-state calls allocate nothing.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Buffers
{
    /// <summary>Replaces <paramref name="buffer"/> with a larger array when it holds fewer than <paramref name="length"/> elements (its contents are not kept).</summary>
    public static void Reserve<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }
}
