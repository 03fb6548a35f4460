using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits the GRU and LSTM layer runners: one fused product for all gates of the input and one for the recurrent state
/// (weights [inputs, Gates * HiddenSize]), then the element-wise gate arithmetic of <c>RnnGen.RnnGates</c>. What a step's
/// backward pass needs (the gates, and GRU's W_hn h + b_hn or LSTM's c) is kept in a per-step cache.
/// </summary>
internal static class GatedCellEmitter
{
    public static void EmitFields(SourceWriter writer, ModelSpec model)
    {
        string t = model.T;
        writer.Line($"private const int GateWidth = {model.GateWidth}; // {(model.Cell == Cell.Gru ? "[r | z | n]" : "[i | f | g | o]")}, HiddenSize each");
        writer.Line($"private const int CacheWidth = {model.CacheWidth}; // {(model.Cell == Cell.Gru ? "r, z, n and W_hn h + b_hn" : "i, f, g, o and c")} of one step");
        writer.Line($"private readonly {t}[] _inputGates = new {t}[GateWidth];");
        writer.Line($"private readonly {t}[] _inputGateGradients = new {t}[GateWidth];");
        if (model.Cell == Cell.Lstm)
        {
            // An LSTM adds W_hh h into the same pre-activations, so it needs no recurrent-gate buffers of its own.
            writer.Line($"private readonly {t}[] _carriedCellGradients = new {t}[HiddenSize];");
        }
        else
        {
            writer.Line($"private readonly {t}[] _recurrentGates = new {t}[GateWidth];");
            writer.Line($"private readonly {t}[] _recurrentGateGradients = new {t}[GateWidth];");
        }
    }

    private static bool IsLstm(ModelSpec model) => model.Cell == Cell.Lstm;

    /// <summary>The row of a block's h in a whole state, and of its c for an LSTM.</summary>
    private static (int State, int Cell) Rows(ModelSpec model, DirectionBlock block)
    {
        int state = (block.Layer * model.Directions) + block.Direction;
        return (state, (model.Layers * model.Directions) + state);
    }

    public static void EmitForwardCall(SourceWriter writer, ModelSpec model, DirectionBlock block, string input)
    {
        (int stateRow, int cellRow) = Rows(model, block);
        string x = block.Layer == 0 ? "x<t>" : $"[layer {block.Layer - 1} output at t]";
        string time = block.Direction == 0 ? "t = 1..T" : "t = T..1";
        writer.Line(IsLstm(model)
            ? $"// {Capitalized(block.Description)}, {time}: LSTM gates from W_ih {x} + b_ih + W_hh h + b_hh; c = f c + i g, h = o tanh(c)."
            : $"// {Capitalized(block.Description)}, {time}: GRU gates from W_ih {x} + b_ih and W_hh h + b_hh; h = (1 - z) n + z h.");
        writer.Line($"RunLayer{block.InputSize}(");
        writer.Line($"    {input},");
        writer.Line($"    parameters.Slice({block.Name}InputWeights, {block.InputSize} * GateWidth),");
        writer.Line($"    parameters.Slice({block.Name}RecurrentWeights, HiddenSize * GateWidth),");
        writer.Line($"    parameters.Slice({block.Name}InputBias, GateWidth),");
        writer.Line($"    parameters.Slice({block.Name}RecurrentBias, GateWidth),");
        writer.Line($"    initialState.IsEmpty ? default : initialState.Slice({stateRow} * HiddenSize, HiddenSize),");
        if (IsLstm(model))
        {
            writer.Line($"    initialState.IsEmpty ? default : initialState.Slice({cellRow} * HiddenSize, HiddenSize),");
        }
        writer.Line($"    layer{block.Layer},");
        writer.Line($"    new(_cellCache, {stateRow} * steps * CacheWidth, steps * CacheWidth),");
        writer.Line(block.Direction == 0 ? "    column: 0," : "    column: HiddenSize,");
        writer.Line($"    reverse: {(block.Direction == 1 ? "true" : "false")},");
        writer.Line(IsLstm(model)
            ? $"    finalState.Slice({stateRow} * HiddenSize, HiddenSize),"
            : $"    finalState.Slice({stateRow} * HiddenSize, HiddenSize));");
        if (IsLstm(model))
        {
            writer.Line($"    finalState.Slice({cellRow} * HiddenSize, HiddenSize));");
        }
    }

