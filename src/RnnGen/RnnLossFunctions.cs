using System;
using System.Numerics;

namespace RnnGen;

/// <summary>The losses of <see cref="RnnLoss"/>, over whole prediction sequences, summed in double so a float loss is the correctly rounded sum.</summary>
public static class RnnLossFunctions
{
    /// <summary>E = Σ (target - prediction)² over every element: no 1/2 and no mean.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static T SquaredError<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        RequireSameLength(predictions, targets);
        double sum = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double difference = double.CreateTruncating(targets[i]) - double.CreateTruncating(predictions[i]);
            sum += difference * difference;
        }
        return T.CreateTruncating(sum);
    }

    /// <summary>E = -Σ target · log(prediction) over every element, for probabilities from a softmax; terms whose target is 0 add nothing.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static T CrossEntropy<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        RequireSameLength(predictions, targets);
        double sum = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            if (targets[i] != T.Zero)
            {
                sum -= double.CreateTruncating(targets[i]) * Math.Log(double.CreateTruncating(predictions[i]));
            }
        }
        return T.CreateTruncating(sum);
    }

    private static void RequireSameLength<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets)
    {
        if (predictions.Length != targets.Length)
        {
            throw new ArgumentException(
                $"targets has {targets.Length} values but predictions has {predictions.Length}; they must be the same shape.",
                nameof(targets));
        }
    }
}
