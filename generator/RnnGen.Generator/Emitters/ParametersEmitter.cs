using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>Emits the parameter buffer, the offsets of its blocks, the PyTorch name table and the initialiser.</summary>
internal static class ParametersEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout)
    {
        string t = model.T;
        writer.Summary("The number of parameters: the length of <see cref=\"Parameters\"/>.");
        writer.Line($"public const int ParameterCount = {layout.ParameterCount};");
        writer.Line();
        writer.Line("// Where each tensor starts in the parameter buffer. Weight matrices are stored transposed, [inputs, outputs],");
        writer.Line("// so a matrix-vector product broadcasts one input against a contiguous row of outputs.");
        string gates = model.Cell switch { Cell.Gru => "r | z | n", Cell.Lstm => "i | f | g | o", _ => "" };
        foreach (DirectionBlock block in layout.Blocks)
        {
            if (block.IsGated)
            {
                writer.Line($"private const int {block.Name}InputWeights = {block.InputWeights}; // W_ih of {block.Description}, [{block.InputSize}, {gates}]");
                writer.Line($"private const int {block.Name}RecurrentWeights = {block.RecurrentWeights}; // W_hh of {block.Description}, [{block.HiddenSize}, {gates}]");
                if (block.HasBias)
                {
                    writer.Line($"private const int {block.Name}InputBias = {block.Bias}; // b_ih of {block.Description}, [{gates}]");
                    writer.Line($"private const int {block.Name}RecurrentBias = {block.RecurrentBias}; // b_hh of {block.Description}, [{gates}]");
                }
                continue;
            }
            writer.Line($"private const int {block.Name}InputWeights = {block.InputWeights}; // W_ax of {block.Description}, [{block.InputSize}, {block.HiddenSize}]");
            writer.Line($"private const int {block.Name}RecurrentWeights = {block.RecurrentWeights}; // W_aa of {block.Description}, [{block.HiddenSize}, {block.HiddenSize}]");
            if (block.HasBias)
            {
                writer.Line($"private const int {block.Name}Bias = {block.Bias}; // b_a of {block.Description} (PyTorch's bias_ih + bias_hh), [{block.HiddenSize}]");
            }
        }
        writer.Line($"private const int HeadWeights = {layout.HeadWeights}; // W_ya, [{model.LayerWidth}, {model.OutputSize}]");
        if (model.HeadBias)
        {
            writer.Line($"private const int HeadBias = {layout.HeadBias}; // b_y, [{model.OutputSize}]");
        }
        if (model.HasEmbedding)
        {
            writer.Line($"private const int EmbeddingWeights = {layout.EmbeddingWeights}; // the embedding's table, [{model.VocabularySize}, {model.InputSize}], row id = the input vector of token id");
        }
        if (!model.RecurrentBias || !model.HeadBias)
        {
            string without = model.RecurrentBias ? "the head" : model.HeadBias ? "the recurrent layers" : "the recurrent layers and the head";
            writer.Line($"// No biases in {without}, as PyTorch's bias=False: they add zeros.");
        }
        writer.Line();
        writer.Line("// PyTorch state-dict names and shapes of every tensor, for loading and saving weights.");
        writer.Block("private static readonly global::RnnGen.RnnParameterTensor[] s_parameterTensors = new global::RnnGen.RnnParameterTensor[]", () =>
        {
            foreach (StateDictTensor tensor in StateDict.Of(model, layout))
            {
                writer.Line($"new(\"{tensor.Name}\", {tensor.Rows}, {tensor.Columns}, {tensor.Offset}, global::RnnGen.RnnTensorLayout.{tensor.Layout}),");
            }
        }, "};");
        writer.Line();
        writer.Line($"private {TypeRefs.AlignedBuffer(t)} _parameters = new(ParameterCount); // on a cache line; replaced only by ShareParameters");
        writer.Line();
        writer.Summary($"{(model.RecurrentBias || model.HeadBias ? "Every weight and bias" : "Every weight")} in one contiguous buffer (see <see cref=\"ParameterTensors\"/> for the layout); zero until initialised or loaded.");
        writer.Line($"public global::System.Span<{t}> Parameters => _parameters.Span;");
        writer.Line();
        writer.Summary("Makes this instance compute with <paramref name=\"source\"/>'s parameters, the same buffer and not a copy, so that instances on different threads serve calls in parallel from one set of weights, each with its own buffers, gradients and streaming state. Writing the parameters through either (loading, training) changes both, and must not overlap calls on the other.");
        writer.Line("/// <param name=\"source\">Another instance of this model.</param>");
        writer.Line($"/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"source\"/> is not a {model.ClassName}.</exception>");
        writer.Block($"public void ShareParameters(global::RnnGen.IRnnModel<{t}> source)", () =>
        {
            writer.Line("global::System.ArgumentNullException.ThrowIfNull(source);");
            writer.Line($"_parameters = source is {model.ClassName} model ? model.{SurfaceEmitter.Field}._parameters : throw new global::System.ArgumentException($\"ShareParameters takes another {model.ClassName}, whose parameters have this layout; a {{source.GetType().Name}} was given.\", nameof(source));");
        });
        writer.Line();
        writer.Line("/// <inheritdoc />");
        writer.Line("public global::System.ReadOnlySpan<global::RnnGen.RnnParameterTensor> ParameterTensors => s_parameterTensors;");
        writer.Line();
        EmitInitializer(writer, model, layout);
    }

    private static void EmitInitializer(SourceWriter writer, ModelSpec model, ParameterLayout layout)
    {
        string t = model.T;
        writer.Summary("Draws every parameter as PyTorch initialises the recurrent module and <c>nn.Linear</c>, from <paramref name=\"random\"/> (seed it for reproducible weights).");
        writer.Line("/// <param name=\"random\">The source of the uniform draws.</param>");
        writer.Block("public void InitializeParameters(global::System.Random random)", () =>
        {
            writer.Line("global::System.ArgumentNullException.ThrowIfNull(random);");
            writer.Line($"global::System.Span<{t}> parameters = _parameters.Span;");
            string module = model.Cell switch { Cell.Gru => "nn.GRU", Cell.Lstm => "nn.LSTM", _ => "nn.RNN" };
            string what = model.RecurrentBias ? "every weight and bias" : "every weight";
            writer.Line(model.Cell == Cell.Vanilla && model.RecurrentBias
                ? $"// nn.RNN: {what} from U(-1/sqrt({model.HiddenSize}), 1/sqrt({model.HiddenSize})); b_a stands for bias_ih + bias_hh, so it gets a second draw."
                : $"// {module}: {what} from U(-1/sqrt({model.HiddenSize}), 1/sqrt({model.HiddenSize})).");
            writer.Line("double recurrentBound = 1.0 / global::System.Math.Sqrt(HiddenSize);");
            writer.Line("global::RnnGen.RnnInitializer.Uniform(parameters.Slice(0, HeadWeights), recurrentBound, random);");
            foreach (DirectionBlock block in layout.Blocks.Where(b => !b.IsGated && b.HasBias))
            {
                writer.Line($"global::RnnGen.RnnInitializer.AddUniform(parameters.Slice({block.Name}Bias, HiddenSize), recurrentBound, random);");
            }
            writer.Line($"// nn.Linear (the head): {(model.HeadBias ? "weight and bias" : "weight")} from U(-1/sqrt({model.LayerWidth}), 1/sqrt({model.LayerWidth})), {model.LayerWidth} being its input width.");
            writer.Line($"global::RnnGen.RnnInitializer.Uniform(parameters.Slice(HeadWeights, {HeadEmitter.BlockLength(model)}), 1.0 / global::System.Math.Sqrt(LayerWidth), random);");
            if (model.HasEmbedding)
            {
                writer.Line($"// nn.Embedding: every entry from N(0, 1){(model.PaddingIndex >= 0 ? ", and the padding token's row zero" : "")}.");
                writer.Line("global::RnnGen.RnnInitializer.StandardNormal(parameters.Slice(EmbeddingWeights, VocabularySize * InputSize), random);");
                if (model.PaddingIndex >= 0)
                {
                    writer.Line("parameters.Slice(EmbeddingWeights + (PaddingIndex * InputSize), InputSize).Clear();");
                }
            }
        });
    }
}
