namespace RnnGen.Generator.Emitters;

/// <summary>Emits the argument checks of generated methods.</summary>
internal static class ArgumentCheck
{
    /// <summary>
    /// Emits a length check whose message (an interpolated string naming the expected shape) is built only when the
    /// check fails, so a correct call allocates nothing.
    /// </summary>
    public static void Length(SourceWriter writer, string argument, string expected, string shapeText) =>
        writer.Block($"if ({argument}.Length != {expected})", () =>
            writer.Line($"global::RnnGen.RnnArguments.ThrowWrongLength({argument}.Length, {expected}, nameof({argument}), {shapeText});"));
}
