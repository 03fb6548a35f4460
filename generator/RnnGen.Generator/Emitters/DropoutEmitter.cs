using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// The training mode of a model declared with dropout (<c>RnnGen.IRnnDropout</c>): its constants and state, and the lines
/// the forward, batched and backward emitters add where a layer's output is read by the next layer or the head. The masks
/// come from the runtime library (<c>RnnGen.Kernels.Dropout</c>), which recomputes them from the key in the backward pass.
/// </summary>
internal static class DropoutEmitter
{
    private const string Kernel = "global::RnnGen.Kernels.Dropout";

    /// <summary>The constants, the two properties of <c>IRnnDropout</c>, the state of the last forward pass and the key counter.</summary>
    public static void EmitMembers(SourceWriter writer, ModelSpec model)
    {
        string t = model.T;
        if (model.HasLayerDropout)
        {
            writer.Summary($"In training mode, the probability that a unit of a layer's output is zeroed before the next layer reads it, as <c>nn.{PyTorchModule(model)}(dropout={Literal(model.Dropout)})</c>.");
            writer.Line($"public const double Dropout = {Literal(model.Dropout)};");
        }
        if (model.HasHeadDropout)
        {
            writer.Summary($"In training mode, the probability that a unit of the head's input is zeroed, as <c>nn.Dropout({Literal(model.HeadDropout)})</c> before the head.");
            writer.Line($"public const double HeadDropout = {Literal(model.HeadDropout)};");
        }
        writer.Line();
        writer.Summary("Whether Forward, ForwardBatch and AccumulateBatchGradients drop units (PyTorch's <c>model.train()</c>); false for a new model, which infers (<c>model.eval()</c>). Step, StepBlock and generation never drop.");
        writer.Line("public bool Training { get; set; }");
        writer.Line();
        writer.Summary("The key of the masks of the next sequence a training-mode pass reads: sequence b of a call is dropped by the masks of DropoutKey + b, and the call advances DropoutKey by its number of sequences.");
        writer.Line("public ulong DropoutKey { get; set; }");
        writer.Line();
        writer.Line("// Whether the last Forward dropped units, and the key of its masks, for Backward to go back through them.");
        writer.Line("private bool _forwardDropped;");
        writer.Line("private ulong _forwardDropoutKey;");
        if (model.DroppedSlots > 0)
        {
            writer.Line($"private {t}[] _droppedOutputs = {TypeRefs.Array}.Empty<{t}>(); // the dropped rows the next layer{(model.HasHeadDropout && model.HeadPerStep ? " or the head" : "")} read, [{model.DroppedSlots}, T, LayerWidth]");
            writer.Line($"private {t}[] _batchDropped = {TypeRefs.Array}.Empty<{t}>(); // the same for the packed rows of the last batched call, [{model.DroppedSlots}, rows, LayerWidth]");
        }
        if (model.HasHeadDropout && !model.HeadPerStep)
        {
            writer.Line($"private readonly {t}[] _droppedHeadInput = new {t}[LayerWidth]; // the head's dropped input in the last Forward");
        }
        writer.Line();
        writer.Line("// In training mode, true with the key of the first of these sequences' masks, moving DropoutKey past them; else false.");
        writer.Block("private bool TakeDropoutKeys(int sequences, out ulong firstKey)", () =>
        {
            writer.Line("firstKey = DropoutKey;");
            writer.Block("if (!Training)", () => writer.Line("return false;"));
            writer.Line("DropoutKey += (ulong)sequences;");
            writer.Line("return true;");
        });
    }

    /// <summary>The name of the span layer <paramref name="layer"/> &gt; 0 reads: the layer below's output, or its dropped copy.</summary>
    public static string LayerInput(ModelSpec model, int layer) => model.HasLayerDropout ? $"layer{layer}Input" : $"layer{layer - 1}";

