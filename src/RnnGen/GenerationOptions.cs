using System;
using System.Numerics;

namespace RnnGen;

/// <summary>How a generated output becomes the next input.</summary>
public enum RnnFeedback
{
    /// <summary>The prediction y&lt;t&gt; itself (regression, or probabilities).</summary>
    Prediction = 0,

    /// <summary>The one-hot vector of the most likely output.</summary>
    Greedy = 1,

    /// <summary>The one-hot vector of an output drawn from softmax(logits / temperature).</summary>
    Sample = 2,
}

/// <summary>Options of <see cref="IRnnGenerator{T}.Generate"/>.</summary>
/// <param name="Feedback">How each output becomes the next input; with <see cref="RnnFeedback.Greedy"/> and <see cref="RnnFeedback.Sample"/> the one-hot vector is also what is written to the outputs.</param>
/// <param name="Temperature">With <see cref="RnnFeedback.Sample"/>: below 1 sharpens the distribution, above 1 flattens it.</param>
/// <param name="Random">With <see cref="RnnFeedback.Sample"/>: the source of the draws (seed it for reproducible output).</param>
/// <param name="EndToken">The output index that ends generation (its step is included), or -1 for none; the chosen index is the argmax for <see cref="RnnFeedback.Prediction"/>.</param>
public sealed record GenerationOptions(RnnFeedback Feedback = RnnFeedback.Prediction, double Temperature = 1.0, Random? Random = null, int EndToken = -1)
{
    /// <summary>Feeds predictions back unchanged and runs until the outputs are full.</summary>
    public static GenerationOptions Default { get; } = new();
}

/// <summary>Chooses generated outputs; used by the generated <c>Generate</c>.</summary>
public static class RnnSampler
{
    /// <summary>Chooses one output index from a step's logits (z) and prediction (y) as <paramref name="options"/> says.</summary>
    /// <exception cref="ArgumentException">Sampling without a <see cref="GenerationOptions.Random"/>, or a temperature that is not positive.</exception>
    public static int Choose<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> prediction, GenerationOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (options.Feedback != RnnFeedback.Sample)
        {
            return ArgMax(prediction);
        }
        if (options.Random is null || !(options.Temperature > 0))
        {
            throw new ArgumentException($"Sampling needs a Random and a positive Temperature (got {(options.Random is null ? "no Random" : "a Random")} and {options.Temperature}).", nameof(options));
        }
        // Softmax of logits / temperature, drawn by inverse transform; the maximum is subtracted so exp cannot overflow.
        double inverseTemperature = 1.0 / options.Temperature;
        double max = double.CreateChecked(Kernels.Activations.Max(logits));
        double total = 0;
        foreach (T logit in logits)
        {
            total += Math.Exp((double.CreateChecked(logit) - max) * inverseTemperature);
        }
        double draw = options.Random.NextDouble() * total;
        for (int j = 0; j < logits.Length; j++)
        {
            draw -= Math.Exp((double.CreateChecked(logits[j]) - max) * inverseTemperature);
            if (draw < 0)
            {
                return j;
            }
        }
        return logits.Length - 1;
    }

    /// <summary>The index of the largest value (the first, on ties).</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int best = 0;
        for (int j = 1; j < values.Length; j++)
        {
            if (values[j] > values[best])
            {
                best = j;
            }
        }
        return best;
    }
}
