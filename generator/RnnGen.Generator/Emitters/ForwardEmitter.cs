using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>Emits the forward pass: the per-step buffers, <c>Forward</c> with its calls of the cell's runner for every layer and direction, and the head.</summary>
internal static class ForwardEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout, CellEmitter cell)
    {
        string t = model.T;
        string span = TypeRefs.Span(t);
        string readOnlySpan = TypeRefs.ReadOnlySpan(t);
        bool headPerStep = model.HeadPerStep;
        string predictionsShape = headPerStep ? "[T, OutputSize]" : "[OutputSize]";

        writer.Line("// What the last forward pass saw and computed, kept for Backward. The per-step buffers grow to the longest sequence seen and are then reused.");
        if (model.HasEmbedding)
        {
            writer.Line($"private {t}[] _tokens = {TypeRefs.Array}.Empty<{t}>(); // the token ids, [T]");
            writer.Line($"private {t}[] _inputs = {TypeRefs.Array}.Empty<{t}>(); // x: their rows of the embedding, [T, InputSize]");
        }
        else
        {
            writer.Line($"private {t}[] _inputs = {TypeRefs.Array}.Empty<{t}>(); // x, [T, InputSize]");
        }
        writer.Line($"private {t}[] _layerOutputs = {TypeRefs.Array}.Empty<{t}>(); // every layer's a<t>, [Layers, T, LayerWidth]");
        writer.Line($"private {t}[] _logits = {TypeRefs.Array}.Empty<{t}>(); // {HeadEmitter.Affine(model, "a")} before g2, {predictionsShape}");
        writer.Line($"private {t}[] _predictions = {TypeRefs.Array}.Empty<{t}>(); // y, like _logits");
        cell.EmitForwardFields(writer);
        writer.Line($"private {t}[] _workspace = {TypeRefs.Array}.Empty<{t}>(); // the cell runners' scratch");
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

        string inputsDoc = model.HasEmbedding
            ? "/// <param name=\"inputs\">The token ids of the sequence, [T], as integer values from 0 to VocabularySize - 1; T &gt;= 1 is the length.</param>"
            : "/// <param name=\"inputs\">The sequence x&lt;1..T&gt;, [T, InputSize] row by row; T &gt;= 1 is the length divided by InputSize.</param>";
        string exceptions = model.HasEmbedding
            ? "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) an input is not a token id; the message says which and why.</exception>"
            : "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; the message gives the expected and actual sizes.</exception>";
        writer.Summary("Runs the network over a sequence, starting from zero states.");
        writer.Line(inputsDoc);
        writer.Line($"/// <param name=\"predictions\">Receives the outputs, {predictionsShape}.</param>");
        writer.Line(exceptions);
        writer.Line($"public void Forward({readOnlySpan} inputs, {span} predictions) => Forward(inputs, default, predictions);");
        writer.Line();
        writer.Summary("Runs the network over a sequence, starting from the given states.");
        writer.Line(inputsDoc);
        writer.Line($"/// <param name=\"initialState\">The state before step 1, [StateRows, HiddenSize]: PyTorch's h0 (row layer * Directions + direction){(model.Cell == Cell.Lstm ? ", then its c0" : "")}; or empty for zeros.</param>");
        writer.Line($"/// <param name=\"predictions\">Receives the outputs, {predictionsShape}.</param>");
        writer.Line(exceptions);
        writer.Block($"public void Forward({readOnlySpan} inputs, {readOnlySpan} initialState, {span} predictions)", () =>
        {
            if (model.Topology == Topology.OneToOne)
            {
                ArgumentCheck.Length(writer, "inputs", model.HasEmbedding ? "1" : "InputSize",
                    model.HasEmbedding ? "[1], one token: a one-to-one model reads one input" : $"[InputSize = {model.InputSize}], one step: a one-to-one model reads one input");
            }
            writer.Line(model.HasEmbedding
                ? $"int steps = {TypeRefs.Arguments}.TokenCount(inputs.Length, nameof(inputs));"
                : $"int steps = {TypeRefs.Arguments}.StepCount(inputs.Length, InputSize, nameof(inputs));");
            writer.Line($"{TypeRefs.Arguments}.RequireOptionalState(initialState.Length, StateRows, HiddenSize, nameof(initialState));");
            if (model.HasEmbedding)
            {
                EmbeddingEmitter.EmitRequireTokens(writer, "inputs");
            }
            if (headPerStep)
            {
                ArgumentCheck.Steps(writer, "predictions.Length", "OutputSize", "nameof(predictions)");
            }
            else
            {
                ArgumentCheck.Length(writer, "predictions", "OutputSize", $"[OutputSize = {model.OutputSize}]");
            }
            writer.Line("ReserveSteps(steps);");
            writer.Line("_steps = steps;");
            writer.Line(model.HasEmbedding ? "inputs.CopyTo(_tokens);" : "inputs.CopyTo(_inputs);");
            writer.Line("_hasInitialState = !initialState.IsEmpty;");
            writer.Line("initialState.CopyTo(_initialState);");
            if (model.HasDropout)
            {
                writer.Line("// In training mode, this sequence's masks are those of DropoutKey, which moves on to the next sequence's.");
                writer.Line("_forwardDropped = TakeDropoutKeys(1, out _forwardDropoutKey);");
            }
            writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
            if (model.HasEmbedding)
            {
                writer.Line("// Embedding: x<t> = row token<t> of the table.");
                writer.Line($"{span} embedded = new(_inputs, 0, steps * InputSize);");
                EmbeddingEmitter.EmitGather(writer, model, "inputs", "embedded");
            }
            writer.Line($"{span} finalState = _finalState;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{span} layer{layer} = new(_layerOutputs, {layer} * steps * LayerWidth, steps * LayerWidth);");
            }
            foreach (DirectionBlock block in layout.Blocks)
            {
                writer.Line();
                DropoutEmitter.EmitBeforeForward(writer, model, DropoutPass.Sequence, block);
                cell.EmitForwardCall(writer, block, block.Layer == 0 ? (model.HasEmbedding ? "embedded" : "inputs") : DropoutEmitter.LayerInput(model, block.Layer));
            }
            writer.Line();
            EmitHead(writer, model, span);
        });
        writer.Line();
        if (model.HasEmbedding)
        {
            EmitTokenOverloads(writer, model, predictionsShape);
        }
        EmitReserveSteps(writer, model, headPerStep, cell);
    }

    /// <summary>Forward over <c>ReadOnlySpan&lt;int&gt;</c> token ids, through the element-type overloads.</summary>
    private static void EmitTokenOverloads(SourceWriter writer, ModelSpec model, string predictionsShape)
    {
        string span = TypeRefs.Span(model.T), readOnlySpan = TypeRefs.ReadOnlySpan(model.T);
        writer.Summary("Runs the network over a sequence of token ids, starting from zero states.");
        writer.Line("/// <param name=\"tokens\">The token ids, [T], 0 to VocabularySize - 1; T &gt;= 1.</param>");
        writer.Line($"/// <param name=\"predictions\">Receives the outputs, {predictionsShape}.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) an id is out of range; the message says which and why.</exception>");
        writer.Line($"public void Forward(global::System.ReadOnlySpan<int> tokens, {span} predictions) => Forward(TokenValues(tokens, nameof(tokens)), default, predictions);");
        writer.Line();
        writer.Summary("Runs the network over a sequence of token ids, starting from the given states.");
        writer.Line("/// <param name=\"tokens\">The token ids, [T], 0 to VocabularySize - 1; T &gt;= 1.</param>");
        writer.Line($"/// <param name=\"initialState\">The state before step 1, [StateRows, HiddenSize], or empty for zeros.</param>");
        writer.Line($"/// <param name=\"predictions\">Receives the outputs, {predictionsShape}.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) an id is out of range; the message says which and why.</exception>");
        writer.Line($"public void Forward(global::System.ReadOnlySpan<int> tokens, {readOnlySpan} initialState, {span} predictions) => Forward(TokenValues(tokens, nameof(tokens)), initialState, predictions);");
        writer.Line();
        EmbeddingEmitter.EmitTokenValues(writer, model);
        writer.Line();
    }

    private static void EmitHead(SourceWriter writer, ModelSpec model, string span)
    {
        if (model.HeadPerStep)
        {
            string headInput = DropoutEmitter.EmitStepHeadInput(writer, model, DropoutPass.Sequence, $"layer{model.Layers - 1}", forward: true);
            writer.Line($"// Output layer at every step, off the serial path as one matrix-matrix product: y<t> = {HeadEmitter.Formula(model, "a<t>")}.");
            writer.Line($"{span} logits = new(_logits, 0, steps * OutputSize);");
            writer.Line($"{KernelCalls.ProjectInputs(model, model.LayerWidth, model.OutputSize)}({headInput}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), {HeadEmitter.Bias(model)}, logits, OutputSize, 0);");
            writer.Line("logits.CopyTo(predictions);");
            HeadEmitter.EmitActivation(writer, model, "predictions", perStep: true);
            writer.Line("predictions.CopyTo(_predictions);");
        }
        else
        {
            string states = model.Directions == 2
                ? "[forward state after step T | reverse state after step 1]"
                : "a<T>";
            string headInput = DropoutEmitter.EmitOnceHeadInput(writer, model, "finalState.Slice((Layers - 1) * LayerWidth, LayerWidth)");
            writer.Line($"// Output layer once, on the top layer's final states {states}: y = {HeadEmitter.Formula(model, "a")}.");
            writer.Line($"{span} logits = _logits;");
            HeadEmitter.EmitAffine(writer, model, headInput, "logits", "predictions");
            writer.Line("predictions.CopyTo(_predictions);");
        }
    }

    private static void EmitReserveSteps(SourceWriter writer, ModelSpec model, bool headPerStep, CellEmitter cell)
    {
        string t = model.T;
        writer.Line("// Grows the per-step buffers when a sequence is longer than any before; shorter ones reuse them, so steady-state calls allocate nothing.");
        writer.Block("private void ReserveSteps(int steps)", () =>
        {
            writer.Line("long needed = (long)Layers * steps * LayerWidth;");
            writer.Line($"{TypeRefs.Arguments}.RequireArrayLength(needed, steps, \"inputs\");");
            writer.Block("if (_layerOutputs.Length < needed)", () =>
            {
                writer.Line($"_layerOutputs = new {t}[needed];");
                cell.EmitReserveSteps(writer);
                writer.Line($"_workspace = new {t}[{cell.WorkspaceLength}];");
                writer.Line($"_inputs = new {t}[steps * InputSize];");
                if (model.DroppedSlots > 0)
                {
                    writer.Line($"_droppedOutputs = new {t}[{model.DroppedSlots} * steps * LayerWidth];");
                }
                if (model.HasEmbedding)
                {
                    writer.Line($"_tokens = new {t}[steps];");
                }
                writer.Line(headPerStep ? $"_logits = new {t}[steps * OutputSize];" : $"_logits = new {t}[OutputSize];");
                writer.Line(headPerStep ? $"_predictions = new {t}[steps * OutputSize];" : $"_predictions = new {t}[OutputSize];");
            });
        });
    }
}
