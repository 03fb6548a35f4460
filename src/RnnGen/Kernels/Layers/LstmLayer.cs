using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    public static int WorkspaceLength(int steps, int hiddenSize) => ((steps + 1) * 4 * hiddenSize) + 32 + MatrixKernels.ColumnPanelsLength(hiddenSize, 4 * hiddenSize);

    /// <summary>
    /// The scratch that <see cref="Forward"/> alone needs (a streaming block, which no Backward follows): every step's gate
    /// pre-activations, the two biases' sum and W_hh's column panels where the core reads them.
    /// </summary>
    public static int ForwardWorkspaceLength(int steps, int hiddenSize) => ((steps + 1) * 4 * hiddenSize) + MatrixKernels.ColumnPanelsLength(hiddenSize, 4 * hiddenSize);

    /// <summary>The scratch that <see cref="Step"/> needs.</summary>
    public static int StepWorkspaceLength(int hiddenSize) => (4 * hiddenSize) + hiddenSize + (5 * hiddenSize);

    /// <summary>The scratch that <see cref="BackwardBatch"/> needs for <paramref name="rows"/> packed rows of <paramref name="sequences"/> sequences, through a layer reading at most <paramref name="inputSize"/> values.</summary>
    public static int BatchBackwardWorkspaceLength(int rows, int sequences, int inputSize, int hiddenSize) => ((rows + inputSize + hiddenSize) * 4 * hiddenSize) + (2 * sequences * hiddenSize);

    /// <summary>The scratch that <see cref="ForwardBatch"/> needs for a batch of <paramref name="sequences"/> through a layer reading at most <paramref name="inputSize"/> values.</summary>
    public static int BatchWorkspaceLength(int sequences, int inputSize, int hiddenSize) => ((sequences + 1 + inputSize + hiddenSize) * 4 * hiddenSize) + (2 * sequences * 5 * hiddenSize);

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
    /// <param name="workspace">Scratch of at least <see cref="ForwardWorkspaceLength"/>.</param>
    public static void Forward<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, ReadOnlySpan<T> initialStates, Span<T> finalStates, int stateRow, int cellRow, Span<T> cache, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, width = Times4<THidden>.Value, cacheWidth = 5 * hidden;
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights];
        Span<T> projections = workspace.Slice(0, walk.Steps * width); // the gates' pre-activations of every step
        // b_ih + b_hh once: both biases add into the same pre-activations.
        Span<T> bias = workspace.Slice(walk.Steps * width, width);
        ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters).CopyTo(bias);
        Activations.AddTo(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters), bias);
        // Off the serial path: every step's W_ih x<t> + b_ih + b_hh, all gates at once, as one matrix-matrix product.
        MatrixKernels.ProjectInputs<T, TInput, Times4<THidden>>(inputs, parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights], bias, projections, width, 0);
        Span<T> directionCache = cache.Slice(stateRow * walk.Steps * cacheWidth, walk.Steps * cacheWidth);
        ReadOnlySpan<T> previous = LayerWalk.Row(initialStates, stateRow, hidden); // empty stands for the zero state: its product is skipped
        ReadOnlySpan<T> previousCell = LayerWalk.Row(initialStates, cellRow, hidden);
        // A W_hh beyond the first-level cache is read once per step: from panels that each stream in one run, every
        // other step from the last panel, which the step before read last.
        Span<T> recurrentPanels = MatrixKernels.UsesColumnPanels<T>(hidden, width, walk.Steps) ? MatrixKernels.OnCacheLine(workspace.Slice((walk.Steps + 1) * width), hidden * width) : default;
        MatrixKernels.PackColumnPanels(recurrentWeights, hidden, width, recurrentPanels);
        for (int step = 0; step < walk.Steps; step++)
        {
            int t = walk.At(step);
            Span<T> state = outputs.Slice(walk.State(t), hidden), stepCache = directionCache.Slice(t * cacheWidth, cacheWidth);
            Span<T> gates = projections.Slice(t * width, width);
            Span<T> cell = stepCache.Slice(4 * hidden, hidden);
            if (Fuses<T, THidden>() && InRegisters<T, THidden>())
            {
                // One vector, or two 512-bit ones, hold the units: their sums in registers, as in Step, with the sizes constant.
                // StepBlock(64) per sample at H = 8 and 16 took 47-54 and 68-83 ns, against 48-84 and 82-97 through FusedStep;
                // at H = 32 (two 512-bit vectors) 146-152 against 174-210 through memory (Zen 4, alternated runs).
                ForwardInRegisters<T, THidden>(ref MemoryMarshal.GetReference(gates), !previous.IsEmpty, ref MemoryMarshal.GetReference(previous), ref MemoryMarshal.GetReference(recurrentWeights),
                    !previousCell.IsEmpty, ref MemoryMarshal.GetReference(previousCell), ref MemoryMarshal.GetReference(state), ref MemoryMarshal.GetReference(stepCache));
            }
            else if (Fuses<T, THidden>() && hidden % Vector<T>.Count == 0)
            {
                // Whole vectors beyond those: + W_hh h into every gate's sums first, then the gate arithmetic a gate at a time.
                ref T sums = ref MemoryMarshal.GetReference(gates);
                SumsInto(hidden, 0, ref sums, ref Unsafe.NullRef<T>(), hasBias: false, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), !previous.IsEmpty,
                    ref MemoryMarshal.GetReference(previous), ref MemoryMarshal.GetReference(recurrentWeights), ref sums);
                Gates.LstmForward<T>(gates, previousCell, state, stepCache);
            }
            else if (Fuses<T, THidden>())
            {
                // Units that are not whole vectors: + W_hh h and the gate arithmetic in one pass per vector of units, the sums in
                // registers, the units left over as scalars.
                FusedStep<T, THidden>(gates, default, default, default, previous, recurrentWeights, previousCell, cell, state, stepCache);
            }
            else
            {
                ThroughProducts<T, THidden>(gates, previous, recurrentWeights, recurrentPanels, step % 2 == 1, previousCell, state, stepCache);
            }
            previousCell = cell;
            previous = state;
        }
        previous.CopyTo(LayerWalk.Row(finalStates, stateRow, hidden));
        previousCell.CopyTo(LayerWalk.Row(finalStates, cellRow, hidden));
    }

    /// <summary>
    /// Runs the direction over a packed batch (<see cref="PackedBatch"/>), step by step: the step's W_ih x + b_ih + b_hh and
    /// W_hh h for every sequence still running as matrix-matrix products into one step's gate rows, so each weight is read once
    /// per step for the whole batch and the rows stay in cache, then each row's gate arithmetic. Every sequence starts from the
    /// zero state.
    /// </summary>
    /// <param name="parameters">The direction's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="batch">The batch's order and steps.</param>
    /// <param name="inputs">The packed inputs, [Rows, TInput].</param>
    /// <param name="outputs">The layer's packed outputs, [Rows, THidden] or, bidirectional, [Rows, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads each sequence from its last step.</param>
    /// <param name="cache">Receives the gates and c of every packed row, [Rows, <see cref="CacheWidth"/>], for <see cref="BackwardBatch"/>; or empty when nothing reads them back.</param>
    /// <param name="workspace">Scratch of at least <see cref="BatchWorkspaceLength"/>.</param>
    public static void ForwardBatch<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, PackedBatch batch, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, Span<T> cache, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, width = Times4<THidden>.Value, cacheWidth = 5 * hidden, sequences = batch.Count;
        bool keeps = !cache.IsEmpty;
        KernelGuard.Require(walk.Steps == batch.Rows && workspace.Length >= BatchWorkspaceLength(sequences, TInput.Value, hidden)
            && (!keeps || cache.Length >= walk.Steps * cacheWidth), BatchShape);
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights];
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights];
        Span<T> gates = workspace.Slice(0, sequences * width); // one step's pre-activations, a row per sequence running
        Span<T> cells = workspace.Slice(gates.Length, 2 * sequences * cacheWidth); // the gates and c of the last two steps, when not kept
        Span<T> bias = workspace.Slice(gates.Length + cells.Length, width);
        Span<T> inputPanels = workspace.Slice(gates.Length + cells.Length + width, PanelKernels.PackedLength<TInput, Times4<THidden>>());
        Span<T> recurrentPanels = workspace.Slice(gates.Length + cells.Length + width + inputPanels.Length, PanelKernels.PackedLength<THidden, Times4<THidden>>());
        PanelKernels.Pack<T, TInput, Times4<THidden>>(inputWeights, inputPanels);
        PanelKernels.Pack<T, THidden, Times4<THidden>>(recurrentWeights, recurrentPanels);
        // b_ih + b_hh once: both biases add into the same pre-activations.
        ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters).CopyTo(bias);
        Activations.AddTo(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters), bias);
        for (int step = 0; step < batch.Steps; step++)
        {
            (int first, int rows, int carried, int previousFirst) = batch.StepAt(step, reverse);
            Span<T> stepCells = keeps ? cache.Slice(first * cacheWidth, rows * cacheWidth) : cells.Slice((step % 2) * sequences * cacheWidth, sequences * cacheWidth);
            ReadOnlySpan<T> previousCells = keeps ? cache.Slice(previousFirst * cacheWidth) : cells.Slice(((step + 1) % 2) * sequences * cacheWidth, sequences * cacheWidth);
            PanelKernels.MultiplyRows<T, TInput, Times4<THidden>>(inputs.Slice(first * TInput.Value), TInput.Value, rows, inputPanels, bias, 0, gates, width);
            PanelKernels.MultiplyAddRows<T, THidden, Times4<THidden>>(outputs.Slice(walk.State(previousFirst)), walk.Stride, carried, recurrentPanels, gates, width);
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> previousCell = row < carried ? previousCells.Slice((row * cacheWidth) + (4 * hidden), hidden) : default;
                Gates.LstmForward<T>(gates.Slice(row * width, width), previousCell, outputs.Slice(walk.State(first + row), hidden), stepCells.Slice(row * cacheWidth, cacheWidth));
            }
        }
    }

    /// <summary>
    /// Backpropagates the direction through a packed batch that <see cref="ForwardBatch"/> ran with a cache, every step's
    /// rows at once: the gate gradients row by row, then dE/dh of the step before and dE/dx as matrix-matrix products through
    /// W_hh and W_ih (transposed into panels); the weight gradients after the recursion. Adds into <paramref name="gradients"/>.
    /// </summary>
    /// <param name="parameters">The direction's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="gradients">The same block of the gradient buffer, added to.</param>
    /// <param name="batch">The batch's order and steps.</param>
    /// <param name="inputs">What <see cref="ForwardBatch"/> read.</param>
    /// <param name="outputs">What <see cref="ForwardBatch"/> wrote.</param>
    /// <param name="outputGradients">dE/d(outputs), shaped like them.</param>
    /// <param name="reverse">As in <see cref="ForwardBatch"/>.</param>
    /// <param name="cache">What <see cref="ForwardBatch"/> kept.</param>
    /// <param name="inputGradients">dE/d(inputs), shaped like them, added to; or empty when not wanted.</param>
    /// <param name="workspace">Scratch of at least <see cref="BatchBackwardWorkspaceLength"/>.</param>
    public static void BackwardBatch<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, Span<T> gradients, PackedBatch batch, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, ReadOnlySpan<T> cache, Span<T> inputGradients, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value, width = Times4<THidden>.Value, cacheWidth = 5 * hidden, sequences = batch.Count;
        KernelGuard.Require(walk.Steps == batch.Rows && outputGradients.Length >= outputs.Length && cache.Length >= walk.Steps * cacheWidth
            && (inputGradients.IsEmpty || inputGradients.Length >= inputs.Length) && workspace.Length >= BatchBackwardWorkspaceLength(walk.Steps, sequences, inputSize, hidden), BatchShape);
        Span<T> gateSteps = workspace.Slice(0, walk.Steps * width); // dE/d(the gates' pre-activations) of every row
        Span<T> carried = workspace.Slice(gateSteps.Length, sequences * hidden); // dE/dh<t> from the step processed after t, a row per sequence
        Span<T> carriedCell = workspace.Slice(gateSteps.Length + carried.Length, sequences * hidden); // dE/dc<t> likewise
        Span<T> recurrentPanels = workspace.Slice(gateSteps.Length + (2 * carried.Length), PanelKernels.PackedLength<Times4<THidden>, THidden>());
        Span<T> inputPanels = workspace.Slice(gateSteps.Length + (2 * carried.Length) + recurrentPanels.Length, PanelKernels.PackedLength<Times4<THidden>, TInput>());
        PanelKernels.PackTransposed<T, Times4<THidden>, THidden>(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights], recurrentPanels);
        if (!inputGradients.IsEmpty)
        {
            PanelKernels.PackTransposed<T, Times4<THidden>, TInput>(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights], inputPanels);
        }
        carried.Clear();
        carriedCell.Clear();
        for (int step = batch.Steps - 1; step >= 0; step--)
        {
            (int first, int rows, int carriedRows, int previousFirst) = batch.StepAt(step, reverse);
            Span<T> stepGates = gateSteps.Slice(first * width, rows * width);
            // Through each row's cell: dE/d(its gates' pre-activations), and dE/dc<t-1> into carriedCell.
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> previousCell = row < carriedRows ? cache.Slice(((previousFirst + row) * cacheWidth) + (4 * hidden), hidden) : default;
                Gates.LstmBackward<T>(outputGradients.Slice(walk.State(first + row), hidden), carried.Slice(row * hidden, hidden), carriedCell.Slice(row * hidden, hidden),
                    previousCell, cache.Slice((first + row) * cacheWidth, cacheWidth), stepGates.Slice(row * width, width));
            }
            if (!inputGradients.IsEmpty)
            {
                PanelKernels.MultiplyAddRows<T, Times4<THidden>, TInput>(stepGates, width, rows, inputPanels, inputGradients.Slice(first * inputSize), inputSize);
            }
            // W_hh's share of dE/dh<t-1>, for the rows that carried a state into this step.
            carried.Slice(0, carriedRows * hidden).Clear();
            PanelKernels.MultiplyAddRows<T, Times4<THidden>, THidden>(stepGates, width, carriedRows, recurrentPanels, carried, hidden);
        }
        // Off the serial path: db_ih = db_hh = Σ dg, dW_ih = Σ x dg and dW_hh = Σ h<t-1> dg<t>.
        if (TBias.Present)
        {
            Activations.AddRowsTo<T>(gateSteps, gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBias]);
            Activations.AddRowsTo<T>(gateSteps, gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBias]);
        }

        batch.AddWeightGradients<T, TInput, THidden, Times4<THidden>>(walk, inputs, outputs, gateSteps, gateSteps,
            gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights], gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights]);
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
    public static void Backward<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, Span<T> gradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, ReadOnlySpan<T> initialStates, ReadOnlySpan<T> cache, Span<T> inputGradients, Span<T> initialStateGradients, int stateRow, int cellRow, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value, width = Times4<THidden>.Value, cacheWidth = 5 * hidden;
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights];
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights];
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
        if (TBias.Present)
        {
            Activations.AddRowsTo<T>(gateSteps, gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBias]);
            Activations.AddRowsTo<T>(gateSteps, gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBias]);
        }

        walk.AddWeightGradients<T, TInput, THidden, Times4<THidden>>(inputs, outputs, LayerWalk.Row(initialStates, stateRow, hidden), gateSteps, gateSteps,
            gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights], gradients[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights]);
        // What is still carried after the first processed step is dE/d(h0, c0).
        if (!initialStateGradients.IsEmpty)
        {
            carried.CopyTo(LayerWalk.Row(initialStateGradients, stateRow, hidden));
            carriedCell.CopyTo(LayerWalk.Row(initialStateGradients, cellRow, hidden));
        }
    }

    /// <summary>
    /// One streaming step. While W_hh fits the first-level cache, fused: for each vector of hidden units, the four gates'
    /// sums over x and h stay in registers (two sets, so consecutive rows of W_hh do not wait on each other), then the
    /// activations and the cell update; nothing is written back until every unit has read the old h. A larger W_hh is read
    /// once in row panels instead (<see cref="StepThroughProducts"/>), where a pass per vector of units would read it again
    /// from the second-level cache for each.
    /// </summary>
    /// <param name="parameters">The layer's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="input">x&lt;t&gt; (or the layer below's new state), [TInput].</param>
    /// <param name="state">The kept h, [THidden], replaced by the new one.</param>
    /// <param name="cell">The kept c, [THidden], replaced by the new one.</param>
    /// <param name="workspace">Scratch of at least <see cref="StepWorkspaceLength"/>.</param>
    public static void Step<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        int inputSize = TInput.Value, hidden = THidden.Value, width = Times4<THidden>.Value;
        KernelGuard.Require(parameters.Length >= ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.GatedLength && input.Length >= inputSize && state.Length >= hidden
            && cell.Length >= hidden && workspace.Length >= StepWorkspaceLength(hidden), StepShape);
        if (!Fuses<T, THidden>())
        {
            StepThroughProducts<T, TInput, THidden, TBias>(parameters, input, state, cell, workspace);
            return;
        }
        if (WideInRegisters<T, THidden>())
        {
            StepInRegisters<T, TInput, THidden, TBias, Vector512<T>, Vector512Lanes<T>>(parameters, input, state, cell);
            return;
        }
        if (hidden == Vector<T>.Count)
        {
            StepOneVector<T, TInput, THidden, TBias, Vector<T>, VectorLanes<T>>(parameters, input, state, cell);
            return;
        }
        if (hidden == 2 * Vector<T>.Count)
        {
            StepTwoVectors<T, TInput, THidden, TBias, Vector<T>, VectorLanes<T>>(parameters, input, state, cell);
            return;
        }
        if (hidden % Vector<T>.Count == 0)
        {
            StepSumsFirst<T, TInput, THidden, TBias>(parameters, input, state, cell, workspace);
            return;
        }
        Span<T> next = workspace.Slice(0, hidden);
        FusedStep<T, THidden>(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters), ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters),
            input.Slice(0, inputSize), parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights], state, parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights],
            cell, cell, next, default);
        next.CopyTo(state);
    }

    /// <summary>The step when one or two 512-bit vectors hold the units (<see cref="StepOneVector"/>, <see cref="StepTwoVectors"/>).</summary>
    // Out of line: Step's branches on the sizes are all imported before inlining folds them, and with this path inlined
    // beside the 256-bit one the JIT reached its limit on locals and left the last gates' arithmetic as calls (2-3x slower).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepInRegisters<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        if (THidden.Value == TLanes.Count)
        {
            StepOneVector<T, TInput, THidden, TBias, TVector, TLanes>(parameters, input, state, cell);
        }
        else
        {
            StepTwoVectors<T, TInput, THidden, TBias, TVector, TLanes>(parameters, input, state, cell);
        }
    }

    /// <summary>The step when one vector holds every unit, straight-line: it reads all of h before it writes any, so h' and c' replace h and c in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepOneVector<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        ref T h = ref MemoryMarshal.GetReference(state), c = ref MemoryMarshal.GetReference(cell);
        FusedUnits<T, TVector, TLanes>(0, THidden.Value, TInput.Value, ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters)), ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters)),
            hasBias: true, ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights]), hasPrevious: true, ref h,
            ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights]), hasCell: true, ref c, ref c, ref h, keeps: false, ref Unsafe.NullRef<T>());
    }

    /// <summary>
    /// The step when two vectors hold the units, straight-line: both vectors' gate sums first, which read all of h, then each
    /// vector's activations and cell update, writing h' and c' in place. 1.28-1.63× as fast as <see cref="StepSumsFirst"/>
    /// (its sums and gates through memory) at H = 16 with 8-lane vectors, inputs 1 and 16, alternating the two in one
    /// process; four vectors so (H = 32) gained only 1.06-1.12, with sums enough to spill registers on AVX2: not taken.
    /// On AVX-512 cores two 512-bit vectors hold 32 units this way (<see cref="StepInRegisters"/>), with registers to spare.
    /// </summary>
    // Out of line, as GruLayer's is (inlined into Step, that one made NativeAOT's 32-unit GRU step, another path, 4-6x slower).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepTwoVectors<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        ref T h = ref MemoryMarshal.GetReference(state), c = ref MemoryMarshal.GetReference(cell);
        TwoVectorUnits<T, TVector, TLanes>(THidden.Value, TInput.Value, ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters)),
            ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters)), hasBias: true, ref MemoryMarshal.GetReference(input),
            ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights]), hasPrevious: true, ref h,
            ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights]), hasCell: true, ref c, ref c, ref h, keeps: false, ref Unsafe.NullRef<T>());
    }

    /// <summary>
    /// The step over whole vectors of units: every gate's sums first, which reads all of h, then the gate arithmetic a gate at
    /// a time (<see cref="Gates.LstmForward"/>: the vectors' activations overlap), writing h' in place. 1.05-1.28× as fast
    /// as <see cref="FusedStep"/>'s pass per vector at H = 16 and 32, measured alternating the two in one process.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepSumsFirst<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        int hidden = THidden.Value;
        Span<T> sums = workspace.Slice(0, 4 * hidden), stepCache = workspace.Slice(4 * hidden, CacheWidth(hidden));
        ref T inputBias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters)), recurrentBias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters));
        ref T inputWeights = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights]), recurrentWeights = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights]);
        ref T x = ref MemoryMarshal.GetReference(input), h = ref MemoryMarshal.GetReference(state), gates = ref MemoryMarshal.GetReference(sums);
        SumsInto(hidden, TInput.Value, ref inputBias, ref recurrentBias, hasBias: true, ref x, ref inputWeights, hasPrevious: true, ref h, ref recurrentWeights, ref gates);
        Gates.LstmForward<T>(sums, cell, state, stepCache);
        stepCache.Slice(4 * hidden, hidden).CopyTo(cell);
    }

    /// <summary>Whether W_hh fits the first-level cache, so that a step reads it once per vector of units (<see cref="FusedStep"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Fuses<T, THidden>()
        where T : unmanaged
        where THidden : struct, ISize => MatrixKernels.FitsFirstLevelCache<T>(THidden.Value, Times4<THidden>.Value);

    /// <summary>
    /// One step, fused: for each vector of hidden units, the four gates' sums (from <paramref name="sums"/>, plus
    /// <paramref name="bias"/>, plus W_ih x, plus W_hh h) stay in registers, two sets so that consecutive rows of W_hh do
    /// not wait on each other; then the activations and the cell update. <paramref name="previousCell"/> may be
    /// <paramref name="cell"/> itself (each unit reads its own c before writing it); <paramref name="state"/> must not be
    /// <paramref name="previous"/>, which every unit reads whole, unless one vector holds every unit.
    /// </summary>
    /// <param name="sums">The pre-activations so far, [4H]: b_ih, or a step's W_ih x + b_ih + b_hh.</param>
    /// <param name="bias">Added to <paramref name="sums"/> (b_hh), or empty.</param>
    /// <param name="input">x, or empty when <paramref name="sums"/> hold its projection.</param>
    /// <param name="inputWeights">W_ih transposed, or empty with <paramref name="input"/>.</param>
    /// <param name="previous">h, or empty for zeros.</param>
    /// <param name="recurrentWeights">W_hh transposed.</param>
    /// <param name="previousCell">c, or empty for zeros.</param>
    /// <param name="cell">Receives c', [H].</param>
    /// <param name="state">Receives h', [H].</param>
    /// <param name="gateCache">Receives the activated [i | f | g | o], [4H], or empty.</param>
    private static void FusedStep<T, THidden>(ReadOnlySpan<T> sums, ReadOnlySpan<T> bias, ReadOnlySpan<T> input, ReadOnlySpan<T> inputWeights, ReadOnlySpan<T> previous,
        ReadOnlySpan<T> recurrentWeights, ReadOnlySpan<T> previousCell, Span<T> cell, Span<T> state, Span<T> gateCache)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
    {
        int hidden = THidden.Value, width = Times4<THidden>.Value, inputSize = input.Length;
        KernelGuard.Require(sums.Length >= width && (bias.IsEmpty || bias.Length >= width) && inputWeights.Length >= inputSize * width
            && (previous.IsEmpty || previous.Length >= hidden) && recurrentWeights.Length >= hidden * width
            && (previousCell.IsEmpty || previousCell.Length >= hidden) && cell.Length >= hidden && state.Length >= hidden
            && (gateCache.IsEmpty || gateCache.Length >= width), StepShape);
        ref T start = ref MemoryMarshal.GetReference(sums);
        ref T added = ref MemoryMarshal.GetReference(bias);
        ref T x = ref MemoryMarshal.GetReference(input);
        ref T inputRows = ref MemoryMarshal.GetReference(inputWeights);
        ref T h = ref MemoryMarshal.GetReference(previous);
        ref T recurrentRows = ref MemoryMarshal.GetReference(recurrentWeights);
        ref T c = ref MemoryMarshal.GetReference(previousCell);
        ref T newCells = ref MemoryMarshal.GetReference(cell);
        ref T newStates = ref MemoryMarshal.GetReference(state);
        ref T kept = ref MemoryMarshal.GetReference(gateCache);
        bool hasBias = !bias.IsEmpty, hasPrevious = !previous.IsEmpty, hasCell = !previousCell.IsEmpty, keeps = !gateCache.IsEmpty;
        int lanes = Vector<T>.Count;
        int j = 0;
        for (; j <= hidden - lanes; j += lanes)
        {
            FusedUnits<T, Vector<T>, VectorLanes<T>>((nuint)j, hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, hasCell, ref c, ref newCells, ref newStates, keeps, ref kept);
        }
        // The units left over when the hidden size is not a multiple of the vector width.
        for (; j < hidden; j++)
        {
            T sumI = Unsafe.Add(ref start, j), sumF = Unsafe.Add(ref start, hidden + j);
            T sumG = Unsafe.Add(ref start, (2 * hidden) + j), sumO = Unsafe.Add(ref start, (3 * hidden) + j);
            if (hasBias)
            {
                sumI += Unsafe.Add(ref added, j);
                sumF += Unsafe.Add(ref added, hidden + j);
                sumG += Unsafe.Add(ref added, (2 * hidden) + j);
                sumO += Unsafe.Add(ref added, (3 * hidden) + j);
            }
            int rows = inputSize + (hasPrevious ? hidden : 0);
            for (int k = 0; k < rows; k++)
            {
                bool isInput = k < inputSize;
                T value = isInput ? Unsafe.Add(ref x, k) : Unsafe.Add(ref h, k - inputSize);
                ref T row = ref isInput ? ref Unsafe.Add(ref inputRows, (k * width) + j) : ref Unsafe.Add(ref recurrentRows, ((k - inputSize) * width) + j);
                sumI = T.MultiplyAddEstimate(value, row, sumI);
                sumF = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, hidden), sumF);
                sumG = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, 2 * hidden), sumG);
                sumO = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, 3 * hidden), sumO);
            }
            T inputGate = VectorMath.Sigmoid(sumI), forgetGate = VectorMath.Sigmoid(sumF), candidate = VectorMath.Tanh(sumG), outputGate = VectorMath.Sigmoid(sumO);
            T newCell = hasCell ? T.MultiplyAddEstimate(forgetGate, Unsafe.Add(ref c, j), inputGate * candidate) : inputGate * candidate;
            Unsafe.Add(ref newCells, j) = newCell;
            Unsafe.Add(ref newStates, j) = outputGate * VectorMath.Tanh(newCell);
            if (keeps)
            {
                Unsafe.Add(ref kept, j) = inputGate;
                Unsafe.Add(ref kept, hidden + j) = forgetGate;
                Unsafe.Add(ref kept, (2 * hidden) + j) = candidate;
                Unsafe.Add(ref kept, (3 * hidden) + j) = outputGate;
            }
        }
    }

    /// <summary>
    /// The four gates' pre-activations for the vector of units from <paramref name="at"/>, in registers: the sums so far
    /// (<paramref name="start"/>, plus <paramref name="added"/>), plus W_ih x, plus W_hh h, two sets of sums so that consecutive
    /// rows of W_hh do not wait on each other (the arguments as <see cref="FusedStep"/>'s, as references).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GateVectors<TVector> GateSums<T, TVector, TLanes>(nuint at, int hidden, int inputSize, ref T start, ref T added, bool hasBias, ref T x, ref T inputRows, bool hasPrevious, ref T h,
        ref T recurrentRows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int width = 4 * hidden;
        nuint f = at + (nuint)hidden, g = at + (nuint)(2 * hidden), o = at + (nuint)(3 * hidden);
        TVector sumI = TLanes.Load(ref start, at), sumF = TLanes.Load(ref start, f);
        TVector sumG = TLanes.Load(ref start, g), sumO = TLanes.Load(ref start, o);
        TVector oddI = TLanes.Broadcast(T.Zero), oddF = TLanes.Broadcast(T.Zero), oddG = TLanes.Broadcast(T.Zero), oddO = TLanes.Broadcast(T.Zero);
        if (hasBias)
        {
            oddI = TLanes.Load(ref added, at);
            oddF = TLanes.Load(ref added, f);
            oddG = TLanes.Load(ref added, g);
            oddO = TLanes.Load(ref added, o);
        }
        ref T row = ref inputRows;
        for (int k = 0; k < inputSize; k++, row = ref Unsafe.Add(ref row, width))
        {
            TVector value = TLanes.Broadcast(Unsafe.Add(ref x, k));
            sumI = TLanes.MultiplyAdd(value, TLanes.Load(ref row, at), sumI);
            sumF = TLanes.MultiplyAdd(value, TLanes.Load(ref row, f), sumF);
            sumG = TLanes.MultiplyAdd(value, TLanes.Load(ref row, g), sumG);
            sumO = TLanes.MultiplyAdd(value, TLanes.Load(ref row, o), sumO);
        }
        if (hasPrevious)
        {
            row = ref recurrentRows;
            int k = 0;
            for (; k <= hidden - 2; k += 2, row = ref Unsafe.Add(ref row, 2 * width))
            {
                TVector even = TLanes.Broadcast(Unsafe.Add(ref h, k)), odd = TLanes.Broadcast(Unsafe.Add(ref h, k + 1));
                ref T oddRow = ref Unsafe.Add(ref row, width);
                sumI = TLanes.MultiplyAdd(even, TLanes.Load(ref row, at), sumI);
                sumF = TLanes.MultiplyAdd(even, TLanes.Load(ref row, f), sumF);
                sumG = TLanes.MultiplyAdd(even, TLanes.Load(ref row, g), sumG);
                sumO = TLanes.MultiplyAdd(even, TLanes.Load(ref row, o), sumO);
                oddI = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, at), oddI);
                oddF = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, f), oddF);
                oddG = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, g), oddG);
                oddO = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, o), oddO);
            }
            if (k < hidden)
            {
                TVector last = TLanes.Broadcast(Unsafe.Add(ref h, k));
                sumI = TLanes.MultiplyAdd(last, TLanes.Load(ref row, at), sumI);
                sumF = TLanes.MultiplyAdd(last, TLanes.Load(ref row, f), sumF);
                sumG = TLanes.MultiplyAdd(last, TLanes.Load(ref row, g), sumG);
                sumO = TLanes.MultiplyAdd(last, TLanes.Load(ref row, o), sumO);
            }
        }
        return new(TLanes.Add(sumI, oddI), TLanes.Add(sumF, oddF), TLanes.Add(sumG, oddG), TLanes.Add(sumO, oddO));
    }

    /// <summary>
    /// Every gate's pre-activations for whole vectors of units into <paramref name="sums"/> ([4H], which may be
    /// <paramref name="start"/>): <see cref="GateSums"/> vector by vector, 512 bits wide where the hidden size allows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumsInto<T>(int hidden, int inputSize, ref T start, ref T added, bool hasBias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (VectorMath.WholeVector512s<T>(hidden))
        {
            WideSumsInto(hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref sums);
        }
        else
        {
            SumsInto<T, Vector<T>, VectorLanes<T>>(hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref sums);
        }
    }

    /// <summary><see cref="SumsInto{T}"/> at 512 bits.</summary>
    // Out of line, as StepInRegisters is: inlined beside the 256-bit one into Forward, it took the JIT past its limit on locals.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WideSumsInto<T>(int hidden, int inputSize, ref T start, ref T added, bool hasBias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        SumsInto<T, Vector512<T>, Vector512Lanes<T>>(hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref sums);

    /// <summary><see cref="SumsInto{T}"/> at one vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumsInto<T, TVector, TLanes>(int hidden, int inputSize, ref T start, ref T added, bool hasBias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        for (int j = 0; j < hidden; j += TLanes.Count)
        {
            nuint at = (nuint)j;
            GateVectors<TVector> sum = GateSums<T, TVector, TLanes>(at, hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows);
            TLanes.Store(sum.Input, ref sums, at);
            TLanes.Store(sum.Forget, ref sums, at + (nuint)hidden);
            TLanes.Store(sum.Candidate, ref sums, at + (nuint)(2 * hidden));
            TLanes.Store(sum.Output, ref sums, at + (nuint)(3 * hidden));
        }
    }

    /// <summary>
    /// Whether <see cref="Forward"/> keeps every gate's sums in registers (<see cref="ForwardInRegisters"/>): where one vector
    /// holds exactly the units, or one or two 512-bit vectors. Two 256-bit vectors (AVX2's 16 registers) go through memory:
    /// in registers, StepBlock(64) at H = 16 took 147-152 ns per sample against 81-97 (Zen 4 with AVX-512 off). Constant for the JIT.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InRegisters<T, THidden>()
        where T : unmanaged
        where THidden : struct, ISize =>
        THidden.Value == Vector<T>.Count || WideInRegisters<T, THidden>();

    /// <summary>Whether one or two 512-bit vectors hold exactly the units, on a core where they pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool WideInRegisters<T, THidden>()
        where T : unmanaged
        where THidden : struct, ISize =>
        VectorMath.PairsAsVector512<T>() && (THidden.Value == Vector512<T>.Count || THidden.Value == 2 * Vector512<T>.Count);

    /// <summary>
    /// A step of <see cref="Forward"/> when one or two vectors hold the units (<see cref="InRegisters"/>), from the step's
    /// projection in <paramref name="sums"/>; writes h' and the step's cache (the gates, then c' in <paramref name="kept"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardInRegisters<T, THidden>(ref T sums, bool hasPrevious, ref T h, ref T recurrentRows, bool hasCell, ref T c, ref T newStates, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
    {
        ref T newCells = ref Unsafe.Add(ref kept, 4 * THidden.Value);
        if (WideInRegisters<T, THidden>() && THidden.Value == Vector512<T>.Count)
        {
            ForwardOneVector<T, THidden, Vector512<T>, Vector512Lanes<T>>(ref sums, hasPrevious, ref h, ref recurrentRows, hasCell, ref c, ref newCells, ref newStates, ref kept);
        }
        else if (WideInRegisters<T, THidden>())
        {
            ForwardTwoVectors<T, THidden, Vector512<T>, Vector512Lanes<T>>(ref sums, hasPrevious, ref h, ref recurrentRows, hasCell, ref c, ref newCells, ref newStates, ref kept);
        }
        else
        {
            ForwardOneVector<T, THidden, Vector<T>, VectorLanes<T>>(ref sums, hasPrevious, ref h, ref recurrentRows, hasCell, ref c, ref newCells, ref newStates, ref kept);
        }
    }

    /// <summary><see cref="ForwardInRegisters"/> when one vector of this width holds the units.</summary>
    // Each width and count out of line, for the reason StepInRegisters is: one method with the one- and two-vector bodies
    // both imported reached the JIT's inlining budget and left the second vector's activations as calls (StepBlock(64) at
    // H = 32 on Zen 4 1.5× as slow as through memory).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForwardOneVector<T, THidden, TVector, TLanes>(ref T sums, bool hasPrevious, ref T h, ref T recurrentRows, bool hasCell, ref T c, ref T newCells, ref T newStates, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
        where TVector : struct
        where TLanes : ILanes<TVector, T> =>
        FusedUnits<T, TVector, TLanes>(0, THidden.Value, 0, ref sums, ref Unsafe.NullRef<T>(), hasBias: false, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), hasPrevious, ref h, ref recurrentRows,
            hasCell, ref c, ref newCells, ref newStates, keeps: true, ref kept);

    /// <summary><see cref="ForwardInRegisters"/> when two 512-bit vectors hold the units.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForwardTwoVectors<T, THidden, TVector, TLanes>(ref T sums, bool hasPrevious, ref T h, ref T recurrentRows, bool hasCell, ref T c, ref T newCells, ref T newStates, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
        where TVector : struct
        where TLanes : ILanes<TVector, T> =>
        TwoVectorUnits<T, TVector, TLanes>(THidden.Value, 0, ref sums, ref Unsafe.NullRef<T>(), hasBias: false, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), hasPrevious, ref h, ref recurrentRows,
            hasCell, ref c, ref newCells, ref newStates, keeps: true, ref kept);

    /// <summary>
    /// <see cref="FusedUnits"/> over two vectors of units: both vectors' gate sums first, which read all of h, then each
    /// vector's activations and cell update, so h' and c' may replace h and c in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoVectorUnits<T, TVector, TLanes>(int hidden, int inputSize, ref T start, ref T added, bool hasBias, ref T x, ref T inputRows, bool hasPrevious, ref T h,
        ref T recurrentRows, bool hasCell, ref T c, ref T newCells, ref T newStates, bool keeps, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        nuint second = (nuint)TLanes.Count;
        GateVectors<TVector> low = GateSums<T, TVector, TLanes>(0, hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows);
        GateVectors<TVector> high = GateSums<T, TVector, TLanes>(second, hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows);
        UpdateUnits<T, TVector, TLanes>(0, hidden, low, hasCell, ref c, ref newCells, ref newStates, keeps, ref kept);
        UpdateUnits<T, TVector, TLanes>(second, hidden, high, hasCell, ref c, ref newCells, ref newStates, keeps, ref kept);
    }

    /// <summary><see cref="FusedStep"/> for the vector of units from <paramref name="at"/>: <see cref="GateSums"/>, then the activations and the cell update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FusedUnits<T, TVector, TLanes>(nuint at, int hidden, int inputSize, ref T start, ref T added, bool hasBias, ref T x, ref T inputRows, bool hasPrevious, ref T h,
        ref T recurrentRows, bool hasCell, ref T c, ref T newCells, ref T newStates, bool keeps, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        GateVectors<TVector> sums = GateSums<T, TVector, TLanes>(at, hidden, inputSize, ref start, ref added, hasBias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows);
        UpdateUnits<T, TVector, TLanes>(at, hidden, sums, hasCell, ref c, ref newCells, ref newStates, keeps, ref kept);
    }

    /// <summary>The activations and the cell update for the vector of units from <paramref name="at"/>, from its gates' pre-activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateUnits<T, TVector, TLanes>(nuint at, int hidden, GateVectors<TVector> sums, bool hasCell, ref T c, ref T newCells, ref T newStates, bool keeps, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        nuint f = at + (nuint)hidden, g = at + (nuint)(2 * hidden), o = at + (nuint)(3 * hidden);
        TVector inputGate = TLanes.Sigmoid(sums.Input), forgetGate = TLanes.Sigmoid(sums.Forget);
        TVector candidate = TLanes.Tanh(sums.Candidate), outputGate = TLanes.Sigmoid(sums.Output);
        TVector newCell = hasCell ? TLanes.MultiplyAdd(forgetGate, TLanes.Load(ref c, at), TLanes.Multiply(inputGate, candidate)) : TLanes.Multiply(inputGate, candidate);
        TLanes.Store(newCell, ref newCells, at);
        TLanes.Store(TLanes.Multiply(outputGate, TLanes.Tanh(newCell)), ref newStates, at);
        if (keeps)
        {
            TLanes.Store(inputGate, ref kept, at);
            TLanes.Store(forgetGate, ref kept, f);
            TLanes.Store(candidate, ref kept, g);
            TLanes.Store(outputGate, ref kept, o);
        }
    }

    /// <summary>
    /// The step as the matrix products of all gates at once and then the gate arithmetic: for whole vectors of units
    /// straight from the sums into the kept state, without the step cache and its copies (the step at H = 64 1.15-1.25× as
    /// fast: minima of four runs each way, alternated, on an Ice Lake core, in a scratch harness); other sizes compute it aside.
    /// </summary>
    private static void StepThroughProducts<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> cell, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        int hidden = THidden.Value, width = Times4<THidden>.Value;
        Span<T> gates = workspace.Slice(0, width);
        MatrixKernels.Affine<T, TInput, Times4<THidden>>(input, parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputWeights], ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.InputBiasOf(parameters), gates);
        Activations.AddTo(ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentBiasOf(parameters), gates);
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times4<THidden>, TBias>.RecurrentWeights];
        if (hidden % Vector<T>.Count == 0)
        {
            // Whole vectors of units: the gate arithmetic straight from the sums into h and c, in place (every unit has read h).
            MatrixKernels.MultiplyAdd<T, THidden, Times4<THidden>>(state, recurrentWeights, gates);
            if (VectorMath.WholeVector512s<T>(hidden))
            {
                UpdateFromSums<T, Vector512<T>, Vector512Lanes<T>>(gates, state.Slice(0, hidden), cell.Slice(0, hidden));
            }
            else
            {
                UpdateFromSums<T, Vector<T>, VectorLanes<T>>(gates, state.Slice(0, hidden), cell.Slice(0, hidden));
            }
            return;
        }
        Span<T> next = workspace.Slice(width, hidden), cache = workspace.Slice(width + hidden, 5 * hidden);
        ThroughProducts<T, THidden>(gates, state, recurrentWeights, default, lastPanelFirst: false, cell, next, cache);
        cache.Slice(4 * hidden, hidden).CopyTo(cell);
        next.CopyTo(state);
    }

    /// <summary>
    /// From every gate's pre-activations in <paramref name="sums"/>, [4H]: the activations and the cell update of each vector
    /// of units (<see cref="UpdateUnits"/>), into <paramref name="state"/> and <paramref name="cell"/> in place.
    /// </summary>
    // Out of line, a root of its own: beside the products and the other width, inlined, it took the JIT past its limit on locals.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UpdateFromSums<T, TVector, TLanes>(ReadOnlySpan<T> sums, Span<T> state, Span<T> cell)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int hidden = state.Length;
        KernelGuard.Require(sums.Length >= 4 * hidden && cell.Length >= hidden && hidden % TLanes.Count == 0, StepShape);
        ref T gates = ref MemoryMarshal.GetReference(sums), h = ref MemoryMarshal.GetReference(state), c = ref MemoryMarshal.GetReference(cell);
        for (int j = 0; j < hidden; j += TLanes.Count)
        {
            nuint at = (nuint)j;
            GateVectors<TVector> sum = new(TLanes.Load(ref gates, at), TLanes.Load(ref gates, at + (nuint)hidden),
                TLanes.Load(ref gates, at + (nuint)(2 * hidden)), TLanes.Load(ref gates, at + (nuint)(3 * hidden)));
            UpdateUnits<T, TVector, TLanes>(at, hidden, sum, hasCell: true, ref c, ref c, ref h, keeps: false, ref Unsafe.NullRef<T>());
        }
    }

    /// <summary>
    /// With every pre-activation but W_hh h in <paramref name="gates"/>: + W_hh h as one matrix-vector product (on
    /// <paramref name="recurrentPanels"/>, W_hh's column panels, when given, from the last with <paramref name="lastPanelFirst"/>; else row panels for a W_hh beyond the first-level
    /// cache), then the gate arithmetic into <paramref name="state"/> and <paramref name="cache"/>.
    /// </summary>
    private static void ThroughProducts<T, THidden>(Span<T> gates, ReadOnlySpan<T> previous, ReadOnlySpan<T> recurrentWeights, ReadOnlySpan<T> recurrentPanels, bool lastPanelFirst, ReadOnlySpan<T> previousCell,
        Span<T> state, Span<T> cache)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
    {
        if (!previous.IsEmpty && !recurrentPanels.IsEmpty)
        {
            MatrixKernels.MultiplyAddColumnPanels<T>(previous, recurrentPanels, THidden.Value, Times4<THidden>.Value, gates, lastPanelFirst);
        }
        else if (!previous.IsEmpty)
        {
            MatrixKernels.MultiplyAdd<T, THidden, Times4<THidden>>(previous, recurrentWeights, gates);
        }
        Gates.LstmForward<T>(gates, previousCell, state, cache);
    }

    /// <summary>One vector of units' four gates, returned by value so that the JIT keeps them in registers (out parameters went through the stack).</summary>
    private readonly struct GateVectors<TVector>(TVector input, TVector forget, TVector candidate, TVector output)
        where TVector : struct
    {
        public readonly TVector Input = input, Forget = forget, Candidate = candidate, Output = output;
    }

    private const string StepShape = "A span passed to LstmLayer.Step is shorter than the layer's sizes need.";

    private const string BatchShape = "LstmLayer.ForwardBatch and BackwardBatch need one input and output row (and gradient and cache row) per packed row of the batch, and a workspace of the batch's size.";
}
