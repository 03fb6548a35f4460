namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits the argument checks of generated methods: one call each into <c>RnnGen.RnnArguments</c>, which builds the message
/// (naming the argument, the expected shape and both sizes) only when the check fails, so a correct call allocates nothing.
/// </summary>
internal static class ArgumentCheck
{
    /// <summary>A span of one fixed length, described by <paramref name="shape"/> (plain words, e.g. <c>[InputSize = 3]</c>).</summary>
    public static void Length(SourceWriter writer, string argument, string expected, string shape) =>
        PassedLength(writer, $"{argument}.Length", expected, $"nameof({argument})", shape);

    /// <summary>Like <see cref="Length"/> for a length and argument name passed in by the caller (expressions).</summary>
    public static void PassedLength(SourceWriter writer, string length, string expected, string name, string shape) =>
        writer.Line($"{TypeRefs.Arguments}.RequireLength({length}, {expected}, {name}, \"{shape}\");");

    /// <summary>A [T, width] span, whose length is <paramref name="length"/> and whose name is <paramref name="name"/> (expressions).</summary>
    public static void Steps(SourceWriter writer, string length, string width, string name, string note = "") =>
        writer.Line($"{TypeRefs.Arguments}.RequireSteps({length}, steps, {width}, nameof({width}), {name}{(note.Length == 0 ? "" : $", \"{note}\"")});");

    /// <summary>A [T, width] span that may also be empty.</summary>
    public static void OptionalSteps(SourceWriter writer, string argument, string width) =>
        writer.Line($"{TypeRefs.Arguments}.RequireOptionalSteps({argument}.Length, steps, {width}, nameof({width}), nameof({argument}));");
}