    /// <summary>
    /// Before <paramref name="block"/> runs forward: when it is the first block of a layer above the bottom one,
    /// <see cref="LayerInput"/>, in training mode the dropped copy of the layer below's output.
    /// </summary>
    public static void EmitBeforeForward(SourceWriter writer, ModelSpec model, DropoutPass pass, DirectionBlock block)
    {
        if (!model.HasLayerDropout || block.Layer == 0 || block.IsReverse)
        {
            return;
        }
        int layer = block.Layer;
        string below = $"layer{layer - 1}";
        writer.Line($"// Dropout between layers {layer - 1} and {layer}, in training mode: layer {layer} reads layer {layer - 1}'s output with each unit zeroed with probability Dropout, the others scaled by 1 / (1 - Dropout).");
        writer.Line($"{TypeRefs.ReadOnlySpan(model.T)} {LayerInput(model, layer)} = {pass.Flag} ? {pass.Apply(below, pass.Slot(model, layer - 1), layer - 1, "Dropout")} : {below};");
    }

    /// <summary>Before a backward pass's blocks: every layer's <see cref="LayerInput"/> above the bottom one, as its forward pass left it.</summary>
    public static void EmitBackwardLayerInputs(SourceWriter writer, ModelSpec model, DropoutPass pass)
    {
        for (int layer = 1; model.HasLayerDropout && layer < model.Layers; layer++)
        {
            writer.Line($"{TypeRefs.ReadOnlySpan(model.T)} {LayerInput(model, layer)} = {pass.Flag} ? {pass.Slot(model, layer - 1, readOnly: true)} : layer{layer - 1};");
        }
    }

    /// <summary>
    /// Before <paramref name="blocks"/>[<paramref name="index"/>] is backpropagated (the blocks run top layer first): when it is
    /// the first of its layer's, every block above it has added into dE/d(its layer's output), which now goes back through the
    /// mask of the dropout between it and the layer above, in place.
    /// </summary>
    public static void EmitBeforeBackward(SourceWriter writer, ModelSpec model, DropoutPass pass, IReadOnlyList<DirectionBlock> blocks, int index)
    {
        int layer = blocks[index].Layer;
        if (!model.HasLayerDropout || index == blocks.Count - 1 || blocks[index + 1].Layer == layer)
        {
            return;
        }
        writer.Line();
        writer.Line($"// Back through the dropout between layers {layer} and {layer + 1}: dE/d(layer {layer}'s output) = mask ⊙ dE/d(layer {layer + 1}'s input) / (1 - Dropout).");
        writer.Block($"if ({pass.Flag})", () => writer.Line($"{pass.Apply($"layer{layer}Gradients", $"layer{layer}Gradients", layer, "Dropout")};"));
    }

    /// <summary>
    /// The span a head applied at every step reads, named <c>headInput</c>: the top layer's rows, or in training mode their
    /// dropped copy (computed by a forward pass, read back by a backward one). Returns the name to read.
    /// </summary>
    public static string EmitStepHeadInput(SourceWriter writer, ModelSpec model, DropoutPass pass, string top, bool forward)
    {
        if (!model.HasHeadDropout)
        {
            return top;
        }
        string dropped = forward ? pass.Apply(top, pass.Slot(model, model.Layers - 1), model.Layers - 1, "HeadDropout") : pass.Slot(model, model.Layers - 1, readOnly: true);
        if (forward)
        {
            writer.Line("// Dropout on the head's input, in training mode: each unit zeroed with probability HeadDropout, the others scaled by 1 / (1 - HeadDropout).");
        }
        writer.Line($"{TypeRefs.ReadOnlySpan(model.T)} headInput = {pass.Flag} ? {dropped} : {top};");
        return "headInput";
    }

    /// <summary>After the head's backward pass: dE/d(its input) through the head dropout's mask, in place, in <paramref name="gradients"/>.</summary>
    public static void EmitHeadGradients(SourceWriter writer, ModelSpec model, DropoutPass pass, string gradients)
    {
        if (!model.HasHeadDropout)
        {
            return;
        }
        string apply = model.HeadPerStep || !pass.Packed
            ? pass.Apply(gradients, gradients, model.Layers - 1, "HeadDropout")
            : SortedApply(gradients, gradients, model);
        writer.Line("// Back through the head's dropout: dE/d(its undropped input) = mask ⊙ dE/d(its input) / (1 - HeadDropout).");
        writer.Block($"if ({pass.Flag})", () => writer.Line($"{apply};"));
    }

