using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace RnnGen.Tests.Training;

/// <summary>Reads the torch.optim reference files of tests/data: their cases, and the number arrays in them.</summary>
internal static class TorchReference
{
    public static JsonElement[] LoadCases(string fileName)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", fileName)));
        return [.. document.RootElement.GetProperty("cases").EnumerateArray().Select(entry => entry.Clone())];
    }

    public static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(value => value.GetDouble())];

    public static double Number(JsonElement options, string name, double fallback) => options.TryGetProperty(name, out JsonElement value) ? value.GetDouble() : fallback;

    /// <summary>A case's kind and options in one line, for test names and messages.</summary>
    public static string Describe(JsonElement entry, string kindProperty) => $"{entry.GetProperty(kindProperty).GetString()} {JsonSerializer.Serialize(entry.GetProperty("options"))}";
}
