using System;
using System.Collections.Generic;
using System.Text;

namespace RnnGen.Samples;

/// <summary>
/// A fixed, untrained word representation for samples that have no pretrained embeddings: a few string features of
/// a token (the lowercased word, its 2- and 3-letter suffixes, its prefix and its shape, e.g. <c>Xx</c>, <c>d</c>,
/// <c>x-x</c>) are hashed (64-bit FNV-1a, stable across runs), and each hash picks a pseudo-random Gaussian vector
/// of <see cref="Dimensions"/> values generated from the hash and a seed; the token's vector is their weighted sum.
/// This is a seeded random projection of the hashed one-hot features: the network learns what to read from it.
/// </summary>
public sealed class HashedFeatures
{
    private readonly ulong _seed;
    private readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    public HashedFeatures(int dimensions, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _seed = (ulong)seed * 0x9E3779B97F4A7C15UL;
    }

    public int Dimensions { get; }

    /// <summary>The features of <paramref name="word"/>, as a cached vector (do not modify it).</summary>
    public float[] Of(string word)
    {
        lock (_cache)
        {
            if (_cache.TryGetValue(word, out float[]? cached))
            {
                return cached;
            }
        }

        var vector = new float[Dimensions];
        string lower = word.ToLowerInvariant();
        Add(vector, "w:" + lower, 1.0f);
        Add(vector, "s3:" + Suffix(lower, 3), 0.6f);
        Add(vector, "s2:" + Suffix(lower, 2), 0.5f);
        Add(vector, "p2:" + lower[..Math.Min(2, lower.Length)], 0.3f);
        Add(vector, "shape:" + Shape(word), 0.6f);
        lock (_cache)
        {
            _cache[word] = vector;
        }

        return vector;
    }

    /// <summary>The word's shape with runs collapsed: upper case X, lower case x, digits d, other characters kept (e.g. <c>Mr.</c> → <c>Xx.</c>).</summary>
    public static string Shape(string word)
    {
        var shape = new StringBuilder(8);
        char previous = '\0';
        foreach (char c in word)
        {
            char s = char.IsUpper(c) ? 'X' : char.IsLower(c) ? 'x' : char.IsDigit(c) ? 'd' : c;
            if (s != previous)
            {
                shape.Append(s);
                previous = s;
            }
        }

        return shape.ToString();
    }

    private static string Suffix(string word, int length) => word.Length <= length ? word : word[^length..];

    private void Add(float[] vector, string feature, float weight)
    {
        ulong state = Fnv1a(feature) ^ _seed;
        float scale = weight / MathF.Sqrt(Dimensions) * 2.5f;
        for (int i = 0; i < vector.Length; i += 2)
        {
            // Box-Muller on two SplitMix64 draws: a Gaussian vector that depends only on the feature and the seed.
            double u1 = ((SplitMix64(ref state) >> 11) + 1.0) / (1UL << 53);
            double u2 = (SplitMix64(ref state) >> 11) / (double)(1UL << 53);
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            vector[i] += scale * (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < vector.Length)
            {
                vector[i + 1] += scale * (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