    public static void EmitRunLayer(SourceWriter writer, ModelSpec model, int inputSize)
    {
        string t = model.T;
        string span = $"global::System.Span<{t}>";
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>";
        bool lstm = IsLstm(model);
        string cellParameters = lstm ? $"{readOnlySpan} initialCell, " : "";
        string finalCell = lstm ? $", {span} finalCell" : "";
        writer.Summary($"Runs one direction of a{(lstm ? "n LSTM" : " GRU")} layer whose input is {inputSize} wide over every step, writing h&lt;t&gt; into its half of each output row and the gates into the cache.");
        writer.Block(
            $"private void RunLayer{inputSize}({readOnlySpan} inputs, {readOnlySpan} inputWeights, {readOnlySpan} recurrentWeights, {readOnlySpan} inputBias, {readOnlySpan} recurrentBias, {readOnlySpan} initialState, {cellParameters}{span} outputs, {span} cache, int column, bool reverse, {span} finalState{finalCell})",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth;");
                writer.Line($"{span} inputGates = _inputGates;");
                if (!lstm)
                {
                    writer.Line($"{span} recurrentGates = _recurrentGates;");
                }
                writer.Line($"{readOnlySpan} previous = initialState; // empty stands for the zero state: its product is skipped");
                if (lstm)
                {
                    writer.Line($"{readOnlySpan} previousCell = initialCell;");
                }
                writer.Block("for (int step = 0; step < steps; step++)", () =>
                {
                    writer.Line("int t = reverse ? steps - 1 - step : step;");
                    writer.Line($"{span} state = outputs.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Line($"{span} stepCache = cache.Slice(t * CacheWidth, CacheWidth);");
                    writer.Line("inputBias.CopyTo(inputGates);");
                    writer.Line($"{KernelEmitter.MultiplyAddName(inputSize, model.GateWidth)}(inputs.Slice(t * {inputSize}, {inputSize}), inputWeights, inputGates); // + W_ih x, every gate at once");
                    if (lstm)
                    {
                        writer.Line("global::RnnGen.RnnActivations.AddTo(recurrentBias, inputGates);");
                        writer.Block("if (!previous.IsEmpty)", () =>
                            writer.Line($"{KernelEmitter.MultiplyAddName(model.HiddenSize, model.GateWidth)}(previous, recurrentWeights, inputGates); // + W_hh h"));
                        writer.Line("global::RnnGen.RnnGates.LstmForward(inputGates, previousCell, state, stepCache);");
                        writer.Line("previousCell = stepCache.Slice(4 * HiddenSize, HiddenSize);");
                    }
                    else
                    {
                        writer.Line("recurrentBias.CopyTo(recurrentGates);");
                        writer.Block("if (!previous.IsEmpty)", () =>
                            writer.Line($"{KernelEmitter.MultiplyAddName(model.HiddenSize, model.GateWidth)}(previous, recurrentWeights, recurrentGates); // W_hh h + b_hh, kept apart: r scales its n part"));
                        writer.Line("global::RnnGen.RnnGates.GruForward(inputGates, recurrentGates, previous, state, stepCache);");
                    }
                    writer.Line("previous = state;");
                });
                writer.Line("previous.CopyTo(finalState);");
                if (lstm)
                {
                    writer.Line("previousCell.CopyTo(finalCell);");
                }
            });
    }

