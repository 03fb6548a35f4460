using System;
using System.Runtime.CompilerServices;

namespace RnnGen.Kernels;

/// <summary>
/// Where each tensor of one layer direction sits in its parameter block (and the same block of the gradient buffer):
/// [W_ih transposed, [TInput, TWidth] | W_hh transposed, [THidden, TWidth] | b_ih, [TWidth] | b_hh, [TWidth]], each matrix
/// fusing every gate (PyTorch's gate order), so one product computes all gates. A vanilla block is the same with TWidth =
/// THidden and one bias, b_a, where b_ih sits. A block <see cref="NoBias"/> ends after W_hh, and its biases read as zeros.
/// The ranges are inlined by force: the JIT left them as calls in every step.
/// </summary>
internal static class ParameterBlock<TInput, THidden, TWidth, TBias>
    where TInput : struct, ISize
    where THidden : struct, ISize
    where TWidth : struct, ISize
    where TBias : struct, IBias
{
    public static Range InputWeights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(0, TInput.Value * TWidth.Value);
    }

    public static Range RecurrentWeights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(TInput.Value * TWidth.Value, (TInput.Value + THidden.Value) * TWidth.Value);
    }

    /// <summary>Where b_ih (a vanilla cell's b_a) sits; only for a block <see cref="WithBias"/>.</summary>
    public static Range InputBias
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new((TInput.Value + THidden.Value) * TWidth.Value, (TInput.Value + THidden.Value + 1) * TWidth.Value);
    }

    /// <summary>Where a gated cell's b_hh sits; only for a block <see cref="WithBias"/>.</summary>
    public static Range RecurrentBias
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new((TInput.Value + THidden.Value + 1) * TWidth.Value, (TInput.Value + THidden.Value + 2) * TWidth.Value);
    }

    /// <summary>The length of a gated block: both weights, and both biases when it has them.</summary>
    public static int GatedLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (TInput.Value + THidden.Value + (TBias.Present ? 2 : 0)) * TWidth.Value;
    }

    /// <summary>b_ih (a vanilla cell's b_a), or zeros for a block <see cref="NoBias"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<T> InputBiasOf<T>(ReadOnlySpan<T> parameters)
        where T : unmanaged
        => TBias.Present ? parameters[InputBias] : NoBias.Zeros<T, TWidth>();

    /// <summary>A gated cell's b_hh, or zeros for a block <see cref="NoBias"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<T> RecurrentBiasOf<T>(ReadOnlySpan<T> parameters)
        where T : unmanaged
        => TBias.Present ? parameters[RecurrentBias] : NoBias.Zeros<T, TWidth>();
}
