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
    /// <summary>Reads every case of a folder's <c>cases.json</c>.</summary>
    public static IReadOnlyList<ReferenceCase> LoadAll(string directory)
    {
        string casesPath = Path.Combine(directory, "cases.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(casesPath));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new ReferenceCase(
            c.GetProperty("name").GetString()!,
            c.TryGetProperty("cell", out JsonElement cell) ? cell.GetString()! : "rnn",
            c.GetProperty("input").GetInt32(),
            c.GetProperty("hidden").GetInt32(),
            c.GetProperty("output").GetInt32(),
            c.GetProperty("layers").GetInt32(),
            c.GetProperty("steps").GetInt32(),
            c.GetProperty("direction").GetString()!,
            c.TryGetProperty("activation", out JsonElement activation) ? activation.GetString()! : "tanh",
            c.GetProperty("topology").GetString()!,
            c.GetProperty("head").GetString()!,
            c.GetProperty("loss").GetString()!,
            c.TryGetProperty("initial_state", out JsonElement initial) && initial.GetBoolean(),
            Path.Combine(directory, c.GetProperty("name").GetString()! + ".safetensors"))).ToList();
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
            Loss = global::RnnGen.RnnLoss.{{Pascal(Loss)}})]
        public partial class {{ClassName(precision)}} { }
        """;

    private static string Pascal(string words) =>
        string.Concat(words.Split('-', '_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
