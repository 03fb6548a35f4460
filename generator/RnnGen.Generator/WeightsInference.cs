using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

/// <summary>One attribute argument's value as a weights file gives it, and what in the file says so (for the generated code's comment and the diagnostics).</summary>
/// <param name="Value">An int, bool, module path, <see cref="Cell"/> or <see cref="Direction"/>, as the attribute's argument would hold it.</param>
/// <param name="Evidence">The tensors that give it, e.g. <c>'rnn.weight_hh_l0' is [20, 5]</c>.</param>
internal sealed record FileFact(object Value, string Evidence);

/// <summary>
/// What a weights file says of the declaration's arguments: each one it gives (<see cref="TryGet"/>), and for each it cannot,
/// why (<see cref="WhyUnknown"/>). Built by <see cref="WeightsInference.Read"/>.
/// </summary>
internal sealed class FileFacts
{
    private readonly Dictionary<string, FileFact> _facts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _unknown = new(StringComparer.Ordinal);

    /// <summary>The arguments a weights file can give: the rest (activations, topology, loss, dropout) a state dict does not record.</summary>
    public static readonly string[] Arguments =
        ["RecurrentModule", "InputSize", "HiddenSize", "Layers", "Direction", "Cell", "RecurrentBias", "HeadModule", "OutputSize", "HeadBias", "EmbeddingModule", "VocabularySize"];

    /// <summary>Facts of a file that could not be read (RNNGEN020 or RNNGEN021 says why): nothing is known, and nothing more is reported.</summary>
    public static FileFacts Unavailable { get; } = new() { IsUnavailable = true };

    public bool IsUnavailable { get; private init; }

    public bool TryGet(string argument, out FileFact fact) => _facts.TryGetValue(argument, out fact!);

    /// <summary>Why the file does not give <paramref name="argument"/>, or null when it does or the argument is not one a file gives.</summary>
    public string? WhyUnknown(string argument) => _unknown.TryGetValue(argument, out string? why) ? why : null;

    internal void Set(string argument, object value, string evidence) => _facts[argument] = new FileFact(value, evidence);

    internal void Unknown(string why, params string[] arguments)
    {
        foreach (string argument in arguments)
        {
            _unknown[argument] = why;
        }
    }
}

/// <summary>
/// Reads a declaration from a weights file's header, as PyTorch's modules name and shape their parameters: the recurrent
/// module's <c>weight_ih_l0</c> is [gates × H, I] and its <c>weight_hh_l0</c> [gates × H, H] (1 gate block for a plain RNN,
/// 3 for a GRU, 4 for an LSTM), one <c>weight_ih_lK</c> per layer, <c>_reverse</c> twins when bidirectional, <c>bias_ih_l0</c>
/// when it has biases; the head is a linear module whose <c>weight</c> is [O, directions × H]; an embedding's <c>weight</c>
/// is [vocabulary, I]. A module the declaration names is looked up by that name; otherwise the default name (<c>rnn</c>,
/// <c>head</c>, <c>embedding</c>) is taken if the file has it, else the one module of the right kind, the least nested
/// when there are several at different depths (a file may hold copies, such as gradients, under longer paths).
/// </summary>
internal static class WeightsInference
{
    private const string InputWeights = "weight_ih_l0";
    private const string RecurrentWeights = "weight_hh_l0";