    public static void EmitBackwardCall(SourceWriter writer, ModelSpec model, DirectionBlock block, string input, string inputGradients)
    {
        (int stateRow, int cellRow) = Rows(model, block);
        string t = model.T;
        writer.Line($"BackpropagateLayer{block.InputSize}(");
        writer.Line($"    {input},");
        writer.Line($"    layer{block.Layer},");
        writer.Line($"    layer{block.Layer}Gradients,");
        writer.Line($"    new global::System.ReadOnlySpan<{t}>(_cellCache, {stateRow} * steps * CacheWidth, steps * CacheWidth),");
        writer.Line($"    parameters.Slice({block.Name}InputWeights, {block.InputSize} * GateWidth),");
        writer.Line($"    parameters.Slice({block.Name}RecurrentWeights, HiddenSize * GateWidth),");
        writer.Line($"    _hasInitialState ? new global::System.ReadOnlySpan<{t}>(_initialState, {stateRow} * HiddenSize, HiddenSize) : default,");
        if (IsLstm(model))
        {
            writer.Line($"    _hasInitialState ? new global::System.ReadOnlySpan<{t}>(_initialState, {cellRow} * HiddenSize, HiddenSize) : default,");
        }
        writer.Line($"    gradients.Slice({block.Name}InputWeights, {block.InputSize} * GateWidth),");
        writer.Line($"    gradients.Slice({block.Name}RecurrentWeights, HiddenSize * GateWidth),");
        writer.Line($"    gradients.Slice({block.Name}InputBias, GateWidth),");
        writer.Line($"    gradients.Slice({block.Name}RecurrentBias, GateWidth),");
        writer.Line($"    {inputGradients},");
        writer.Line($"    initialStateGradients.IsEmpty ? default : initialStateGradients.Slice({stateRow} * HiddenSize, HiddenSize),");
        if (IsLstm(model))
        {
            writer.Line($"    initialStateGradients.IsEmpty ? default : initialStateGradients.Slice({cellRow} * HiddenSize, HiddenSize),");
        }
        writer.Line(block.Direction == 0 ? "    column: 0," : "    column: HiddenSize,");
        writer.Line($"    reverse: {(block.Direction == 1 ? "true" : "false")});");
    }

    public static void EmitBackpropagateLayer(SourceWriter writer, ModelSpec model, int inputSize)
    {
        string t = model.T;
        string span = $"global::System.Span<{t}>";
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>";
        bool lstm = IsLstm(model);
        string shape = $"{inputSize}x{model.GateWidth}";
        string recurrentShape = $"{model.HiddenSize}x{model.GateWidth}";
        writer.Summary($"Backpropagates one direction of a{(lstm ? "n LSTM" : " GRU")} layer whose input is {inputSize} wide through every step, last processed first.");
        writer.Block(
            $"private void BackpropagateLayer{inputSize}({readOnlySpan} inputs, {readOnlySpan} outputs, {readOnlySpan} outputGradients, {readOnlySpan} cache, {readOnlySpan} inputWeights, {readOnlySpan} recurrentWeights, {readOnlySpan} initialState, {(lstm ? $"{readOnlySpan} initialCell, " : "")}{span} inputWeightGradients, {span} recurrentWeightGradients, {span} inputBiasGradients, {span} recurrentBiasGradients, {span} inputGradients, {span} initialStateGradients, {(lstm ? $"{span} initialCellGradients, " : "")}int column, bool reverse)",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth;");
                writer.Line($"{span} carried = _carriedGradients; // dE/dh<t> from the step processed after t");
                writer.Line($"{span} inputGateGradients = _inputGateGradients; // dE/d(W_ih x + b_ih) at t");
                writer.Line(lstm
                    ? $"{span} carriedCell = _carriedCellGradients; // dE/dc<t> from the step processed after t"
                    : $"{span} recurrentGateGradients = _recurrentGateGradients; // dE/d(W_hh h + b_hh) at t");
                writer.Line("carried.Clear();");
                if (lstm)
                {
                    writer.Line("carriedCell.Clear();");
                }
                writer.Block("for (int step = steps - 1; step >= 0; step--)", () =>
                {
                    writer.Line("int t = reverse ? steps - 1 - step : step;");
                    writer.Line("int before = reverse ? t + 1 : t - 1;");
                    writer.Line($"{readOnlySpan} stateGradient = outputGradients.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Line($"{readOnlySpan} stepCache = cache.Slice(t * CacheWidth, CacheWidth);");
                    writer.Line($"{readOnlySpan} previous = step > 0 ? outputs.Slice((before * LayerWidth) + column, HiddenSize) : initialState;");
                    if (lstm)
                    {
                        writer.Line($"{readOnlySpan} previousCell = step > 0 ? cache.Slice((before * CacheWidth) + (4 * HiddenSize), HiddenSize) : initialCell;");
                        writer.Line("// Through the cell: dE/d(every gate's pre-activation), and dE/dc<t-1> into carriedCell.");
                        writer.Line("global::RnnGen.RnnGates.LstmBackward(stateGradient, carried, carriedCell, previousCell, stepCache, inputGateGradients);");
                        writer.Line("global::RnnGen.RnnActivations.AddTo(inputGateGradients, inputBiasGradients);");
                        writer.Line("global::RnnGen.RnnActivations.AddTo(inputGateGradients, recurrentBiasGradients);");
                    }
                    else
                    {
                        writer.Line("// Through the gates: dE/d(W_ih x + b_ih), dE/d(W_hh h + b_hh), and the part of dE/dh<t-1> that bypasses W_hh into carried.");
                        writer.Line("global::RnnGen.RnnGates.GruBackward(stateGradient, carried, previous, stepCache, inputGateGradients, recurrentGateGradients);");
                        writer.Line("global::RnnGen.RnnActivations.AddTo(inputGateGradients, inputBiasGradients);");
                        writer.Line("global::RnnGen.RnnActivations.AddTo(recurrentGateGradients, recurrentBiasGradients);");
                    }
                    string recurrent = lstm ? "inputGateGradients" : "recurrentGateGradients";
                    writer.Line($"AddOuterProduct{shape}(inputs.Slice(t * {inputSize}, {inputSize}), inputGateGradients, inputWeightGradients);");
                    writer.Block("if (!inputGradients.IsEmpty)", () =>
                        writer.Line($"MultiplyTransposedAdd{shape}(inputWeights, inputGateGradients, inputGradients.Slice(t * {inputSize}, {inputSize}));"));
                    writer.Block("if (!previous.IsEmpty)", () =>
                        writer.Line($"AddOuterProduct{recurrentShape}(previous, {recurrent}, recurrentWeightGradients);"));
                    if (lstm)
                    {
                        writer.Line("carried.Clear();");
                    }
                    writer.Line($"MultiplyTransposedAdd{recurrentShape}(recurrentWeights, {recurrent}, carried);");
                });
                writer.Line("// What is still carried after the first processed step is dE/d(initial state).");
                writer.Block("if (!initialStateGradients.IsEmpty)", () =>
                {
                    writer.Line("carried.CopyTo(initialStateGradients);");
                    if (lstm)
                    {
                        writer.Line("carriedCell.CopyTo(initialCellGradients);");
                    }
                });
            });
    }

