using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// One direction of a GRU layer with PyTorch's semantics, over a whole sequence and for one streaming step, specialised by its
/// sizes (<see cref="ISize"/> structs): r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
/// h' = (1 - z) n + z h. The parameter block is [W_ih transposed | W_hh transposed | b_ih | b_hh], gates [r | z | n] fused.
/// W_hh h + b_hh is kept apart from the input projection, since r scales its n block.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GruLayer
{
    /// <summary>The width of one step's cache row: r, z, n and W_hn h + b_hn.</summary>
    public static int CacheWidth(int hiddenSize) => 4 * hiddenSize;

    /// <summary>The scratch that <see cref="Forward"/> and <see cref="Backward"/> need for a sequence of <paramref name="steps"/>.</summary>
    public static int WorkspaceLength(int steps, int hiddenSize) => hiddenSize + (2 * steps * 3 * hiddenSize) + MatrixKernels.ColumnPanelsLength(hiddenSize, 3 * hiddenSize);

    /// <summary>
    /// The scratch that <see cref="Forward"/> alone needs (a streaming block, which no Backward follows): every step's input
    /// projection, one step's recurrent sums and W_hh's column panels where the core reads them.
    /// </summary>
    public static int ForwardWorkspaceLength(int steps, int hiddenSize) => ((steps + 1) * 3 * hiddenSize) + MatrixKernels.ColumnPanelsLength(hiddenSize, 3 * hiddenSize);

    /// <summary>The scratch that <see cref="Step"/> needs.</summary>
    public static int StepWorkspaceLength(int hiddenSize) => (2 * 3 * hiddenSize) + hiddenSize + (4 * hiddenSize);

    /// <summary>The scratch that <see cref="BackwardBatch"/> needs for <paramref name="rows"/> packed rows of <paramref name="sequences"/> sequences, through a layer reading at most <paramref name="inputSize"/> values.</summary>
    public static int BatchBackwardWorkspaceLength(int rows, int sequences, int inputSize, int hiddenSize) => (((2 * rows) + inputSize + hiddenSize) * 3 * hiddenSize) + (sequences * hiddenSize);

    /// <summary>The scratch that <see cref="ForwardBatch"/> needs for a batch of <paramref name="sequences"/> through a layer reading at most <paramref name="inputSize"/> values.</summary>
    public static int BatchWorkspaceLength(int sequences, int inputSize, int hiddenSize) => ((2 * sequences) + inputSize + hiddenSize) * 3 * hiddenSize + (sequences * 4 * hiddenSize);

    /// <summary>Runs the direction over every step, writing h&lt;t&gt; into its half of each output row and the gates of every step into <paramref name="cache"/>.</summary>
    /// <param name="parameters">The direction's parameter block (from its W_ih on).</param>
    /// <param name="inputs">x&lt;1..T&gt; (or the layer below's outputs), [T, TInput].</param>
    /// <param name="outputs">The layer's outputs, [T, THidden] or, bidirectional, [T, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads t = T..1.</param>
    /// <param name="initialStates">Every layer's and direction's h0, [rows, THidden], or empty for zeros.</param>
    /// <param name="finalStates">Receives in its row <paramref name="stateRow"/> the state after the last step processed.</param>
    /// <param name="stateRow">This direction's row of the states: layer * directions + direction.</param>
    /// <param name="cache">Every direction's per-step cache, [rows, T, <see cref="CacheWidth"/>]: receives what <see cref="Backward"/> needs of every step in the rows of <paramref name="stateRow"/>.</param>
    /// <param name="workspace">Scratch of at least <see cref="ForwardWorkspaceLength"/>.</param>
    public static void Forward<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, ReadOnlySpan<T> initialStates, Span<T> finalStates, int stateRow, Span<T> cache, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, width = Times3<THidden>.Value, cacheWidth = 4 * hidden;
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights];
        ReadOnlySpan<T> recurrentBias = ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters);
        Span<T> projections = workspace.Slice(0, walk.Steps * width); // W_ih x<t> + b_ih of every step
        Span<T> recurrentGates = workspace.Slice(walk.Steps * width, width); // W_hh h + b_hh of one step
        // Off the serial path: every step's W_ih x<t> + b_ih, all gates at once, as one matrix-matrix product.
        MatrixKernels.ProjectInputs<T, TInput, Times3<THidden>>(inputs, parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights], ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters), projections, width, 0);
        Span<T> directionCache = cache.Slice(stateRow * walk.Steps * cacheWidth, walk.Steps * cacheWidth);
        ReadOnlySpan<T> previous = LayerWalk.Row(initialStates, stateRow, hidden); // empty stands for the zero state: its product is skipped
        // A W_hh beyond the first-level cache is read once per step: from panels that each stream in one run, every
        // other step from the last panel, which the step before read last.
        Span<T> recurrentPanels = MatrixKernels.UsesColumnPanels<T>(hidden, width, walk.Steps) ? MatrixKernels.OnCacheLine(workspace.Slice((walk.Steps + 1) * width), hidden * width) : default;
        MatrixKernels.PackColumnPanels(recurrentWeights, hidden, width, recurrentPanels);
        for (int step = 0; step < walk.Steps; step++)
        {
            int t = walk.At(step);
            Span<T> state = outputs.Slice(walk.State(t), hidden);
            if (Fuses<T, THidden>() && hidden % Vector<T>.Count == 0 && MatrixKernels.VectorsHolding<T>(hidden) > 2)
            {
                // Beyond two vectors of units: W_hh h + b_hh into every gate's sums first, then the gate arithmetic.
                Span<T> inputGates = projections.Slice(t * width, width);
                SumsInto(hidden, 0, ref MemoryMarshal.GetReference(inputGates), ref MemoryMarshal.GetReference(recurrentBias), ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), !previous.IsEmpty,
                    ref MemoryMarshal.GetReference(previous), ref MemoryMarshal.GetReference(recurrentWeights), ref MemoryMarshal.GetReference(inputGates), ref MemoryMarshal.GetReference(recurrentGates));
                Gates.GruForward<T>(inputGates, recurrentGates, previous, state, directionCache.Slice(t * cacheWidth, cacheWidth));
            }
            else if (Fuses<T, THidden>())
            {
                // W_hh h + b_hh and the gate arithmetic in one pass per vector of units, the sums in registers, the units left
                // over as scalars. Where one or two vectors hold the units, as in Step, 1.08-1.24× as fast as the sums-first pass
                // (StepBlock of 64 at H = 8 to 32 on Zen 4, AVX-512, each warmed up until the JIT settled).
                FusedStep<T, THidden>(projections.Slice(t * width, width), recurrentBias, default, default, previous, recurrentWeights, state, directionCache.Slice(t * cacheWidth, cacheWidth));
            }
            else
            {
                ThroughProducts<T, THidden>(projections.Slice(t * width, width), recurrentBias, previous, recurrentWeights, recurrentPanels, step % 2 == 1, state, directionCache.Slice(t * cacheWidth, cacheWidth), recurrentGates);
            }
            previous = state;
        }
        previous.CopyTo(LayerWalk.Row(finalStates, stateRow, hidden));
    }

    /// <summary>
    /// Runs the direction over a packed batch (<see cref="PackedBatch"/>), step by step: the step's W_ih x + b_ih and
    /// W_hh h + b_hh for every sequence still running as matrix-matrix products into one step's gate rows, so each weight is
    /// read once per step for the whole batch and the rows stay in cache, then each row's gate arithmetic. Every sequence
    /// starts from the zero state.
    /// </summary>
    /// <param name="parameters">The direction's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="batch">The batch's order and steps.</param>
    /// <param name="inputs">The packed inputs, [Rows, TInput].</param>
    /// <param name="outputs">The layer's packed outputs, [Rows, THidden] or, bidirectional, [Rows, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads each sequence from its last step.</param>
    /// <param name="cache">Receives the gates of every packed row, [Rows, <see cref="CacheWidth"/>], for <see cref="BackwardBatch"/>; or empty when nothing reads them back.</param>
    /// <param name="workspace">Scratch of at least <see cref="BatchWorkspaceLength"/>.</param>
    public static void ForwardBatch<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, PackedBatch batch, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, Span<T> cache, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, width = Times3<THidden>.Value, cacheWidth = 4 * hidden, sequences = batch.Count;
        bool keeps = !cache.IsEmpty;
        KernelGuard.Require(walk.Steps == batch.Rows && workspace.Length >= BatchWorkspaceLength(sequences, TInput.Value, hidden)
            && (!keeps || cache.Length >= walk.Steps * cacheWidth), BatchShape);
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights];
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights];
        ReadOnlySpan<T> inputBias = ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters);
        ReadOnlySpan<T> recurrentBias = ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters);
        Span<T> inputGates = workspace.Slice(0, sequences * width); // one step's W_ih x + b_ih, a row per sequence running
        Span<T> recurrentGates = workspace.Slice(inputGates.Length, sequences * width); // one step's W_hh h + b_hh
        Span<T> stepCache = workspace.Slice(2 * inputGates.Length, sequences * cacheWidth); // one step's gates, when not kept
        Span<T> inputPanels = workspace.Slice((2 * inputGates.Length) + stepCache.Length, PanelKernels.PackedLength<TInput, Times3<THidden>>());
        Span<T> recurrentPanels = workspace.Slice((2 * inputGates.Length) + stepCache.Length + inputPanels.Length, PanelKernels.PackedLength<THidden, Times3<THidden>>());
        PanelKernels.Pack<T, TInput, Times3<THidden>>(inputWeights, inputPanels);
        PanelKernels.Pack<T, THidden, Times3<THidden>>(recurrentWeights, recurrentPanels);
        for (int step = 0; step < batch.Steps; step++)
        {
            (int first, int rows, int carried, int previousFirst) = batch.StepAt(step, reverse);
            Span<T> stepGates = keeps ? cache.Slice(first * cacheWidth, rows * cacheWidth) : stepCache;
            PanelKernels.MultiplyRows<T, TInput, Times3<THidden>>(inputs.Slice(first * TInput.Value), TInput.Value, rows, inputPanels, inputBias, 0, inputGates, width);
            PanelKernels.MultiplyRows<T, THidden, Times3<THidden>>(outputs.Slice(walk.State(previousFirst)), walk.Stride, carried, recurrentPanels, recurrentBias, 0, recurrentGates, width);
            for (int row = 0; row < rows; row++)
            {
                // A sequence starting at this step has h = 0, so W_hh h + b_hh is b_hh.
                ReadOnlySpan<T> previous = row < carried ? outputs.Slice(walk.State(previousFirst + row), hidden) : default;
                Gates.GruForward<T>(inputGates.Slice(row * width, width), row < carried ? recurrentGates.Slice(row * width, width) : recurrentBias, previous,
                    outputs.Slice(walk.State(first + row), hidden), stepGates.Slice(row * cacheWidth, cacheWidth));
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
        int hidden = THidden.Value, inputSize = TInput.Value, width = Times3<THidden>.Value, cacheWidth = 4 * hidden, sequences = batch.Count;
        KernelGuard.Require(walk.Steps == batch.Rows && outputGradients.Length >= outputs.Length && cache.Length >= walk.Steps * cacheWidth
            && (inputGradients.IsEmpty || inputGradients.Length >= inputs.Length) && workspace.Length >= BatchBackwardWorkspaceLength(walk.Steps, sequences, inputSize, hidden), BatchShape);
        Span<T> inputGateSteps = workspace.Slice(0, walk.Steps * width); // dE/d(W_ih x + b_ih) of every row
        Span<T> recurrentGateSteps = workspace.Slice(inputGateSteps.Length, walk.Steps * width); // dE/d(W_hh h + b_hh) of every row
        Span<T> carried = workspace.Slice(2 * inputGateSteps.Length, sequences * hidden); // dE/dh<t> from the step processed after t, a row per sequence
        Span<T> recurrentPanels = workspace.Slice((2 * inputGateSteps.Length) + carried.Length, PanelKernels.PackedLength<Times3<THidden>, THidden>());
        Span<T> inputPanels = workspace.Slice((2 * inputGateSteps.Length) + carried.Length + recurrentPanels.Length, PanelKernels.PackedLength<Times3<THidden>, TInput>());
        PanelKernels.PackTransposed<T, Times3<THidden>, THidden>(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights], recurrentPanels);
        if (!inputGradients.IsEmpty)
        {
            PanelKernels.PackTransposed<T, Times3<THidden>, TInput>(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights], inputPanels);
        }
        carried.Clear();
        for (int step = batch.Steps - 1; step >= 0; step--)
        {
            (int first, int rows, int carriedRows, int previousFirst) = batch.StepAt(step, reverse);
            Span<T> inputGates = inputGateSteps.Slice(first * width, rows * width), recurrentGates = recurrentGateSteps.Slice(first * width, rows * width);
            // Through each row's gates: dE/d(W_ih x + b_ih), dE/d(W_hh h + b_hh), and the part of dE/dh<t-1> that bypasses W_hh into carried.
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> previous = row < carriedRows ? outputs.Slice(walk.State(previousFirst + row), hidden) : default;
                Gates.GruBackward<T>(outputGradients.Slice(walk.State(first + row), hidden), carried.Slice(row * hidden, hidden), previous,
                    cache.Slice((first + row) * cacheWidth, cacheWidth), inputGates.Slice(row * width, width), recurrentGates.Slice(row * width, width));
            }
            if (!inputGradients.IsEmpty)
            {
                PanelKernels.MultiplyAddRows<T, Times3<THidden>, TInput>(inputGates, width, rows, inputPanels, inputGradients.Slice(first * inputSize), inputSize);
            }
            // W_hh's share of dE/dh<t-1>, for the rows that carried a state into this step.
            PanelKernels.MultiplyAddRows<T, Times3<THidden>, THidden>(recurrentGates, width, carriedRows, recurrentPanels, carried, hidden);
        }
        // Off the serial path: db_ih = Σ dgx, db_hh = Σ dgh, dW_ih = Σ x dgx and dW_hh = Σ h<t-1> dgh<t>.
        if (TBias.Present)
        {
            Activations.AddRowsTo<T>(inputGateSteps, gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBias]);
            Activations.AddRowsTo<T>(recurrentGateSteps, gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBias]);
        }

        batch.AddWeightGradients<T, TInput, THidden, Times3<THidden>>(walk, inputs, outputs, inputGateSteps, recurrentGateSteps,
            gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights], gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights]);
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
    /// <param name="initialStateGradients">Receives in its row <paramref name="stateRow"/> dE/dh0; or empty when not wanted.</param>
    /// <param name="stateRow">As in <see cref="Forward"/>.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceLength"/>.</param>
    public static void Backward<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, Span<T> gradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, ReadOnlySpan<T> initialStates, ReadOnlySpan<T> cache, Span<T> inputGradients, Span<T> initialStateGradients, int stateRow, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value, width = Times3<THidden>.Value, cacheWidth = 4 * hidden;
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights];
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights];
        Span<T> carried = workspace.Slice(0, hidden); // dE/dh<t> from the step processed after t
        Span<T> inputGateSteps = workspace.Slice(hidden, walk.Steps * width); // dE/d(W_ih x + b_ih) of every step
        Span<T> recurrentGateSteps = workspace.Slice(hidden + (walk.Steps * width), walk.Steps * width); // dE/d(W_hh h + b_hh) of every step
        ReadOnlySpan<T> initialState = LayerWalk.Row(initialStates, stateRow, hidden), directionCache = cache.Slice(stateRow * walk.Steps * cacheWidth, walk.Steps * cacheWidth);
        carried.Clear();
        // The serial part: only what the next step back needs, the gate gradients and W_hh's share of dE/dh<t-1>.
        for (int step = walk.Steps - 1; step >= 0; step--)
        {
            int t = walk.At(step);
            Span<T> inputGateGradients = inputGateSteps.Slice(t * width, width);
            Span<T> recurrentGateGradients = recurrentGateSteps.Slice(t * width, width);
            ReadOnlySpan<T> previous = step > 0 ? outputs.Slice(walk.State(walk.Before(t)), hidden) : initialState;
            // Through the gates: dE/d(W_ih x + b_ih), dE/d(W_hh h + b_hh), and the part of dE/dh<t-1> that bypasses W_hh into carried.
            Gates.GruBackward<T>(outputGradients.Slice(walk.State(t), hidden), carried, previous, directionCache.Slice(t * cacheWidth, cacheWidth), inputGateGradients, recurrentGateGradients);
            if (!inputGradients.IsEmpty)
            {
                MatrixKernels.MultiplyTransposedAdd<T, TInput, Times3<THidden>>(inputWeights, inputGateGradients, inputGradients.Slice(t * inputSize, inputSize));
            }
            MatrixKernels.MultiplyTransposedAdd<T, THidden, Times3<THidden>>(recurrentWeights, recurrentGateGradients, carried);
        }
        // Off the serial path, all steps at once: db_ih = Σ dgx<t>, db_hh = Σ dgh<t>, dW_ih = Σ x<t> dgx<t> and dW_hh = Σ h<t-1> dgh<t>.
        if (TBias.Present)
        {
            Activations.AddRowsTo<T>(inputGateSteps, gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBias]);
            Activations.AddRowsTo<T>(recurrentGateSteps, gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBias]);
        }

        walk.AddWeightGradients<T, TInput, THidden, Times3<THidden>>(inputs, outputs, initialState, inputGateSteps, recurrentGateSteps,
            gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights], gradients[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights]);
        // What is still carried after the first processed step is dE/dh0.
        if (!initialStateGradients.IsEmpty)
        {
            carried.CopyTo(LayerWalk.Row(initialStateGradients, stateRow, hidden));
        }
    }

    /// <summary>
    /// One streaming step. While W_hh fits the first-level cache, fused: for each vector of hidden units, the sums of r and z
    /// over x and h, and of n's input and recurrent parts apart, stay in registers, then the activations and the update;
    /// nothing is written back until every unit has read the old h. A larger W_hh is read once in row panels instead
    /// (<see cref="StepThroughProducts"/>), where a pass per vector of units would read it again for each.
    /// </summary>
    /// <param name="parameters">The layer's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="input">x&lt;t&gt; (or the layer below's new state), [TInput].</param>
    /// <param name="state">The kept state, [THidden], replaced by the new one.</param>
    /// <param name="workspace">Scratch of at least <see cref="StepWorkspaceLength"/>.</param>
    public static void Step<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        int inputSize = TInput.Value, hidden = THidden.Value, width = Times3<THidden>.Value;
        KernelGuard.Require(parameters.Length >= ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.GatedLength && input.Length >= inputSize && state.Length >= hidden
            && workspace.Length >= StepWorkspaceLength(hidden), StepShape);
        if (!Fuses<T, THidden>())
        {
            StepThroughProducts<T, TInput, THidden, TBias>(parameters, input, state, workspace);
            return;
        }
        if (VectorMath.PairsAsVector512<T>() && (hidden == Vector512<T>.Count || hidden == 2 * Vector512<T>.Count))
        {
            StepInRegisters<T, TInput, THidden, TBias, Vector512<T>, Vector512Lanes<T>>(parameters, input, state);
            return;
        }
        if (hidden == Vector<T>.Count)
        {
            StepOneVector<T, TInput, THidden, TBias, Vector<T>, VectorLanes<T>>(parameters, input, state);
            return;
        }
        if (hidden == 2 * Vector<T>.Count)
        {
            StepTwoVectors<T, TInput, THidden, TBias, Vector<T>, VectorLanes<T>>(parameters, input, state);
            return;
        }
        if (hidden % Vector<T>.Count == 0)
        {
            StepSumsFirst<T, TInput, THidden, TBias>(parameters, input, state, workspace);
            return;
        }
        Span<T> next = workspace.Slice(0, hidden);
        FusedStep<T, THidden>(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters), ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters),
            input.Slice(0, inputSize), parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights], state, parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights],
            next, default);
        next.CopyTo(state);
    }

    /// <summary>The step when one or two 512-bit vectors hold the units (<see cref="StepOneVector"/>, <see cref="StepTwoVectors"/>).</summary>
    // Out of line: Step's branches on the sizes are all imported before inlining folds them, and with this path inlined
    // beside the 256-bit one the JIT reached its limit on locals and left the last gates' arithmetic as calls (2-3x slower).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepInRegisters<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        if (THidden.Value == TLanes.Count)
        {
            StepOneVector<T, TInput, THidden, TBias, TVector, TLanes>(parameters, input, state);
        }
        else
        {
            StepTwoVectors<T, TInput, THidden, TBias, TVector, TLanes>(parameters, input, state);
        }
    }

    /// <summary>The step when one vector holds every unit, straight-line: it reads all of h before it writes any, so h' replaces h in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepOneVector<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        ref T h = ref MemoryMarshal.GetReference(state);
        FusedUnits<T, TVector, TLanes>(0, THidden.Value, TInput.Value, ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters)), ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters)),
            ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights]), hasPrevious: true, ref h,
            ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights]), ref h, keeps: false, ref Unsafe.NullRef<T>());
    }

    /// <summary>
    /// The step when two vectors hold the units, straight-line: both vectors' gate sums first, which read all of h, then each
    /// vector's activations and update, writing h' in place. 1.20-1.32× as fast as <see cref="StepSumsFirst"/> at H = 16
    /// with 8-lane vectors, inputs 1 and 16, alternating the two in one process.
    /// On AVX-512 cores two 512-bit vectors hold 32 units this way (<see cref="StepInRegisters"/>), with registers to spare.
    /// </summary>
    // Out of line: inlined into Step, it made NativeAOT's compiler leave the GRU's 32-unit step (another path) 4-6x slower.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepTwoVectors<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int hidden = THidden.Value, inputSize = TInput.Value;
        nuint second = (nuint)TLanes.Count;
        ref T h = ref MemoryMarshal.GetReference(state), x = ref MemoryMarshal.GetReference(input);
        ref T inputBias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters));
        ref T recurrentBias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters));
        ref T inputWeights = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights]);
        ref T recurrentWeights = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights]);
        GateVectors<TVector> low = GateSums<T, TVector, TLanes>(0, hidden, inputSize, ref inputBias, ref recurrentBias, ref x, ref inputWeights, hasPrevious: true, ref h, ref recurrentWeights);
        GateVectors<TVector> high = GateSums<T, TVector, TLanes>(second, hidden, inputSize, ref inputBias, ref recurrentBias, ref x, ref inputWeights, hasPrevious: true, ref h, ref recurrentWeights);
        UpdateUnits<T, TVector, TLanes>(0, hidden, low, hasPrevious: true, ref h, ref h, keeps: false, ref Unsafe.NullRef<T>());
        UpdateUnits<T, TVector, TLanes>(second, hidden, high, hasPrevious: true, ref h, ref h, keeps: false, ref Unsafe.NullRef<T>());
    }

    /// <summary>
    /// The step over whole vectors of units: every gate's sums first, which reads all of h, then the gate arithmetic
    /// (<see cref="Gates.GruForward"/>, with gh's r and z rows zero: the sums hold both parts), writing h' in place.
    /// 1.07-1.22× as fast as <see cref="FusedStep"/>'s pass per vector at H = 16 and 32, measured alternating the two in one process.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepSumsFirst<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        int hidden = THidden.Value, width = Times3<THidden>.Value;
        Span<T> inputGates = workspace.Slice(0, width), recurrentGates = workspace.Slice(width, width), cache = workspace.Slice(2 * width, 4 * hidden);
        ref T inputBias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters)), recurrentBias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters));
        ref T inputWeights = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights]), recurrentWeights = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights]);
        ref T x = ref MemoryMarshal.GetReference(input), h = ref MemoryMarshal.GetReference(state);
        ref T gx = ref MemoryMarshal.GetReference(inputGates), gh = ref MemoryMarshal.GetReference(recurrentGates);
        SumsInto(hidden, TInput.Value, ref inputBias, ref recurrentBias, ref x, ref inputWeights, hasPrevious: true, ref h, ref recurrentWeights, ref gx, ref gh);
        Gates.GruForward<T>(inputGates, recurrentGates, state, state, cache);
    }

    /// <summary>Whether W_hh fits the first-level cache, so that a step reads it once per vector of units (<see cref="FusedStep"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Fuses<T, THidden>()
        where T : unmanaged
        where THidden : struct, ISize => MatrixKernels.FitsFirstLevelCache<T>(THidden.Value, Times3<THidden>.Value);

    /// <summary>
    /// One step, fused: for each vector of hidden units, the sums of r and z (from <paramref name="inputSums"/>, plus W_ih x,
    /// plus b_hh and W_hh h) and of n's input and recurrent parts apart stay in registers, two sets for the rows of W_hh;
    /// then the activations and the update. <paramref name="state"/> must not be <paramref name="previous"/>, which every
    /// unit reads whole, unless one vector holds every unit.
    /// </summary>
    /// <param name="inputSums">The input side so far, [3H]: b_ih, or a step's W_ih x + b_ih.</param>
    /// <param name="recurrentBias">b_hh, [3H].</param>
    /// <param name="input">x, or empty when <paramref name="inputSums"/> hold its projection.</param>
    /// <param name="inputWeights">W_ih transposed, or empty with <paramref name="input"/>.</param>
    /// <param name="previous">h, or empty for zeros.</param>
    /// <param name="recurrentWeights">W_hh transposed.</param>
    /// <param name="state">Receives h', [H].</param>
    /// <param name="cache">Receives [r | z | n | W_hn h + b_hn], [4H], or empty.</param>
    private static void FusedStep<T, THidden>(ReadOnlySpan<T> inputSums, ReadOnlySpan<T> recurrentBias, ReadOnlySpan<T> input, ReadOnlySpan<T> inputWeights,
        ReadOnlySpan<T> previous, ReadOnlySpan<T> recurrentWeights, Span<T> state, Span<T> cache)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
    {
        int hidden = THidden.Value, width = Times3<THidden>.Value, inputSize = input.Length;
        KernelGuard.Require(inputSums.Length >= width && recurrentBias.Length >= width && inputWeights.Length >= inputSize * width
            && (previous.IsEmpty || previous.Length >= hidden) && recurrentWeights.Length >= hidden * width && state.Length >= hidden
            && (cache.IsEmpty || cache.Length >= 4 * hidden), StepShape);
        ref T start = ref MemoryMarshal.GetReference(inputSums);
        ref T bias = ref MemoryMarshal.GetReference(recurrentBias);
        ref T x = ref MemoryMarshal.GetReference(input);
        ref T inputRows = ref MemoryMarshal.GetReference(inputWeights);
        ref T h = ref MemoryMarshal.GetReference(previous);
        ref T recurrentRows = ref MemoryMarshal.GetReference(recurrentWeights);
        ref T next = ref MemoryMarshal.GetReference(state);
        ref T kept = ref MemoryMarshal.GetReference(cache);
        bool hasPrevious = !previous.IsEmpty, keeps = !cache.IsEmpty;
        int lanes = Vector<T>.Count;
        int j = VectorMath.PairsAsVector512<T>() ? WideFusedUnits<T>(hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref next, keeps, ref kept) : 0;
        for (; j <= hidden - lanes; j += lanes)
        {
            FusedUnits<T, Vector<T>, VectorLanes<T>>((nuint)j, hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref next, keeps, ref kept);
        }
        // The units left over when the hidden size is not a multiple of the vector width.
        for (; j < hidden; j++)
        {
            T sumR = Unsafe.Add(ref start, j) + Unsafe.Add(ref bias, j);
            T sumZ = Unsafe.Add(ref start, hidden + j) + Unsafe.Add(ref bias, hidden + j);
            T inputN = Unsafe.Add(ref start, (2 * hidden) + j), recurrentN = Unsafe.Add(ref bias, (2 * hidden) + j);
            int rows = inputSize + (hasPrevious ? hidden : 0);
            for (int k = 0; k < rows; k++)
            {
                bool isInput = k < inputSize;
                T value = isInput ? Unsafe.Add(ref x, k) : Unsafe.Add(ref h, k - inputSize);
                ref T row = ref isInput ? ref Unsafe.Add(ref inputRows, (k * width) + j) : ref Unsafe.Add(ref recurrentRows, ((k - inputSize) * width) + j);
                sumR = T.MultiplyAddEstimate(value, row, sumR);
                sumZ = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, hidden), sumZ);
                if (isInput)
                {
                    inputN = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, 2 * hidden), inputN);
                }
                else
                {
                    recurrentN = T.MultiplyAddEstimate(value, Unsafe.Add(ref row, 2 * hidden), recurrentN);
                }
            }
            T reset = VectorMath.Sigmoid(sumR), update = VectorMath.Sigmoid(sumZ);
            T candidate = VectorMath.Tanh(T.MultiplyAddEstimate(reset, recurrentN, inputN));
            T before = hasPrevious ? Unsafe.Add(ref h, j) : T.Zero;
            Unsafe.Add(ref next, j) = T.MultiplyAddEstimate(update, before - candidate, candidate);
            if (keeps)
            {
                Unsafe.Add(ref kept, j) = reset;
                Unsafe.Add(ref kept, hidden + j) = update;
                Unsafe.Add(ref kept, (2 * hidden) + j) = candidate;
                Unsafe.Add(ref kept, (3 * hidden) + j) = recurrentN;
            }
        }
    }

    /// <summary><see cref="FusedStep"/>'s whole 512-bit vectors of units, from the first; returns where they end.</summary>
    // Out of line, for the reason StepInRegisters is.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WideFusedUnits<T>(int hidden, int inputSize, ref T start, ref T bias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T next, bool keeps, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        for (; j <= hidden - Vector512<T>.Count; j += Vector512<T>.Count)
        {
            FusedUnits<T, Vector512<T>, Vector512Lanes<T>>((nuint)j, hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref next, keeps, ref kept);
        }
        return j;
    }

    /// <summary>
    /// The gates' pre-activations for the vector of units from <paramref name="at"/>, in registers: r and z whole (from
    /// <paramref name="start"/>, plus W_ih x, plus <paramref name="bias"/> and W_hh h, two sets of sums for the rows of W_hh),
    /// n's input and recurrent parts apart (the arguments as <see cref="FusedStep"/>'s, as references).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GateVectors<TVector> GateSums<T, TVector, TLanes>(nuint at, int hidden, int inputSize, ref T start, ref T bias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int width = 3 * hidden;
        nuint z = at + (nuint)hidden, n = at + (nuint)(2 * hidden);
        TVector sumR = TLanes.Load(ref start, at), sumZ = TLanes.Load(ref start, z), inputN = TLanes.Load(ref start, n);
        TVector oddR = TLanes.Load(ref bias, at), oddZ = TLanes.Load(ref bias, z), recurrentN = TLanes.Load(ref bias, n);
        TVector oddN = TLanes.Broadcast(T.Zero);
        ref T row = ref inputRows;
        for (int k = 0; k < inputSize; k++, row = ref Unsafe.Add(ref row, width))
        {
            TVector value = TLanes.Broadcast(Unsafe.Add(ref x, k));
            sumR = TLanes.MultiplyAdd(value, TLanes.Load(ref row, at), sumR);
            sumZ = TLanes.MultiplyAdd(value, TLanes.Load(ref row, z), sumZ);
            inputN = TLanes.MultiplyAdd(value, TLanes.Load(ref row, n), inputN);
        }
        if (hasPrevious)
        {
            row = ref recurrentRows;
            int k = 0;
            for (; k <= hidden - 2; k += 2, row = ref Unsafe.Add(ref row, 2 * width))
            {
                TVector even = TLanes.Broadcast(Unsafe.Add(ref h, k)), odd = TLanes.Broadcast(Unsafe.Add(ref h, k + 1));
                ref T oddRow = ref Unsafe.Add(ref row, width);
                sumR = TLanes.MultiplyAdd(even, TLanes.Load(ref row, at), sumR);
                sumZ = TLanes.MultiplyAdd(even, TLanes.Load(ref row, z), sumZ);
                recurrentN = TLanes.MultiplyAdd(even, TLanes.Load(ref row, n), recurrentN);
                oddR = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, at), oddR);
                oddZ = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, z), oddZ);
                oddN = TLanes.MultiplyAdd(odd, TLanes.Load(ref oddRow, n), oddN);
            }
            if (k < hidden)
            {
                TVector last = TLanes.Broadcast(Unsafe.Add(ref h, k));
                sumR = TLanes.MultiplyAdd(last, TLanes.Load(ref row, at), sumR);
                sumZ = TLanes.MultiplyAdd(last, TLanes.Load(ref row, z), sumZ);
                recurrentN = TLanes.MultiplyAdd(last, TLanes.Load(ref row, n), recurrentN);
            }
        }
        return new(TLanes.Add(sumR, oddR), TLanes.Add(sumZ, oddZ), inputN, TLanes.Add(recurrentN, oddN));
    }

    /// <summary>
    /// Every gate's pre-activations for whole vectors of units, <see cref="GateSums"/> vector by vector (512 bits wide where
    /// the hidden size allows), as <see cref="Gates.GruForward"/> reads them: r, z and n's input part into
    /// <paramref name="inputGates"/> (which may be <paramref name="start"/>), n's recurrent part into
    /// <paramref name="recurrentGates"/>, whose r and z rows are zero (the sums already hold both parts).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumsInto<T>(int hidden, int inputSize, ref T start, ref T bias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T inputGates, ref T recurrentGates)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (VectorMath.WholeVector512s<T>(hidden))
        {
            WideSumsInto(hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref inputGates, ref recurrentGates);
        }
        else
        {
            SumsInto<T, Vector<T>, VectorLanes<T>>(hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref inputGates, ref recurrentGates);
        }
    }

    /// <summary><see cref="SumsInto{T}"/> at 512 bits.</summary>
    // Out of line, as StepInRegisters is: inlined beside the 256-bit one into Forward, it took the JIT past its limit on locals.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WideSumsInto<T>(int hidden, int inputSize, ref T start, ref T bias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T inputGates, ref T recurrentGates)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        SumsInto<T, Vector512<T>, Vector512Lanes<T>>(hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows, ref inputGates, ref recurrentGates);

    /// <summary><see cref="SumsInto{T}"/> at one vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumsInto<T, TVector, TLanes>(int hidden, int inputSize, ref T start, ref T bias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows, ref T inputGates, ref T recurrentGates)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        for (int j = 0; j < hidden; j += TLanes.Count)
        {
            nuint at = (nuint)j, z = at + (nuint)hidden, n = at + (nuint)(2 * hidden);
            GateVectors<TVector> sum = GateSums<T, TVector, TLanes>(at, hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows);
            TLanes.Store(sum.Reset, ref inputGates, at);
            TLanes.Store(sum.Update, ref inputGates, z);
            TLanes.Store(sum.InputCandidate, ref inputGates, n);
            TLanes.Store(TLanes.Broadcast(T.Zero), ref recurrentGates, at);
            TLanes.Store(TLanes.Broadcast(T.Zero), ref recurrentGates, z);
            TLanes.Store(sum.RecurrentCandidate, ref recurrentGates, n);
        }
    }

    /// <summary><see cref="FusedStep"/> for the vector of units from <paramref name="at"/>: <see cref="GateSums"/>, then the activations and the update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FusedUnits<T, TVector, TLanes>(nuint at, int hidden, int inputSize, ref T start, ref T bias, ref T x, ref T inputRows, bool hasPrevious, ref T h, ref T recurrentRows,
        ref T next, bool keeps, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        GateVectors<TVector> sums = GateSums<T, TVector, TLanes>(at, hidden, inputSize, ref start, ref bias, ref x, ref inputRows, hasPrevious, ref h, ref recurrentRows);
        UpdateUnits<T, TVector, TLanes>(at, hidden, sums, hasPrevious, ref h, ref next, keeps, ref kept);
    }

    /// <summary>The activations and the update for the vector of units from <paramref name="at"/>, from its gates' pre-activations (h read at the same units).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateUnits<T, TVector, TLanes>(nuint at, int hidden, GateVectors<TVector> sums, bool hasPrevious, ref T h, ref T next, bool keeps, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        nuint z = at + (nuint)hidden, n = at + (nuint)(2 * hidden), kept3 = at + (nuint)(3 * hidden);
        TVector before = hasPrevious ? TLanes.Load(ref h, at) : TLanes.Broadcast(T.Zero);
        TVector reset = TLanes.Sigmoid(sums.Reset), update = TLanes.Sigmoid(sums.Update);
        TVector recurrentCandidate = sums.RecurrentCandidate;
        TVector candidate = TLanes.Tanh(TLanes.MultiplyAdd(reset, recurrentCandidate, sums.InputCandidate));
        TLanes.Store(TLanes.MultiplyAdd(update, TLanes.Subtract(before, candidate), candidate), ref next, at);
        if (keeps)
        {
            TLanes.Store(reset, ref kept, at);
            TLanes.Store(update, ref kept, z);
            TLanes.Store(candidate, ref kept, n);
            TLanes.Store(recurrentCandidate, ref kept, kept3);
        }
    }

    /// <summary>
    /// The step as the matrix products of all gates at once and then the gate arithmetic: for whole vectors of units
    /// straight from the sums into the kept state, without the step cache and the copy of the state (at H = 64 no faster
    /// than with them: minima of four runs each way, alternated, on an Ice Lake core, in a scratch harness); other sizes compute it aside.
    /// </summary>
    private static void StepThroughProducts<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        int hidden = THidden.Value, width = Times3<THidden>.Value;
        Span<T> inputGates = workspace.Slice(0, width), recurrentGates = workspace.Slice(width, width);
        MatrixKernels.Affine<T, TInput, Times3<THidden>>(input, parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputWeights], ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.InputBiasOf(parameters), inputGates);
        ReadOnlySpan<T> recurrentBias = ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentBiasOf(parameters);
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>, TBias>.RecurrentWeights];
        if (hidden % Vector<T>.Count == 0)
        {
            // Whole vectors of units: the gate arithmetic straight from the sums into h, in place (every unit has read h).
            MatrixKernels.Affine<T, THidden, Times3<THidden>>(state, recurrentWeights, recurrentBias, recurrentGates);
            if (VectorMath.WholeVector512s<T>(hidden))
            {
                UpdateFromSums<T, Vector512<T>, Vector512Lanes<T>>(inputGates, recurrentGates, state.Slice(0, hidden));
            }
            else
            {
                UpdateFromSums<T, Vector<T>, VectorLanes<T>>(inputGates, recurrentGates, state.Slice(0, hidden));
            }
            return;
        }
        Span<T> next = workspace.Slice(2 * width, hidden), cache = workspace.Slice((2 * width) + hidden, 4 * hidden);
        ThroughProducts<T, THidden>(inputGates, recurrentBias, state, recurrentWeights, default, lastPanelFirst: false, next, cache, recurrentGates);
        next.CopyTo(state);
    }

    /// <summary>
    /// From gx = W_ih x + b_ih and gh = W_hh h + b_hh, [3H] each: the activations and the update of each vector of units
    /// (<see cref="UpdateUnits"/>), into <paramref name="state"/> in place.
    /// </summary>
    // Out of line, a root of its own: beside the products and the other width, inlined, it took the JIT past its limit on locals.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UpdateFromSums<T, TVector, TLanes>(ReadOnlySpan<T> inputGates, ReadOnlySpan<T> recurrentGates, Span<T> state)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int hidden = state.Length;
        KernelGuard.Require(inputGates.Length >= 3 * hidden && recurrentGates.Length >= 3 * hidden && hidden % TLanes.Count == 0, StepShape);
        ref T gx = ref MemoryMarshal.GetReference(inputGates), gh = ref MemoryMarshal.GetReference(recurrentGates), h = ref MemoryMarshal.GetReference(state);
        for (int j = 0; j < hidden; j += TLanes.Count)
        {
            nuint at = (nuint)j, z = at + (nuint)hidden, n = at + (nuint)(2 * hidden);
            GateVectors<TVector> sum = new(TLanes.Add(TLanes.Load(ref gx, at), TLanes.Load(ref gh, at)), TLanes.Add(TLanes.Load(ref gx, z), TLanes.Load(ref gh, z)),
                TLanes.Load(ref gx, n), TLanes.Load(ref gh, n));
            UpdateUnits<T, TVector, TLanes>(at, hidden, sum, hasPrevious: true, ref h, ref h, keeps: false, ref Unsafe.NullRef<T>());
        }
    }

    /// <summary>
    /// From gx = W_ih x + b_ih in <paramref name="inputGates"/>: gh = W_hh h + b_hh into <paramref name="recurrentGates"/> as
    /// one matrix-vector product (on <paramref name="recurrentPanels"/>, W_hh's column panels, when given, from the last with
    /// <paramref name="lastPanelFirst"/>; else row panels for a W_hh beyond the first-level cache), then the gate arithmetic into
    /// <paramref name="state"/> and <paramref name="cache"/>.
    /// </summary>
    private static void ThroughProducts<T, THidden>(ReadOnlySpan<T> inputGates, ReadOnlySpan<T> recurrentBias, ReadOnlySpan<T> previous, ReadOnlySpan<T> recurrentWeights, ReadOnlySpan<T> recurrentPanels, bool lastPanelFirst,
        Span<T> state, Span<T> cache, Span<T> recurrentGates)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
    {
        recurrentBias.CopyTo(recurrentGates);
        if (!previous.IsEmpty && !recurrentPanels.IsEmpty)
        {
            MatrixKernels.MultiplyAddColumnPanels<T>(previous, recurrentPanels, THidden.Value, Times3<THidden>.Value, recurrentGates, lastPanelFirst);
        }
        else if (!previous.IsEmpty)
        {
            MatrixKernels.MultiplyAdd<T, THidden, Times3<THidden>>(previous, recurrentWeights, recurrentGates);
        }
        Gates.GruForward<T>(inputGates, recurrentGates, previous, state, cache);
    }

    /// <summary>One vector of units' gate sums, returned by value so that the JIT keeps them in registers.</summary>
    private readonly struct GateVectors<TVector>(TVector reset, TVector update, TVector inputCandidate, TVector recurrentCandidate)
        where TVector : struct
    {
        public readonly TVector Reset = reset, Update = update, InputCandidate = inputCandidate, RecurrentCandidate = recurrentCandidate;
    }

    private const string StepShape = "A span passed to GruLayer.Step is shorter than the layer's sizes need.";

    private const string BatchShape = "GruLayer.ForwardBatch and BackwardBatch need one input and output row (and gradient and cache row) per packed row of the batch, and a workspace of the batch's size.";
}
