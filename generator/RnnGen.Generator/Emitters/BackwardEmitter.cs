using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits backpropagation through time: the gradient buffer, <c>Backward</c>, and one backward runner per layer
/// input width. dE/dW is summed over every step, as the weights are shared across time.
/// </summary>
internal static class BackwardEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout)
    {
        string t = model.T;
        string span = $"global::System.Span<{t}>";
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>";
        bool headPerStep = model.HeadPerStep;

        writer.Line($"private readonly {t}[] _gradients = new {t}[ParameterCount];");
        writer.Line($"private {t}[] _layerGradients = global::System.Array.Empty<{t}>(); // dE/d(every layer's a<t>), [Layers, T, LayerWidth]");
        writer.Line($"private readonly {t}[] _logitGradients = new {t}[OutputSize];");
        if (!headPerStep)
        {
            writer.Line($"private readonly {t}[] _headInputGradients = new {t}[LayerWidth];");
        }
        writer.Line($"private readonly {t}[] _carriedGradients = new {t}[HiddenSize];");
        if (model.Cell == Cell.Vanilla)
        {
            writer.Line($"private {t}[] _stepGradients = global::System.Array.Empty<{t}>(); // dE/d(pre-activation) of every step of one layer direction, [T, HiddenSize]");
        }
        writer.Line();
        writer.Summary("dE/dθ accumulated by <see cref=\"Backward(global::System.ReadOnlySpan{" + t + "})\"/>, laid out exactly like <see cref=\"Parameters\"/>.");
        writer.Line($"public {span} Gradients => _gradients;");
        writer.Line();
        writer.Summary("Sets every gradient to zero (gradients accumulate across Backward calls, so a mini-batch sums them).");
        writer.Line("public void ZeroGradients() => global::System.Array.Clear(_gradients);");
        writer.Line();
        writer.Summary("Backpropagates the declared loss of the last forward pass through time, adds dE/dθ to <see cref=\"Gradients\"/> and returns the loss E.");
        writer.Line("/// <param name=\"targets\">The wanted outputs, shaped like the last forward pass's predictions.</param>");
        writer.Line($"public {t} Backward({readOnlySpan} targets) => Backward(targets, default, default);");
        writer.Line();
        writer.Summary("Backpropagates the declared loss of the last forward pass through time, adds dE/dθ to <see cref=\"Gradients\"/> and returns the loss E.");
        writer.Line("/// <param name=\"targets\">The wanted outputs, shaped like the last forward pass's predictions.</param>");
        EmitGradientParameterDocs(writer);
        writer.Block($"public {t} Backward({readOnlySpan} targets, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            EmitStart(writer, model, "targets");
            writer.Line($"{t} loss = 0;");
            EmitHeadLoop(writer, model, "t", () =>
            {
                string offset = headPerStep ? "t * OutputSize" : "0";
                string predictions = $"new {readOnlySpan}(_predictions, {offset}, OutputSize)";
                string targets = headPerStep ? $"targets.Slice({offset}, OutputSize)" : "targets";
                if (model.Loss == Loss.CrossEntropy)
                {
                    writer.Line($"loss += global::RnnGen.RnnLossGradients.SoftmaxCrossEntropy(new {readOnlySpan}(_logits, {offset}, OutputSize), {predictions}, {targets}, _logitGradients);");
                }
                else
                {
                    writer.Line($"loss += global::RnnGen.RnnLossGradients.SquaredError({predictions}, {targets}, _logitGradients);");
                    EmitOutputActivationBackward(writer, model, predictions);
                }
            });
            writer.Line("BackpropagateLayers(_steps, inputGradients, initialStateGradients);");
            writer.Line("return loss;");
        });
        writer.Line();
        writer.Summary("Backpropagates dE/d(predictions) of the last forward pass, given from outside (e.g. by the decoder this model's output initialises), and adds dE/dθ to <see cref=\"Gradients\"/>.");
        writer.Line("/// <param name=\"predictionGradients\">dE/dy, shaped like the last forward pass's predictions.</param>");
        EmitGradientParameterDocs(writer);
        writer.Block($"public void BackwardFromPredictionGradients({readOnlySpan} predictionGradients, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            EmitStart(writer, model, "predictionGradients");
            EmitHeadLoop(writer, model, "t", () =>
            {
                string offset = headPerStep ? "t * OutputSize" : "0";
                writer.Line($"predictionGradients.Slice({offset}, OutputSize).CopyTo(_logitGradients);");
                EmitOutputActivationBackward(writer, model, $"new {readOnlySpan}(_predictions, {offset}, OutputSize)");
            });
            writer.Line("BackpropagateLayers(_steps, inputGradients, initialStateGradients);");
        });
        writer.Line();
        writer.Line("// Grows the gradient buffers with the forward buffers, so steady-state calls allocate nothing, and clears dE/d(layer outputs).");
        writer.Block("private void StartBackward(int steps)", () =>
        {
            writer.Block("if (_layerGradients.Length < Layers * steps * LayerWidth)", () =>
            {
                writer.Line($"_layerGradients = new {t}[Layers * steps * LayerWidth];");
                if (model.Cell == Cell.Vanilla)
                {
                    writer.Line($"_stepGradients = new {t}[steps * HiddenSize];");
                }
            });
            writer.Line($"new {span}(_layerGradients, 0, Layers * steps * LayerWidth).Clear();");
        });
        writer.Line();
        EmitBackpropagateHead(writer, model, span, readOnlySpan);
        writer.Line();
        writer.Summary("Backpropagates every layer and direction, top layer first, from dE/d(top layer outputs) already in place.");
        writer.Block($"private void BackpropagateLayers(int steps, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            writer.Line($"{readOnlySpan} parameters = _parameters;");
            writer.Line($"{span} gradients = _gradients;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{readOnlySpan} layer{layer} = new(_layerOutputs, {layer} * steps * LayerWidth, steps * LayerWidth);");
                writer.Line($"{span} layer{layer}Gradients = new(_layerGradients, {layer} * steps * LayerWidth, steps * LayerWidth);");
            }
            for (int index = layout.Blocks.Count - 1; index >= 0; index--)
            {
                DirectionBlock block = layout.Blocks[index];
                string input = block.Layer == 0 ? $"new {readOnlySpan}(_inputs, 0, steps * InputSize)" : $"layer{block.Layer - 1}";
                string inputGradients = block.Layer == 0 ? "inputGradients" : $"layer{block.Layer - 1}Gradients";
                int stateRow = (block.Layer * model.Directions) + block.Direction;
                writer.Line();
                writer.Line($"// {char.ToUpperInvariant(block.Description[0])}{block.Description.Substring(1)}, back from {(block.Direction == 0 ? "t = T to t = 1" : "t = 1 to t = T")}: the gradients of its weights and biases, and dE/d(its input){(block.Layer > 0 ? $", which is layer {block.Layer - 1}'s output" : "")}.");
                if (block.IsGated)
                {
                    GatedCellEmitter.EmitBackwardCall(writer, model, block, input, inputGradients);
                    continue;
                }
                writer.Line($"BackpropagateLayer{block.InputSize}(");
                writer.Line($"    {input},");
                writer.Line($"    layer{block.Layer},");
                writer.Line($"    layer{block.Layer}Gradients,");
                writer.Line($"    parameters.Slice({block.Name}InputWeights, {block.InputSize} * HiddenSize),");
                writer.Line($"    parameters.Slice({block.Name}RecurrentWeights, HiddenSize * HiddenSize),");
                writer.Line($"    _hasInitialState ? new {readOnlySpan}(_initialState, {stateRow} * HiddenSize, HiddenSize) : default,");
                writer.Line($"    gradients.Slice({block.Name}InputWeights, {block.InputSize} * HiddenSize),");
                writer.Line($"    gradients.Slice({block.Name}RecurrentWeights, HiddenSize * HiddenSize),");
                writer.Line($"    gradients.Slice({block.Name}Bias, HiddenSize),");
                writer.Line($"    {inputGradients},");
                writer.Line($"    initialStateGradients.IsEmpty ? default : initialStateGradients.Slice({stateRow} * HiddenSize, HiddenSize),");
                writer.Line(block.Direction == 0 ? "    column: 0," : "    column: HiddenSize,");
                writer.Line($"    reverse: {(block.Direction == 1 ? "true" : "false")});");
            }
        });
        foreach (int inputSize in layout.Blocks.Select(b => b.InputSize).Distinct())
        {
            writer.Line();
            if (model.Cell == Cell.Vanilla)
            {
                EmitBackpropagateLayer(writer, model, inputSize, span, readOnlySpan);
            }
            else
            {
                GatedCellEmitter.EmitBackpropagateLayer(writer, model, inputSize);
            }
        }
    }

    private static void EmitGradientParameterDocs(SourceWriter writer)
    {
        writer.Line("/// <param name=\"inputGradients\">Receives dE/dx&lt;t&gt;, [T, InputSize], or empty when not wanted.</param>");
        writer.Line("/// <param name=\"initialStateGradients\">Receives dE/d(initial state) of every layer and direction, [StateRows, HiddenSize], or empty when not wanted.</param>");
        writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">No forward pass has run yet.</exception>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; the message gives the expected and actual sizes.</exception>");
    }

    /// <summary>Checks every argument before anything changes, then prepares the buffers.</summary>
    private static void EmitStart(SourceWriter writer, ModelSpec model, string outputArgument)
    {
        writer.Line("int steps = _steps;");
        writer.Block("if (steps == 0)", () =>
            writer.Line("throw new global::System.InvalidOperationException(\"Backward backpropagates the last forward pass, and no Forward call has run yet.\");"));
        if (model.HeadPerStep)
        {
            ArgumentCheck.Length(writer, outputArgument, "steps * OutputSize", "$\"[T = {steps}, OutputSize = {OutputSize}], like the last predictions\"");
        }
        else
        {
            ArgumentCheck.Length(writer, outputArgument, "OutputSize", "$\"[OutputSize = {OutputSize}]\"");
        }
        writer.Block("if (!inputGradients.IsEmpty)", () =>
            ArgumentCheck.Length(writer, "inputGradients", "steps * InputSize", "$\"[T = {steps}, InputSize = {InputSize}] or none\""));
        writer.Line("global::RnnGen.RnnArguments.RequireOptionalState(initialStateGradients.Length, StateRows, HiddenSize, nameof(initialStateGradients));");
        writer.Line("inputGradients.Clear();");
        writer.Line("StartBackward(steps);");
    }

    /// <summary>Emits the output steps, each filling _logitGradients with dE/dz (by <paramref name="body"/>) and backpropagating it through the head.</summary>
    private static void EmitHeadLoop(SourceWriter writer, ModelSpec model, string step, System.Action body)
    {
        if (model.HeadPerStep)
        {
            writer.Line("// Output layer at every step: dE/dz<t> through the loss and g2, then back through W_ya.");
            writer.Block($"for (int {step} = 0; {step} < steps; {step}++)", () =>
            {
                body();
                writer.Line($"BackpropagateHead(steps, {step});");
            });
        }
        else
        {
            writer.Line("// Output layer, once: dE/dz through the loss and g2, then back through W_ya.");
            body();
            writer.Line("BackpropagateHead(steps);");
        }
    }

    private static void EmitOutputActivationBackward(SourceWriter writer, ModelSpec model, string predictions)
    {
        if (model.OutputActivation != OutputActivation.Identity)
        {
            writer.Line($"global::RnnGen.RnnActivations.{model.OutputActivation}Backward({predictions}, _logitGradients);");
        }
    }

    private static void EmitBackpropagateHead(SourceWriter writer, ModelSpec model, string span, string readOnlySpan)
    {
        if (model.HeadPerStep)
        {
            writer.Summary("With dE/dz&lt;t&gt; in _logitGradients: dW_ya += a&lt;t&gt; dz&lt;t&gt;, db_y += dz&lt;t&gt;, and dE/da&lt;t&gt; of the top layer += W_ya dz&lt;t&gt;.");
            writer.Block("private void BackpropagateHead(int steps, int t)", () =>
            {
                writer.Line("int row = (((Layers - 1) * steps) + t) * LayerWidth;");
                EmitHeadProducts(writer, model, readOnlySpan, "new(_layerOutputs, row, LayerWidth)", $"new {span}(_layerGradients, row, LayerWidth)");
            });
            return;
        }
        string where = model.Directions == 2
            ? "its forward half belongs to a&lt;T&gt;, its reverse half to a&lt;1&gt;"
            : "it belongs to a&lt;T&gt;";
        writer.Summary($"With dE/dz in _logitGradients: dW_ya += a dz and db_y += dz for the top layer's final states a, and dE/da = W_ya dz goes to the top layer's states ({where}).");
        writer.Block("private void BackpropagateHead(int steps)", () =>
        {
            writer.Line($"{span} headInputGradients = _headInputGradients;");
            writer.Line("headInputGradients.Clear();");
            EmitHeadProducts(writer, model, readOnlySpan, "new(_finalState, (Layers - 1) * LayerWidth, LayerWidth)", "headInputGradients");
            writer.Line($"{span} topGradients = new(_layerGradients, (Layers - 1) * steps * LayerWidth, steps * LayerWidth);");
            writer.Line("headInputGradients.Slice(0, HiddenSize).CopyTo(topGradients.Slice((steps - 1) * LayerWidth, HiddenSize));");
            if (model.Directions == 2)
            {
                writer.Line("headInputGradients.Slice(HiddenSize, HiddenSize).CopyTo(topGradients.Slice(HiddenSize, HiddenSize));");
            }
        });
    }

    private static void EmitHeadProducts(SourceWriter writer, ModelSpec model, string readOnlySpan, string headInput, string headInputGradients)
    {
        string shape = $"{model.LayerWidth}x{model.OutputSize}";
        writer.Line($"{readOnlySpan} headInput = {headInput};");
        writer.Line($"AddOuterProduct{shape}(headInput, _logitGradients, new global::System.Span<{model.T}>(_gradients, HeadWeights, LayerWidth * OutputSize));");
        writer.Line($"global::RnnGen.RnnActivations.AddTo<{model.T}>(_logitGradients, new global::System.Span<{model.T}>(_gradients, HeadBias, OutputSize));");
        writer.Line($"MultiplyTransposedAdd{shape}(new {readOnlySpan}(_parameters, HeadWeights, LayerWidth * OutputSize), _logitGradients, {headInputGradients});");
    }

    private static void EmitBackpropagateLayer(SourceWriter writer, ModelSpec model, int inputSize, string span, string readOnlySpan)
    {
        string shape = $"{inputSize}x{model.HiddenSize}";
        string recurrentShape = $"{model.HiddenSize}x{model.HiddenSize}";
        writer.Summary($"Backpropagates one direction of a layer whose input is {inputSize} wide through every step, last processed first.");
        writer.Block(
            $"private void BackpropagateLayer{inputSize}({readOnlySpan} inputs, {readOnlySpan} outputs, {readOnlySpan} outputGradients, {readOnlySpan} inputWeights, {readOnlySpan} recurrentWeights, {readOnlySpan} initialState, {span} inputWeightGradients, {span} recurrentWeightGradients, {span} biasGradients, {span} inputGradients, {span} initialStateGradients, int column, bool reverse)",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth;");
                writer.Line($"{span} carried = _carriedGradients; // dE/da<t> through W_aa from the step processed after t");
                writer.Line($"{span} stepGradients = new(_stepGradients, 0, steps * HiddenSize); // dE/d(W_aa a + W_ax x + b_a) of every step");
                writer.Line("carried.Clear();");
                writer.Line("// The serial part: only what the next step back needs, dE/d(pre-activation) and W_aa's share of dE/da<t-1>.");
                writer.Block("for (int step = steps - 1; step >= 0; step--)", () =>
                {
                    writer.Line("int t = reverse ? steps - 1 - step : step;");
                    writer.Line($"{readOnlySpan} state = outputs.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Line($"{readOnlySpan} stateGradient = outputGradients.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Line($"{span} preactivation = stepGradients.Slice(t * HiddenSize, HiddenSize);");
                    writer.Line(model.Activation == HiddenActivation.Tanh
                        ? "// Through tanh: its derivative is 1 - a²."
                        : "// Through relu: its derivative is 1 where a > 0, else 0.");
                    writer.Block("for (int j = 0; j < HiddenSize; j++)", () =>
                        writer.Line(model.Activation == HiddenActivation.Tanh
                            ? "preactivation[j] = (stateGradient[j] + carried[j]) * (1 - (state[j] * state[j]));"
                            : "preactivation[j] = state[j] > 0 ? stateGradient[j] + carried[j] : 0;"));
                    writer.Block("if (!inputGradients.IsEmpty)", () =>
                        writer.Line($"MultiplyTransposedAdd{shape}(inputWeights, preactivation, inputGradients.Slice(t * {inputSize}, {inputSize}));"));
                    writer.Line("carried.Clear();");
                    writer.Line($"MultiplyTransposedAdd{recurrentShape}(recurrentWeights, preactivation, carried);");
                });
                writer.Line("// Off the serial path, all steps at once: db_a = Σ dz<t>, dW_ax = Σ x<t> dz<t> and dW_aa = Σ a<t-1> dz<t> as matrix-matrix products.");
                writer.Block("for (int t = 0; t < steps; t++)", () =>
                    writer.Line("global::RnnGen.RnnActivations.AddTo<" + model.T + ">(stepGradients.Slice(t * HiddenSize, HiddenSize), biasGradients);"));
                writer.Line($"{KernelEmitter.AddTransposedProductName(inputSize, model.HiddenSize)}(inputs, {inputSize}, stepGradients, steps, inputWeightGradients);");
                writer.Line("// Each step's a<t-1> is the row before it in processing order: the previous row forward, the next one in reverse.");
                writer.Block("if (steps > 1)", () =>
                {
                    writer.Line($"{readOnlySpan} earlierStates = outputs.Slice((reverse ? LayerWidth : 0) + column);");
                    writer.Line($"{readOnlySpan} laterGradients = stepGradients.Slice(reverse ? 0 : HiddenSize, (steps - 1) * HiddenSize);");
                    writer.Line($"{KernelEmitter.AddTransposedProductName(model.HiddenSize, model.HiddenSize)}(earlierStates, LayerWidth, laterGradients, steps - 1, recurrentWeightGradients);");
                });
                writer.Block("if (!initialState.IsEmpty)", () =>
                    writer.Line($"AddOuterProduct{recurrentShape}(initialState, stepGradients.Slice((reverse ? steps - 1 : 0) * HiddenSize, HiddenSize), recurrentWeightGradients);"));
                writer.Line("// What is still carried after the first processed step is dE/da<0>.");
                writer.Block("if (!initialStateGradients.IsEmpty)", () => writer.Line("carried.CopyTo(initialStateGradients);"));
            });
    }
}
