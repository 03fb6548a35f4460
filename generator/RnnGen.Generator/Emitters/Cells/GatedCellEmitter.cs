using System;
using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters.Cells;

/// <summary>
/// What GRU and LSTM layers share: weights [inputs, Gates * HiddenSize] that fuse every gate, so one product computes all
/// gates; the input projections of all steps first, as one matrix-matrix product off the serial path; then per step the
/// recurrent product and the element-wise gate arithmetic of <c>RnnGen.Kernels.Gates</c>. What a step's backward pass needs
/// is kept in a per-step cache.
/// </summary>
internal abstract class GatedCellEmitter : CellEmitter
{
    protected GatedCellEmitter(ModelSpec model)
        : base(model)
    {
    }

    /// <summary>GRU or LSTM, for comments.</summary>
    protected abstract string CellName { get; }

    /// <summary>The cell's name with its article, for comments: <c>a GRU</c>, <c>an LSTM</c>.</summary>
    protected abstract string CellWithArticle { get; }

    /// <summary>The gate blocks of the fused pre-activations, e.g. <c>[r | z | n]</c>.</summary>
    protected abstract string GateLayout { get; }

    /// <summary>What one step's cache row holds, for the comment on CacheWidth.</summary>
    protected abstract string CacheLayout { get; }

    /// <summary>Whether the state has a second part (the LSTM's c) besides h.</summary>
    protected abstract bool HasCellState { get; }

    /// <summary>The one-line formula of the cell above its forward call.</summary>
    protected abstract string Formula(string x);

    /// <summary>Forward, one step: from the input projection in <c>gates</c> and <c>previous</c>, writes <c>state</c> and <c>stepCache</c>.</summary>
    protected abstract void EmitForwardStep(SourceWriter writer);

    /// <summary>Backward, one step: from <c>stateGradient</c> and what is carried, writes this step's gate gradients.</summary>
    protected abstract void EmitBackwardStep(SourceWriter writer);

    /// <summary>The span holding dE/d(W_hh h + b_hh) after <see cref="EmitBackwardStep"/>.</summary>
    protected abstract string RecurrentGateGradients { get; }

    /// <summary>The buffer of dE/d(W_hh h + b_hh) of every step; b_ih's gradient sums inputGateSteps, b_hh's this.</summary>
    protected abstract string RecurrentGateSteps { get; }

    /// <summary>The weight-gradient formulas, for the comment above them.</summary>
    protected abstract string WeightGradientFormula { get; }

    /// <summary>Streaming, one step of layer <paramref name="layer"/>: from <c>_inputGates</c> and <c>state{layer}</c>, writes <c>_stepState</c>.</summary>
    protected abstract void EmitStreamStep(SourceWriter writer, int layer, string name);

    public override void EmitForwardFields(SourceWriter writer)
    {
        writer.Line($"private const int GateWidth = {Model.GateWidth}; // {GateLayout}, HiddenSize each");
        writer.Line($"private const int CacheWidth = {Model.CacheWidth}; // {CacheLayout} of one step");
        writer.Line($"private {T}[] _cellCache = {TypeRefs.Array}.Empty<{T}>(); // the gates of every step, [Layers * Directions, T, CacheWidth]");
        writer.Line($"private {T}[] _inputProjections = {TypeRefs.Array}.Empty<{T}>(); // W_ih x<t> + b_ih of every step of one layer direction, [T, GateWidth]");
    }

    public override void EmitReserveSteps(SourceWriter writer)
    {
        writer.Line($"_cellCache = new {T}[Layers * Directions * steps * CacheWidth];");
        writer.Line($"_inputProjections = new {T}[steps * GateWidth];");
    }

    public override void EmitForwardCall(SourceWriter writer, DirectionBlock block, string input)
    {
        string x = block.Layer == 0 ? "x" : $"[layer {block.Layer - 1} output]";
        writer.Line($"// {block.Title}, {block.Time}: {Formula(x)}");
        writer.Call($"RunLayer<{TypeRefs.Size(block.InputSize)}>", [
            input,
            $"parameters.Slice({block.Name}InputWeights, {block.InputSize} * GateWidth)",
            $"parameters.Slice({block.Name}RecurrentWeights, HiddenSize * GateWidth)",
            $"parameters.Slice({block.Name}InputBias, GateWidth)",
            $"parameters.Slice({block.Name}RecurrentBias, GateWidth)",
            OptionalStateRow("initialState", block.StateRow),
            .. CellOnly(OptionalStateRow("initialState", block.CellRow)),
            $"layer{block.Layer}",
            $"new(_cellCache, {block.StateRow} * steps * CacheWidth, steps * CacheWidth)",
            .. PlacementArguments(block),
            StateRow("finalState", block.StateRow),
            .. CellOnly(StateRow("finalState", block.CellRow)),
        ]);
    }

