using System.Collections.Immutable;
using System.Globalization;

namespace RnnGen.Generator;

/// <summary>What a diagnostic tells its code fix (RnnGen.CodeFixes) in <see cref="Microsoft.CodeAnalysis.Diagnostic.Properties"/>: the attribute argument concerned, and a value to write.</summary>
internal static class FixProperties
{
    /// <summary>The name of the attribute argument the diagnostic is about, e.g. <c>HiddenSize</c>.</summary>
    public const string Argument = nameof(Argument);

    /// <summary>The value a fix writes into it (a size clamped into its range).</summary>
    public const string Value = nameof(Value);

    public static ImmutableDictionary<string, string?> For(string argument, int? value = null)
    {
        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(Argument, argument);
        return value is int number ? properties.Add(Value, number.ToString(CultureInfo.InvariantCulture)) : properties;
    }
}
