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
    /// <returns>The norm before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not a finite number &gt; 0.</exception>
    public static T ClipByGlobalNorm<T>(Span<T> gradients, T maxNorm)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!T.IsFinite(maxNorm) || maxNorm <= T.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The largest gradient norm must be a finite number > 0.");
        }

        T sumOfSquares = T.Zero;
        foreach (T gradient in gradients)
        {
            sumOfSquares += gradient * gradient;
        }

        T norm = T.Sqrt(sumOfSquares);

        // The 1e-6 is PyTorch's: it keeps the factor finite for a zero norm and just below 1 at the limit.
        T scale = maxNorm / (norm + T.CreateChecked(1e-6));
        if (scale < T.One)
        {
            foreach (ref T gradient in gradients)
            {
                gradient *= scale;
            }
        }

        return norm;
    }
}
