using System;
using System.Collections.Generic;
using RnnGen;

namespace MusicGeneration;

/// <summary>One melody for teacher forcing: its tokens t_0 = start, ..., t_n = end as inputs and targets.</summary>
public sealed class TokenSequence
{
    public TokenSequence(string title, int transposition, int[] tokens)
    {
        Title = title;
        Transposition = transposition;
        Tokens = tokens;
        int steps = tokens.Length - 1;
        // Teacher forcing: the input at step t is the true token t - 1 (the start token first), the target is token t.
        Inputs = new float[steps * MelodyTokens.Count];
        Targets = new float[steps * MelodyTokens.Count];
        for (int t = 0; t < steps; t++)
        {
            Inputs[(t * MelodyTokens.Count) + tokens[t]] = 1;
            Targets[(t * MelodyTokens.Count) + tokens[t + 1]] = 1;
        }
    }

    public string Title { get; }

    public int Transposition { get; }

    public int[] Tokens { get; }

    public int Steps => Tokens.Length - 1;

    public float[] Inputs { get; }

    public float[] Targets { get; }

    /// <summary>The sequence as the trainer reads it.</summary>
    public TrainingSequence<float> ForTraining() => new(Inputs, Targets);
}

/// <summary>Next-token accuracy and cross-entropy of the model and of two trivial predictors.</summary>
public readonly record struct Scores(double ModelAccuracy, double ModelCrossEntropy, double MostFrequentAccuracy, double UnigramCrossEntropy, double RepeatAccuracy, int Tokens);

public static class Evaluation
{
    /// <summary>
    /// Scores next-token prediction on <paramref name="sequences"/> (every step, with the true history as input, the
    /// end token included). Baselines, fitted on <paramref name="training"/>: the most frequent token (and, for
    /// cross-entropy, the unigram distribution with add-one smoothing), and 'repeat the previous note' (predict the
    /// token two steps back: the last note's pitch when a pitch is due, its duration when a duration is due).
    /// </summary>
    public static Scores Score(MelodyModel model, IReadOnlyList<TokenSequence> sequences, IReadOnlyList<TokenSequence> training)
    {
        var counts = new double[MelodyTokens.Count];
        double total = MelodyTokens.Count;
        foreach (TokenSequence sequence in training)
        {
            for (int t = 1; t < sequence.Tokens.Length; t++)
            {
                counts[sequence.Tokens[t]]++;
                total++;
            }
        }
        int mostFrequent = Array.IndexOf(counts, Max(counts));

        int tokens = 0, modelCorrect = 0, frequentCorrect = 0, repeatCorrect = 0;
        double modelLoss = 0, unigramLoss = 0;
        foreach (TokenSequence sequence in sequences)
        {
            var predictions = new float[sequence.Steps * MelodyModel.OutputSize];
            model.Forward(sequence.Inputs, predictions);
            for (int t = 0; t < sequence.Steps; t++)
            {
                int target = sequence.Tokens[t + 1];
                ReadOnlySpan<float> row = predictions.AsSpan(t * MelodyTokens.Count, MelodyTokens.Count);
                modelCorrect += RnnSampler.ArgMax(row) == target ? 1 : 0;
                modelLoss -= Math.Log(Math.Max(row[target], 1e-30f));
                frequentCorrect += mostFrequent == target ? 1 : 0;
                unigramLoss -= Math.Log((counts[target] + 1) / total);
                int repeat = t >= 1 ? sequence.Tokens[t - 1] : mostFrequent;
                repeatCorrect += repeat == target ? 1 : 0;
                tokens++;
            }
        }
        return new Scores((double)modelCorrect / tokens, modelLoss / tokens, (double)frequentCorrect / tokens, unigramLoss / tokens, (double)repeatCorrect / tokens, tokens);
    }

    private static double Max(double[] values)
    {
        double max = double.MinValue;
        foreach (double value in values)
        {
            max = Math.Max(max, value);
        }
        return max;
    }
}
