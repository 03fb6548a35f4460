using System;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// How one direction of a layer walks its sequence: how many steps, where each step's state sits in the layer's output rows
/// ([forward | reverse] halves of LayerWidth), and in which order the steps are processed.
/// </summary>
internal readonly struct LayerWalk
{
    private LayerWalk(int steps, int stride, int column, bool reverse)
    {
        Steps = steps;
        Stride = stride;
        Column = column;
        Reverse = reverse;
    }

    public int Steps { get; }

    /// <summary>The width of one output row: the hidden size, or twice it for a bidirectional layer.</summary>
    public int Stride { get; }

    /// <summary>Where this direction's state starts in an output row: 0, or the hidden size for the reverse half.</summary>
    public int Column { get; }

    public bool Reverse { get; }

    /// <summary>
    /// The walk of a direction reading <paramref name="inputLength"/> values (whole <typeparamref name="TInput"/> steps) and
    /// writing <paramref name="outputLength"/> (whole rows one or two <typeparamref name="THidden"/> wide, two for a reverse direction).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths are not whole steps and rows of these sizes.</exception>
    public static LayerWalk Of<TInput, THidden>(int inputLength, int outputLength, bool reverse)
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        int hidden = THidden.Value;
        int steps = inputLength / TInput.Value;
        int stride = steps == 0 ? 0 : outputLength / steps;
        KernelGuard.Require(steps > 0 && inputLength == steps * TInput.Value && outputLength == steps * stride
            && (stride == 2 * hidden || (stride == hidden && !reverse)), LayerShape);
        return new LayerWalk(steps, stride, reverse ? hidden : 0, reverse);
    }

    /// <summary>The position in the sequence of the <paramref name="processed"/>-th step processed.</summary>
    public int At(int processed) => Reverse ? Steps - 1 - processed : processed;

    /// <summary>The position of the step processed just before position <paramref name="t"/>.</summary>
    public int Before(int t) => Reverse ? t + 1 : t - 1;

    /// <summary>Where position <paramref name="t"/>'s state starts in the output rows.</summary>
    public int State(int t) => (t * Stride) + Column;

    /// <summary>
    /// After the backward recursion, off the serial path, all steps at once: dW_in += Σ in&lt;t&gt; ⊗ d_in&lt;t&gt; and
    /// dW_rec += Σ state&lt;t-1&gt; ⊗ d_rec&lt;t&gt; as matrix-matrix products; the first processed step's state&lt;t-1&gt; is
    /// <paramref name="initialState"/> (empty for zeros, which adds nothing). TWidth is the width of a pre-activation row: the
    /// hidden size, or the gates' fused width.
    /// </summary>
    public void AddWeightGradients<T, TInput, THidden, TWidth>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> initialState, ReadOnlySpan<T> inputSteps, ReadOnlySpan<T> recurrentSteps, Span<T> inputWeightGradients, Span<T> recurrentWeightGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TWidth : struct, ISize
    {
        int width = TWidth.Value;
        MatrixKernels.AddTransposedProduct<T, TInput, TWidth>(inputs, TInput.Value, inputSteps, Steps, inputWeightGradients);
        // Each step's state<t-1> is the row before it in processing order: the previous row forward, the next one in reverse.
        if (Steps > 1)
        {
            ReadOnlySpan<T> earlierStates = outputs.Slice((Reverse ? Stride : 0) + Column);
            ReadOnlySpan<T> laterGradients = recurrentSteps.Slice(Reverse ? 0 : width, (Steps - 1) * width);
            MatrixKernels.AddTransposedProduct<T, THidden, TWidth>(earlierStates, Stride, laterGradients, Steps - 1, recurrentWeightGradients);
        }
        if (!initialState.IsEmpty)
        {
            MatrixKernels.AddOuterProduct<T, THidden, TWidth>(initialState, recurrentSteps.Slice(At(0) * width, width), recurrentWeightGradients);
        }
    }

    /// <summary>Row <paramref name="row"/> of a whole state, [rows, hidden], or empty when the state is (zeros, or not wanted).</summary>
    public static ReadOnlySpan<T> Row<T>(ReadOnlySpan<T> state, int row, int hidden) => state.IsEmpty ? default : state.Slice(row * hidden, hidden);

    /// <inheritdoc cref="Row{T}(ReadOnlySpan{T}, int, int)"/>
    public static Span<T> Row<T>(Span<T> state, int row, int hidden) => state.IsEmpty ? default : state.Slice(row * hidden, hidden);

    private const string LayerShape = "A layer's inputs and outputs must be the same whole number (at least one) of steps of its input size and of one or two hidden sizes.";
}
