using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// The calls of the model's cell runners: one layer direction over a whole sequence, forward (<c>Forward</c>) and backward
/// (<c>Backward</c>), and one streaming step (<c>Step</c>), in the runtime library's <c>RnnGen.Kernels.VanillaLayer</c>,
/// <c>GruLayer</c> or <c>LstmLayer</c>, instantiated at the layer's input and hidden sizes. The generated code says which
/// layer reads what and writes where; the runners hold the recurrence every model of a cell shares.
/// </summary>
internal sealed class CellEmitter
{
    private readonly ModelSpec _model;
    private readonly string _runner;

    public CellEmitter(ModelSpec model)
    {
        _model = model;
        _runner = $"{TypeRefs.Kernels}.{model.Cell switch { Cell.Gru => "GruLayer", Cell.Lstm => "LstmLayer", _ => "VanillaLayer" }}";
    }

    private bool IsGated => _model.Cell != Cell.Vanilla;

    /// <summary>The scratch the runners need for a sequence of <c>steps</c>, forward and backward, as an expression.</summary>
    public string WorkspaceLength => $"{_runner}.WorkspaceLength(steps, HiddenSize)";

    /// <summary>The scratch the forward runner alone needs for <c>steps</c> (a streaming block), as an expression: the vanilla cell's does not grow with them.</summary>
    private string ForwardWorkspaceLength => IsGated ? $"{_runner}.ForwardWorkspaceLength(steps, HiddenSize)" : $"{_runner}.ForwardWorkspaceLength(HiddenSize)";

    /// <summary>The scratch one streaming step needs, as an expression.</summary>
    public string StepWorkspaceLength => $"{_runner}.StepWorkspaceLength(HiddenSize)";

    /// <summary>The per-step cache of the gated cells, which their backward pass reads.</summary>
    public void EmitForwardFields(SourceWriter writer)
    {
        if (IsGated)
        {
            string contents = _model.Cell == Cell.Gru ? "r, z, n and W_hn h + b_hn" : "i, f, g, o and c";
            writer.Line($"private {_model.T}[] _cellCache = {TypeRefs.Array}.Empty<{_model.T}>(); // {contents} of every step, [Layers * Directions, T, {_model.CacheWidth}]");
        }
    }

    /// <summary>Statements inside ReserveSteps that grow the cell's per-step buffers to <c>steps</c>.</summary>
    public void EmitReserveSteps(SourceWriter writer)
    {
        if (IsGated)
        {
            writer.Line($"_cellCache = new {_model.T}[Layers * Directions * steps * {_runner}.CacheWidth(HiddenSize)];");
        }
    }

    /// <summary>The call that runs one layer direction forward over every step, from <paramref name="input"/>.</summary>
    public void EmitForwardCall(SourceWriter writer, DirectionBlock block, string input) =>
        EmitForwardCall(writer, block, input, new RunnerBuffers($"layer{block.Layer}", "initialState", "finalState", "_cellCache", "_workspace"));

    /// <summary>The same call over the buffers of <paramref name="buffers"/> (the streaming block's, for one).</summary>
    public void EmitForwardCall(SourceWriter writer, DirectionBlock block, string input, RunnerBuffers buffers)
    {
        writer.Line($"// {block.Title}, {block.Time}: {Formula(block)}");
        var arguments = new List<string> { $"parameters.Slice({block.Name}InputWeights)", input, buffers.Outputs, Reverse(block) };
        arguments.AddRange(ActivationArgument());
        arguments.Add(buffers.InitialStates);
        arguments.Add(buffers.FinalStates);
        AddStateRows(arguments, block);
        if (IsGated)
        {
            arguments.Add(buffers.Cache);
        }
        arguments.Add(buffers.Workspace);
        writer.Line($"{Runner("Forward", block.InputSize)}({string.Join(", ", arguments)});");
    }

    /// <summary>Statements that grow the streaming block's per-step buffers to <c>steps</c>, beside its layer outputs.</summary>
    public void EmitReserveBlock(SourceWriter writer)
    {
        if (IsGated)
        {
            writer.Line($"_blockCache = new {_model.T}[Layers * steps * {_runner}.CacheWidth(HiddenSize)];");
        }
        writer.Line($"_blockWorkspace = new {_model.T}[{ForwardWorkspaceLength}];");
    }

