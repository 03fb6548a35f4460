using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Samples;

namespace TextClassification;

/// <summary>
/// How much each (lowercased) word says about the genre class, learned by counting the training texts: for a word
/// w and class c, the smoothed log-ratio log P(c | w) - log P(c), with P(c | w) = (n_c(w) + α P(c)) / (n(w) + α),
/// where n_c(w) counts w in the training texts of class c and P(c) is the class's share of the training tokens.
/// A word seen rarely says little (the ratio is near 0); an unseen word says nothing.
/// </summary>
/// <remarks>
/// For a token of a training text, the counts leave that text out (leave-one-text-out), so a word found only in
/// that text looks unseen, as it would in a test text; otherwise the network would learn to trust words that
/// identify single texts (names, topics) and fail on new texts.
/// </remarks>
public sealed class GenreLexicon
{
    private const double Alpha = 10;

    private readonly Dictionary<string, int[]> _counts = new(StringComparer.Ordinal);
    private readonly double[] _prior = new double[Genres.Count];

    public GenreLexicon(IEnumerable<BrownText> trainingTexts)
    {
        var tokens = new long[Genres.Count];
        foreach (BrownText text in trainingTexts)
        {
            int genre = Genres.Of(text.Genre);
            foreach (TaggedWord token in text.Tokens)
            {
                Count(_counts, Key(token.Word), genre, 1);
                tokens[genre]++;
            }
        }

        for (int c = 0; c < Genres.Count; c++)
        {
            _prior[c] = (double)tokens[c] / tokens.Sum();
        }
    }

    public int Vocabulary => _counts.Count;

    public static string Key(string word) => word.ToLowerInvariant();

    /// <summary>The counts of each word in <paramref name="text"/> alone, to pass to <see cref="Evidence"/> for that text's tokens.</summary>
    public static Dictionary<string, int> CountWords(BrownText text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (TaggedWord token in text.Tokens)
        {
            string key = Key(token.Word);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    /// <summary>
    /// Writes the word's <see cref="Genres.Count"/> log-ratios into <paramref name="destination"/>; when the token is
    /// from a training text of class <paramref name="ownClass"/>, <paramref name="ownCounts"/> (that text's word counts)
    /// are subtracted first; for a test text pass null.
    /// </summary>
    public void Evidence(string word, Dictionary<string, int>? ownCounts, int ownClass, Span<float> destination)
    {
        string key = Key(word);
        destination.Clear();
        if (!_counts.TryGetValue(key, out int[]? counts))
        {
            return;
        }

        Span<double> n = stackalloc double[Genres.Count];
        double all = 0;
        for (int c = 0; c < Genres.Count; c++)
        {
            n[c] = counts[c];
            if (ownCounts is not null && c == ownClass)
            {
                n[c] -= ownCounts.GetValueOrDefault(key);
            }

            all += n[c];
        }

        for (int c = 0; c < Genres.Count; c++)
        {
            double posterior = (n[c] + (Alpha * _prior[c])) / (all + Alpha);
            destination[c] = (float)Math.Log(posterior / _prior[c]);
        }
    }

    /// <summary>log P(c), for the bag-of-words reference classifier.</summary>
    public double LogPrior(int c) => Math.Log(_prior[c]);

    private static void Count(Dictionary<string, int[]> counts, string key, int genre, int amount)
    {
        if (!counts.TryGetValue(key, out int[]? perClass))
        {
            perClass = new int[Genres.Count];
            counts[key] = perClass;
        }

        perClass[genre] += amount;
    }
}