    public override void EmitRunLayer(SourceWriter writer)
    {
        string cellParameter = HasCellState ? $"{ReadOnlySpan} initialCell, " : "";
        string finalCell = HasCellState ? $", {Span} finalCell" : "";
        writer.Line($"// Runs one direction of {CellWithArticle} layer whose input is TInput wide over every step, writing h<t> into {(Model.Directions == 2 ? "its half of each output row" : "each output row")} and the gates into the cache.");
        writer.Block(
            $"private void RunLayer<TInput>({ReadOnlySpan} inputs, {ReadOnlySpan} inputWeights, {ReadOnlySpan} recurrentWeights, {ReadOnlySpan} inputBias, {ReadOnlySpan} recurrentBias, {ReadOnlySpan} initialState, {cellParameter}{Span} outputs, {Span} cache{PlacementParameters}, {Span} finalState{finalCell}){InputSizeConstraint}",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth;");
                writer.Line($"{Span} projections = new(_inputProjections, 0, steps * GateWidth);");
                writer.Line("// Off the serial path: every step's W_ih x<t> + b_ih, all gates at once, as one matrix-matrix product.");
                writer.Line($"{KernelCalls.ProjectInputs(Model, "TInput", Model.GateWidth)}(inputs, inputWeights, inputBias, projections, GateWidth, 0);");
                writer.Line($"{ReadOnlySpan} previous = initialState; // empty stands for the zero state: its product is skipped");
                if (HasCellState)
                {
                    writer.Line($"{ReadOnlySpan} previousCell = initialCell;");
                }
                EmitStepLoop(writer, backward: false, () =>
                {
                    writer.Line($"{Span} state = outputs.Slice({StateOffset("t")}, HiddenSize);");
                    writer.Line($"{Span} stepCache = cache.Slice(t * CacheWidth, CacheWidth);");
                    writer.Line($"{Span} gates = projections.Slice(t * GateWidth, GateWidth);");
                    EmitForwardStep(writer);
                    writer.Line("previous = state;");
                });
                writer.Line("previous.CopyTo(finalState);");
                if (HasCellState)
                {
                    writer.Line("previousCell.CopyTo(finalCell);");
                }
            });
    }

    public override void EmitBackwardFields(SourceWriter writer) =>
        writer.Line($"private {T}[] _inputGateGradients = {TypeRefs.Array}.Empty<{T}>(); // dE/d(W_ih x + b_ih) of every step of one layer direction, [T, GateWidth]");

    public override void EmitBackwardReserve(SourceWriter writer) =>
        writer.Line($"_inputGateGradients = new {T}[steps * GateWidth];");

    public override void EmitBackwardCall(SourceWriter writer, DirectionBlock block, string input, string inputGradients) =>
        writer.Call($"BackpropagateLayer<{TypeRefs.Size(block.InputSize)}>", [
            input,
            $"layer{block.Layer}",
            $"layer{block.Layer}Gradients",
            $"new {ReadOnlySpan}(_cellCache, {block.StateRow} * steps * CacheWidth, steps * CacheWidth)",
            $"parameters.Slice({block.Name}InputWeights, {block.InputSize} * GateWidth)",
            $"parameters.Slice({block.Name}RecurrentWeights, HiddenSize * GateWidth)",
            KeptInitialRow(block.StateRow),
            .. CellOnly(KeptInitialRow(block.CellRow)),
            $"gradients.Slice({block.Name}InputWeights, {block.InputSize} * GateWidth)",
            $"gradients.Slice({block.Name}RecurrentWeights, HiddenSize * GateWidth)",
            $"gradients.Slice({block.Name}InputBias, GateWidth)",
            $"gradients.Slice({block.Name}RecurrentBias, GateWidth)",
            inputGradients,
            OptionalStateRow("initialStateGradients", block.StateRow),
            .. CellOnly(OptionalStateRow("initialStateGradients", block.CellRow)),
            .. PlacementArguments(block),
        ]);

    public override void EmitBackpropagateLayer(SourceWriter writer)
    {
        string initialCell = HasCellState ? $"{ReadOnlySpan} initialCell, " : "";
        string initialCellGradients = HasCellState ? $", {Span} initialCellGradients" : "";
        writer.Line($"// Backpropagates one direction of {CellWithArticle} layer whose input is TInput wide through every step, last processed first.");
        writer.Block(
            $"private void BackpropagateLayer<TInput>({ReadOnlySpan} inputs, {ReadOnlySpan} outputs, {ReadOnlySpan} outputGradients, {ReadOnlySpan} cache, {ReadOnlySpan} inputWeights, {ReadOnlySpan} recurrentWeights, {ReadOnlySpan} initialState, {initialCell}{Span} inputWeightGradients, {Span} recurrentWeightGradients, {Span} inputBiasGradients, {Span} recurrentBiasGradients, {Span} inputGradients, {Span} initialStateGradients{initialCellGradients}{PlacementParameters}){InputSizeConstraint}",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth, inputSize = TInput.Value;");
                writer.Line($"{Span} carried = _carriedGradients; // dE/dh<t> from the step processed after t");
                writer.Line($"{Span} inputGateSteps = new(_inputGateGradients, 0, steps * GateWidth); // dE/d(W_ih x + b_ih) of every step");
                EmitBackwardLocals(writer);
                writer.Line("carried.Clear();");
                writer.Line("// The serial part: only what the next step back needs, the gate gradients and W_hh's share of dE/dh<t-1>.");
                EmitStepLoop(writer, backward: true, () =>
                {
                    writer.Line($"{ReadOnlySpan} stateGradient = outputGradients.Slice({StateOffset("t")}, HiddenSize);");
                    writer.Line($"{ReadOnlySpan} stepCache = cache.Slice(t * CacheWidth, CacheWidth);");
                    writer.Line($"{Span} inputGateGradients = inputGateSteps.Slice(t * GateWidth, GateWidth);");
                    EmitBackwardStep(writer);
                    writer.Block("if (!inputGradients.IsEmpty)", () =>
                        writer.Line($"{KernelCalls.MultiplyTransposedAdd(Model, "TInput", Model.GateWidth)}(inputWeights, inputGateGradients, inputGradients.Slice(t * inputSize, inputSize));"));
                    EmitCarriedReset(writer);
                    writer.Line($"{KernelCalls.MultiplyTransposedAdd(Model, Model.HiddenSize, Model.GateWidth)}(recurrentWeights, {RecurrentGateGradients}, carried);");
                });
                EmitWeightGradients(writer, WeightGradientFormula, "h", "GateWidth", Model.GateWidth, "inputGateSteps", RecurrentGateSteps, ("inputGateSteps", "inputBiasGradients"), (RecurrentGateSteps, "recurrentBiasGradients"));
                writer.Line("// What is still carried after the first processed step is dE/d(initial state).");
                writer.Block("if (!initialStateGradients.IsEmpty)", () =>
                {
                    writer.Line("carried.CopyTo(initialStateGradients);");
                    if (HasCellState)
                    {
                        writer.Line("carriedCell.CopyTo(initialCellGradients);");
                    }
                });
            });
    }

    /// <summary>The cell's own gradient buffers as locals, cleared where they carry across steps.</summary>
    protected abstract void EmitBackwardLocals(SourceWriter writer);

    /// <summary>Clears <c>carried</c> before W_hh's share is added, where the step has not left a share of its own there (the GRU's z h).</summary>
    protected abstract void EmitCarriedReset(SourceWriter writer);

    public override void EmitStreamFields(SourceWriter writer)
    {
        writer.Line($"private readonly {T}[] _inputGates = new {T}[GateWidth];");
        writer.Line($"private readonly {T}[] _stepState = new {T}[HiddenSize];");
        writer.Line($"private readonly {T}[] _stepCache = new {T}[CacheWidth];");
    }

    public override void EmitStreamLayer(SourceWriter writer, int layer)
    {
        int inputSize = Model.LayerInputSize(layer);
        string name = $"Layer{layer}Forward";
        writer.Line($"// Layer {layer}: {CellName} step from {(layer == 0 ? "x<t>" : $"layer {layer - 1}'s new h")} and the kept state, computed aside so the state stays intact until done.");
        writer.Line($"{Span} state{layer} = new(_streamState, {layer} * HiddenSize, HiddenSize);");
        writer.Line($"parameters.Slice({name}InputBias, GateWidth).CopyTo(_inputGates);");
        writer.Line($"{KernelCalls.MultiplyAdd(Model, inputSize, Model.GateWidth)}(layerInput, parameters.Slice({name}InputWeights, {inputSize} * GateWidth), _inputGates);");
        EmitStreamStep(writer, layer, name);
        writer.Line($"new {ReadOnlySpan}(_stepState).CopyTo(state{layer});");
        writer.Line($"layerInput = state{layer};");
    }

    /// <summary>The argument that only an LSTM's runners take (its cell state), or none.</summary>
    private IEnumerable<string> CellOnly(string argument) => HasCellState ? [argument] : Array.Empty<string>();

    protected string Recurrent(int rows) => KernelCalls.MultiplyAdd(Model, rows, Model.GateWidth);
}
