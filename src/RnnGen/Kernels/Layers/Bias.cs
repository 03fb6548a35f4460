using System;
using System.ComponentModel;

namespace RnnGen.Kernels;

/// <summary>
/// Whether a layer has biases (PyTorch's <c>bias=True</c> or <c>bias=False</c>), passed to the layer kernels as a type argument
/// beside the sizes so that each compiles to one body with the choice folded away.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IBias
{
    /// <summary>Whether the layer's parameter block holds its biases after its weights.</summary>
    static abstract bool Present { get; }
}

/// <summary>A layer with biases: PyTorch's default.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct WithBias : IBias
{
    /// <inheritdoc />
    public static bool Present => true;
}

/// <summary>A layer without biases (<c>bias=False</c>): its parameter block ends after its weights, and the kernels add zeros.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct NoBias : IBias
{
    /// <inheritdoc />
    public static bool Present => false;

    /// <summary>The zeros a bias-free layer adds where a bias would be, <typeparamref name="TWidth"/> long; shared, never written.</summary>
    public static ReadOnlySpan<T> Zeros<T, TWidth>()
        where T : unmanaged
        where TWidth : struct, ISize
        => ZeroRow<T, TWidth>.Values;

    private static class ZeroRow<T, TWidth>
        where T : unmanaged
        where TWidth : struct, ISize
    {
        public static readonly T[] Values = new T[TWidth.Value];
    }
}
