using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// One direction of an LSTM layer with PyTorch's semantics, over a whole sequence and for one streaming step, specialised by
/// its sizes (<see cref="ISize"/> structs): [i | f | g | o] = W_ih x + b_ih + W_hh h + b_hh, c' = σ(f) c + σ(i) tanh(g),
/// h' = σ(o) tanh(c'). The parameter block is [W_ih transposed | W_hh transposed | b_ih | b_hh], gates fused.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LstmLayer
{
    /// <summary>The width of one step's cache row: i, f, g, o (activated) and c.</summary>
    public static int CacheWidth(int hiddenSize) => 5 * hiddenSize;

    /// <summary>The scratch that <see cref="Forward"/> and <see cref="Backward"/> need for a sequence of <paramref name="steps"/>.</summary>
    public static int WorkspaceLength(int steps, int hiddenSize) => ((steps + 1) * 4 * hiddenSize) + 32;

    /// <summary>The scratch that <see cref="Step"/> needs.</summary>
    public static int StepWorkspaceLength(int hiddenSize) => (4 * hiddenSize) + hiddenSize + (5 * hiddenSize);

    /// <summary>Runs the direction over every step, writing h&lt;t&gt; into its half of each output row and the gates and c of every step into <paramref name="cache"/>.</summary>
    /// <param name="parameters">The direction's parameter block (from its W_ih on).</param>
    /// <param name="inputs">x&lt;1..T&gt; (or the layer below's outputs), [T, TInput].</param>
    /// <param name="outputs">The layer's outputs, [T, THidden] or, bidirectional, [T, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads t = T..1.</param>
    /// <param name="initialStates">Every layer's and direction's h0 rows, then their c0 rows, [rows, THidden], or empty for zeros.</param>
    /// <param name="finalStates">Receives in its rows <paramref name="stateRow"/> and <paramref name="cellRow"/> h and c after the last step processed.</param>
    /// <param name="stateRow">This direction's h row of the states: layer * directions + direction.</param>
    /// <param name="cellRow">This direction's c row of the states, after every h row.</param>
    /// <param name="cache">Every direction's per-step cache, [h rows, T, <see cref="CacheWidth"/>]: receives what <see cref="Backward"/> needs of every step in the rows of <paramref name="stateRow"/>.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceLength"/>.</param>
    public static void Forward<T, TInput, THidden>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, ReadOnlySpan<T> initialStates, Span<T> finalStates, int stateRow, int cellRow, Span<T> cache, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, width = Times4<THidden>.Value, cacheWidth = 5 * hidden;
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentWeights];
        Span<T> projections = workspace.Slice(0, walk.Steps * width); // the gates' pre-activations of every step
        // b_ih + b_hh once: both biases add into the same pre-activations.
        Span<T> bias = workspace.Slice(walk.Steps * width, width);
        parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.InputBias].CopyTo(bias);
        Activations.AddTo(parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentBias], bias);
        // Off the serial path: every step's W_ih x<t> + b_ih + b_hh, all gates at once, as one matrix-matrix product.
        MatrixKernels.ProjectInputs<T, TInput, Times4<THidden>>(inputs, parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.InputWeights], bias, projections, width, 0);
        Span<T> directionCache = cache.Slice(stateRow * walk.Steps * cacheWidth, walk.Steps * cacheWidth);
        ReadOnlySpan<T> previous = LayerWalk.Row(initialStates, stateRow, hidden); // empty stands for the zero state: its product is skipped
        ReadOnlySpan<T> previousCell = LayerWalk.Row(initialStates, cellRow, hidden);
        for (int step = 0; step < walk.Steps; step++)
        {
            int t = walk.At(step);
            Span<T> state = outputs.Slice(walk.State(t), hidden), stepCache = directionCache.Slice(t * cacheWidth, cacheWidth);
            Span<T> gates = projections.Slice(t * width, width);
            if (!previous.IsEmpty)
            {
                MatrixKernels.MultiplyAdd<T, THidden, Times4<THidden>>(previous, recurrentWeights, gates); // + W_hh h
            }
            Gates.LstmForward<T>(gates, previousCell, state, stepCache);
            previousCell = stepCache.Slice(4 * hidden, hidden);
            previous = state;
        }
        previous.CopyTo(LayerWalk.Row(finalStates, stateRow, hidden));
        previousCell.CopyTo(LayerWalk.Row(finalStates, cellRow, hidden));
    }

    /// <summary>
    /// Backpropagates the direction through every step, last processed first, from dE/d(its outputs): adds the gradients of its
    /// parameters to <paramref name="gradients"/> and dE/d(its inputs) to <paramref name="inputGradients"/>.
    /// </summary>
    /// <param name="parameters">The direction's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="gradients">The same block of the gradient buffer, added to.</param>
    /// <param name="inputs">What <see cref="Forward"/> read.</param>
    /// <param name="outputs">What <see cref="Forward"/> wrote.</param>
    /// <param name="outputGradients">dE/d(outputs), shaped like them.</param>
    /// <param name="reverse">As in <see cref="Forward"/>.</param>
    /// <param name="initialStates">As in <see cref="Forward"/>.</param>
    /// <param name="cache">What <see cref="Forward"/> kept.</param>
    /// <param name="inputGradients">dE/d(inputs), shaped like them, added to; or empty when not wanted.</param>
    /// <param name="initialStateGradients">Receives in its rows <paramref name="stateRow"/> and <paramref name="cellRow"/> dE/dh0 and dE/dc0; or empty when not wanted.</param>
    /// <param name="stateRow">As in <see cref="Forward"/>.</param>
    /// <param name="cellRow">As in <see cref="Forward"/>.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceLength"/>.</param>
    public static void Backward<T, TInput, THidden>(ReadOnlySpan<T> parameters, Span<T> gradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, ReadOnlySpan<T> initialStates, ReadOnlySpan<T> cache, Span<T> inputGradients, Span<T> initialStateGradients, int stateRow, int cellRow, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value, width = Times4<THidden>.Value, cacheWidth = 5 * hidden;
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.InputWeights];
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentWeights];
        // The carried gradients sit after the gate rows, 16 elements apart: with them first, right before the rows, the
        // backward pass measured up to 30% slower (their loads and the rows' stores 4 KB apart).
        Span<T> gateSteps = workspace.Slice(0, walk.Steps * width); // dE/d(the gates' pre-activations) of every step
        Span<T> carried = workspace.Slice((walk.Steps * width) + 16, hidden); // dE/dh<t> from the step processed after t
        Span<T> carriedCell = workspace.Slice((walk.Steps * width) + 32 + hidden, hidden); // dE/dc<t> from the step processed after t
        ReadOnlySpan<T> directionCache = cache.Slice(stateRow * walk.Steps * cacheWidth, walk.Steps * cacheWidth);
        carried.Clear();
        carriedCell.Clear();
        // The serial part: only what the next step back needs, the gate gradients and W_hh's share of dE/dh<t-1>.
        for (int step = walk.Steps - 1; step >= 0; step--)
        {
            int t = walk.At(step);
            Span<T> gateGradients = gateSteps.Slice(t * width, width);
            ReadOnlySpan<T> previousCell = step > 0 ? directionCache.Slice((walk.Before(t) * cacheWidth) + (4 * hidden), hidden) : LayerWalk.Row(initialStates, cellRow, hidden);
            // Through the cell: dE/d(every gate's pre-activation), and dE/dc<t-1> into carriedCell.
            Gates.LstmBackward<T>(outputGradients.Slice(walk.State(t), hidden), carried, carriedCell, previousCell, directionCache.Slice(t * cacheWidth, cacheWidth), gateGradients);
            if (!inputGradients.IsEmpty)
            {
                MatrixKernels.MultiplyTransposedAdd<T, TInput, Times4<THidden>>(inputWeights, gateGradients, inputGradients.Slice(t * inputSize, inputSize));
            }
            carried.Clear();
            MatrixKernels.MultiplyTransposedAdd<T, THidden, Times4<THidden>>(recurrentWeights, gateGradients, carried);
        }
        // Off the serial path, all steps at once: db_ih = db_hh = Σ dg<t>, dW_ih = Σ x<t> dg<t> and dW_hh = Σ h<t-1> dg<t>
        // (W_hh h + b_hh adds into the same pre-activations as the input projection).
        Activations.AddRowsTo<T>(gateSteps, gradients[ParameterBlock<TInput, THidden, Times4<THidden>>.InputBias]);
        Activations.AddRowsTo<T>(gateSteps, gradients[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentBias]);
        walk.AddWeightGradients<T, TInput, THidden, Times4<THidden>>(inputs, outputs, LayerWalk.Row(initialStates, stateRow, hidden), gateSteps, gateSteps,
            gradients[ParameterBlock<TInput, THidden, Times4<THidden>>.InputWeights], gradients[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentWeights]);
        // What is still carried after the first processed step is dE/d(h0, c0).
        if (!initialStateGradients.IsEmpty)
        {
            carried.CopyTo(LayerWalk.Row(initialStateGradients, stateRow, hidden));
            carriedCell.CopyTo(LayerWalk.Row(initialStateGradients, cellRow, hidden));
        }
    }

    /// <summary>One streaming step, computed aside so <paramref name="state"/> and <paramref name="cell"/> stay intact until done.</summary>
    /// <param name="parameters">The layer's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="input">x&lt;t&gt; (or the layer below's new state), [TInput].</param>
    /// <param name="state">The kept h, [THidden], replaced by the new one.</param>
    /// <param name="cell">The kept c, [THidden], replaced by the new one.</param>
    /// <param name="workspace">Scratch of at least <see cref="StepWorkspaceLength"/>.</param>
    public static void Step<T, TInput, THidden>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        int hidden = THidden.Value, width = Times4<THidden>.Value;
        Span<T> gates = workspace.Slice(0, width), next = workspace.Slice(width, hidden), cache = workspace.Slice(width + hidden, 5 * hidden);
        parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.InputBias].CopyTo(gates);
        MatrixKernels.MultiplyAdd<T, TInput, Times4<THidden>>(input, parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.InputWeights], gates);
        Activations.AddTo(parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentBias], gates);
        MatrixKernels.MultiplyAdd<T, THidden, Times4<THidden>>(state, parameters[ParameterBlock<TInput, THidden, Times4<THidden>>.RecurrentWeights], gates);
        Gates.LstmForward<T>(gates, cell, next, cache);
        cache.Slice(4 * hidden, hidden).CopyTo(cell);
        next.CopyTo(state);
    }
}