    /// <summary>Emits one layer of <c>Step</c>: the new state is computed aside, so the old one stays intact until done.</summary>
    public static void EmitStreamLayer(SourceWriter writer, ModelSpec model, int layer)
    {
        int inputSize = model.LayerInputSize(layer);
        string name = $"Layer{layer}Forward";
        string t = model.T;
        writer.Line($"// Layer {layer}: {(IsLstm(model) ? "LSTM" : "GRU")} step from {(layer == 0 ? "x<t>" : $"layer {layer - 1}'s new h")} and the kept state.");
        writer.Line($"global::System.Span<{t}> state{layer} = new(_streamState, {layer} * HiddenSize, HiddenSize);");
        writer.Line("parameters.Slice(" + name + "InputBias, GateWidth).CopyTo(_inputGates);");
        writer.Line($"{KernelEmitter.MultiplyAddName(inputSize, model.GateWidth)}(layerInput, parameters.Slice({name}InputWeights, {inputSize} * GateWidth), _inputGates);");
        if (IsLstm(model))
        {
            writer.Line($"global::RnnGen.RnnActivations.AddTo(parameters.Slice({name}RecurrentBias, GateWidth), _inputGates);");
            writer.Line($"{KernelEmitter.MultiplyAddName(model.HiddenSize, model.GateWidth)}(state{layer}, parameters.Slice({name}RecurrentWeights, HiddenSize * GateWidth), _inputGates);");
            writer.Line($"global::System.Span<{t}> cell{layer} = new(_streamState, (Layers + {layer}) * HiddenSize, HiddenSize);");
            writer.Line($"global::RnnGen.RnnGates.LstmForward(_inputGates, cell{layer}, _stepState, _stepCache);");
            writer.Line($"new global::System.ReadOnlySpan<{t}>(_stepCache, 4 * HiddenSize, HiddenSize).CopyTo(cell{layer});");
        }
        else
        {
            writer.Line($"parameters.Slice({name}RecurrentBias, GateWidth).CopyTo(_recurrentGates);");
            writer.Line($"{KernelEmitter.MultiplyAddName(model.HiddenSize, model.GateWidth)}(state{layer}, parameters.Slice({name}RecurrentWeights, HiddenSize * GateWidth), _recurrentGates);");
            writer.Line($"global::RnnGen.RnnGates.GruForward(_inputGates, _recurrentGates, state{layer}, _stepState, _stepCache);");
        }
        writer.Line($"new global::System.ReadOnlySpan<{t}>(_stepState).CopyTo(state{layer});");
        writer.Line($"layerInput = state{layer};");
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);
}
