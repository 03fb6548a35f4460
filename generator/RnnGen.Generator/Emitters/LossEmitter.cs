using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>Emits <c>Loss</c>, the declared loss of a prediction sequence.</summary>
internal static class LossEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model)
    {
        string t = model.T;
        string formula = model.Loss == Loss.CrossEntropy
            ? "the cross-entropy E = -Σ_t Σ_j target_j log(prediction_j)"
            : "the squared error E = Σ_t Σ_j (target_j - prediction_j)², with no 1/2 and no mean";
        writer.Summary($"The loss of <paramref name=\"predictions\"/> against <paramref name=\"targets\"/>: {formula}.");
        writer.Line("/// <param name=\"predictions\">What <see cref=\"Forward(global::System.ReadOnlySpan{" + t + "}, global::System.Span{" + t + "})\"/> wrote.</param>");
        writer.Line("/// <param name=\"targets\">The wanted outputs, the same shape as <paramref name=\"predictions\"/>.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">The shapes differ or are not whole output steps.</exception>");
        writer.Block($"public {t} Loss(global::System.ReadOnlySpan<{t}> predictions, global::System.ReadOnlySpan<{t}> targets)", () =>
        {
            writer.Line($"int steps = {TypeRefs.Arguments}.StepCount(predictions.Length, OutputSize, nameof(predictions), nameof(OutputSize));");
            ArgumentCheck.Steps(writer, "targets.Length", "OutputSize", "nameof(targets)", ", like predictions");
            writer.Line($"return {TypeRefs.LossFunctions}.{model.Loss}(predictions, targets);");
        });
    }
}