    /// <summary>The streaming block's cell buffers.</summary>
    public void EmitBlockFields(SourceWriter writer)
    {
        if (IsGated)
        {
            writer.Line($"private {_model.T}[] _blockCache = {TypeRefs.Array}.Empty<{_model.T}>(); // the gates of every step of the block, which nothing reads back");
        }
        writer.Line($"private {_model.T}[] _blockWorkspace = {TypeRefs.Array}.Empty<{_model.T}>(); // the cell runners' scratch");
    }

    /// <summary>The call that runs one layer direction over the packed batch <c>_batch</c>, from <paramref name="input"/>, keeping its gates in the batch buffers' cache when <c>keepForBackward</c>.</summary>
    public void EmitForwardBatchCall(SourceWriter writer, DirectionBlock block, string input)
    {
        writer.Line($"// {block.Title}, {(block.IsReverse ? "every sequence from its last step back" : "every sequence from its first step")}: {Formula(block)}");
        var arguments = new List<string> { $"parameters.Slice({block.Name}InputWeights)", "_batch", input, $"layer{block.Layer}", Reverse(block) };
        arguments.AddRange(ActivationArgument());
        if (IsGated)
        {
            arguments.Add($"keepForBackward ? {BlockCache(block)} : default");
        }
        arguments.Add("_batchBuffers.Workspace");
        writer.Line($"{Runner("ForwardBatch", block.InputSize)}({string.Join(", ", arguments)});");
    }

    /// <summary>The call that backpropagates one layer direction through the packed batch, adding dE/d(its input) to <paramref name="inputGradients"/>.</summary>
    public void EmitBackwardBatchCall(SourceWriter writer, DirectionBlock block, string input, string inputGradients)
    {
        var arguments = new List<string>
        {
            $"parameters.Slice({block.Name}InputWeights)", $"gradients.Slice({block.Name}InputWeights)", "_batch",
            input, $"layer{block.Layer}", $"layer{block.Layer}Gradients", Reverse(block),
        };
        arguments.AddRange(ActivationArgument());
        if (IsGated)
        {
            arguments.Add(BlockCache(block));
        }
        arguments.Add(inputGradients);
        arguments.Add("_batchBuffers.Workspace");
        writer.Line($"{Runner("BackwardBatch", block.InputSize)}({string.Join(", ", arguments)});");
    }

    /// <summary>The scratch the batched forward runners need for a batch of <c>sequences</c>, as an expression.</summary>
    public string BatchWorkspaceLength => $"{_runner}.BatchWorkspaceLength(sequences, {WidestInput}, HiddenSize)";

    /// <summary>The scratch the batched backward runners need for <paramref name="rows"/> packed rows of <c>sequences</c>, as an expression.</summary>
    public string BatchBackwardWorkspaceLength(string rows) => $"{_runner}.BatchBackwardWorkspaceLength({rows}, sequences, {WidestInput}, HiddenSize)";

    /// <summary>The length of the gated cells' cache of every layer direction over <paramref name="rows"/> packed rows, as an expression (0 for the vanilla cell).</summary>
    public string BatchCacheLength(string rows) => IsGated ? $"(long)Layers * Directions * {rows} * {_runner}.CacheWidth(HiddenSize)" : "0";

    /// <summary>The widest input of any layer, as an expression: what the runners' scratch is sized by.</summary>
    private string WidestInput => _model.Layers > 1 && _model.LayerWidth != _model.InputSize ? "global::System.Math.Max(InputSize, LayerWidth)" : "InputSize";

    private string BlockCache(DirectionBlock block) =>
        $"new {TypeRefs.Span(_model.T)}(_batchBuffers.Cache, {block.StateRow} * rows * {_runner}.CacheWidth(HiddenSize), rows * {_runner}.CacheWidth(HiddenSize))";

    /// <summary>The call that backpropagates one layer direction through every step.</summary>
    public void EmitBackwardCall(SourceWriter writer, DirectionBlock block, string input, string inputGradients)
    {
        var arguments = new List<string>
        {
            $"parameters.Slice({block.Name}InputWeights)", $"gradients.Slice({block.Name}InputWeights)",
            input, $"layer{block.Layer}", $"layer{block.Layer}Gradients", Reverse(block),
        };
        arguments.AddRange(ActivationArgument());
        arguments.Add("initialState");
        if (IsGated)
        {
            arguments.Add("_cellCache");
        }
        arguments.Add(inputGradients);
        arguments.Add("initialStateGradients");
        AddStateRows(arguments, block);
        arguments.Add("_workspace");
        writer.Line($"{Runner("Backward", block.InputSize)}({string.Join(", ", arguments)});");
    }

