using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits <c>ForwardBatch</c>: B independent sequences of possibly different lengths, packed by step (<c>RnnGen.Kernels.PackedBatch</c>),
/// through each layer direction's batched runner, whose every step multiplies the recurrent weights with all the sequences still
/// running at once; then the head over all packed rows (or every sequence's final outputs) and back to the padded batch layout.
/// </summary>
internal static class BatchEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout, CellEmitter cell)
    {
        string t = model.T;
        string span = TypeRefs.Span(t);
        string readOnlySpan = TypeRefs.ReadOnlySpan(t);
        bool headPerStep = model.HeadPerStep;

        writer.Line("// The batch of the last ForwardBatch call, packed by step (the sequences still running at each step in one block, longest first), and its buffers; they grow to the largest batch seen and are then reused.");
        writer.Line($"private readonly {TypeRefs.Kernels}.PackedBatch _batch = new();");
        writer.Line($"private {t}[] _batchInputs = {TypeRefs.Array}.Empty<{t}>(); // x of every sequence's steps, packed, [rows, InputSize]");
        writer.Line($"private {t}[] _batchLayerOutputs = {TypeRefs.Array}.Empty<{t}>(); // every layer's a<t>, packed, [Layers, rows, LayerWidth]");
        if (!headPerStep)
        {
            writer.Line($"private {t}[] _batchFinalOutputs = {TypeRefs.Array}.Empty<{t}>(); // every sequence's top-layer final outputs, [B, LayerWidth]");
        }
        writer.Line($"private {t}[] _batchLogits = {TypeRefs.Array}.Empty<{t}>(); // W_ya a + b_y, {(headPerStep ? "packed, [rows, OutputSize]" : "[B, OutputSize]")}");
        cell.EmitBatchFields(writer);
        writer.Line();

        writer.Summary("Runs the network over a batch of B independent sequences of possibly different lengths, each from zero states: the same as B Forward calls (up to rounding), with every step's recurrent product one matrix-matrix product over the sequences still running, so each weight is read once per step for the whole batch. Allocates nothing once a batch this large has run.");
        writer.Line(model.Topology == Topology.OneToOne
            ? "/// <param name=\"inputs\">The inputs, [B, InputSize]: one step for each sequence.</param>"
            : "/// <param name=\"inputs\">The sequences, [B, T, InputSize] batch first, each padded to T steps (the longest length or more); B is the number of lengths.</param>");
        writer.Line(model.Topology == Topology.OneToOne
            ? "/// <param name=\"lengths\">Each sequence's length: 1.</param>"
            : "/// <param name=\"lengths\">Each sequence's length, 1 to T.</param>");
        writer.Line(headPerStep
            ? "/// <param name=\"predictions\">Receives the outputs, [B, T, OutputSize]; the rows past each sequence's length are set to zero.</param>"
            : "/// <param name=\"predictions\">Receives each sequence's output, [B, OutputSize].</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length or a length is out of range; the message gives the expected and actual sizes.</exception>");
        writer.Block($"public void ForwardBatch({readOnlySpan} inputs, global::System.ReadOnlySpan<int> lengths, {span} predictions)", () =>
        {
            writer.Line("int sequences = lengths.Length;");
            writer.Line($"int steps = {TypeRefs.Arguments}.BatchSteps(inputs.Length, lengths, InputSize, nameof(inputs), nameof(lengths));");
            if (model.Topology == Topology.OneToOne)
            {
                writer.Line($"{TypeRefs.Arguments}.RequireBatch(inputs.Length, sequences, 1, InputSize, nameof(InputSize), nameof(inputs));");
            }
            writer.Line($"{TypeRefs.Arguments}.RequireBatch(predictions.Length, sequences, {(headPerStep ? "steps" : "1")}, OutputSize, nameof(OutputSize), nameof(predictions));");
            writer.Line("_batch.Arrange(lengths, steps);");
            writer.Line("int rows = _batch.Rows;");
            writer.Line("ReserveBatch(rows, sequences);");
            writer.Line($"{span} packedInputs = new(_batchInputs, 0, rows * InputSize);");
            writer.Line("_batch.Pack(inputs, InputSize, packedInputs);");
            writer.Line($"{readOnlySpan} parameters = _parameters;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{span} layer{layer} = new(_batchLayerOutputs, {layer} * rows * LayerWidth, rows * LayerWidth);");
            }
            foreach (DirectionBlock block in layout.Blocks)
            {
                writer.Line();
                cell.EmitForwardBatchCall(writer, block, block.Layer == 0 ? "packedInputs" : $"layer{block.Layer - 1}");
            }
            writer.Line();
            EmitHead(writer, model, span);
        });
        writer.Line();
        writer.Line("// Grows the batch buffers when a batch has more rows or sequences than any before.");
        writer.Block("private void ReserveBatch(int rows, int sequences)", () =>
        {
            writer.Line($"{TypeRefs.Arguments}.RequireArrayLength((long)Layers * rows * LayerWidth, rows, \"inputs\");");
            writer.Line($"{TypeRefs.Kernels}.Buffers.Reserve(ref _batchInputs, rows * InputSize);");
            writer.Line($"{TypeRefs.Kernels}.Buffers.Reserve(ref _batchLayerOutputs, Layers * rows * LayerWidth);");
            if (!headPerStep)
            {
                writer.Line($"{TypeRefs.Kernels}.Buffers.Reserve(ref _batchFinalOutputs, sequences * LayerWidth);");
            }
            writer.Line($"{TypeRefs.Kernels}.Buffers.Reserve(ref _batchLogits, {(headPerStep ? "rows" : "sequences")} * OutputSize);");
            cell.EmitReserveBatch(writer);
        });
    }

    private static void EmitHead(SourceWriter writer, ModelSpec model, string span)
    {
        string top = $"layer{model.Layers - 1}";
        string project = KernelCalls.ProjectInputs(model, model.LayerWidth, model.OutputSize);
        if (model.HeadPerStep)
        {
            writer.Line($"// Output layer at every packed row, as one matrix-matrix product: y<t> = {HeadEmitter.Formula(model, "a<t>")}; then back to the padded layout.");
            writer.Line($"{span} logits = new(_batchLogits, 0, rows * OutputSize);");
            writer.Line($"{project}({top}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), parameters.Slice(HeadBias, OutputSize), logits, OutputSize, 0);");
            HeadEmitter.EmitActivation(writer, model, "logits", perStep: true);
            writer.Line("_batch.Unpack<" + model.T + ">(logits, OutputSize, predictions);");
        }
        else
        {
            string states = model.Directions == 2 ? "[forward output at its last step | reverse output at its first]" : "a<T>";
            writer.Line($"// Output layer once per sequence, on its top-layer final outputs {states}: y = {HeadEmitter.Formula(model, "a")}; then back to batch order.");
            writer.Line($"{span} finals = new(_batchFinalOutputs, 0, sequences * LayerWidth);");
            writer.Line($"_batch.GatherFinalOutputs<{model.T}>({top}, HiddenSize, finals);");
            writer.Line($"{span} logits = new(_batchLogits, 0, sequences * OutputSize);");
            writer.Line($"{project}(finals, parameters.Slice(HeadWeights, LayerWidth * OutputSize), parameters.Slice(HeadBias, OutputSize), logits, OutputSize, 0);");
            HeadEmitter.EmitActivation(writer, model, "logits", perStep: true);
            writer.Line($"_batch.Unsort<{model.T}>(logits, OutputSize, predictions);");
        }
    }
}
