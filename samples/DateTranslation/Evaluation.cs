using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen;

namespace DateTranslation;

/// <summary>How well a translator did on a set of examples.</summary>
/// <param name="ExactMatch">The share of examples whose whole ISO string is right.</param>
/// <param name="CharacterAccuracy">The share of the 10 ISO characters right at their position (a missing character is wrong).</param>
/// <param name="Translations">What was produced for each example, in order.</param>
public sealed record Score(double ExactMatch, double CharacterAccuracy, string[] Translations);

/// <summary>Translation with the trained pair, scoring, and the baseline.</summary>
public static class Evaluation
{
    /// <summary>The longest output allowed: the 10 characters, the end token and a few spare steps.</summary>
    private const int MaximumSteps = 16;

    /// <summary>Each step's most likely character is fed back, until the end token.</summary>
    private static readonly GenerationOptions Greedy = new(RnnFeedback.Greedy, EndToken: Characters.End);

    /// <summary>Translates one written date by greedy decoding until the end token.</summary>
    public static string Translate(EncoderDecoder<DateEncoder, DateDecoder, float> pair, string text, float[] outputs)
    {
        ReadOnlySpan<float> start = [Characters.Start];
        int steps = pair.Translate(Characters.EncodeSource(text), start, outputs, Greedy);
        return Characters.DecodeTarget(outputs, steps);
    }

    /// <summary>Translates every example and scores the translations.</summary>
    public static Score Evaluate(EncoderDecoder<DateEncoder, DateDecoder, float> pair, IReadOnlyList<DateExample> examples)
    {
        var outputs = new float[MaximumSteps * Characters.TargetSize];
        string[] translations = examples.Select(e => Translate(pair, e.Text, outputs)).ToArray();
        return Score(examples, translations);
    }

    /// <summary>Scores <paramref name="translations"/> against the examples' ISO dates.</summary>
    public static Score Score(IReadOnlyList<DateExample> examples, string[] translations)
    {
        int exact = 0, characters = 0;
        for (int i = 0; i < examples.Count; i++)
        {
            string expected = examples[i].Iso, got = translations[i];
            exact += got == expected ? 1 : 0;
            for (int c = 0; c < expected.Length; c++)
            {
                characters += c < got.Length && got[c] == expected[c] ? 1 : 0;
            }
        }
        return new Score((double)exact / examples.Count, (double)characters / (examples.Count * 10), translations);
    }

    /// <summary>
    /// The baseline: one constant answer, each position's most common character among the training dates
    /// (the best any constant output can do per character).
    /// </summary>
    public static string BaselineAnswer(IReadOnlyList<DateExample> training) => new(Enumerable.Range(0, 10)
        .Select(c => training.GroupBy(e => e.Iso[c]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key)
        .ToArray());
}
