using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>Emits the forward pass: the per-step buffers, <c>Forward</c>, and one recurrence runner per layer input width.</summary>
internal static class ForwardEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout)
    {
        string t = model.T;
        string span = $"global::System.Span<{t}>";
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>";
        bool headPerStep = model.HeadPerStep;
        string predictionsShape = headPerStep ? "[T, OutputSize]" : "[OutputSize]";

        writer.Line("// What the last forward pass saw and computed, kept for Backward. The per-step buffers grow to the longest sequence seen and are then reused.");
        writer.Line($"private {t}[] _inputs = global::System.Array.Empty<{t}>(); // x, [T, InputSize]");
        writer.Line($"private {t}[] _layerOutputs = global::System.Array.Empty<{t}>(); // every layer's a<t>, [Layers, T, LayerWidth]");
        writer.Line($"private {t}[] _logits = global::System.Array.Empty<{t}>(); // W_ya a + b_y before g2, {(headPerStep ? "[T, OutputSize]" : "[OutputSize]")}");
        writer.Line($"private {t}[] _predictions = global::System.Array.Empty<{t}>(); // y, like _logits");
        if (model.Cell != Cell.Vanilla)
        {
            writer.Line($"private {t}[] _cellCache = global::System.Array.Empty<{t}>(); // the gates of every step, [Layers * Directions, T, CacheWidth]");
            GatedCellEmitter.EmitFields(writer, model);
        }
        writer.Line($"private readonly {t}[] _initialState = new {t}[StateRows * HiddenSize];");
        writer.Line($"private readonly {t}[] _finalState = new {t}[StateRows * HiddenSize];");
        writer.Line("private bool _hasInitialState;");
        writer.Line("private int _steps;");
        writer.Line();
        writer.Line("/// <inheritdoc />");
        writer.Line("public int Steps => _steps;");
        writer.Line();
        writer.Summary("The top layer's hidden state at every step of the last forward pass, [Steps, LayerWidth], forward half then reverse half.");
        writer.Line($"public {readOnlySpan} HiddenOutputs => new(_layerOutputs, (Layers - 1) * _steps * LayerWidth, _steps * LayerWidth);");
        writer.Line();
        writer.Summary(model.Cell == Cell.Lstm
            ? "Every layer's and direction's final state after the last forward pass, [StateRows, HiddenSize]: PyTorch's h_n rows, then its c_n rows (a reverse direction's final state is its state after reading step 1)."
            : "Every layer's and direction's final hidden state after the last forward pass, [StateRows, HiddenSize], PyTorch's h_n (a reverse direction's final state is its state after reading step 1).");
        writer.Line($"public {readOnlySpan} FinalState => _finalState;");
        writer.Line();

        writer.Summary("Runs the network over a sequence, starting from zero states.");
        writer.Line("/// <param name=\"inputs\">The sequence x&lt;1..T&gt;, [T, InputSize] row by row; T &gt;= 1 is the length divided by InputSize.</param>");
        writer.Line($"/// <param name=\"predictions\">Receives the outputs, {predictionsShape}.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; the message gives the expected and actual sizes.</exception>");
        writer.Line($"public void Forward({readOnlySpan} inputs, {span} predictions) => Forward(inputs, default, predictions);");
        writer.Line();
        writer.Summary("Runs the network over a sequence, starting from the given states.");
        writer.Line("/// <param name=\"inputs\">The sequence x&lt;1..T&gt;, [T, InputSize] row by row; T &gt;= 1 is the length divided by InputSize.</param>");
        writer.Line("/// <param name=\"initialState\">a&lt;0&gt; of every layer and direction, [Layers * Directions, HiddenSize] (PyTorch's h0, row layer * Directions + direction), or empty for zeros.</param>");
        writer.Line($"/// <param name=\"predictions\">Receives the outputs, {predictionsShape}.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; the message gives the expected and actual sizes.</exception>");
        writer.Block($"public void Forward({readOnlySpan} inputs, {readOnlySpan} initialState, {span} predictions)", () =>
        {
            if (model.Topology == Topology.OneToOne)
            {
                ArgumentCheck.Length(writer, "inputs", "InputSize", "\"[InputSize], one step: a one-to-one model reads one input\"");
            }
            writer.Line("int steps = global::RnnGen.RnnArguments.StepCount(inputs.Length, InputSize, nameof(inputs));");
            writer.Line("global::RnnGen.RnnArguments.RequireOptionalState(initialState.Length, StateRows, HiddenSize, nameof(initialState));");
            if (headPerStep)
            {
                ArgumentCheck.Length(writer, "predictions", "steps * OutputSize", "$\"[T = {steps}, OutputSize = {OutputSize}]\"");
            }
            else
            {
                ArgumentCheck.Length(writer, "predictions", "OutputSize", "$\"[OutputSize = {OutputSize}]\"");
            }
            writer.Line("ReserveSteps(steps);");
            writer.Line("_steps = steps;");
            writer.Line("inputs.CopyTo(_inputs);");
            writer.Line("_hasInitialState = !initialState.IsEmpty;");
            writer.Line("initialState.CopyTo(_initialState);");
            writer.Line($"{readOnlySpan} parameters = _parameters;");
            writer.Line($"{span} finalState = _finalState;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{span} layer{layer} = new(_layerOutputs, {layer} * steps * LayerWidth, steps * LayerWidth);");
            }
            foreach (DirectionBlock block in layout.Blocks)
            {
                string input = block.Layer == 0 ? "inputs" : $"layer{block.Layer - 1}";
                string time = block.Direction == 0 ? "t = 1..T" : "t = T..1";
                string previous = block.Direction == 0 ? "a<t-1>" : "a<t+1>";
                int stateRow = (block.Layer * model.Directions) + block.Direction;
                writer.Line();
                if (block.IsGated)
                {
                    GatedCellEmitter.EmitForwardCall(writer, model, block, input);
                    continue;
                }
                string x = block.Layer == 0 ? "x<t>" : $"[layer {block.Layer - 1} output at t]";
                writer.Line($"// {Capitalized(block.Description)}, {time}: a<t> = {Activation(model.Activation)}(W_aa {previous} + W_ax {x} + b_a).");
                writer.Line($"RunLayer{block.InputSize}(");
                writer.Line($"    {input},");
                writer.Line($"    parameters.Slice({block.Name}InputWeights, {block.InputSize} * HiddenSize),");
                writer.Line($"    parameters.Slice({block.Name}RecurrentWeights, HiddenSize * HiddenSize),");
                writer.Line($"    parameters.Slice({block.Name}Bias, HiddenSize),");
                writer.Line($"    initialState.IsEmpty ? default : initialState.Slice({stateRow} * HiddenSize, HiddenSize),");
                writer.Line($"    layer{block.Layer},");
                writer.Line(block.Direction == 0 ? "    column: 0," : "    column: HiddenSize,");
                writer.Line($"    reverse: {(block.Direction == 1 ? "true" : "false")},");
                writer.Line($"    finalState.Slice({stateRow} * HiddenSize, HiddenSize));");
            }
            writer.Line();
            EmitHead(writer, model, span, readOnlySpan);
        });
        writer.Line();
        EmitReserveSteps(writer, model, headPerStep);
        foreach (int inputSize in layout.Blocks.Select(b => b.InputSize).Distinct())
        {
            writer.Line();
            if (model.Cell == Cell.Vanilla)
            {
                EmitRunLayer(writer, model, inputSize, span, readOnlySpan);
            }
            else
            {
                GatedCellEmitter.EmitRunLayer(writer, model, inputSize);
            }
        }
    }

    private static void EmitHead(SourceWriter writer, ModelSpec model, string span, string readOnlySpan)
    {
        string g2 = model.OutputActivation == OutputActivation.Identity ? "" : OutputActivationName(model.OutputActivation);
        if (model.HeadPerStep)
        {
            writer.Line($"// Output layer at every step: y<t> = {Apply(g2, "W_ya a<t> + b_y")}.");
            writer.Line($"{readOnlySpan} top = layer{model.Layers - 1};");
            writer.Block("for (int t = 0; t < steps; t++)", () =>
            {
                writer.Line($"{span} logits = new(_logits, t * OutputSize, OutputSize);");
                writer.Line($"{span} output = predictions.Slice(t * OutputSize, OutputSize);");
                EmitAffineHead(writer, model, "top.Slice(t * LayerWidth, LayerWidth)");
            });
            writer.Line("predictions.CopyTo(_predictions);");
        }
        else
        {
            string states = model.Directions == 2
                ? "[forward state after step T | reverse state after step 1]"
                : "a<T>";
            writer.Line($"// Output layer once, on the top layer's final states {states}: y = {Apply(g2, "W_ya a + b_y")}.");
            writer.Line($"{span} logits = _logits;");
            writer.Line($"{span} output = predictions;");
            EmitAffineHead(writer, model, "finalState.Slice((Layers - 1) * LayerWidth, LayerWidth)");
            writer.Line("predictions.CopyTo(_predictions);");
        }
    }

    private static void EmitAffineHead(SourceWriter writer, ModelSpec model, string input)
    {
        writer.Line("parameters.Slice(HeadBias, OutputSize).CopyTo(logits);");
        writer.Line($"{KernelEmitter.MultiplyAddName(model.LayerWidth, model.OutputSize)}({input}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), logits);");
        writer.Line("logits.CopyTo(output);");
        if (model.OutputActivation != OutputActivation.Identity)
        {
            writer.Line($"global::RnnGen.RnnActivations.{model.OutputActivation}(output);");
        }
    }

    private static void EmitReserveSteps(SourceWriter writer, ModelSpec model, bool headPerStep)
    {
        string t = model.T;
        writer.Line("// Grows the per-step buffers when a sequence is longer than any before; shorter ones reuse them, so steady-state calls allocate nothing.");
        writer.Block("private void ReserveSteps(int steps)", () =>
        {
            writer.Line("long needed = (long)Layers * steps * LayerWidth;");
            writer.Block("if (needed > global::System.Array.MaxLength)", () =>
                writer.Line("throw new global::System.ArgumentException($\"A sequence of {steps} steps needs {needed} values of layer outputs, more than an array can hold.\", \"inputs\");"));
            writer.Block("if (_layerOutputs.Length < needed)", () =>
            {
                writer.Line($"_layerOutputs = new {t}[needed];");
                if (model.Cell != Cell.Vanilla)
                {
                    writer.Line($"_cellCache = new {t}[Layers * Directions * steps * CacheWidth];");
                }
                writer.Line($"_inputs = new {t}[steps * InputSize];");
                writer.Line(headPerStep ? $"_logits = new {t}[steps * OutputSize];" : $"_logits = new {t}[OutputSize];");
                writer.Line(headPerStep ? $"_predictions = new {t}[steps * OutputSize];" : $"_predictions = new {t}[OutputSize];");
            });
        });
    }

    private static void EmitRunLayer(SourceWriter writer, ModelSpec model, int inputSize, string span, string readOnlySpan)
    {
        string input = inputSize == model.InputSize && inputSize != model.LayerWidth ? "x<t>" : "the layer below's output at t";
        writer.Summary($"Runs one direction of a layer whose input is {inputSize} wide over every step, writing a&lt;t&gt; into its half of each output row.");
        writer.Block(
            $"private static void RunLayer{inputSize}({readOnlySpan} inputs, {readOnlySpan} inputWeights, {readOnlySpan} recurrentWeights, {readOnlySpan} bias, {readOnlySpan} initialState, {span} outputs, int column, bool reverse, {span} finalState)",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth;");
                writer.Line($"// Off the serial path: every step's W_ax {input} + b_a at once, as one matrix-matrix product.");
                writer.Line($"{KernelEmitter.ProjectInputsName(inputSize, model.HiddenSize)}(inputs, inputWeights, bias, outputs, column);");
                writer.Line($"{readOnlySpan} previous = initialState; // empty stands for the zero state: its product is skipped");
                writer.Block("for (int step = 0; step < steps; step++)", () =>
                {
                    writer.Line("int t = reverse ? steps - 1 - step : step;");
                    writer.Line($"{span} state = outputs.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Block("if (!previous.IsEmpty)", () =>
                        writer.Line($"{KernelEmitter.MultiplyAddName(model.HiddenSize, model.HiddenSize)}(previous, recurrentWeights, state); // + W_aa a of the previous step"));
                    writer.Line($"global::RnnGen.RnnActivations.{model.Activation}(state);");
                    writer.Line("previous = state;");
                });
                writer.Line("previous.CopyTo(finalState);");
            });
    }

    private static string Activation(HiddenActivation activation) => activation == HiddenActivation.Tanh ? "tanh" : "relu";

    private static string OutputActivationName(OutputActivation activation) => activation.ToString().ToLowerInvariant();

    private static string Apply(string function, string argument) => function.Length == 0 ? argument : $"{function}({argument})";

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);
}
