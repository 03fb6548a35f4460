using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>The output layer y = g2(W_ya a + b_y) (b_y unless declared without it), shared by the forward pass, the batches and the streaming step.</summary>
internal static class HeadEmitter
{
    /// <summary>g2's name in formulas, e.g. <c>softmax</c>, or empty for the identity.</summary>
    private static string G2(ModelSpec model) => model.OutputActivation == OutputActivation.Identity ? "" : model.OutputActivation.ToString().ToLowerInvariant();

    /// <summary>The head's formula on <paramref name="state"/>, e.g. <c>softmax(W_ya a&lt;t&gt; + b_y)</c>.</summary>
    public static string Formula(ModelSpec model, string state)
    {
        string affine = Affine(model, state);
        string g2 = G2(model);
        return g2.Length == 0 ? affine : $"{g2}({affine})";
    }

    /// <summary>The head's logits on <paramref name="state"/> before g2, e.g. <c>W_ya a + b_y</c>.</summary>
    public static string Affine(ModelSpec model, string state) => model.HeadBias ? $"W_ya {state} + b_y" : $"W_ya {state}";

    /// <summary>b_y as a kernel argument: its slice of the parameters, or the zeros standing for a head without one.</summary>
    public static string Bias(ModelSpec model) => model.HeadBias
        ? "parameters.Slice(HeadBias, OutputSize)"
        : $"{TypeRefs.Bias(false)}.Zeros<{model.T}, {TypeRefs.Size(model.OutputSize)}>()";

    /// <summary>The length of the head's block of the parameters (from HeadWeights on): W_ya, and b_y after it when the head has one.</summary>
    public static string BlockLength(ModelSpec model) => model.HeadBias ? "(LayerWidth + 1) * OutputSize" : "LayerWidth * OutputSize";

    /// <summary>The kernel that backpropagates the head applied at many rows.</summary>
    public static string DenseBackward(ModelSpec model) =>
        $"{TypeRefs.Kernels}.DenseLayer.BackwardSteps<{model.T}, {TypeRefs.Size(model.LayerWidth)}, {TypeRefs.Size(model.OutputSize)}, {TypeRefs.Bias(model.HeadBias)}>";

    /// <summary>The head's parameter gradients in words: <c>dW_ya += <paramref name="weights"/></c>, and <c>db_y += <paramref name="bias"/></c> when it has a bias.</summary>
    public static string Gradients(ModelSpec model, string weights, string bias) =>
        model.HeadBias ? $"dW_ya += {weights} and db_y += {bias}" : $"dW_ya += {weights}";

    /// <summary>logits = W_ya <paramref name="input"/> + b_y, then output = g2(logits); with no <paramref name="logits"/> kept, straight into <paramref name="output"/>.</summary>
    public static void EmitAffine(SourceWriter writer, ModelSpec model, string input, string? logits, string output)
    {
        writer.Line($"{KernelCalls.Affine(model, model.LayerWidth, model.OutputSize)}({input}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), {Bias(model)}, {logits ?? output});");
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
