using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// The embedding of a model declared with <c>VocabularySize</c> (PyTorch's <c>nn.Embedding</c>): its constants, the check
/// and lookup of token ids where the other emitters read inputs, the scatter of dE/d(rows) into the table's gradient, and the
/// <c>ReadOnlySpan&lt;int&gt;</c> overloads. The lookups run in the runtime library (<c>RnnGen.Kernels.EmbeddingLayer</c>).
/// </summary>
internal static class EmbeddingEmitter
{
    private const string Layer = "global::RnnGen.Kernels.EmbeddingLayer";

    /// <summary>The public constants of the vocabulary.</summary>
    public static void EmitConstants(SourceWriter writer, ModelSpec model)
    {
        writer.Summary("The number of token ids the embedding maps to input vectors: the model reads ids 0 to VocabularySize - 1, one per step.");
        writer.Line($"public const int VocabularySize = {model.VocabularySize};");
        writer.Summary(model.PaddingIndex >= 0
            ? "The padding token, as <c>nn.Embedding(padding_idx=...)</c>: its row of the table stays zero and receives no gradient."
            : "No padding token (-1): every row of the table is trained.");
        writer.Line($"public const int PaddingIndex = {model.PaddingIndex};");
    }

    /// <summary>The table as a span of <c>parameters</c>.</summary>
    private static string Table(string buffer) => $"{buffer}.Slice(EmbeddingWeights, VocabularySize * InputSize)";

    /// <summary>A check that every value of <paramref name="argument"/> is a token id.</summary>
    public static void EmitRequireTokens(SourceWriter writer, string argument) =>
        writer.Line($"{Layer}.RequireTokens({argument}, VocabularySize, nameof({argument}));");

    /// <summary>A check that every id a batch reads (sequence b's first lengths[b] of [B, steps]) is a token id.</summary>
    public static void EmitRequireBatchTokens(SourceWriter writer) =>
        writer.Line($"{Layer}.RequireBatchTokens(inputs, lengths, steps, VocabularySize, nameof(inputs));");

    /// <summary><paramref name="rows"/> = the table's rows of the ids in <paramref name="tokens"/> (checked), read from <c>parameters</c>.</summary>
    public static void EmitGather(SourceWriter writer, ModelSpec model, string tokens, string rows) =>
        writer.Line($"{Layer}.Gather<{model.T}, {TypeRefs.Size(model.InputSize)}>({Table("parameters")}, {tokens}, {rows});");

    /// <summary>The table's gradient += <paramref name="rowGradients"/> at the rows of <paramref name="tokens"/>, but the padding row.</summary>
    public static void EmitAddGradients(SourceWriter writer, ModelSpec model, string tokens, string rowGradients) =>
        writer.Line($"{Layer}.AddGradients<{model.T}, {TypeRefs.Size(model.InputSize)}>({tokens}, {rowGradients}, {Table("gradients")}, PaddingIndex);");

    /// <summary>The buffer that turns <c>ReadOnlySpan&lt;int&gt;</c> ids into the element type for the calls that take them so.</summary>
    public static void EmitTokenValues(SourceWriter writer, ModelSpec model)
    {
        string t = model.T;
        writer.Line($"private {t}[] _tokenValues = {TypeRefs.Array}.Empty<{t}>(); // the ids of an int overload's call, as {t}");
        writer.Line();
        writer.Line("// Checks int token ids and writes them as the element type, which the other calls take.");
        writer.Line($"private {TypeRefs.ReadOnlySpan(t)} TokenValues(global::System.ReadOnlySpan<int> tokens, string argument) => {Layer}.AsValues(tokens, VocabularySize, argument, ref _tokenValues);");
    }
}
