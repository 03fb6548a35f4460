using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// The vector operations a kernel body needs, over <typeparamref name="TVector"/>, so that one body serves both
/// Vector&lt;T&gt; and Vector512&lt;T&gt; (the BCL's common interface of the two, ISimdVector, is internal). Implemented by
/// structs, so every call specialises and inlines.
/// </summary>
internal interface ILanes<TVector, T>
    where TVector : struct
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The elements in one vector.</summary>
    static abstract int Count { get; }

    /// <summary>The vector whose first element lies <paramref name="offset"/> elements after <paramref name="source"/>.</summary>
    static abstract TVector Load(ref T source, nuint offset);

    /// <summary>Writes <paramref name="value"/> from <paramref name="offset"/> elements after <paramref name="destination"/>.</summary>
    static abstract void Store(TVector value, ref T destination, nuint offset);

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(T value);

    /// <summary>left * right + addend (<see cref="VectorMath.MultiplyAdd{T}(Vector{T}, Vector{T}, Vector{T})"/>).</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
}

/// <summary><see cref="ILanes{TVector, T}"/> over Vector&lt;T&gt;, the portable width.</summary>
internal readonly struct VectorLanes<T> : ILanes<Vector<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => Vector<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load(ref T source, nuint offset) => Vector.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<T> value, ref T destination, nuint offset) => Vector.StoreUnsafe(value, ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Broadcast(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MultiplyAdd(Vector<T> left, Vector<T> right, Vector<T> addend) => VectorMath.MultiplyAdd(left, right, addend);
}

/// <summary><see cref="ILanes{TVector, T}"/> over Vector512&lt;T&gt;, for AVX-512 cores (<see cref="VectorMath.PairsAsVector512{T}"/>).</summary>
internal readonly struct Vector512Lanes<T> : ILanes<Vector512<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination, nuint offset) => Vector512.StoreUnsafe(value, ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> left, Vector512<T> right, Vector512<T> addend) => VectorMath.MultiplyAdd(left, right, addend);
}
