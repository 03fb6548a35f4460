using System;
using System.Runtime.CompilerServices;

namespace RnnGen.Kernels;

/// <summary>
/// Where each tensor of one layer direction sits in its parameter block (and the same block of the gradient buffer):
/// [W_ih transposed, [TInput, TWidth] | W_hh transposed, [THidden, TWidth] | b_ih, [TWidth] | b_hh, [TWidth]], each matrix
/// fusing every gate (PyTorch's gate order), so one product computes all gates. A vanilla block is the same with TWidth =
/// THidden and one bias, b_a, where b_ih sits. The ranges are inlined by force: the JIT left them as calls in every step.
/// </summary>
internal static class ParameterBlock<TInput, THidden, TWidth>
    where TInput : struct, ISize
    where THidden : struct, ISize
    where TWidth : struct, ISize
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

    public static Range InputBias
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new((TInput.Value + THidden.Value) * TWidth.Value, (TInput.Value + THidden.Value + 1) * TWidth.Value);
    }

    public static Range RecurrentBias
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new((TInput.Value + THidden.Value + 1) * TWidth.Value, (TInput.Value + THidden.Value + 2) * TWidth.Value);
    }
}
