using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen;

/// <summary>Uniform draws for PyTorch-style initialisation, used by the generated <c>InitializeParameters</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnInitializer
{
    /// <summary>values[i] = a draw from U(-<paramref name="bound"/>, <paramref name="bound"/>).</summary>
    public static void Uniform<T>(Span<T> values, double bound, Random random)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked(Draw(bound, random));
        }
    }

    /// <summary>values[i] += a draw from U(-<paramref name="bound"/>, <paramref name="bound"/>).</summary>
    public static void AddUniform<T>(Span<T> values, double bound, Random random)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += T.CreateChecked(Draw(bound, random));
        }
    }

    /// <summary>values[i] = a draw from N(0, 1), as <c>nn.Embedding</c> initialises its table (Box-Muller).</summary>
    public static void StandardNormal<T>(Span<T> values, Random random)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
            values[i] = T.CreateChecked(radius * Math.Cos(2.0 * Math.PI * random.NextDouble()));
        }
    }

    private static double Draw(double bound, Random random) => ((2.0 * random.NextDouble()) - 1.0) * bound;
}
