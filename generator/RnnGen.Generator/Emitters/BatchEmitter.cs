using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits the batched passes: <c>ForwardBatch</c> and <c>AccumulateBatchGradients</c> over B independent sequences of possibly
/// different lengths, packed by step (<c>RnnGen.Kernels.PackedBatch</c>), through each layer direction's batched runners, whose
/// every step multiplies the weights with all the sequences still running at once; the head over all packed rows (or every
/// sequence's final outputs); the loss and the backward pass over the same rows.
/// </summary>
internal static class BatchEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout, CellEmitter cell)
    {
        string t = model.T;
        string span = TypeRefs.Span(t);
        string readOnlySpan = TypeRefs.ReadOnlySpan(t);
        bool headPerStep = model.HeadPerStep;
        string predictionRows = headPerStep ? "rows" : "sequences";

        writer.Line("// The batch of the last batched call, packed by step (the sequences still running at each step in one block, longest first), and its buffers.");
        writer.Line($"private readonly {TypeRefs.Kernels}.PackedBatch _batch = new();");
        writer.Line($"private readonly {TypeRefs.Kernels}.BatchBuffers<{t}> _batchBuffers = new(Layers, InputSize, LayerWidth, OutputSize, headPerStep: {(headPerStep ? "true" : "false")});");
        if (model.HasEmbedding)
        {
            writer.Line($"private {t}[] _batchTokens = {TypeRefs.Array}.Empty<{t}>(); // the batch's token ids, packed like its rows");
            writer.Line($"private {t}[] _batchEmbeddedGradients = {TypeRefs.Array}.Empty<{t}>(); // dE/d(each packed row's embedding row), [rows, InputSize]");
        }
        writer.Line();

        writer.Summary("Runs the network over a batch of B independent sequences of possibly different lengths, each from zero states: the same as B Forward calls (up to rounding), with every step's products over the sequences still running, so each weight is read once per step for the whole batch. Allocates nothing once a batch of as many sequences and padded steps has run.");
        EmitBatchParameterDocs(writer, model);
        writer.Line(headPerStep
            ? "/// <param name=\"predictions\">Receives the outputs, [B, T, OutputSize]; the rows past each sequence's length are set to zero.</param>"
            : "/// <param name=\"predictions\">Receives each sequence's output, [B, OutputSize].</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length or a length is out of range; the message gives the expected and actual sizes.</exception>");
        writer.Block($"public void ForwardBatch({readOnlySpan} inputs, global::System.ReadOnlySpan<int> lengths, {span} predictions)", () =>
        {
            writer.Line("int steps = CheckBatch(inputs, lengths, predictions.Length, nameof(predictions));");
            EmitTakeDropoutKeys(writer, model);
            writer.Line($"RunBatch(inputs, lengths, steps, keepForBackward: false{DropoutArguments(model)});");
            writer.Line(headPerStep
                ? $"_batch.Unpack<{t}>(new {readOnlySpan}(_batchBuffers.Predictions, 0, _batch.Rows * OutputSize), OutputSize, predictions);"
                : $"_batch.Unsort<{t}>(new {readOnlySpan}(_batchBuffers.Predictions, 0, lengths.Length * OutputSize), OutputSize, predictions);");
        });
        writer.Line();

        writer.Summary("Runs the network over a batch as <see cref=\"ForwardBatch(" + TypeRefs.Cref(readOnlySpan) + ", global::System.ReadOnlySpan{int}, " + TypeRefs.Cref(span) + ")\"/> does, backpropagates the declared loss of every sequence through time, adds the sum of their dE/dθ to <see cref=\"Gradients\"/> and returns the sum of their losses: the same as a Forward and a Backward call per sequence (up to rounding), with every step's products over the whole batch. Allocates nothing once a batch of as many sequences and padded steps has run.");
        EmitBatchParameterDocs(writer, model);
        writer.Line(headPerStep
            ? "/// <param name=\"targets\">The wanted outputs, [B, T, OutputSize]; the rows past each sequence's length are not read.</param>"
            : "/// <param name=\"targets\">Each sequence's wanted output, [B, OutputSize].</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length or a length is out of range; the message gives the expected and actual sizes.</exception>");
        writer.Block($"public {t} AccumulateBatchGradients({readOnlySpan} inputs, global::System.ReadOnlySpan<int> lengths, {readOnlySpan} targets)", () =>
        {
            writer.Line("int steps = CheckBatch(inputs, lengths, targets.Length, nameof(targets));");
            EmitTakeDropoutKeys(writer, model);
            writer.Line($"RunBatch(inputs, lengths, steps, keepForBackward: true{DropoutArguments(model)});");
            writer.Line("int rows = _batch.Rows, sequences = lengths.Length;");
            writer.Line($"{span} targetRows = new(_batchBuffers.Targets, 0, {predictionRows} * OutputSize);");
            writer.Line(headPerStep ? "_batch.Pack(targets, OutputSize, targetRows);" : "_batch.Sort(targets, OutputSize, targetRows);");
            writer.Line("double loss = 0; // summed in double, rounded once");
            writer.Line($"// dE/dz of every {(headPerStep ? "packed row" : "sequence")} through the loss and g2.");
            BackwardEmitter.EmitLossGradients(writer, model, new LossRows(predictionRows, "row", "_batchBuffers.Logits", "_batchBuffers.Predictions", "_batchBuffers.LogitGradients", "targetRows"));
            writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
            writer.Line($"{span} gradients = _gradients.Span;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{readOnlySpan} layer{layer} = new(_batchBuffers.LayerOutputs, {layer} * rows * LayerWidth, rows * LayerWidth);");
                writer.Line($"{span} layer{layer}Gradients = new(_batchBuffers.LayerGradients, {layer} * rows * LayerWidth, rows * LayerWidth);");
            }
            writer.Line($"new {span}(_batchBuffers.LayerGradients, 0, Layers * rows * LayerWidth).Clear();");
            EmitHeadBackward(writer, model, span, readOnlySpan);
            if (model.HasEmbedding)
            {
                writer.Line($"{span} embeddedGradients = new(_batchEmbeddedGradients, 0, rows * InputSize);");
                writer.Line("embeddedGradients.Clear();");
            }
            DropoutEmitter.EmitBackwardLayerInputs(writer, model, DropoutPass.Batch);
            for (int index = layout.Blocks.Count - 1; index >= 0; index--)
            {
                DirectionBlock block = layout.Blocks[index];
                DropoutEmitter.EmitBeforeBackward(writer, model, DropoutPass.Batch, layout.Blocks, index);
                writer.Line();
                writer.Line($"// {block.Title}, back through every sequence: the gradients of its weights and biases{(block.Layer > 0 ? $", and dE/d(its input), layer {block.Layer - 1}'s output" : model.HasEmbedding ? ", and dE/d(its input), the embedding rows" : "")}.");
                cell.EmitBackwardBatchCall(writer, block, block.Layer == 0 ? $"new {readOnlySpan}(_batchBuffers.Inputs, 0, rows * InputSize)" : DropoutEmitter.LayerInput(model, block.Layer),
                    block.Layer == 0 ? (model.HasEmbedding ? "embeddedGradients" : "default") : $"layer{block.Layer - 1}Gradients");
            }
            if (model.HasEmbedding)
            {
                writer.Line();
                writer.Line("// Embedding: each packed row's dE/dx into its token's row of the table's gradient (none into the padding token's).");
                EmbeddingEmitter.EmitAddGradients(writer, model, $"new {readOnlySpan}(_batchTokens, 0, rows)", "embeddedGradients");
            }
            writer.Line($"return ({t})loss;");
        });
        writer.Line();

        if (model.HasEmbedding)
        {
            EmitTokenOverloads(writer, model, span, readOnlySpan);
        }

        writer.Line("// Checks a batched call's arguments before anything changes and returns the padded steps T.");
        writer.Block($"private int CheckBatch({readOnlySpan} inputs, global::System.ReadOnlySpan<int> lengths, int outputLength, string outputName)", () =>
        {
            string stepInput = model.HasEmbedding ? "1" : "InputSize";
            writer.Line($"int steps = {TypeRefs.Arguments}.BatchSteps(inputs.Length, lengths, {stepInput}, \"inputs\", nameof(lengths){(model.HasEmbedding ? ", tokenIds: true" : "")});");
            if (model.Topology == Topology.OneToOne)
            {
                writer.Line($"{TypeRefs.Arguments}.RequireBatch(inputs.Length, lengths.Length, 1, {stepInput}, {(model.HasEmbedding ? "\"token ids\"" : "nameof(InputSize)")}, \"inputs\");");
            }
            writer.Line($"{TypeRefs.Arguments}.RequireBatch(outputLength, lengths.Length, {(headPerStep ? "steps" : "1")}, OutputSize, nameof(OutputSize), outputName);");
            if (model.HasEmbedding)
            {
                EmbeddingEmitter.EmitRequireBatchTokens(writer);
            }
            writer.Line("return steps;");
        });
        writer.Line();

        writer.Line("// The batched forward pass into _batchBuffers.LayerOutputs, _batchBuffers.Logits and _batchBuffers.Predictions; with keepForBackward, also what the backward pass reads.");
        writer.Block($"private void RunBatch({readOnlySpan} inputs, global::System.ReadOnlySpan<int> lengths, int steps, bool keepForBackward{(model.HasDropout ? ", bool dropping, ulong dropoutKey" : "")})", () =>
        {
            writer.Line("_batch.Arrange(lengths, steps);");
            writer.Line("int rows = _batch.Rows, sequences = lengths.Length;");
            writer.Line("// The buffers hold the padded batch, B * T rows, so that batches of that size never grow them, whatever their lengths.");
            writer.Line("int padded = sequences * steps;");
            writer.Line($"_batchBuffers.Reserve(padded, sequences, workspaceLength: {cell.BatchWorkspaceLength}, keepForBackward,");
            writer.Line($"    backwardWorkspaceLength: keepForBackward ? {cell.BatchBackwardWorkspaceLength("padded")} : 0, cacheLength: {cell.BatchCacheLength("padded")});");
            if (model.DroppedSlots > 0)
            {
                writer.Block($"if (dropping && _batchDropped.Length < {model.DroppedSlots} * padded * LayerWidth)", () => writer.Line($"_batchDropped = new {t}[{model.DroppedSlots} * padded * LayerWidth];"));
            }
            writer.Line($"{span} packedInputs = new(_batchBuffers.Inputs, 0, rows * InputSize);");
            if (model.HasEmbedding)
            {
                writer.Block("if (_batchTokens.Length < padded)", () => writer.Line($"_batchTokens = new {t}[padded];"));
                writer.Block("if (keepForBackward && _batchEmbeddedGradients.Length < padded * InputSize)", () => writer.Line($"_batchEmbeddedGradients = new {t}[padded * InputSize];"));
                writer.Line($"{span} packedTokens = new(_batchTokens, 0, rows);");
                writer.Line("_batch.Pack(inputs, 1, packedTokens);");
                writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
                writer.Line("// Embedding: each packed row's input is its token's row of the table.");
                EmbeddingEmitter.EmitGather(writer, model, "packedTokens", "packedInputs");
            }
            else
            {
                writer.Line("_batch.Pack(inputs, InputSize, packedInputs);");
                writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
            }
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{span} layer{layer} = new(_batchBuffers.LayerOutputs, {layer} * rows * LayerWidth, rows * LayerWidth);");
            }
            foreach (DirectionBlock block in layout.Blocks)
            {
                writer.Line();
                DropoutEmitter.EmitBeforeForward(writer, model, DropoutPass.Batch, block);
                cell.EmitForwardBatchCall(writer, block, block.Layer == 0 ? "packedInputs" : DropoutEmitter.LayerInput(model, block.Layer));
            }
            writer.Line();
            EmitHead(writer, model, span);
        });
        writer.Line();

    }

    /// <summary>The batched calls over <c>ReadOnlySpan&lt;int&gt;</c> token ids, through the element-type ones.</summary>
    private static void EmitTokenOverloads(SourceWriter writer, ModelSpec model, string span, string readOnlySpan)
    {
        const string Tokens = "/// <param name=\"tokens\">The sequences' token ids, [B, T] batch first, each padded to T steps with any token id (e.g. PaddingIndex); B is the number of lengths.</param>";
        const string Lengths = "/// <param name=\"lengths\">Each sequence's length, 1 to T.</param>";
        const string Errors = "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, a length is out of range, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) an id is not a token id.</exception>";
        writer.Summary("<see cref=\"ForwardBatch(" + TypeRefs.Cref(readOnlySpan) + ", global::System.ReadOnlySpan{int}, " + TypeRefs.Cref(span) + ")\"/> over token ids.");
        writer.Line(Tokens);
        writer.Line(Lengths);
        writer.Line("/// <param name=\"predictions\">Receives the outputs, as the other overload.</param>");
        writer.Line(Errors);
        writer.Line($"public void ForwardBatch(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<int> lengths, {span} predictions) => ForwardBatch(TokenValues(tokens, nameof(tokens)), lengths, predictions);");
        writer.Line();
        writer.Summary("<see cref=\"AccumulateBatchGradients(" + TypeRefs.Cref(readOnlySpan) + ", global::System.ReadOnlySpan{int}, " + TypeRefs.Cref(readOnlySpan) + ")\"/> over token ids.");
        writer.Line(Tokens);
        writer.Line(Lengths);
        writer.Line("/// <param name=\"targets\">The wanted outputs, as the other overload.</param>");
        writer.Line(Errors);
        writer.Line($"public {model.T} AccumulateBatchGradients(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<int> lengths, {readOnlySpan} targets) => AccumulateBatchGradients(TokenValues(tokens, nameof(tokens)), lengths, targets);");
        writer.Line();
    }

    /// <summary>In training mode, the batch's sequence b is dropped by the masks of DropoutKey + b.</summary>
    private static void EmitTakeDropoutKeys(SourceWriter writer, ModelSpec model)
    {
        if (model.HasDropout)
        {
            writer.Line("// In training mode, sequence b's masks are those of DropoutKey + b, and DropoutKey moves past the batch.");
            writer.Line("bool dropping = TakeDropoutKeys(lengths.Length, out ulong dropoutKey);");
        }
    }

    private static string DropoutArguments(ModelSpec model) => model.HasDropout ? ", dropping, dropoutKey" : "";

    private static void EmitBatchParameterDocs(SourceWriter writer, ModelSpec model)
    {
        writer.Line(model.Topology == Topology.OneToOne
            ? (model.HasEmbedding ? "/// <param name=\"inputs\">The token ids, [B]: one for each sequence.</param>" : "/// <param name=\"inputs\">The inputs, [B, InputSize]: one step for each sequence.</param>")
            : model.HasEmbedding
                ? "/// <param name=\"inputs\">The sequences' token ids, [B, T] batch first as integer values, each padded to T steps (the longest length or more; the padding is never read); B is the number of lengths.</param>"
                : "/// <param name=\"inputs\">The sequences, [B, T, InputSize] batch first, each padded to T steps (the longest length or more); B is the number of lengths.</param>");
        writer.Line(model.Topology == Topology.OneToOne
            ? "/// <param name=\"lengths\">Each sequence's length: 1.</param>"
            : "/// <param name=\"lengths\">Each sequence's length, 1 to T.</param>");
    }

    private static void EmitHead(SourceWriter writer, ModelSpec model, string span)
    {
        string top = $"layer{model.Layers - 1}";
        string project = KernelCalls.ProjectInputs(model, model.LayerWidth, model.OutputSize);
        if (model.HeadPerStep)
        {
            string headInput = DropoutEmitter.EmitStepHeadInput(writer, model, DropoutPass.Batch, top, forward: true);
            writer.Line($"// Output layer at every packed row, as one matrix-matrix product: y<t> = {HeadEmitter.Formula(model, "a<t>")}.");
            writer.Line($"{span} logits = new(_batchBuffers.Logits, 0, rows * OutputSize);");
            writer.Line($"{project}({headInput}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), {HeadEmitter.Bias(model)}, logits, OutputSize, 0);");
        }
        else
        {
            string states = model.Directions == 2 ? "[forward output at its last step | reverse output at its first]" : "a<T>";
            writer.Line($"// Output layer once per sequence, on its top-layer final outputs {states}: y = {HeadEmitter.Formula(model, "a")}.");
            writer.Line($"{span} finals = new(_batchBuffers.FinalOutputs, 0, sequences * LayerWidth);");
            writer.Line($"_batch.GatherFinalOutputs<{model.T}>({top}, HiddenSize, finals);");
            DropoutEmitter.EmitSortedHeadInput(writer, model, "finals");
            writer.Line($"{span} logits = new(_batchBuffers.Logits, 0, sequences * OutputSize);");
            writer.Line($"{project}(finals, parameters.Slice(HeadWeights, LayerWidth * OutputSize), {HeadEmitter.Bias(model)}, logits, OutputSize, 0);");
        }
        writer.Line($"{span} predictions = new(_batchBuffers.Predictions, 0, logits.Length);");
        writer.Line("logits.CopyTo(predictions);");
        HeadEmitter.EmitActivation(writer, model, "predictions", perStep: true);
    }

    private static void EmitHeadBackward(SourceWriter writer, ModelSpec model, string span, string readOnlySpan)
    {
        string dense = HeadEmitter.DenseBackward(model);
        string length = HeadEmitter.BlockLength(model);
        string headBlocks = $"parameters.Slice(HeadWeights, {length}), gradients.Slice(HeadWeights, {length})";
        string top = $"layer{model.Layers - 1}";
        if (model.HeadPerStep)
        {
            string headInput = DropoutEmitter.EmitStepHeadInput(writer, model, DropoutPass.Batch, top, forward: false);
            writer.Line($"// Output layer: {HeadEmitter.Gradients(model, "Σ a dz", "Σ dz")} over every packed row as matrix-matrix products, and dE/da of the top layer = W_ya dz.");
            writer.Line($"{dense}({headBlocks}, {headInput}, logitGradients, {top}Gradients);");
            DropoutEmitter.EmitHeadGradients(writer, model, DropoutPass.Batch, $"{top}Gradients");
            return;
        }
        writer.Line($"// Output layer: {HeadEmitter.Gradients(model, "Σ a dz", "Σ dz")} over every sequence's final outputs, and dE/d(those outputs) = W_ya dz, added where they were taken from.");
        writer.Line($"{span} finalGradients = new(_batchBuffers.FinalGradients, 0, sequences * LayerWidth);");
        writer.Line("finalGradients.Clear();");
        writer.Line($"{dense}({headBlocks}, new {readOnlySpan}(_batchBuffers.FinalOutputs, 0, sequences * LayerWidth), logitGradients, finalGradients);");
        DropoutEmitter.EmitHeadGradients(writer, model, DropoutPass.Batch, "finalGradients");
        writer.Line($"_batch.AddFinalGradients<{model.T}>(finalGradients, HiddenSize, {top}Gradients);");
    }
}