    /// <summary>In a batched pass with a once-applied head, the dropout of every sequence's final outputs, in place.</summary>
    public static void EmitSortedHeadInput(SourceWriter writer, ModelSpec model, string finals)
    {
        if (!model.HasHeadDropout)
        {
            return;
        }
        writer.Line("// Dropout on the head's input, in training mode: each unit zeroed with probability HeadDropout, the others scaled by 1 / (1 - HeadDropout).");
        writer.Block($"if ({DropoutPass.Batch.Flag})", () => writer.Line($"{SortedApply(finals, finals, model)};"));
    }

    /// <summary>
    /// In a single forward pass with a once-applied head, declares <c>headInput</c>: the top layer's final states, or in
    /// training mode their dropped copy.
    /// </summary>
    public static string EmitOnceHeadInput(SourceWriter writer, ModelSpec model, string finalStates)
    {
        if (!model.HasHeadDropout)
        {
            return finalStates;
        }
        writer.Line("// Dropout on the head's input, in training mode: each unit zeroed with probability HeadDropout, the others scaled by 1 / (1 - HeadDropout).");
        DropoutPass pass = DropoutPass.Sequence;
        writer.Line($"{TypeRefs.ReadOnlySpan(model.T)} headInput = {finalStates};");
        writer.Block($"if ({pass.Flag})", () => writer.Line($"headInput = {pass.Apply("headInput", "_droppedHeadInput", model.Layers - 1, "HeadDropout")};"));
        return "headInput";
    }

    private static string SortedApply(string rows, string dropped, ModelSpec model) =>
        $"{Kernel}.ApplySorted(_batch, {rows}, {dropped}, LayerWidth, {DropoutPass.Batch.Key}, site: {model.Layers - 1}, HeadDropout)";

    private static string PyTorchModule(ModelSpec model) => model.Cell switch { Cell.Gru => "GRU", Cell.Lstm => "LSTM", _ => "RNN" };

    private static string Literal(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The names one kind of pass gives dropout's state: a single sequence's (<see cref="Sequence"/>) or a packed batch's (<see cref="Batch"/>).</summary>
/// <param name="Flag">Whether the pass drops.</param>
/// <param name="Key">The key of its (first) sequence's masks.</param>
/// <param name="Buffer">Its dropped rows, slot after slot.</param>
/// <param name="Rows">The rows of one slot, as an expression.</param>
/// <param name="Packed">Whether its rows are a packed batch's.</param>
internal sealed record DropoutPass(string Flag, string Key, string Buffer, string Rows, bool Packed)
{
    public static readonly DropoutPass Sequence = new("_forwardDropped", "_forwardDropoutKey", "_droppedOutputs", "steps", Packed: false);

    public static readonly DropoutPass Batch = new("dropping", "dropoutKey", "_batchDropped", "rows", Packed: true);

    /// <summary>The dropped rows of layer <paramref name="site"/>'s output in <see cref="Buffer"/>.</summary>
    public string Slot(ModelSpec model, int site, bool readOnly = false)
    {
        int slot = site < model.Layers - 1 ? site : model.HeadSlot;
        return $"new {(readOnly ? TypeRefs.ReadOnlySpan(model.T) : TypeRefs.Span(model.T))}({Buffer}, {slot} * {Rows} * LayerWidth, {Rows} * LayerWidth)";
    }

    /// <summary>The kernel call that writes the mask of layer <paramref name="site"/>'s output times <paramref name="rows"/> into <paramref name="dropped"/> and returns it.</summary>
    public string Apply(string rows, string dropped, int site, string probability) => Packed
        ? $"global::RnnGen.Kernels.Dropout.ApplyPacked(_batch, {rows}, {dropped}, LayerWidth, {Key}, site: {site}, {probability})"
        : $"global::RnnGen.Kernels.Dropout.Apply({rows}, {dropped}, LayerWidth, {Key}, site: {site}, {probability})";
}