    /// <param name="header">A readable header.</param>
    /// <param name="recurrentModule">The declaration's RecurrentModule, or null when it leaves it out.</param>
    /// <param name="headModule">The declaration's HeadModule, or null.</param>
    /// <param name="embeddingModule">The declaration's EmbeddingModule, or null.</param>
    public static FileFacts Read(WeightsHeader header, string? recurrentModule, string? headModule, string? embeddingModule)
    {
        var facts = new FileFacts();
        Dictionary<string, HeaderTensor> tensors = header.Tensors.ToDictionary(static tensor => tensor.Name, StringComparer.Ordinal);
        HeaderTensor? Matrix(string name) => tensors.TryGetValue(name, out HeaderTensor? tensor) && tensor.Shape.Count == 2 ? tensor : null;

        string? recurrent = Choose(
            recurrentModule,
            "rnn",
            [.. header.Tensors.Where(tensor => tensor.Parameter == InputWeights && Matrix(Name(tensor.Module, RecurrentWeights)) is not null).Select(static tensor => tensor.Module)],
            exists: module => Matrix(Name(module, InputWeights)) is not null && Matrix(Name(module, RecurrentWeights)) is not null,
            kind: "recurrent module",
            what: $"recurrent layer (a {InputWeights} and a {RecurrentWeights})",
            argument: "RecurrentModule",
            out string? whyNoRecurrent);
        if (recurrent is null)
        {
            facts.Unknown(whyNoRecurrent!, FileFacts.Arguments);
            return facts;
        }

        string Tensor(string parameter) => Quote(Name(recurrent, parameter));
        HeaderTensor inputWeights = Matrix(Name(recurrent, InputWeights))!, recurrentWeights = Matrix(Name(recurrent, RecurrentWeights))!;
        facts.Set("RecurrentModule", recurrent, $"{Tensor(InputWeights)} and {Tensor(RecurrentWeights)} are there");
        int inputSize = (int)inputWeights.Shape[1], hiddenSize = (int)recurrentWeights.Shape[1];
        facts.Set("InputSize", inputSize, $"{Tensor(InputWeights)} is {inputWeights.ShapeText}");
        facts.Set("HiddenSize", hiddenSize, $"{Tensor(RecurrentWeights)} is {recurrentWeights.ShapeText}");

        long rows = recurrentWeights.Shape[0];
        (Cell Cell, string Blocks)? cell = hiddenSize == 0 || rows % hiddenSize != 0 ? null : (rows / hiddenSize) switch
        {
            1 => (Cell.Vanilla, "1 block of hidden rows (a plain RNN)"),
            3 => (Cell.Gru, "3 gate blocks of hidden rows (a GRU's r, z, n)"),
            4 => (Cell.Lstm, "4 gate blocks of hidden rows (an LSTM's i, f, g, o)"),
            _ => null,
        };
        if (cell is { } known)
        {
            facts.Set("Cell", known.Cell, $"{Tensor(RecurrentWeights)} is {recurrentWeights.ShapeText}: {known.Blocks}");
        }
        else
        {
            facts.Unknown($"{Tensor(RecurrentWeights)} is {recurrentWeights.ShapeText}, and its rows are 1, 3 or 4 times its columns in a plain RNN, a GRU or an LSTM", "Cell");
        }

        int layers = 1;
        while (tensors.ContainsKey(Name(recurrent, $"weight_ih_l{layers}")))
        {
            layers++;
        }
        facts.Set("Layers", layers, layers == 1
            ? $"{Tensor(InputWeights)} is there and no {Tensor("weight_ih_l1")}"
            : $"{Tensor(InputWeights)} to {Tensor($"weight_ih_l{layers - 1}")} are there");
        bool bidirectional = tensors.ContainsKey(Name(recurrent, InputWeights + "_reverse"));
        facts.Set("Direction", bidirectional ? Direction.Bidirectional : Direction.Unidirectional,
            bidirectional ? $"{Tensor(InputWeights + "_reverse")} is there" : $"there is no {Tensor(InputWeights + "_reverse")}");
        bool recurrentBias = tensors.ContainsKey(Name(recurrent, "bias_ih_l0"));
        facts.Set("RecurrentBias", recurrentBias, recurrentBias ? $"{Tensor("bias_ih_l0")} is there" : $"there is no {Tensor("bias_ih_l0")}");

        // A module's "weight" matrix, the shape of a linear head or an embedding; modules named for an embedding are not heads.
        string[] matrices = [.. header.Tensors.Where(static tensor => tensor.Parameter == "weight" && tensor.Shape.Count == 2).Select(static tensor => tensor.Module)];
        static bool NamedForEmbedding(string module) => module.IndexOf("emb", StringComparison.OrdinalIgnoreCase) >= 0;

        int width = (bidirectional ? 2 : 1) * hiddenSize;
        string? head = Choose(
            headModule,
            "head",
            [.. matrices.Where(module => Matrix(Name(module, "weight"))!.Shape[1] == width && module != embeddingModule && !NamedForEmbedding(module))],
            exists: module => Matrix(Name(module, "weight")) is not null,
            kind: "linear module",
            what: $"linear head (a weight [outputs, {width}], the layers' output width)",
            argument: "HeadModule",
            out string? whyNoHead);
        if (head is null)
        {
            facts.Unknown(whyNoHead!, "HeadModule", "OutputSize", "HeadBias");
        }
        else
        {
            HeaderTensor headWeights = Matrix(Name(head, "weight"))!;
            facts.Set("HeadModule", head, $"{Quote(Name(head, "weight"))} is {headWeights.ShapeText}, the layers' output width");
            facts.Set("OutputSize", (int)headWeights.Shape[0], $"{Quote(Name(head, "weight"))} is {headWeights.ShapeText}");
            bool headBias = tensors.ContainsKey(Name(head, "bias"));
            facts.Set("HeadBias", headBias, headBias ? $"{Quote(Name(head, "bias"))} is there" : $"there is no {Quote(Name(head, "bias"))}");
        }

        // An embedding is looked for only under its names: any other [n, InputSize] matrix may be something else of the file's.
        string[] embeddings = [.. matrices.Where(module => module != head && NamedForEmbedding(module) && Matrix(Name(module, "weight"))!.Shape[1] == inputSize)];
        if (embeddingModule is null && !tensors.ContainsKey("embedding.weight") && embeddings.Length == 0)
        {
            facts.Set("VocabularySize", 0, "the file has no embedding (no 'embedding.weight', nor a module named for one)");
            return facts;
        }
        string? embedding = Choose(
            embeddingModule,
            "embedding",
            embeddings,
            exists: module => Matrix(Name(module, "weight")) is not null,
            kind: "embedding",
            what: $"embedding (a weight [vocabulary, {inputSize}])",
            argument: "EmbeddingModule",
            out string? whyNoEmbedding);
        if (embedding is null)
        {
            facts.Unknown(whyNoEmbedding!, "EmbeddingModule", "VocabularySize");
        }
        else
        {
            HeaderTensor table = Matrix(Name(embedding, "weight"))!;
            facts.Set("EmbeddingModule", embedding, $"{Quote(Name(embedding, "weight"))} is {table.ShapeText}");
            facts.Set("VocabularySize", (int)table.Shape[0], $"{Quote(Name(embedding, "weight"))} is {table.ShapeText}");
        }
        return facts;
    }

