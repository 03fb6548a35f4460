using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>The output layer y = g2(W_ya a + b_y), shared by the forward pass and the streaming step.</summary>
internal static class HeadEmitter
{
    /// <summary>g2's name in formulas, e.g. <c>softmax</c>, or empty for the identity.</summary>
    private static string G2(ModelSpec model) => model.OutputActivation == OutputActivation.Identity ? "" : model.OutputActivation.ToString().ToLowerInvariant();

    /// <summary>The head's formula on <paramref name="state"/>, e.g. <c>softmax(W_ya a&lt;t&gt; + b_y)</c>.</summary>
    public static string Formula(ModelSpec model, string state)
    {
        string affine = $"W_ya {state} + b_y";
        string g2 = G2(model);
        return g2.Length == 0 ? affine : $"{g2}({affine})";
    }

    /// <summary>logits = W_ya <paramref name="input"/> + b_y, then output = g2(logits); with no <paramref name="logits"/> kept, straight into <paramref name="output"/>.</summary>
    public static void EmitAffine(SourceWriter writer, ModelSpec model, string input, string? logits, string output)
    {
        writer.Line($"{KernelCalls.Affine(model, model.LayerWidth, model.OutputSize)}({input}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), parameters.Slice(HeadBias, OutputSize), {logits ?? output});");
        if (logits is not null)
        {
            writer.Line($"{logits}.CopyTo({output});");
        }
        EmitActivation(writer, model, output, perStep: false);
    }

    /// <summary>output = g2(output) in place, over one step or, with <paramref name="perStep"/>, over every step's row (softmax row by row).</summary>
    public static void EmitActivation(SourceWriter writer, ModelSpec model, string output, bool perStep)
    {
        if (model.OutputActivation == OutputActivation.Softmax && perStep)
        {
            writer.Line($"{TypeRefs.Activations}.SoftmaxRows({output}, OutputSize);");
        }
        else if (model.OutputActivation != OutputActivation.Identity)
        {
            writer.Line($"{TypeRefs.Activations}.{model.OutputActivation}({output});");
        }
    }
}
