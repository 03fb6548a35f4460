using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>One output step's loss and its gradient, as the generated Backward uses them; the loss comes back in double, for the caller to sum over steps without rounding each step's share to float.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LossGradients
{
    /// <summary>Returns Σ_j (target_j - y_j)² and writes dE/dy_j = 2 (y_j - target_j).</summary>
    public static double SquaredError<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, Span<T> predictionGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T two = T.One + T.One;
        double loss = 0;
        for (int j = 0; j < predictions.Length; j++)
        {
            T difference = predictions[j] - targets[j];
            double exact = double.CreateTruncating(predictions[j]) - double.CreateTruncating(targets[j]);
            loss += exact * exact;
            predictionGradients[j] = two * difference;
        }
        return loss;
    }

    /// <summary>
    /// Returns -Σ_j target_j log(softmax(z)_j), computed as Σ_j target_j (logsumexp(z) - z_j) so large logits stay
    /// finite, and writes dE/dz_j = y_j Σ_k target_k - target_j (y - target for a one-hot or probability target).
    /// </summary>
    public static double SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, Span<T> logitGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double max = double.CreateTruncating(Activations.Max(logits));
        double sum = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            sum += Math.Exp(double.CreateTruncating(logits[j]) - max);
        }
        double logSumExp = max + Math.Log(sum);
        double loss = 0;
        T targetTotal = T.Zero;
        for (int j = 0; j < logits.Length; j++)
        {
            if (targets[j] != T.Zero)
            {
                loss += double.CreateTruncating(targets[j]) * (logSumExp - double.CreateTruncating(logits[j]));
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
