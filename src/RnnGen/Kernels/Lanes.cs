using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// The vector operations a kernel body needs, over <typeparamref name="TVector"/>, so that one body serves both
/// Vector&lt;T&gt; and Vector512&lt;T&gt; (the BCL's common interface of the two, ISimdVector, is internal, and so are, to the
/// compiler, the operator interfaces it brings). Implemented by structs, so every call specialises and inlines.
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

    /// <summary>left + right.</summary>
    static abstract TVector Add(TVector left, TVector right);

    /// <summary>left - right.</summary>
    static abstract TVector Subtract(TVector left, TVector right);

    /// <summary>left * right.</summary>
    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>left / right.</summary>
    static abstract TVector Divide(TVector left, TVector right);

    /// <summary>-x.</summary>
    static abstract TVector Negate(TVector x);

    /// <summary>The bits of both.</summary>
    static abstract TVector BitwiseOr(TVector left, TVector right);

    /// <summary>The bits the two share.</summary>
    static abstract TVector BitwiseAnd(TVector left, TVector right);

    /// <summary>left * right + addend (<see cref="VectorMath.MultiplyAdd{T}(Vector{T}, Vector{T}, Vector{T})"/>).</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    /// <summary>|x| lane by lane.</summary>
    static abstract TVector Abs(TVector x);

    /// <summary>The smaller lane of each pair, as the CPU's min instruction picks (its second operand when either is NaN).</summary>
    static abstract TVector MinNative(TVector left, TVector right);

    /// <summary>The larger lane of each pair, as the CPU's max instruction picks (its second operand when either is NaN).</summary>
    static abstract TVector MaxNative(TVector left, TVector right);

    /// <summary>All bits set in the lanes where left &lt; right, none elsewhere.</summary>
    static abstract TVector LessThan(TVector left, TVector right);

    /// <summary>All bits set in the lanes where left &gt;= right, none elsewhere.</summary>
    static abstract TVector GreaterThanOrEqual(TVector left, TVector right);

    /// <summary>All bits set in the lanes that are NaN.</summary>
    static abstract TVector IsNaN(TVector x);

    /// <summary>Whether left &lt; right in every lane.</summary>
    static abstract bool LessThanAll(TVector left, TVector right);

    /// <summary>whenTrue's bits where <paramref name="condition"/>'s are set, whenFalse's elsewhere.</summary>
    static abstract TVector ConditionalSelect(TVector condition, TVector whenTrue, TVector whenFalse);

    /// <summary>2^(n + <paramref name="offset"/>) for lanes n holding whole numbers whose such power of 2 is a normal number (the offset added as an integer, off the float chain).</summary>
    static abstract TVector PowerOfTwo(TVector wholeNumbers, int offset);

    /// <summary>The BCL's vectorised e^x (the double activations build on it).</summary>
    static abstract TVector Exp(TVector x);

    /// <summary><see cref="VectorMath.Sigmoid{T}(Vector{T})"/> at this width.</summary>
    static abstract TVector Sigmoid(TVector x);

    /// <summary><see cref="VectorMath.Tanh{T}(Vector{T})"/> at this width.</summary>
    static abstract TVector Tanh(TVector x);
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
    public static Vector<T> Add(Vector<T> left, Vector<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Subtract(Vector<T> left, Vector<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Multiply(Vector<T> left, Vector<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Divide(Vector<T> left, Vector<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Negate(Vector<T> x) => -x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> BitwiseOr(Vector<T> left, Vector<T> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> BitwiseAnd(Vector<T> left, Vector<T> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MultiplyAdd(Vector<T> left, Vector<T> right, Vector<T> addend) => VectorMath.MultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Abs(Vector<T> x) => Vector.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MinNative(Vector<T> left, Vector<T> right) => Vector.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MaxNative(Vector<T> left, Vector<T> right) => Vector.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> LessThan(Vector<T> left, Vector<T> right) => Vector.LessThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> GreaterThanOrEqual(Vector<T> left, Vector<T> right) => Vector.GreaterThanOrEqual(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> IsNaN(Vector<T> x) => Vector.IsNaN(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThanAll(Vector<T> left, Vector<T> right) => Vector.LessThanAll(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ConditionalSelect(Vector<T> condition, Vector<T> whenTrue, Vector<T> whenFalse) => Vector.ConditionalSelect(condition, whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> PowerOfTwo(Vector<T> wholeNumbers, int offset) => typeof(T) == typeof(float)
        ? Vector.ShiftLeft(Vector.ConvertToInt32Native(wholeNumbers.As<T, float>()) + new Vector<int>(127 + offset), 23).As<int, T>()
        : Vector.ShiftLeft(Vector.ConvertToInt64Native(wholeNumbers.As<T, double>()) + new Vector<long>(1023 + offset), 52).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp(Vector<T> x) => typeof(T) == typeof(float)
        ? Vector.Exp(x.As<T, float>()).As<float, T>()
        : Vector.Exp(x.As<T, double>()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sigmoid(Vector<T> x) => VectorMath.Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Tanh(Vector<T> x) => VectorMath.Tanh(x);
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
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> left, Vector512<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> left, Vector512<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> left, Vector512<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Negate(Vector512<T> x) => -x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BitwiseOr(Vector512<T> left, Vector512<T> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> BitwiseAnd(Vector512<T> left, Vector512<T> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> left, Vector512<T> right, Vector512<T> addend) => VectorMath.MultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Abs(Vector512<T> x) => Vector512.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MinNative(Vector512<T> left, Vector512<T> right) => Vector512.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaxNative(Vector512<T> left, Vector512<T> right) => Vector512.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessThan(Vector512<T> left, Vector512<T> right) => Vector512.LessThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> GreaterThanOrEqual(Vector512<T> left, Vector512<T> right) => Vector512.GreaterThanOrEqual(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IsNaN(Vector512<T> x) => Vector512.IsNaN(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThanAll(Vector512<T> left, Vector512<T> right) => Vector512.LessThanAll(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ConditionalSelect(Vector512<T> condition, Vector512<T> whenTrue, Vector512<T> whenFalse) => Vector512.ConditionalSelect(condition, whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> PowerOfTwo(Vector512<T> wholeNumbers, int offset) => typeof(T) == typeof(float)
        ? Vector512.ShiftLeft(Vector512.ConvertToInt32Native(wholeNumbers.As<T, float>()) + Vector512.Create(127 + offset), 23).As<int, T>()
        : Vector512.ShiftLeft(Vector512.ConvertToInt64Native(wholeNumbers.As<T, double>()) + Vector512.Create(1023L + offset), 52).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x) => typeof(T) == typeof(float)
        ? Vector512.Exp(x.As<T, float>()).As<float, T>()
        : Vector512.Exp(x.As<T, double>()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid(Vector512<T> x) => VectorMath.Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh(Vector512<T> x) => VectorMath.Tanh(x);
}
