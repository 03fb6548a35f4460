using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen;

/// <summary>One output step's loss and its gradient, as the generated Backward uses them.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnLossGradients
{
    /// <summary>Returns Σ_j (target_j - y_j)² and writes dE/dy_j = 2 (y_j - target_j).</summary>
    public static T SquaredError<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, Span<T> predictionGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T two = T.One + T.One;
        T loss = T.Zero;
        for (int j = 0; j < predictions.Length; j++)
        {
            T difference = predictions[j] - targets[j];
            loss += difference * difference;
            predictionGradients[j] = two * difference;
        }
        return loss;
    }

    /// <summary>
    /// Returns -Σ_j target_j log(softmax(z)_j), computed as Σ_j target_j (logsumexp(z) - z_j) so large logits stay
    /// finite, and writes dE/dz_j = y_j Σ_k target_k - target_j (y - target for a one-hot or probability target).
    /// </summary>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, Span<T> logitGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = RnnActivations.Max(logits);
        T sum = T.Zero;
        for (int j = 0; j < logits.Length; j++)
        {
            sum += T.Exp(logits[j] - max);
        }
        T logSumExp = max + T.Log(sum);
        T loss = T.Zero, targetTotal = T.Zero;
        for (int j = 0; j < logits.Length; j++)
        {
            if (targets[j] != T.Zero)
            {
                loss += targets[j] * (logSumExp - logits[j]);
            }
            targetTotal += targets[j];
        }
        for (int j = 0; j < logits.Length; j++)
        {
            logitGradients[j] = (predictions[j] * targetTotal) - targets[j];
        }
        return loss;
    }
}
