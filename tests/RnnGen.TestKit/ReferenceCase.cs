using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace RnnGen.TestKit;

/// <summary>One PyTorch reference case: a <c>cases.json</c> entry and its <c>NAME.safetensors</c> (format: tests/data/README.md).</summary>
public sealed record ReferenceCase(
    string Name,
    string Cell,
    int Input,
    int Hidden,
    int Output,
    int Layers,
    int Steps,
    string Direction,
    string Activation,
    string Topology,
    string Head,
    string Loss,
    bool InitialState,
    string TensorFile)
{
    /// <summary>The state-dict path of the recurrent module (<c>recurrent_module</c>; default <c>rnn</c>).</summary>
    public string RecurrentModule { get; init; } = "rnn";

    /// <summary>The state-dict path of the head (<c>head_module</c>; default <c>head</c>).</summary>
    public string HeadModule { get; init; } = "head";

    /// <summary>Whether the recurrent layers have biases (<c>bias</c>; default true).</summary>
    public bool RecurrentBias { get; init; } = true;

    /// <summary>Whether the head has a bias (<c>head_bias</c>; default true).</summary>
    public bool HeadBias { get; init; } = true;

    /// <summary>The vocabulary of an embedding before the recurrent layers (<c>vocabulary</c>; 0, the default, for none): the case's <c>x</c> is then I64 token ids, [T].</summary>
    public int VocabularySize { get; init; }

    /// <summary>The embedding's padding token (<c>padding_index</c>; default -1, none).</summary>
    public int PaddingIndex { get; init; } = -1;

    /// <summary>The state-dict path of the embedding (<c>embedding_module</c>; default <c>embedding</c>).</summary>
    public string EmbeddingModule { get; init; } = "embedding";

    /// <summary>The dropout between layers (<c>dropout</c>; default 0, none), applied in training mode at the masks of <see cref="DropoutKey"/>.</summary>
    public double Dropout { get; init; }

    /// <summary>The dropout of the head's input (<c>head_dropout</c>; default 0, none).</summary>
    public double HeadDropout { get; init; }

    /// <summary>The key of the masks the case was computed with (<c>dropout_key</c>), for a case with dropout: the model runs in training mode with it.</summary>
    public ulong DropoutKey { get; init; }

    /// <summary>The folder's tolerances by precision (<c>tolerance</c> in <c>cases.json</c>), each defaulting to <see cref="Conformance.DefaultTolerance"/>.</summary>
    public IReadOnlyDictionary<string, (double Atol, double Rtol)> Tolerances { get; init; } = new Dictionary<string, (double, double)>();

    /// <summary>The tolerance this case's values are judged by in one precision.</summary>
    public (double Atol, double Rtol) Tolerance(string precision) =>
        Tolerances.TryGetValue(precision, out (double Atol, double Rtol) tolerance) ? tolerance : Conformance.DefaultTolerance(precision);

    /// <summary>Reads every case of a folder's <c>cases.json</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not JSON, or an entry lacks a key or has a value of the wrong kind (the message names the case and the key).</exception>
    public static IReadOnlyList<ReferenceCase> LoadAll(string directory)
    {
        string casesPath = Path.Combine(directory, "cases.json");
        string entry = "the file";
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(casesPath));
            JsonElement root = document.RootElement;
            Dictionary<string, (double, double)> tolerances = root.TryGetProperty("tolerance", out JsonElement tolerance)
                ? tolerance.EnumerateObject().ToDictionary(p => p.Name, p => (Required(p.Value, "atol").GetDouble(), Required(p.Value, "rtol").GetDouble()))
                : [];
            var cases = new List<ReferenceCase>();
            foreach (JsonElement c in Required(root, "cases").EnumerateArray())
            {
                string name = Required(c, "name").GetString()!;
                entry = $"case '{name}'";
                cases.Add(new ReferenceCase(
                    name,
                    Optional(c, "cell")?.GetString() ?? "rnn",
                    Required(c, "input").GetInt32(),
                    Required(c, "hidden").GetInt32(),
                    Required(c, "output").GetInt32(),
                    Required(c, "layers").GetInt32(),
                    Required(c, "steps").GetInt32(),
                    Required(c, "direction").GetString()!,
                    Optional(c, "activation")?.GetString() ?? "tanh",
                    Required(c, "topology").GetString()!,
                    Required(c, "head").GetString()!,
                    Required(c, "loss").GetString()!,
                    Optional(c, "initial_state")?.GetBoolean() ?? false,
                    Path.Combine(directory, name + ".safetensors"))
                {
                    RecurrentModule = Optional(c, "recurrent_module")?.GetString() ?? "rnn",
                    HeadModule = Optional(c, "head_module")?.GetString() ?? "head",
                    RecurrentBias = Optional(c, "bias")?.GetBoolean() ?? true,
                    HeadBias = Optional(c, "head_bias")?.GetBoolean() ?? true,
                    VocabularySize = Optional(c, "vocabulary")?.GetInt32() ?? 0,
                    PaddingIndex = Optional(c, "padding_index")?.GetInt32() ?? -1,
                    EmbeddingModule = Optional(c, "embedding_module")?.GetString() ?? "embedding",
                    Dropout = Optional(c, "dropout")?.GetDouble() ?? 0,
                    HeadDropout = Optional(c, "head_dropout")?.GetDouble() ?? 0,
                    DropoutKey = Optional(c, "dropout_key")?.GetUInt64() ?? 0,
                    Tolerances = tolerances,
                });
            }
            return cases;
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{casesPath}, {entry}: {exception.Message} (the format: tests/data/README.md)", exception);
        }

        static JsonElement Required(JsonElement element, string key) =>
            element.TryGetProperty(key, out JsonElement value) ? value : throw new KeyNotFoundException($"no \"{key}\"");

        static JsonElement? Optional(JsonElement element, string key) => element.TryGetProperty(key, out JsonElement value) ? value : null;
    }

    /// <summary>The C# class name of this case's model in one precision.</summary>
    public string ClassName(string precision) => $"Case_{new string(Name.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_').ToArray())}_{precision}";

    /// <summary>Why RnnGen cannot build this case, or null when it can.</summary>
    public string? Unsupported => Cell is "rnn" or "gru" or "lstm" ? null : $"cell '{Cell}' is not supported";

    /// <summary>The RnnCell member of this case's cell.</summary>
    public string CellName => Cell switch { "gru" => "Gru", "lstm" => "Lstm", _ => "Vanilla" };

    /// <summary>The attribute declaration of this case's model in one precision (<c>float</c> or <c>double</c>).</summary>
    public string Declaration(string precision) => $$"""
        [global::RnnGen.RnnModel<{{precision}}>(InputSize = {{Input}}, HiddenSize = {{Hidden}}, OutputSize = {{Output}}, Layers = {{Layers}},
            Direction = global::RnnGen.RnnDirection.{{(Direction == "bidirectional" ? "Bidirectional" : "Unidirectional")}},
            Cell = global::RnnGen.RnnCell.{{CellName}},{{(Cell == "rnn" ? $" Activation = global::RnnGen.RnnActivation.{Pascal(Activation)}," : "")}}
            OutputActivation = global::RnnGen.RnnOutputActivation.{{Pascal(Head)}},
            Topology = global::RnnGen.RnnTopology.{{Pascal(Topology)}},
            Loss = global::RnnGen.RnnLoss.{{Pascal(Loss)}}{{DeclaredNamesAndBiases}})]
        public partial class {{ClassName(precision)}} { }
        """;

    /// <summary>
    /// The declaration of this case's model from its weights file (<paramref name="weights"/>, as the project lists it): only
    /// what a state dict does not record (activations, topology, loss, padding, dropout), the rest left to the file.
    /// </summary>
    public string FileDeclaration(string precision, string weights) => $$"""
        [global::RnnGen.RnnModel<{{precision}}>(Weights = "{{weights}}",{{(Cell == "rnn" ? $" Activation = global::RnnGen.RnnActivation.{Pascal(Activation)}," : "")}}
            OutputActivation = global::RnnGen.RnnOutputActivation.{{Pascal(Head)}},
            Topology = global::RnnGen.RnnTopology.{{Pascal(Topology)}},
            Loss = global::RnnGen.RnnLoss.{{Pascal(Loss)}}{{(PaddingIndex == -1 ? "" : $", PaddingIndex = {PaddingIndex}")}}{{DeclaredDropout}})]
        public partial class {{ClassName(precision)}} { }
        """;

    /// <summary>Whether the case runs in training mode, with dropout.</summary>
    public bool HasDropout => Dropout > 0 || HeadDropout > 0;

    /// <summary>The attribute arguments for what differs from the defaults: module names, absent biases, an embedding, dropout.</summary>
    private string DeclaredNamesAndBiases =>
        (RecurrentModule == "rnn" ? "" : $", RecurrentModule = \"{RecurrentModule}\"")
        + (HeadModule == "head" ? "" : $", HeadModule = \"{HeadModule}\"")
        + (RecurrentBias ? "" : ", RecurrentBias = false")
        + (HeadBias ? "" : ", HeadBias = false")
        + (VocabularySize == 0 ? "" : $", VocabularySize = {VocabularySize}, PaddingIndex = {PaddingIndex}")
        + (EmbeddingModule == "embedding" ? "" : $", EmbeddingModule = \"{EmbeddingModule}\"")
        + DeclaredDropout;

    private string DeclaredDropout =>
        (Dropout == 0 ? "" : $", Dropout = {Dropout.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}")
        + (HeadDropout == 0 ? "" : $", HeadDropout = {HeadDropout.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");

    private static string Pascal(string words) =>
        string.Concat(words.Split('-', '_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