    /// <summary>One layer of Step: reads <c>layerInput</c>, updates the layer's kept state and points <c>layerInput</c> at it.</summary>
    public void EmitStreamLayer(SourceWriter writer, int layer)
    {
        string input = layer == 0 ? "x<t>" : $"layer {layer - 1}'s new state";
        writer.Line($"// Layer {layer}: one {CellName} step from {input} and the kept state.");
        writer.Line($"{TypeRefs.Span(_model.T)} state{layer} = new(_streamState, {layer} * HiddenSize, HiddenSize);");
        var arguments = new List<string> { $"parameters.Slice(Layer{layer}ForwardInputWeights)", "layerInput", $"state{layer}" };
        if (_model.Cell == Cell.Lstm)
        {
            writer.Line($"{TypeRefs.Span(_model.T)} cell{layer} = new(_streamState, (Layers + {layer}) * HiddenSize, HiddenSize);");
            arguments.Add($"cell{layer}");
        }
        arguments.AddRange(ActivationArgument());
        arguments.Add("_stepWorkspace");
        writer.Line($"{Runner("Step", _model.LayerInputSize(layer))}({string.Join(", ", arguments)});");
        writer.Line($"layerInput = state{layer};");
    }

    private string CellName => _model.Cell switch { Cell.Gru => "GRU", Cell.Lstm => "LSTM", _ => "RNN" };

    private string Runner(string method, int inputSize) =>
        $"{_runner}.{method}<{_model.T}, {TypeRefs.Size(inputSize)}, {TypeRefs.Size(_model.HiddenSize)}, {TypeRefs.Bias(_model.RecurrentBias)}>";

    private static string Reverse(DirectionBlock block) => block.IsReverse ? "reverse: true" : "reverse: false";

    private IEnumerable<string> ActivationArgument() =>
        _model.Cell == Cell.Vanilla ? [$"global::RnnGen.RnnActivation.{_model.Activation}"] : [];

    /// <summary>The rows of the whole states this block reads and writes: its h row, and an LSTM's c row after every h row.</summary>
    private void AddStateRows(List<string> arguments, DirectionBlock block)
    {
        arguments.Add($"stateRow: {block.StateRow}");
        if (_model.Cell == Cell.Lstm)
        {
            arguments.Add($"cellRow: {block.CellRow}");
        }
    }

    /// <summary>The one-line formula of the cell above its forward call.</summary>
    private string Formula(DirectionBlock block)
    {
        string x = block.Layer == 0 ? "x<t>" : $"[layer {block.Layer - 1} output at t]";
        string previous = block.IsReverse ? "<t+1>" : "<t-1>";
        string Plus(string bias) => block.HasBias ? $" + {bias}" : "";
        return _model.Cell switch
        {
            Cell.Gru => $"GRU gates from W_ih {x}{Plus("b_ih")} and W_hh h{previous}{Plus("b_hh")}; h<t> = (1 - z) n + z h{previous}.",
            Cell.Lstm => $"LSTM gates from W_ih {x}{Plus("b_ih")} + W_hh h{previous}{Plus("b_hh")}; c<t> = f c{previous} + i g, h<t> = o tanh(c<t>).",
            _ => $"a<t> = {(_model.Activation == HiddenActivation.Tanh ? "tanh" : "relu")}(W_aa a{previous} + W_ax {x}{Plus("b_a")}).",
        };
    }
}

/// <summary>The buffers a forward runner call reads and writes, by their names in the generated code.</summary>
/// <param name="Outputs">The layer's outputs, [T, LayerWidth].</param>
/// <param name="InitialStates">The whole initial state, or empty for zeros.</param>
/// <param name="FinalStates">The whole final state (may be the initial one: a runner reads its initial row before it writes its final one).</param>
/// <param name="Cache">The gated cells' per-step cache.</param>
/// <param name="Workspace">The runners' scratch.</param>
internal sealed record RunnerBuffers(string Outputs, string InitialStates, string FinalStates, string Cache, string Workspace);
