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
        bool manyToMany = model.Topology == Topology.ManyToMany;

        writer.Line($"private readonly {t}[] _gradients = new {t}[ParameterCount];");
        writer.Line($"private {t}[] _layerGradients = global::System.Array.Empty<{t}>(); // dE/d(every layer's a<t>), [Layers, T, LayerWidth]");
        writer.Line($"private readonly {t}[] _logitGradients = new {t}[OutputSize];");
        writer.Line($"private readonly {t}[] _headInputGradients = new {t}[LayerWidth];");
        writer.Line($"private readonly {t}[] _carriedGradients = new {t}[HiddenSize];");
        writer.Line($"private readonly {t}[] _preactivationGradients = new {t}[HiddenSize];");
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
        writer.Line("/// <param name=\"inputGradients\">Receives dE/dx&lt;t&gt;, [T, InputSize], or empty when not wanted.</param>");
        writer.Line("/// <param name=\"initialStateGradients\">Receives dE/da&lt;0&gt; of every layer and direction, [Layers * Directions, HiddenSize], or empty when not wanted.</param>");
        writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">No forward pass has run yet.</exception>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; the message gives the expected and actual sizes.</exception>");
        writer.Block($"public {t} Backward({readOnlySpan} targets, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            writer.Line("int steps = _steps;");
            writer.Block("if (steps == 0)", () =>
                writer.Line("throw new global::System.InvalidOperationException(\"Backward backpropagates the last forward pass, and no Forward call has run yet.\");"));
            if (manyToMany)
            {
                ArgumentCheck.Length(writer, "targets", "steps * OutputSize", "$\"[T = {steps}, OutputSize = {OutputSize}], like the last predictions\"");
            }
            else
            {
                ArgumentCheck.Length(writer, "targets", "OutputSize", "$\"[OutputSize = {OutputSize}]\"");
            }
            writer.Block("if (!inputGradients.IsEmpty)", () =>
                ArgumentCheck.Length(writer, "inputGradients", "steps * InputSize", "$\"[T = {steps}, InputSize = {InputSize}] or none\""));
            writer.Line("global::RnnGen.RnnArguments.RequireOptionalState(initialStateGradients.Length, Layers * Directions, HiddenSize, nameof(initialStateGradients));");
            writer.Line("inputGradients.Clear();");
            writer.Line("ReserveGradientSteps(steps);");
            writer.Line($"{readOnlySpan} parameters = _parameters;");
            writer.Line($"{span} gradients = _gradients;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{readOnlySpan} layer{layer} = new(_layerOutputs, {layer} * steps * LayerWidth, steps * LayerWidth);");
                writer.Line($"{span} layer{layer}Gradients = new(_layerGradients, {layer} * steps * LayerWidth, steps * LayerWidth);");
            }
            writer.Line("new global::System.Span<" + t + ">(_layerGradients, 0, Layers * steps * LayerWidth).Clear();");
            writer.Line($"{span} logitGradients = _logitGradients;");
            writer.Line($"{t} loss = 0;");
            writer.Line();
            EmitHeadBackward(writer, model, span, readOnlySpan);
            for (int index = layout.Blocks.Count - 1; index >= 0; index--)
            {
                DirectionBlock block = layout.Blocks[index];
                string input = block.Layer == 0 ? $"new {readOnlySpan}(_inputs, 0, steps * InputSize)" : $"layer{block.Layer - 1}";
                string inputGradients = block.Layer == 0 ? "inputGradients" : $"layer{block.Layer - 1}Gradients";
                int stateRow = (block.Layer * model.Directions) + block.Direction;
                writer.Line();
                writer.Line($"// {char.ToUpperInvariant(block.Description[0])}{block.Description.Substring(1)}, back from {(block.Direction == 0 ? "t = T to t = 1" : "t = 1 to t = T")}: dE/dW_ax, dE/dW_aa, dE/db_a, and dE/d(its input){(block.Layer > 0 ? $", which is layer {block.Layer - 1}'s output" : "")}.");
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
            writer.Line("return loss;");
        });
        writer.Line();
        writer.Line("// Grows the gradient buffers with the forward buffers, so steady-state calls allocate nothing.");
        writer.Block("private void ReserveGradientSteps(int steps)", () =>
            writer.Block("if (_layerGradients.Length < Layers * steps * LayerWidth)", () =>
                writer.Line($"_layerGradients = new {t}[Layers * steps * LayerWidth];")));
        foreach (int inputSize in layout.Blocks.Select(b => b.InputSize).Distinct())
        {
            writer.Line();
            EmitBackpropagateLayer(writer, model, inputSize, span, readOnlySpan);
        }
    }

    private static void EmitHeadBackward(SourceWriter writer, ModelSpec model, string span, string readOnlySpan)
    {
        string weightsShape = $"{model.LayerWidth}x{model.OutputSize}";
        if (model.Topology == Topology.ManyToMany)
        {
            writer.Line("// Output layer at every step: dE/dz<t> through the loss and g2; dW_ya += a<t> dz<t>, db_y += dz<t>, dE/da<t> = W_ya dz<t>.");
            writer.Line($"{readOnlySpan} top = layer{model.Layers - 1};");
            writer.Line($"{span} topGradients = layer{model.Layers - 1}Gradients;");
            writer.Block("for (int t = 0; t < steps; t++)", () =>
            {
                writer.Line($"{readOnlySpan} headInput = top.Slice(t * LayerWidth, LayerWidth);");
                EmitLogitGradients(writer, model, "t * OutputSize");
                writer.Line($"AddOuterProduct{weightsShape}(headInput, logitGradients, gradients.Slice(HeadWeights, LayerWidth * OutputSize));");
                writer.Line("global::RnnGen.RnnActivations.AddTo(logitGradients, gradients.Slice(HeadBias, OutputSize));");
                writer.Line($"MultiplyTransposedAdd{weightsShape}(parameters.Slice(HeadWeights, LayerWidth * OutputSize), logitGradients, topGradients.Slice(t * LayerWidth, LayerWidth));");
            });
            return;
        }
        string where = model.Directions == 2
            ? "the forward half belongs to a<T>, the reverse half to a<1>"
            : "it belongs to a<T>";
        writer.Line($"// Output layer, once, on the top layer's final states ({where}): dz through the loss and g2; dW_ya += a dz, db_y += dz.");
        writer.Line($"{readOnlySpan} headInput = new(_finalState, (Layers - 1) * LayerWidth, LayerWidth);");
        EmitLogitGradients(writer, model, "0");
        writer.Line($"AddOuterProduct{weightsShape}(headInput, logitGradients, gradients.Slice(HeadWeights, LayerWidth * OutputSize));");
        writer.Line("global::RnnGen.RnnActivations.AddTo(logitGradients, gradients.Slice(HeadBias, OutputSize));");
        writer.Line($"{span} headInputGradients = _headInputGradients;");
        writer.Line("headInputGradients.Clear();");
        writer.Line($"MultiplyTransposedAdd{weightsShape}(parameters.Slice(HeadWeights, LayerWidth * OutputSize), logitGradients, headInputGradients);");
        writer.Line($"{span} topGradients = layer{model.Layers - 1}Gradients;");
        writer.Line("headInputGradients.Slice(0, HiddenSize).CopyTo(topGradients.Slice((steps - 1) * LayerWidth, HiddenSize));");
        if (model.Directions == 2)
        {
            writer.Line("headInputGradients.Slice(HiddenSize, HiddenSize).CopyTo(topGradients.Slice(HiddenSize, HiddenSize));");
        }
    }

    /// <summary>Writes dE/dz for one step into <c>logitGradients</c> and adds the step's loss to <c>loss</c>.</summary>
    private static void EmitLogitGradients(SourceWriter writer, ModelSpec model, string offset)
    {
        string predictions = $"new global::System.ReadOnlySpan<{model.T}>(_predictions, {offset}, OutputSize)";
        string targets = model.Topology == Topology.ManyToMany ? $"targets.Slice({offset}, OutputSize)" : "targets";
        if (model.Loss == Loss.CrossEntropy)
        {
            writer.Line($"loss += global::RnnGen.RnnLossGradients.SoftmaxCrossEntropy(new global::System.ReadOnlySpan<{model.T}>(_logits, {offset}, OutputSize), {predictions}, {targets}, logitGradients);");
            return;
        }
        writer.Line($"loss += global::RnnGen.RnnLossGradients.SquaredError({predictions}, {targets}, logitGradients);");
        if (model.OutputActivation != OutputActivation.Identity)
        {
            writer.Line($"global::RnnGen.RnnActivations.{model.OutputActivation}Backward({predictions}, logitGradients);");
        }
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
                writer.Line($"{span} preactivation = _preactivationGradients; // dE/d(W_aa a + W_ax x + b_a) at t");
                writer.Line("carried.Clear();");
                writer.Block("for (int step = steps - 1; step >= 0; step--)", () =>
                {
                    writer.Line("int t = reverse ? steps - 1 - step : step;");
                    writer.Line($"{readOnlySpan} state = outputs.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Line($"{readOnlySpan} stateGradient = outputGradients.Slice((t * LayerWidth) + column, HiddenSize);");
                    writer.Line(model.Activation == HiddenActivation.Tanh
                        ? "// Through tanh: its derivative is 1 - a²."
                        : "// Through relu: its derivative is 1 where a > 0, else 0.");
                    writer.Block("for (int j = 0; j < HiddenSize; j++)", () =>
                        writer.Line(model.Activation == HiddenActivation.Tanh
                            ? "preactivation[j] = (stateGradient[j] + carried[j]) * (1 - (state[j] * state[j]));"
                            : "preactivation[j] = state[j] > 0 ? stateGradient[j] + carried[j] : 0;"));
                    writer.Line("global::RnnGen.RnnActivations.AddTo(preactivation, biasGradients);");
                    writer.Line($"{readOnlySpan} input = inputs.Slice(t * {inputSize}, {inputSize});");
                    writer.Line($"AddOuterProduct{shape}(input, preactivation, inputWeightGradients);");
                    writer.Block("if (!inputGradients.IsEmpty)", () =>
                        writer.Line($"MultiplyTransposedAdd{shape}(inputWeights, preactivation, inputGradients.Slice(t * {inputSize}, {inputSize}));"));
                    writer.Line($"{readOnlySpan} previous = step > 0 ? outputs.Slice(((reverse ? t + 1 : t - 1) * LayerWidth) + column, HiddenSize) : initialState;");
                    writer.Block("if (!previous.IsEmpty)", () =>
                        writer.Line($"AddOuterProduct{recurrentShape}(previous, preactivation, recurrentWeightGradients);"));
                    writer.Line("carried.Clear();");
                    writer.Line($"MultiplyTransposedAdd{recurrentShape}(recurrentWeights, preactivation, carried);");
                });
                writer.Line("// What is still carried after the first processed step is dE/da<0>.");
                writer.Block("if (!initialStateGradients.IsEmpty)", () => writer.Line("carried.CopyTo(initialStateGradients);"));
            });
    }
}
