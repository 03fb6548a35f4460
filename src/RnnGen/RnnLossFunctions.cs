using System;
using System.Numerics;

namespace RnnGen;

/// <summary>The losses of <see cref="RnnLoss"/>, over whole prediction sequences.</summary>
public static class RnnLossFunctions
{
    /// <summary>E = Σ (target - prediction)² over every element: no 1/2 and no mean.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static T SquaredError<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        RequireSameLength(predictions, targets);
        T sum = T.Zero;
        for (int i = 0; i < predictions.Length; i++)
        {
            T difference = targets[i] - predictions[i];
            sum += difference * difference;
        }
        return sum;
    }

    /// <summary>E = -Σ target · log(prediction) over every element, for probabilities from a softmax; terms whose target is 0 add nothing.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static T CrossEntropy<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        RequireSameLength(predictions, targets);
        T sum = T.Zero;
        for (int i = 0; i < predictions.Length; i++)
        {
            if (targets[i] != T.Zero)
            {
                sum -= targets[i] * T.Log(predictions[i]);
            }
        }
        return sum;
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
