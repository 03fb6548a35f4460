using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// One direction of a textbook RNN layer, a&lt;t&gt; = g1(W_aa a&lt;t-1&gt; + W_ax x&lt;t&gt; + b_a), over a whole sequence and for
/// one streaming step, specialised by its sizes (<see cref="ISize"/> structs). The generated models call these with their
/// parameter blocks, [W_ax transposed, [TInput, THidden] | W_aa transposed, [THidden, THidden] | b_a, [THidden]].
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VanillaLayer
{
    /// <summary>The scratch that <see cref="Forward"/> and <see cref="Backward"/> need for a sequence of <paramref name="steps"/>.</summary>
    public static int WorkspaceLength(int steps, int hiddenSize) => ((steps + 1) * hiddenSize) + ForwardWorkspaceLength(hiddenSize);

    /// <summary>
    /// The scratch that <see cref="Forward"/> alone needs (a streaming block, which no Backward follows), whatever the number
    /// of steps: W_aa's column panels where the core reads them (the projections go straight into the outputs).
    /// </summary>
    public static int ForwardWorkspaceLength(int hiddenSize) => MatrixKernels.ColumnPanelsLength(hiddenSize, hiddenSize);

    /// <summary>The scratch that <see cref="ForwardBatch"/> needs for a batch of <paramref name="sequences"/> through a layer reading at most <paramref name="inputSize"/> values: the weights in panels.</summary>
    public static int BatchWorkspaceLength(int sequences, int inputSize, int hiddenSize) => (inputSize + hiddenSize) * hiddenSize;

    /// <summary>The scratch that <see cref="BackwardBatch"/> needs for <paramref name="rows"/> packed rows of <paramref name="sequences"/> sequences, through a layer reading at most <paramref name="inputSize"/> values.</summary>
    public static int BatchBackwardWorkspaceLength(int rows, int sequences, int inputSize, int hiddenSize) => (rows + sequences + inputSize + hiddenSize) * hiddenSize;

    /// <summary>The scratch that <see cref="Step"/> needs.</summary>
    public static int StepWorkspaceLength(int hiddenSize) => hiddenSize;

    /// <summary>Runs the direction over every step, writing a&lt;t&gt; into its half of each output row (all of it when unidirectional).</summary>
    /// <param name="parameters">The direction's parameter block (from its W_ax on).</param>
    /// <param name="inputs">x&lt;1..T&gt; (or the layer below's outputs), [T, TInput].</param>
    /// <param name="outputs">The layer's outputs, [T, THidden] or, bidirectional, [T, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads t = T..1.</param>
    /// <param name="activation">g1.</param>
    /// <param name="initialStates">Every layer's and direction's a&lt;0&gt;, [rows, THidden], or empty for zeros.</param>
    /// <param name="finalStates">Receives in its row <paramref name="stateRow"/> the state after the last step processed.</param>
    /// <param name="stateRow">This direction's row of the states: layer * directions + direction.</param>
    /// <param name="workspace">Scratch of at least <see cref="ForwardWorkspaceLength"/>.</param>
    public static void Forward<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, RnnActivation activation, ReadOnlySpan<T> initialStates, Span<T> finalStates, int stateRow, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], recurrentWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights];
        // Off the serial path: every step's W_ax x<t> + b_a at once, as one matrix-matrix product.
        MatrixKernels.ProjectInputs<T, TInput, THidden>(inputs, inputWeights, ParameterBlock<TInput, THidden, THidden, TBias>.InputBiasOf(parameters), outputs, walk.Stride, walk.Column);
        ReadOnlySpan<T> previous = LayerWalk.Row(initialStates, stateRow, THidden.Value); // empty stands for the zero state: its product is skipped
        if (InRegisters<T, THidden>())
        {
            // One or two vectors hold the units: each step's sums in registers and g1 applied there, as in Step.
            ReadOnlySpan<T> last = VectorMath.WholeVector512s<T>(THidden.Value)
                ? RecurInRegisters<T, THidden, Vector512<T>, Vector512Lanes<T>>(walk, outputs, previous, recurrentWeights, activation == RnnActivation.Relu)
                : RecurInRegisters<T, THidden, Vector<T>, VectorLanes<T>>(walk, outputs, previous, recurrentWeights, activation == RnnActivation.Relu);
            last.CopyTo(LayerWalk.Row(finalStates, stateRow, THidden.Value));
            return;
        }
        // A W_aa beyond the first-level cache is read once per step: from panels that each stream in one run, every
        // other step from the last panel, which the step before read last.
        Span<T> recurrentPanels = MatrixKernels.UsesColumnPanels<T>(THidden.Value, THidden.Value, walk.Steps) ? MatrixKernels.OnCacheLine(workspace, THidden.Value * THidden.Value) : default;
        MatrixKernels.PackColumnPanels(recurrentWeights, THidden.Value, THidden.Value, recurrentPanels);
        for (int step = 0; step < walk.Steps; step++)
        {
            Span<T> state = outputs.Slice(walk.State(walk.At(step)), THidden.Value);
            if (!previous.IsEmpty && !recurrentPanels.IsEmpty)
            {
                MatrixKernels.MultiplyAddColumnPanels<T>(previous, recurrentPanels, THidden.Value, THidden.Value, state, lastPanelFirst: step % 2 == 1); // + W_aa a of the previous step
            }
            else if (!previous.IsEmpty)
            {
                MatrixKernels.MultiplyAdd<T, THidden, THidden>(previous, recurrentWeights, state);
            }
            Activate(activation, state);
            previous = state;
        }
        previous.CopyTo(LayerWalk.Row(finalStates, stateRow, THidden.Value));
    }

    /// <summary>
    /// Runs the direction over a packed batch (<see cref="PackedBatch"/>): each step's W_aa a for every sequence still running
    /// as one matrix-matrix product, so each weight is read once per step for the whole batch. Every sequence starts from the zero state.
    /// </summary>
    /// <param name="parameters">The direction's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="batch">The batch's order and steps.</param>
    /// <param name="inputs">The packed inputs, [Rows, TInput].</param>
    /// <param name="outputs">The layer's packed outputs, [Rows, THidden] or, bidirectional, [Rows, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads each sequence from its last step.</param>
    /// <param name="activation">g1.</param>
    /// <param name="workspace">Scratch of at least <see cref="BatchWorkspaceLength"/>.</param>
    public static void ForwardBatch<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, PackedBatch batch, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, RnnActivation activation, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        KernelGuard.Require(walk.Steps == batch.Rows && workspace.Length >= BatchWorkspaceLength(batch.Count, TInput.Value, THidden.Value), BatchShape);
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], recurrentWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights];
        Span<T> inputPanels = workspace.Slice(0, PanelKernels.PackedLength<TInput, THidden>());
        Span<T> recurrentPanels = workspace.Slice(inputPanels.Length, PanelKernels.PackedLength<THidden, THidden>());
        PanelKernels.Pack<T, TInput, THidden>(inputWeights, inputPanels);
        PanelKernels.Pack<T, THidden, THidden>(recurrentWeights, recurrentPanels);
        // Off the serial path: every row's W_ax x + b_a at once, as one matrix-matrix product.
        PanelKernels.MultiplyRows<T, TInput, THidden>(inputs, TInput.Value, walk.Steps, inputPanels, ParameterBlock<TInput, THidden, THidden, TBias>.InputBiasOf(parameters), 0, outputs.Slice(walk.Column), walk.Stride);
        for (int step = 0; step < batch.Steps; step++)
        {
            (int first, int rows, int carried, int previousFirst) = batch.StepAt(step, reverse);
            PanelKernels.MultiplyAddRows<T, THidden, THidden>(outputs.Slice(walk.State(previousFirst)), walk.Stride, carried, recurrentPanels, outputs.Slice(walk.State(first)), walk.Stride);
            for (int row = 0; row < rows; row++)
            {
                Activate(activation, outputs.Slice(walk.State(first + row), THidden.Value));
            }
        }
    }

    /// <summary>
    /// Backpropagates the direction through a packed batch that <see cref="ForwardBatch"/> ran, every step's rows at once:
    /// dE/d(pre-activation) row by row, then dE/da of the step before and dE/dx as matrix-matrix products through W_aa and W_ax
    /// (transposed into panels); the weight gradients after the recursion. Adds into <paramref name="gradients"/>.
    /// </summary>
    /// <param name="parameters">The direction's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="gradients">The same block of the gradient buffer, added to.</param>
    /// <param name="batch">The batch's order and steps.</param>
    /// <param name="inputs">What <see cref="ForwardBatch"/> read.</param>
    /// <param name="outputs">What <see cref="ForwardBatch"/> wrote.</param>
    /// <param name="outputGradients">dE/d(outputs), shaped like them.</param>
    /// <param name="reverse">As in <see cref="ForwardBatch"/>.</param>
    /// <param name="activation">g1.</param>
    /// <param name="inputGradients">dE/d(inputs), shaped like them, added to; or empty when not wanted.</param>
    /// <param name="workspace">Scratch of at least <see cref="BatchBackwardWorkspaceLength"/>.</param>
    public static void BackwardBatch<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, Span<T> gradients, PackedBatch batch, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, RnnActivation activation, Span<T> inputGradients, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value, sequences = batch.Count;
        KernelGuard.Require(walk.Steps == batch.Rows && outputGradients.Length >= outputs.Length && (inputGradients.IsEmpty || inputGradients.Length >= inputs.Length)
            && workspace.Length >= BatchBackwardWorkspaceLength(walk.Steps, sequences, inputSize, hidden), BatchShape);
        Span<T> stepGradients = workspace.Slice(0, walk.Steps * hidden); // dE/d(W_aa a + W_ax x + b_a) of every row
        Span<T> carried = workspace.Slice(stepGradients.Length, sequences * hidden); // dE/da<t> through W_aa from the step processed after t, a row per sequence
        Span<T> recurrentPanels = workspace.Slice(stepGradients.Length + carried.Length, PanelKernels.PackedLength<THidden, THidden>());
        Span<T> inputPanels = workspace.Slice(stepGradients.Length + carried.Length + recurrentPanels.Length, PanelKernels.PackedLength<THidden, TInput>());
        PanelKernels.PackTransposed<T, THidden, THidden>(parameters[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights], recurrentPanels);
        if (!inputGradients.IsEmpty)
        {
            PanelKernels.PackTransposed<T, THidden, TInput>(parameters[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], inputPanels);
        }
        carried.Clear();
        for (int step = batch.Steps - 1; step >= 0; step--)
        {
            (int first, int rows, int carriedRows, _) = batch.StepAt(step, reverse);
            Span<T> preactivations = stepGradients.Slice(first * hidden, rows * hidden);
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<T> state = outputs.Slice(walk.State(first + row), hidden), stateGradient = outputGradients.Slice(walk.State(first + row), hidden);
                Span<T> preactivation = preactivations.Slice(row * hidden, hidden);
                if (activation == RnnActivation.Relu)
                {
                    Activations.ReluBackward(state, stateGradient, carried.Slice(row * hidden, hidden), preactivation); // relu' is 1 where a > 0, else 0
                }
                else
                {
                    Activations.TanhBackward(state, stateGradient, carried.Slice(row * hidden, hidden), preactivation); // tanh' is 1 - a²
                }
            }
            if (!inputGradients.IsEmpty)
            {
                PanelKernels.MultiplyAddRows<T, THidden, TInput>(preactivations, hidden, rows, inputPanels, inputGradients.Slice(first * inputSize), inputSize);
            }
            // W_aa's share of dE/da<t-1>, for the rows that carried a state into this step.
            carried.Slice(0, carriedRows * hidden).Clear();
            PanelKernels.MultiplyAddRows<T, THidden, THidden>(preactivations, hidden, carriedRows, recurrentPanels, carried, hidden);
        }
        // Off the serial path: db_a = Σ dz, dW_ax = Σ x dz and dW_aa = Σ a<t-1> dz<t>.
        if (TBias.Present)
        {
            Activations.AddRowsTo<T>(stepGradients, gradients[ParameterBlock<TInput, THidden, THidden, TBias>.InputBias]);
        }

        batch.AddWeightGradients<T, TInput, THidden, THidden>(walk, inputs, outputs, stepGradients, stepGradients,
            gradients[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], gradients[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights]);
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
    /// <param name="activation">As in <see cref="Forward"/>.</param>
    /// <param name="initialStates">As in <see cref="Forward"/>.</param>
    /// <param name="inputGradients">dE/d(inputs), shaped like them, added to; or empty when not wanted.</param>
    /// <param name="initialStateGradients">Receives in its row <paramref name="stateRow"/> dE/da&lt;0&gt;; or empty when not wanted.</param>
    /// <param name="stateRow">As in <see cref="Forward"/>.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceLength"/>.</param>
    public static void Backward<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, Span<T> gradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, RnnActivation activation, ReadOnlySpan<T> initialStates, Span<T> inputGradients, Span<T> initialStateGradients, int stateRow, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value;
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], recurrentWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights];
        Span<T> carried = workspace.Slice(0, hidden); // dE/da<t> through W_aa from the step processed after t
        Span<T> stepGradients = workspace.Slice(hidden, walk.Steps * hidden); // dE/d(W_aa a + W_ax x + b_a) of every step
        carried.Clear();
        // The serial part: only what the next step back needs, dE/d(pre-activation) and W_aa's share of dE/da<t-1>.
        for (int step = walk.Steps - 1; step >= 0; step--)
        {
            int t = walk.At(step);
            Span<T> preactivation = stepGradients.Slice(t * hidden, hidden);
            ReadOnlySpan<T> state = outputs.Slice(walk.State(t), hidden), stateGradient = outputGradients.Slice(walk.State(t), hidden);
            if (activation == RnnActivation.Relu)
            {
                Activations.ReluBackward(state, stateGradient, carried, preactivation); // relu' is 1 where a > 0, else 0
            }
            else
            {
                Activations.TanhBackward(state, stateGradient, carried, preactivation); // tanh' is 1 - a²
            }
            if (!inputGradients.IsEmpty)
            {
                MatrixKernels.MultiplyTransposedAdd<T, TInput, THidden>(inputWeights, preactivation, inputGradients.Slice(t * inputSize, inputSize));
            }
            carried.Clear();
            MatrixKernels.MultiplyTransposedAdd<T, THidden, THidden>(recurrentWeights, preactivation, carried);
        }
        // Off the serial path, all steps at once: db_a = Σ dz<t>, dW_ax = Σ x<t> dz<t> and dW_aa = Σ a<t-1> dz<t>.
        if (TBias.Present)
        {
            Activations.AddRowsTo<T>(stepGradients, gradients[ParameterBlock<TInput, THidden, THidden, TBias>.InputBias]);
        }

        walk.AddWeightGradients<T, TInput, THidden, THidden>(inputs, outputs, LayerWalk.Row(initialStates, stateRow, hidden), stepGradients, stepGradients, gradients[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], gradients[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights]);
        // What is still carried after the first processed step is dE/da<0>.
        if (!initialStateGradients.IsEmpty)
        {
            carried.CopyTo(LayerWalk.Row(initialStateGradients, stateRow, hidden));
        }
    }

    /// <summary>
    /// One streaming step: a = g1(W_aa a + W_ax x + b_a), computed aside so <paramref name="state"/> stays intact until done.
    /// Where one or two vectors hold the units (512 bits wide where they pair), their sums stay in registers and g1 is
    /// applied there (<see cref="StepInRegisters"/>).
    /// </summary>
    /// <param name="parameters">The layer's parameter block, as in <see cref="Forward"/>.</param>
    /// <param name="input">x&lt;t&gt; (or the layer below's new state), [TInput].</param>
    /// <param name="state">The kept state, [THidden], replaced by the new one.</param>
    /// <param name="activation">g1.</param>
    /// <param name="workspace">Scratch of at least <see cref="StepWorkspaceLength"/>.</param>
    public static void Step<T, TInput, THidden, TBias>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, RnnActivation activation, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
    {
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights], recurrentWeights = parameters[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights];
        if (InRegisters<T, THidden>())
        {
            if (VectorMath.WholeVector512s<T>(THidden.Value))
            {
                StepInRegisters<T, TInput, THidden, TBias, Vector512<T>, Vector512Lanes<T>>(parameters, input, state, activation == RnnActivation.Relu);
            }
            else
            {
                StepInRegisters<T, TInput, THidden, TBias, Vector<T>, VectorLanes<T>>(parameters, input, state, activation == RnnActivation.Relu);
            }
            return;
        }
        Span<T> preactivation = workspace.Slice(0, THidden.Value);
        ParameterBlock<TInput, THidden, THidden, TBias>.InputBiasOf(parameters).CopyTo(preactivation);
        MatrixKernels.MultiplyAdd<T, TInput, THidden>(input, inputWeights, preactivation);
        MatrixKernels.MultiplyAdd<T, THidden, THidden>(state, recurrentWeights, preactivation);
        Activate(activation, preactivation);
        preactivation.CopyTo(state);
    }

    /// <summary>
    /// Whether one or two vectors hold the units exactly (512 bits wide where they pair: 16 or 32 floats; else 8 or 16 at 256
    /// bits), so that <see cref="Step"/> and <see cref="Forward"/> keep the sums in registers. Constant for the JIT.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InRegisters<T, THidden>()
        where T : unmanaged
        where THidden : struct, ISize =>
        VectorMath.PairsAsVector512<T>() && (THidden.Value == Vector512<T>.Count || THidden.Value == 2 * Vector512<T>.Count)
            || THidden.Value == Vector<T>.Count || THidden.Value == 2 * Vector<T>.Count;

    /// <summary>
    /// <see cref="Forward"/>'s recurrence when one or two vectors of this width hold the units: each step's row of
    /// <paramref name="outputs"/> holds W_ax x + b_a, and becomes g1(that + W_aa a of the previous step) with the sums in
    /// registers. Returns the state after the last step processed.
    /// </summary>
    // Out of line per width, as StepInRegisters.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ReadOnlySpan<T> RecurInRegisters<T, THidden, TVector, TLanes>(LayerWalk walk, Span<T> outputs, ReadOnlySpan<T> previous, ReadOnlySpan<T> recurrentWeights, bool relu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where THidden : struct, ISize
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int hidden = THidden.Value;
        ref T recurrentRows = ref MemoryMarshal.GetReference(recurrentWeights);
        for (int step = 0; step < walk.Steps; step++)
        {
            Span<T> state = outputs.Slice(walk.State(walk.At(step)), hidden);
            ref T sums = ref MemoryMarshal.GetReference(state);
            // No inputs (their projection is in the row already); with no previous state (the zero state) no W_aa rows either.
            UpdateInRegisters<T, TVector, TLanes>(hidden, 0, ref sums, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetReference(previous), ref recurrentRows,
                previous.IsEmpty ? 0 : hidden, ref sums, relu);
            previous = state;
        }
        return previous;
    }

    /// <summary>
    /// <see cref="Step"/> when one or two vectors of this width hold the units: each vector's sum (b_a, + W_ax x, + W_aa a in
    /// two chains) in a register, then g1 on it, and only then the stores, so a' replaces a in place.
    /// </summary>
    // Out of line, one root per width, as the gated cells' steps: their size branches are imported before they fold.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepInRegisters<T, TInput, THidden, TBias, TVector, TLanes>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, bool relu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TBias : struct, IBias
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int hidden = THidden.Value, inputSize = TInput.Value;
        KernelGuard.Require(parameters.Length >= ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights.End.Value && input.Length >= inputSize && state.Length >= hidden, StepShape);
        ref T bias = ref MemoryMarshal.GetReference(ParameterBlock<TInput, THidden, THidden, TBias>.InputBiasOf(parameters));
        ref T inputRows = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, THidden, TBias>.InputWeights]);
        ref T recurrentRows = ref MemoryMarshal.GetReference(parameters[ParameterBlock<TInput, THidden, THidden, TBias>.RecurrentWeights]);
        ref T a = ref MemoryMarshal.GetReference(state);
        UpdateInRegisters<T, TVector, TLanes>(hidden, inputSize, ref bias, ref MemoryMarshal.GetReference(input), ref inputRows, ref a, ref recurrentRows, hidden, ref a, relu);
    }

    /// <summary>
    /// The one or two vectors of units: each one's <see cref="Preactivation"/>, then g1 on each into <paramref name="destination"/>,
    /// stored only after every sum has read all of <paramref name="a"/> (which <paramref name="destination"/> may be).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateInRegisters<T, TVector, TLanes>(int hidden, int inputSize, ref T start, ref T x, ref T inputRows, ref T a, ref T recurrentRows, int rows, ref T destination, bool relu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        nuint lanes = (nuint)TLanes.Count;
        TVector first = Preactivation<T, TVector, TLanes>(0, hidden, inputSize, ref start, ref x, ref inputRows, ref a, ref recurrentRows, rows);
        if (hidden == TLanes.Count)
        {
            TLanes.Store(Activate<T, TVector, TLanes>(first, relu), ref destination, 0);
            return;
        }
        TVector second = Preactivation<T, TVector, TLanes>(lanes, hidden, inputSize, ref start, ref x, ref inputRows, ref a, ref recurrentRows, rows);
        TLanes.Store(Activate<T, TVector, TLanes>(first, relu), ref destination, 0);
        TLanes.Store(Activate<T, TVector, TLanes>(second, relu), ref destination, lanes);
    }

    /// <summary>
    /// <paramref name="start"/> (b_a, or a step's W_ax x + b_a) + W_ax x + W_aa a for the vector of units from
    /// <paramref name="at"/>, over the first <paramref name="rows"/> rows of W_aa (all of them, or none for the zero state):
    /// the inputs and even rows in one chain, the odd rows in another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Preactivation<T, TVector, TLanes>(nuint at, int hidden, int inputSize, ref T start, ref T x, ref T inputRows, ref T a, ref T recurrentRows, int rows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        TVector sum = TLanes.Load(ref start, at), odd = TLanes.Broadcast(T.Zero);
        ref T row = ref inputRows;
        for (int k = 0; k < inputSize; k++, row = ref Unsafe.Add(ref row, hidden))
        {
            sum = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref x, k)), TLanes.Load(ref row, at), sum);
        }
        row = ref recurrentRows;
        // The units fill whole vectors, so the hidden size is even.
        for (int k = 0; k < rows; k += 2, row = ref Unsafe.Add(ref row, 2 * hidden))
        {
            sum = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref a, k)), TLanes.Load(ref row, at), sum);
            odd = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref a, k + 1)), TLanes.Load(ref Unsafe.Add(ref row, hidden), at), odd);
        }
        return TLanes.Add(sum, odd);
    }

    /// <summary>g1 on one vector: tanh, or relu as the CPU's max with zero first (a NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Activate<T, TVector, TLanes>(TVector preactivation, bool relu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T> =>
        relu ? TLanes.MaxNative(TLanes.Broadcast(T.Zero), preactivation) : TLanes.Tanh(preactivation);

    private const string StepShape = "A span passed to VanillaLayer.Step is shorter than the layer's sizes need.";

    private static void Activate<T>(RnnActivation activation, Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (activation == RnnActivation.Relu)
        {
            Activations.Relu(values);
        }
        else
        {
            Activations.Tanh(values);
        }
    }

    private const string BatchShape = "VanillaLayer.ForwardBatch and BackwardBatch need one input and output row (and gradient row) per packed row of the batch, and a workspace of the layer's size.";
}
