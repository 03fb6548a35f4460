using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    public static int WorkspaceLength(int steps, int hiddenSize) => hiddenSize + (2 * steps * 3 * hiddenSize);

    /// <summary>The scratch that <see cref="Step"/> needs.</summary>
    public static int StepWorkspaceLength(int hiddenSize) => (2 * 3 * hiddenSize) + hiddenSize + (4 * hiddenSize);

    /// <summary>Runs the direction over every step, writing h&lt;t&gt; into its half of each output row and the gates of every step into <paramref name="cache"/>.</summary>
    /// <param name="parameters">The direction's parameter block (from its W_ih on).</param>
    /// <param name="inputs">x&lt;1..T&gt; (or the layer below's outputs), [T, TInput].</param>
    /// <param name="outputs">The layer's outputs, [T, THidden] or, bidirectional, [T, 2 THidden] with the reverse direction in the second half.</param>
    /// <param name="reverse">Whether this is the reverse direction, which reads t = T..1.</param>
    /// <param name="initialStates">Every layer's and direction's h0, [rows, THidden], or empty for zeros.</param>
    /// <param name="finalStates">Receives in its row <paramref name="stateRow"/> the state after the last step processed.</param>
    /// <param name="stateRow">This direction's row of the states: layer * directions + direction.</param>
    /// <param name="cache">Every direction's per-step cache, [rows, T, <see cref="CacheWidth"/>]: receives what <see cref="Backward"/> needs of every step in the rows of <paramref name="stateRow"/>.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceLength"/>.</param>
    public static void Forward<T, TInput, THidden>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Span<T> outputs, bool reverse, ReadOnlySpan<T> initialStates, Span<T> finalStates, int stateRow, Span<T> cache, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, width = Times3<THidden>.Value, cacheWidth = 4 * hidden;
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentWeights];
        ReadOnlySpan<T> recurrentBias = parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentBias];
        Span<T> projections = workspace.Slice(0, walk.Steps * width); // W_ih x<t> + b_ih of every step
        Span<T> recurrentGates = workspace.Slice(walk.Steps * width, width); // W_hh h + b_hh of one step
        // Off the serial path: every step's W_ih x<t> + b_ih, all gates at once, as one matrix-matrix product.
        MatrixKernels.ProjectInputs<T, TInput, Times3<THidden>>(inputs, parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.InputWeights], parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.InputBias], projections, width, 0);
        Span<T> directionCache = cache.Slice(stateRow * walk.Steps * cacheWidth, walk.Steps * cacheWidth);
        ReadOnlySpan<T> previous = LayerWalk.Row(initialStates, stateRow, hidden); // empty stands for the zero state: its product is skipped
        for (int step = 0; step < walk.Steps; step++)
        {
            int t = walk.At(step);
            Span<T> state = outputs.Slice(walk.State(t), hidden);
            recurrentBias.CopyTo(recurrentGates);
            if (!previous.IsEmpty)
            {
                MatrixKernels.MultiplyAdd<T, THidden, Times3<THidden>>(previous, recurrentWeights, recurrentGates); // + W_hh h
            }
            Gates.GruForward<T>(projections.Slice(t * width, width), recurrentGates, previous, state, directionCache.Slice(t * cacheWidth, cacheWidth));
            previous = state;
        }
        previous.CopyTo(LayerWalk.Row(finalStates, stateRow, hidden));
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
    public static void Backward<T, TInput, THidden>(ReadOnlySpan<T> parameters, Span<T> gradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> outputGradients, bool reverse, ReadOnlySpan<T> initialStates, ReadOnlySpan<T> cache, Span<T> inputGradients, Span<T> initialStateGradients, int stateRow, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        var walk = LayerWalk.Of<TInput, THidden>(inputs.Length, outputs.Length, reverse);
        int hidden = THidden.Value, inputSize = TInput.Value, width = Times3<THidden>.Value, cacheWidth = 4 * hidden;
        ReadOnlySpan<T> inputWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.InputWeights];
        ReadOnlySpan<T> recurrentWeights = parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentWeights];
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
        Activations.AddRowsTo<T>(inputGateSteps, gradients[ParameterBlock<TInput, THidden, Times3<THidden>>.InputBias]);
        Activations.AddRowsTo<T>(recurrentGateSteps, gradients[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentBias]);
        walk.AddWeightGradients<T, TInput, THidden, Times3<THidden>>(inputs, outputs, initialState, inputGateSteps, recurrentGateSteps,
            gradients[ParameterBlock<TInput, THidden, Times3<THidden>>.InputWeights], gradients[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentWeights]);
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
    public static void Step<T, TInput, THidden>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        int inputSize = TInput.Value, hidden = THidden.Value, width = Times3<THidden>.Value;
        KernelGuard.Require(parameters.Length >= (inputSize + hidden + 2) * width && input.Length >= inputSize && state.Length >= hidden
            && workspace.Length >= hidden, StepShape);
        if ((long)hidden * width * Unsafe.SizeOf<T>() > MatrixKernels.RowPanelBytes)
        {
            StepThroughProducts<T, TInput, THidden>(parameters, input, state, workspace);
            return;
        }
        ref T inputWeights = ref MemoryMarshal.GetReference(parameters);
        ref T recurrentWeights = ref Unsafe.Add(ref inputWeights, inputSize * width);
        ref T inputBias = ref Unsafe.Add(ref recurrentWeights, hidden * width);
        ref T recurrentBias = ref Unsafe.Add(ref inputBias, width);
        ref T x = ref MemoryMarshal.GetReference(input);
        ref T h = ref MemoryMarshal.GetReference(state);
        ref T next = ref MemoryMarshal.GetReference(workspace);
        int lanes = Vector<T>.Count;
        int j = 0;
        for (; j <= hidden - lanes; j += lanes)
        {
            nuint at = (nuint)j, z = (nuint)(hidden + j), n = (nuint)((2 * hidden) + j);
            Vector<T> sumR = Vector.LoadUnsafe(ref inputBias, at) + Vector.LoadUnsafe(ref recurrentBias, at);
            Vector<T> sumZ = Vector.LoadUnsafe(ref inputBias, z) + Vector.LoadUnsafe(ref recurrentBias, z);
            Vector<T> inputN = Vector.LoadUnsafe(ref inputBias, n), recurrentN = Vector.LoadUnsafe(ref recurrentBias, n);
            Vector<T> oddR = Vector<T>.Zero, oddZ = Vector<T>.Zero, oddN = Vector<T>.Zero;
            ref T row = ref inputWeights;
            for (int k = 0; k < inputSize; k++, row = ref Unsafe.Add(ref row, width))
            {
                Vector<T> value = new(Unsafe.Add(ref x, k));
                sumR = VectorMath.MultiplyAdd(value, Vector.LoadUnsafe(ref row, at), sumR);
                sumZ = VectorMath.MultiplyAdd(value, Vector.LoadUnsafe(ref row, z), sumZ);
                inputN = VectorMath.MultiplyAdd(value, Vector.LoadUnsafe(ref row, n), inputN);
            }
            row = ref recurrentWeights;
            int k2 = 0;
            for (; k2 <= hidden - 2; k2 += 2, row = ref Unsafe.Add(ref row, 2 * width))
            {
                Vector<T> even = new(Unsafe.Add(ref h, k2)), odd = new(Unsafe.Add(ref h, k2 + 1));
                ref T oddRow = ref Unsafe.Add(ref row, width);
                sumR = VectorMath.MultiplyAdd(even, Vector.LoadUnsafe(ref row, at), sumR);
                sumZ = VectorMath.MultiplyAdd(even, Vector.LoadUnsafe(ref row, z), sumZ);
                recurrentN = VectorMath.MultiplyAdd(even, Vector.LoadUnsafe(ref row, n), recurrentN);
                oddR = VectorMath.MultiplyAdd(odd, Vector.LoadUnsafe(ref oddRow, at), oddR);
                oddZ = VectorMath.MultiplyAdd(odd, Vector.LoadUnsafe(ref oddRow, z), oddZ);
                oddN = VectorMath.MultiplyAdd(odd, Vector.LoadUnsafe(ref oddRow, n), oddN);
            }
            if (k2 < hidden)
            {
                Vector<T> last = new(Unsafe.Add(ref h, k2));
                sumR = VectorMath.MultiplyAdd(last, Vector.LoadUnsafe(ref row, at), sumR);
                sumZ = VectorMath.MultiplyAdd(last, Vector.LoadUnsafe(ref row, z), sumZ);
                recurrentN = VectorMath.MultiplyAdd(last, Vector.LoadUnsafe(ref row, n), recurrentN);
            }
            Vector<T> reset = VectorMath.Sigmoid(sumR + oddR), update = VectorMath.Sigmoid(sumZ + oddZ);
            Vector<T> candidate = VectorMath.Tanh(VectorMath.MultiplyAdd(reset, recurrentN + oddN, inputN));
            Vector.StoreUnsafe(VectorMath.MultiplyAdd(update, Vector.LoadUnsafe(ref h, at) - candidate, candidate), ref next, at);
        }
        // The units left over when the hidden size is not a multiple of the vector width.
        for (; j < hidden; j++)
        {
            T sumR = Unsafe.Add(ref inputBias, j) + Unsafe.Add(ref recurrentBias, j);
            T sumZ = Unsafe.Add(ref inputBias, hidden + j) + Unsafe.Add(ref recurrentBias, hidden + j);
            T inputN = Unsafe.Add(ref inputBias, (2 * hidden) + j), recurrentN = Unsafe.Add(ref recurrentBias, (2 * hidden) + j);
            for (int k = 0; k < inputSize + hidden; k++)
            {
                bool isInput = k < inputSize;
                T value = isInput ? Unsafe.Add(ref x, k) : Unsafe.Add(ref h, k - inputSize);
                ref T row = ref Unsafe.Add(ref inputWeights, (k * width) + j);
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
            T candidate = VectorMath.Tanh(T.MultiplyAddEstimate(VectorMath.Sigmoid(sumR), recurrentN, inputN));
            Unsafe.Add(ref next, j) = T.MultiplyAddEstimate(VectorMath.Sigmoid(sumZ), Unsafe.Add(ref h, j) - candidate, candidate);
        }
        workspace.Slice(0, hidden).CopyTo(state);
    }

    /// <summary>The step as the matrix products of all gates at once and then the gate arithmetic, computed aside.</summary>
    private static void StepThroughProducts<T, TInput, THidden>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> state, Span<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
    {
        int hidden = THidden.Value, width = Times3<THidden>.Value;
        Span<T> inputGates = workspace.Slice(0, width), recurrentGates = workspace.Slice(width, width);
        Span<T> next = workspace.Slice(2 * width, hidden), cache = workspace.Slice((2 * width) + hidden, 4 * hidden);
        parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.InputBias].CopyTo(inputGates);
        MatrixKernels.MultiplyAdd<T, TInput, Times3<THidden>>(input, parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.InputWeights], inputGates);
        parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentBias].CopyTo(recurrentGates);
        MatrixKernels.MultiplyAdd<T, THidden, Times3<THidden>>(state, parameters[ParameterBlock<TInput, THidden, Times3<THidden>>.RecurrentWeights], recurrentGates);
        Gates.GruForward<T>(inputGates, recurrentGates, state, next, cache);
        next.CopyTo(state);
    }

    private const string StepShape = "A span passed to GruLayer.Step is shorter than the layer's sizes need.";
}
