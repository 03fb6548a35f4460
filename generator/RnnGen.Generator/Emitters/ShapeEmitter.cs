using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>Emits the model's shape as constants and as an <c>RnnShape</c>.</summary>
internal static class ShapeEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model)
    {
        Constant(writer, model.HasEmbedding ? "The size of one input vector x&lt;t&gt;: the embedding's row of the step's token." : "The size of one input step x&lt;t&gt;.", "InputSize", model.InputSize);
        Constant(writer, "The size of the hidden state a&lt;t&gt; of one layer in one direction.", "HiddenSize", model.HiddenSize);
        Constant(writer, "The size of one output step y&lt;t&gt;.", "OutputSize", model.OutputSize);
        Constant(writer, "The number of stacked recurrent layers.", "Layers", model.Layers);
        Constant(writer, $"The number of directions each layer reads the sequence in ({(model.Directions == 2 ? "bidirectional" : "unidirectional")}).", "Directions", model.Directions);
        Constant(writer, "The width of one layer's output at one step, [forward | reverse]: Directions * HiddenSize.", "LayerWidth", model.LayerWidth);
        Constant(writer, model.Cell == Cell.Lstm
            ? "The rows of a whole state (initial or final), each HiddenSize wide: the h rows of every layer and direction, then their c rows."
            : "The rows of a whole state (initial or final), each HiddenSize wide: one per layer and direction.", "StateRows", model.StateRows);
        if (model.HasEmbedding)
        {
            EmbeddingEmitter.EmitConstants(writer, model);
        }
        writer.Line();
        writer.Line("/// <inheritdoc />");
        writer.Line("public global::RnnGen.RnnShape Shape => new(");
        writer.Line($"    InputSize, HiddenSize, OutputSize, Layers, global::RnnGen.RnnDirection.{model.Direction},");
        writer.Line($"    global::RnnGen.RnnActivation.{model.Activation}, global::RnnGen.RnnOutputActivation.{model.OutputActivation},");
        writer.Line($"    global::RnnGen.RnnTopology.{model.Topology}, global::RnnGen.RnnLoss.{model.Loss}, global::RnnGen.RnnCell.{model.Cell}{(model.HasEmbedding ? ", VocabularySize" : "")});");
    }

    private static void Constant(SourceWriter writer, string summary, string name, int value)
    {
        writer.Summary(summary);
        writer.Line($"public const int {name} = {value};");
    }
}
