using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen;
using RnnGen.Samples;

namespace TextClassification;

/// <summary>One passage: <see cref="Passages.Length"/> consecutive tokens of a text, its words encoded, with its text and class.</summary>
public sealed record Passage(BrownText Text, int Class, string[] Words, TrainingSequence<float> Sequence);

/// <summary>
/// Cuts texts into passages of consecutive tokens (across sentence boundaries) and encodes each token as its word's id
/// (<see cref="WordVocabulary"/>, for a model with an embedding) or as <see cref="FeatureSize"/> values:
/// <see cref="HashedSize"/> hashed features of the word (<see cref="HashedFeatures"/>: lowercased word, suffixes, prefix,
/// shape) and the word's <see cref="Genres.Count"/> genre log-ratios (<see cref="GenreLexicon"/>).
/// </summary>
public static class Passages
{
    public const int Length = 64;
    public const int HashedSize = 44;
    public const int FeatureSize = HashedSize + Genres.Count;

    private static readonly HashedFeatures Features = new(HashedSize, seed: 4);

    /// <summary>
    /// Every passage of <see cref="Length"/> tokens starting at multiples of <paramref name="stride"/> (a text's last,
    /// shorter rest is dropped), as word ids when <paramref name="vocabulary"/> is given, else as features; for features,
    /// <paramref name="training"/> makes the lexicon leave each passage's own text out.
    /// </summary>
    public static List<Passage> Cut(IEnumerable<BrownText> texts, int stride, GenreLexicon lexicon, bool training, WordVocabulary? vocabulary)
    {
        var passages = new List<Passage>();
        foreach (BrownText text in texts)
        {
            string[] words = text.Tokens.Select(t => t.Word).ToArray();
            int genre = Genres.Of(text.Genre);
            Dictionary<string, int>? ownCounts = training ? GenreLexicon.CountWords(text) : null;
            for (int start = 0; start + Length <= words.Length; start += stride)
            {
                string[] passage = words[start..(start + Length)];
                float[] inputs = vocabulary is null ? Encode(passage, lexicon, ownCounts, genre) : [.. passage.Select(word => (float)vocabulary.Id(word))];
                var targets = new float[Genres.Count];
                targets[genre] = 1;
                passages.Add(new Passage(text, genre, passage, new TrainingSequence<float>(inputs, targets)));
            }
        }

        return passages;
    }

    private static float[] Encode(string[] passage, GenreLexicon lexicon, Dictionary<string, int>? ownCounts, int genre)
    {
        var inputs = new float[Length * FeatureSize];
        for (int t = 0; t < Length; t++)
        {
            Span<float> token = inputs.AsSpan(t * FeatureSize, FeatureSize);
            Features.Of(passage[t]).CopyTo(token);
            lexicon.Evidence(passage[t], ownCounts, genre, token[HashedSize..]);
        }

        return inputs;
    }

    /// <summary>The bag-of-words reference on a test passage: argmax over c of log P(c) + the sum of its words' log-ratios for c (naive Bayes with the same lexicon).</summary>
    public static int BagOfWords(Passage passage, GenreLexicon lexicon)
    {
        var evidence = new float[Length * Genres.Count];
        for (int t = 0; t < Length; t++)
        {
            lexicon.Evidence(passage.Words[t], null, passage.Class, evidence.AsSpan(t * Genres.Count, Genres.Count));
        }

        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int c = 0; c < Genres.Count; c++)
        {
            double score = lexicon.LogPrior(c);
            for (int t = 0; t < Length; t++)
            {
                score += evidence[(t * Genres.Count) + c];
            }

            if (score > bestScore)
            {
                (best, bestScore) = (c, score);
            }
        }

        return best;
    }
}