    /// <summary>
    /// The module the declaration names (when it holds what it must), else <paramref name="preferred"/> among the
    /// <paramref name="candidates"/>, else the one least nested candidate; null with the reason when there is none or a tie.
    /// </summary>
    private static string? Choose(string? named, string preferred, string[] candidates, Func<string, bool> exists, string kind, string what, string argument, out string? whyNot)
    {
        whyNot = null;
        if (named is not null)
        {
            if (exists(named))
            {
                return named;
            }
            whyNot = $"{argument} is \"{named}\", and the file has no {what} under that name{Found(candidates, kind)}";
            return null;
        }
        if (candidates.Contains(preferred))
        {
            return preferred;
        }
        if (candidates.Length == 0)
        {
            whyNot = $"the file has no {what}";
            return null;
        }
        int depth = candidates.Min(Depth);
        string[] shallowest = [.. candidates.Where(candidate => Depth(candidate) == depth).Distinct().OrderBy(static candidate => candidate, StringComparer.Ordinal)];
        if (shallowest.Length == 1)
        {
            return shallowest[0];
        }
        whyNot = $"the file has {shallowest.Length} {kind}s ({string.Join(", ", shallowest.Select(static module => $"'{module}'"))}); set {argument} to the model's";
        return null;
    }

    private static string Found(string[] candidates, string kind) =>
        candidates.Length == 0 ? "" : $" (its {kind}{(candidates.Length > 1 ? "s are" : " is")} {string.Join(", ", candidates.Distinct().Take(4).Select(static module => $"'{module}'"))})";

    private static int Depth(string module) => module.Length == 0 ? 0 : module.Count(static ch => ch == '.') + 1;

    private static string Name(string module, string parameter) => ModelSpec.TensorName(module, parameter);

    private static string Quote(string tensor) => "'" + tensor + "'";

    /// <summary>A value as the attribute's argument writes it, for the generated code's comment and the diagnostics: <c>8</c>, <c>true</c>, <c>"lstm"</c>, <c>RnnCell.Lstm</c>.</summary>
    public static string Show(object value) => value switch
    {
        string text => "\"" + text + "\"",
        bool flag => flag ? "true" : "false",
        Cell cell => "RnnCell." + cell,
        Direction direction => "RnnDirection." + direction,
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
