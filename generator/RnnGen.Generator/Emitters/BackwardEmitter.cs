using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits backpropagation through time: the gradient buffer, <c>Backward</c>, the head's backward pass, and the calls of
/// the cell's backward runner for every layer and direction. dE/dW is summed over every step, as the weights are shared across time.
/// </summary>
internal static class BackwardEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout, CellEmitter cell)
    {
        string t = model.T;
        string span = TypeRefs.Span(t);
        string readOnlySpan = TypeRefs.ReadOnlySpan(t);
        bool headPerStep = model.HeadPerStep;

        writer.Line($"private readonly {TypeRefs.AlignedBuffer(t)} _gradients = new(ParameterCount); // on a cache line, as _parameters");
        writer.Line($"private {t}[] _layerGradients = {TypeRefs.Array}.Empty<{t}>(); // dE/d(every layer's a<t>), [Layers, T, LayerWidth]");
        if (model.HasEmbedding)
        {
            writer.Line($"private {t}[] _embeddedGradients = {TypeRefs.Array}.Empty<{t}>(); // dE/dx<t>, the embedding rows the steps read, [T, InputSize]");
        }
        if (headPerStep)
        {
            writer.Line($"private {t}[] _logitGradients = {TypeRefs.Array}.Empty<{t}>(); // dE/dz<t> of every step, [T, OutputSize]");
        }
        else
        {
            writer.Line($"private readonly {t}[] _logitGradients = new {t}[OutputSize];");
            writer.Line($"private readonly {t}[] _headInputGradients = new {t}[LayerWidth];");
        }
        writer.Line();
        writer.Summary("dE/dθ accumulated by <see cref=\"Backward(global::System.ReadOnlySpan{" + t + "})\"/>, laid out exactly like <see cref=\"Parameters\"/>.");
        writer.Line($"public {span} Gradients => _gradients.Span;");
        writer.Line();
        writer.Summary("Sets every gradient to zero (gradients accumulate across Backward calls, so a mini-batch sums them).");
        writer.Line("public void ZeroGradients() => _gradients.Span.Clear();");
        writer.Line();
        writer.Summary("Backpropagates the declared loss of the last forward pass through time, adds dE/dθ to <see cref=\"Gradients\"/> and returns the loss E.");
        writer.Line("/// <param name=\"targets\">The wanted outputs, shaped like the last forward pass's predictions.</param>");
        writer.Line($"public {t} Backward({readOnlySpan} targets) => Backward(targets, default, default);");
        writer.Line();
        writer.Summary("Backpropagates the declared loss of the last forward pass through time, adds dE/dθ to <see cref=\"Gradients\"/> and returns the loss E.");
        writer.Line("/// <param name=\"targets\">The wanted outputs, shaped like the last forward pass's predictions.</param>");
        EmitGradientParameterDocs(writer, model);
        writer.Block($"public {t} Backward({readOnlySpan} targets, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            writer.Line("int steps = StartBackward(targets.Length, nameof(targets), inputGradients, initialStateGradients);");
            writer.Line("double loss = 0; // summed in double, rounded once");
            EmitLossGradients(writer, model);
            writer.Line("BackpropagateHead(steps);");
            writer.Line("BackpropagateLayers(steps, inputGradients, initialStateGradients);");
            writer.Line($"return ({t})loss;");
        });
        writer.Line();
        writer.Summary("Backpropagates dE/d(predictions) of the last forward pass, given from outside (e.g. by the decoder this model's output initialises), and adds dE/dθ to <see cref=\"Gradients\"/>.");
        writer.Line("/// <param name=\"predictionGradients\">dE/dy, shaped like the last forward pass's predictions.</param>");
        EmitGradientParameterDocs(writer, model);
        writer.Block($"public void BackwardFromPredictionGradients({readOnlySpan} predictionGradients, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            writer.Line("int steps = StartBackward(predictionGradients.Length, nameof(predictionGradients), inputGradients, initialStateGradients);");
            writer.Line($"// Output layer{(headPerStep ? " at every step" : ", once")}: dE/dz through g2, then back through W_ya.");
            writer.Line("predictionGradients.CopyTo(_logitGradients);");
            EmitOutputActivationBackward(writer, model, $"new {readOnlySpan}(_predictions, 0, predictionGradients.Length)", $"new {span}(_logitGradients, 0, predictionGradients.Length)");
            writer.Line("BackpropagateHead(steps);");
            writer.Line("BackpropagateLayers(steps, inputGradients, initialStateGradients);");
        });
        writer.Line();
        EmitStartBackward(writer, model, cell);
        writer.Line();
        EmitBackpropagateHead(writer, model, span, readOnlySpan);
        writer.Line();
        writer.Line("// Backpropagates every layer and direction, top layer first, from dE/d(top layer outputs) already in place.");
        writer.Block($"private void BackpropagateLayers(int steps, {span} inputGradients, {span} initialStateGradients)", () =>
        {
            writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
            writer.Line($"{span} gradients = _gradients.Span;");
            writer.Line($"{readOnlySpan} initialState = _hasInitialState ? _initialState : default;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{readOnlySpan} layer{layer} = new(_layerOutputs, {layer} * steps * LayerWidth, steps * LayerWidth);");
                writer.Line($"{span} layer{layer}Gradients = new(_layerGradients, {layer} * steps * LayerWidth, steps * LayerWidth);");
            }
            if (model.HasEmbedding)
            {
                writer.Line($"{span} embeddedGradients = new(_embeddedGradients, 0, steps * InputSize);");
                writer.Line("embeddedGradients.Clear();");
            }
            DropoutEmitter.EmitBackwardLayerInputs(writer, model, DropoutPass.Sequence);
            for (int index = layout.Blocks.Count - 1; index >= 0; index--)
            {
                DirectionBlock block = layout.Blocks[index];
                DropoutEmitter.EmitBeforeBackward(writer, model, DropoutPass.Sequence, layout.Blocks, index);
                string input = block.Layer == 0 ? $"new {readOnlySpan}(_inputs, 0, steps * InputSize)" : DropoutEmitter.LayerInput(model, block.Layer);
                string inputGradients = block.Layer == 0 ? (model.HasEmbedding ? "embeddedGradients" : "inputGradients") : $"layer{block.Layer - 1}Gradients";
                writer.Line();
                writer.Line($"// {block.Title}, back from {(block.IsReverse ? "t = 1 to t = T" : "t = T to t = 1")}: the gradients of its weights and biases, and dE/d(its input){(block.Layer > 0 ? $", which is layer {block.Layer - 1}'s output" : "")}.");
                cell.EmitBackwardCall(writer, block, input, inputGradients);
            }
            if (model.HasEmbedding)
            {
                writer.Line();
                writer.Line("// Embedding: each step's dE/dx<t> into its token's row of the table's gradient (none into the padding token's).");
                EmbeddingEmitter.EmitAddGradients(writer, model, $"new {readOnlySpan}(_tokens, 0, steps)", "embeddedGradients");
                writer.Block("if (!inputGradients.IsEmpty)", () => writer.Line("embeddedGradients.CopyTo(inputGradients);"));
            }
        });
    }

    private static void EmitGradientParameterDocs(SourceWriter writer, ModelSpec model)
    {
        writer.Line(model.HasEmbedding
            ? "/// <param name=\"inputGradients\">Receives dE/dx&lt;t&gt; (x&lt;t&gt; being the embedding row of step t's token), [T, InputSize], or empty when not wanted.</param>"
            : "/// <param name=\"inputGradients\">Receives dE/dx&lt;t&gt;, [T, InputSize], or empty when not wanted.</param>");
        writer.Line("/// <param name=\"initialStateGradients\">Receives dE/d(initial state) of every layer and direction, [StateRows, HiddenSize], or empty when not wanted.</param>");
        writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">No forward pass has run yet.</exception>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; the message gives the expected and actual sizes.</exception>");
    }

    private static void EmitStartBackward(SourceWriter writer, ModelSpec model, CellEmitter cell)
    {
        string t = model.T;
        writer.Line("// Checks every argument of a backward call before anything changes; then grows the gradient buffers with the forward");
        writer.Line("// buffers (so steady-state calls allocate nothing), clears dE/d(layer outputs) and returns T of the last forward pass.");
        writer.Block($"private int StartBackward(int outputLength, string outputName, {TypeRefs.Span(t)} inputGradients, {TypeRefs.Span(t)} initialStateGradients)", () =>
        {
            writer.Line("int steps = _steps;");
            writer.Block("if (steps == 0)", () =>
                writer.Line("throw new " + TypeRefs.InvalidOperationException + "(\"Backward backpropagates the last forward pass, and no Forward call has run yet.\");"));
            if (model.HeadPerStep)
            {
                ArgumentCheck.Steps(writer, "outputLength", "OutputSize", "outputName", ", like the last predictions");
            }
            else
            {
                ArgumentCheck.PassedLength(writer, "outputLength", "OutputSize", "outputName", $"[OutputSize = {model.OutputSize}]");
            }
            ArgumentCheck.OptionalSteps(writer, "inputGradients", "InputSize");
            writer.Line($"{TypeRefs.Arguments}.RequireOptionalState(initialStateGradients.Length, StateRows, HiddenSize, nameof(initialStateGradients));");
            writer.Line("inputGradients.Clear();");
            writer.Block("if (_layerGradients.Length < Layers * steps * LayerWidth)", () =>
            {
                writer.Line($"_layerGradients = new {t}[Layers * steps * LayerWidth];");
                if (model.HasEmbedding)
                {
                    writer.Line($"_embeddedGradients = new {t}[steps * InputSize];");
                }
                if (model.HeadPerStep)
                {
                    writer.Line($"_logitGradients = new {t}[steps * OutputSize];");
                }
            });
            writer.Line($"new {TypeRefs.Span(t)}(_layerGradients, 0, Layers * steps * LayerWidth).Clear();");
            writer.Line("return steps;");
        });
    }

    /// <summary>Emits dE/dz of every output step into _logitGradients, through the loss and g2, summing the loss.</summary>
    private static void EmitLossGradients(SourceWriter writer, ModelSpec model)
    {
        writer.Line(model.HeadPerStep
            ? "// Output layer at every step: dE/dz<t> through the loss and g2, then back through W_ya for all steps at once."
            : "// Output layer, once: dE/dz through the loss and g2, then back through W_ya.");
        EmitLossGradients(writer, model, new LossRows(model.HeadPerStep ? "steps" : null, "t", "_logits", "_predictions", "_logitGradients", "targets"));
    }

    /// <summary>
    /// Declares <c>logitGradients</c> over <see cref="LossRows.Count"/> rows of OutputSize (one row when null), fills it with
    /// dE/dz through the declared loss and g2, and adds the loss to <c>loss</c>.
    /// </summary>
    internal static void EmitLossGradients(SourceWriter writer, ModelSpec model, LossRows rows)
    {
        string readOnlySpan = TypeRefs.ReadOnlySpan(model.T);
        string length = rows.Count is null ? "OutputSize" : $"{rows.Count} * OutputSize";
        writer.Line($"{TypeRefs.Span(model.T)} logitGradients = new({rows.LogitGradients}, 0, {length});");
        if (model.Loss == Loss.CrossEntropy)
        {
            // Softmax and cross-entropy together, a row at a time: dE/dz = y - target needs no Jacobian.
            string Row(string offset, string targets) =>
                $"loss += {TypeRefs.LossGradients}.SoftmaxCrossEntropy(new {readOnlySpan}({rows.Logits}, {offset}, OutputSize), new {readOnlySpan}({rows.Predictions}, {offset}, OutputSize), {targets}, logitGradients.Slice({offset}, OutputSize));";
            if (rows.Count is null)
            {
                writer.Line(Row("0", rows.Targets));
            }
            else
            {
                string i = rows.Index;
                writer.Block($"for (int {i} = 0; {i} < {rows.Count}; {i}++)", () => writer.Line(Row($"{i} * OutputSize", $"{rows.Targets}.Slice({i} * OutputSize, OutputSize)")));
            }
            return;
        }
        writer.Line($"loss += {TypeRefs.LossGradients}.SquaredError(new {readOnlySpan}({rows.Predictions}, 0, {length}), {rows.Targets}, logitGradients);");
        EmitOutputActivationBackward(writer, model, $"new {readOnlySpan}({rows.Predictions}, 0, {length})", "logitGradients");
    }

    internal static void EmitOutputActivationBackward(SourceWriter writer, ModelSpec model, string predictions, string gradients)
    {
        if (model.OutputActivation == OutputActivation.Softmax)
        {
            writer.Line($"{TypeRefs.Activations}.SoftmaxBackwardRows({predictions}, {gradients}, OutputSize);");
        }
        else if (model.OutputActivation != OutputActivation.Identity)
        {
            writer.Line($"{TypeRefs.Activations}.{model.OutputActivation}Backward({predictions}, {gradients});");
        }
    }

    private static void EmitBackpropagateHead(SourceWriter writer, ModelSpec model, string span, string readOnlySpan)
    {
        if (model.HeadPerStep)
        {
            writer.Line($"// With dE/dz<t> of every step in _logitGradients: {HeadEmitter.Gradients(model, "Σ a<t> dz<t>", "Σ dz<t>")} as matrix-matrix products, and dE/da<t> of the top layer = W_ya dz<t>.");
            writer.Block("private void BackpropagateHead(int steps)", () =>
            {
                writer.Line($"{readOnlySpan} top = new(_layerOutputs, (Layers - 1) * steps * LayerWidth, steps * LayerWidth);");
                writer.Line($"{span} topGradients = new(_layerGradients, (Layers - 1) * steps * LayerWidth, steps * LayerWidth);");
                string headInput = DropoutEmitter.EmitStepHeadInput(writer, model, DropoutPass.Sequence, "top", forward: false);
                writer.Line($"{HeadEmitter.DenseBackward(model)}(_parameters.Span.Slice(HeadWeights, {HeadEmitter.BlockLength(model)}), _gradients.Span.Slice(HeadWeights, {HeadEmitter.BlockLength(model)}), {headInput}, new {readOnlySpan}(_logitGradients, 0, steps * OutputSize), topGradients);");
                DropoutEmitter.EmitHeadGradients(writer, model, DropoutPass.Sequence, "topGradients");
            });
            return;
        }
        string where = model.Directions == 2
            ? "its forward half belongs to a<T>, its reverse half to a<1>"
            : "it belongs to a<T>";
        writer.Line($"// With dE/dz in _logitGradients: {HeadEmitter.Gradients(model, "a dz", "dz")} for the top layer's final states a, and dE/da = W_ya dz goes to the top layer's states ({where}).");
        writer.Block("private void BackpropagateHead(int steps)", () =>
        {
            writer.Line($"{span} headInputGradients = _headInputGradients;");
            writer.Line("headInputGradients.Clear();");
            EmitOnceHeadProducts(writer, model, model.HasHeadDropout
                ? $"{DropoutPass.Sequence.Flag} ? _droppedHeadInput : new {readOnlySpan}(_finalState, (Layers - 1) * LayerWidth, LayerWidth)"
                : "new(_finalState, (Layers - 1) * LayerWidth, LayerWidth)", "headInputGradients");
            DropoutEmitter.EmitHeadGradients(writer, model, DropoutPass.Sequence, "headInputGradients");
            writer.Line($"{span} topGradients = new(_layerGradients, (Layers - 1) * steps * LayerWidth, steps * LayerWidth);");
            writer.Line("headInputGradients.Slice(0, HiddenSize).CopyTo(topGradients.Slice((steps - 1) * LayerWidth, HiddenSize));");
            if (model.Directions == 2)
            {
                writer.Line("headInputGradients.Slice(HiddenSize, HiddenSize).CopyTo(topGradients.Slice(HiddenSize, HiddenSize));");
            }
        });
    }

    /// <summary>Once-applied head: with dE/dz in _logitGradients, dW_ya += a dz, db_y += dz (with a bias), and <paramref name="headInputGradients"/> += W_ya dz.</summary>
    private static void EmitOnceHeadProducts(SourceWriter writer, ModelSpec model, string headInput, string headInputGradients)
    {
        string t = model.T;
        writer.Line($"{TypeRefs.ReadOnlySpan(t)} headInput = {headInput};");
        writer.Line($"{KernelCalls.AddOuterProduct(model, model.LayerWidth, model.OutputSize)}(headInput, _logitGradients, _gradients.Span.Slice(HeadWeights, LayerWidth * OutputSize));");
        if (model.HeadBias)
        {
            writer.Line($"{TypeRefs.Activations}.AddTo<{t}>(_logitGradients, _gradients.Span.Slice(HeadBias, OutputSize));");
        }
        writer.Line($"{KernelCalls.MultiplyTransposedAdd(model, model.LayerWidth, model.OutputSize)}(_parameters.Span.Slice(HeadWeights, LayerWidth * OutputSize), _logitGradients, {headInputGradients});");
    }
}

/// <summary>The rows a loss is taken over, by their names in the generated code.</summary>
/// <param name="Count">How many rows of OutputSize, as an expression, or null for one.</param>
/// <param name="Index">The loop variable over the rows.</param>
/// <param name="Logits">The logits' buffer.</param>
/// <param name="Predictions">The predictions' buffer.</param>
/// <param name="LogitGradients">The buffer that receives dE/dz.</param>
/// <param name="Targets">The targets, a span as long as the rows.</param>
internal sealed record LossRows(string? Count, string Index, string Logits, string Predictions, string LogitGradients, string Targets);
