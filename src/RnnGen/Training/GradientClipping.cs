using System;
using System.Numerics;

namespace RnnGen;

/// <summary>Gradient clipping, as PyTorch's <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> by maxNorm / (norm + 1e-6) when that factor is below 1, where norm is
    /// their Euclidean (L2) norm taken over the whole buffer as one vector.
    /// </summary>
    /// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="gradients">The gradients, scaled in place.</param>
    /// <param name="maxNorm">The largest norm to allow, finite and &gt; 0.</param>
    /// <returns>The norm before clipping (∞ for a float norm beyond float.MaxValue, whose gradients are still scaled to the limit).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not a finite number &gt; 0.</exception>
    public static T ClipByGlobalNorm<T>(Span<T> gradients, T maxNorm)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!T.IsFinite(maxNorm) || maxNorm <= T.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The largest gradient norm must be a finite number > 0.");
        }

        double norm = Norm(gradients);
        // The 1e-6 is PyTorch's: it keeps the factor finite for a zero norm and just below 1 at the limit. Computed in T as
        // PyTorch does, unless the norm itself is beyond T (float gradients whose norm passes 3.4e38).
        T normInT = T.CreateSaturating(norm);
        T scale = T.IsFinite(normInT) || !double.IsFinite(norm)
            ? maxNorm / (normInT + T.CreateChecked(1e-6))
            : T.CreateTruncating(double.CreateTruncating(maxNorm) / norm);
        if (scale < T.One)
        {
            foreach (ref T gradient in gradients)
            {
                gradient *= scale;
            }
        }

        return normInT;
    }

    /// <summary>
    /// The Euclidean norm, its squares summed in double (as PyTorch accumulates float norms): in float, squares overflow
    /// from gradients of about 1.8e19, and the norm became ∞ and every gradient zero. Double gradients beyond 1.3e154 are
    /// divided by the largest first.
    /// </summary>
    private static double Norm<T>(ReadOnlySpan<T> gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double sumOfSquares = 0;
        foreach (T gradient in gradients)
        {
            double value = double.CreateTruncating(gradient);
            sumOfSquares += value * value;
        }
        if (!double.IsPositiveInfinity(sumOfSquares))
        {
            return Math.Sqrt(sumOfSquares); // finite, or NaN because a gradient is
        }
        // Only past double's range do the squares need the largest gradient (the common step never looks for it).
        double largest = 0;
        foreach (T gradient in gradients)
        {
            largest = Math.Max(largest, Math.Abs(double.CreateTruncating(gradient)));
        }
        if (!double.IsFinite(largest))
        {
            return largest; // a gradient is infinite
        }
        double scaledSum = 0;
        foreach (T gradient in gradients)
        {
            double value = double.CreateTruncating(gradient) / largest;
            scaledSum += value * value;
        }
        return largest * Math.Sqrt(scaledSum);
    }
}
