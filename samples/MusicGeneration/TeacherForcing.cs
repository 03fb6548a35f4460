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
}

/// <summary>
/// Mini-batch teacher-forcing training of the one-to-many model with the generated Forward and Backward: per batch,
/// the gradients of its sequences are summed and divided by the number of predicted tokens, clipped to a global norm
/// and applied by the optimizer.
/// </summary>
/// <remarks>
/// RnnTrainer trains one-to-many models too, but averages gradients per sequence; melodies differ a lot in length,
/// so this loop averages per predicted token instead, which weights every note alike.
/// </remarks>
public sealed class TeacherForcing(MelodyModel model, IOptimizer<float> optimizer, int batchSize, double maxGradientNorm, int seed)
{
    private readonly Random _shuffler = new(seed);
    private float[] _predictions = [];

    /// <summary>Trains one epoch in a fresh random order; returns the mean cross-entropy per predicted token (before each batch's update).</summary>
    public double TrainEpoch(IReadOnlyList<TokenSequence> sequences)
    {
        int[] order = new int[sequences.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        _shuffler.Shuffle(order);
        double lossSum = 0;
        long tokens = 0;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            model.ZeroGradients();
            int batchTokens = 0;
            for (int i = start; i < Math.Min(start + batchSize, order.Length); i++)
            {
                TokenSequence sequence = sequences[order[i]];
                Span<float> predictions = Predictions(sequence.Steps);
                model.Forward(sequence.Inputs, predictions);
                lossSum += model.Backward(sequence.Targets);
                batchTokens += sequence.Steps;
            }
            Span<float> gradients = model.Gradients;
            float scale = 1f / batchTokens;
            for (int j = 0; j < gradients.Length; j++)
            {
                gradients[j] *= scale;
            }
            GradientClipping.ClipByGlobalNorm(gradients, (float)maxGradientNorm);
            optimizer.Step(model.Parameters, gradients);
            tokens += batchTokens;
        }
        return lossSum / tokens;
    }

    /// <summary>A buffer for [steps, OutputSize] predictions, grown once to the longest sequence.</summary>
    public Span<float> Predictions(int steps)
    {
        if (_predictions.Length < steps * MelodyModel.OutputSize)
        {
            _predictions = new float[steps * MelodyModel.OutputSize];
        }
        return _predictions.AsSpan(0, steps * MelodyModel.OutputSize);
    }
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
    public static Scores Score(MelodyModel model, TeacherForcing buffers, IReadOnlyList<TokenSequence> sequences, IReadOnlyList<TokenSequence> training)
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
            Span<float> predictions = buffers.Predictions(sequence.Steps);
            model.Forward(sequence.Inputs, predictions);
            for (int t = 0; t < sequence.Steps; t++)
            {
                int target = sequence.Tokens[t + 1];
                ReadOnlySpan<float> row = predictions.Slice(t * MelodyTokens.Count, MelodyTokens.Count);
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
