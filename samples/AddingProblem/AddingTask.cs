using System;
using System.Collections.Generic;
using RnnGen;

namespace AddingProblem;

/// <summary>
/// The adding problem (Hochreiter and Schmidhuber, 1997): at each step a value from U(0, 1) and a marker; exactly
/// two steps are marked, and the target is the sum of their values. Predicting the mean, 1, gives an MSE of 1/6.
/// </summary>
public static class AddingTask
{
    public static List<TrainingSequence<float>> Generate(int count, int steps, Random random)
    {
        var sequences = new List<TrainingSequence<float>>(count);
        for (int n = 0; n < count; n++)
        {
            var inputs = new float[steps * 2];
            for (int t = 0; t < steps; t++)
            {
                inputs[2 * t] = random.NextSingle();
            }
            // One marker in each half, as in the original task, so both must be remembered for a while.
            int first = random.Next(steps / 2), second = (steps / 2) + random.Next(steps - (steps / 2));
            inputs[(2 * first) + 1] = 1;
            inputs[(2 * second) + 1] = 1;
            sequences.Add(new TrainingSequence<float>(inputs, [inputs[2 * first] + inputs[2 * second]]));
        }
        return sequences;
    }

    /// <summary>Mean squared error of <paramref name="model"/> on <paramref name="sequences"/>, and of always predicting 1.</summary>
    public static (double Model, double Baseline) Evaluate(AddingModel model, IReadOnlyList<TrainingSequence<float>> sequences)
    {
        Evaluation evaluation = Evaluate<AddingModel>(model, sequences);
        return (evaluation.Mse, evaluation.BaselineMse);
    }

    /// <summary>
    /// Mean squared error and accuracy of any adding-problem model on <paramref name="sequences"/>, and the MSE of always
    /// predicting 1. Accuracy is the usual criterion: the fraction of sequences predicted within <see cref="Tolerance"/>.
    /// </summary>
    public static Evaluation Evaluate<TModel>(TModel model, IReadOnlyList<TrainingSequence<float>> sequences)
        where TModel : IRnnModel<float>
    {
        double modelError = 0, baselineError = 0;
        int correct = 0;
        var prediction = new float[1];
        foreach (TrainingSequence<float> sequence in sequences)
        {
            model.Forward(sequence.Inputs, [], prediction);
            double error = prediction[0] - sequence.Targets[0];
            modelError += Math.Pow(error, 2);
            baselineError += Math.Pow(1.0 - sequence.Targets[0], 2);
            correct += Math.Abs(error) <= Tolerance ? 1 : 0;
        }
        return new Evaluation(modelError / sequences.Count, baselineError / sequences.Count, (double)correct / sequences.Count);
    }

    /// <summary>A prediction within this distance of the target counts as correct.</summary>
    public const double Tolerance = 0.04;
}

/// <summary>A model's test MSE, the MSE of always predicting 1, and the fraction of sequences within <see cref="AddingTask.Tolerance"/>.</summary>
public readonly record struct Evaluation(double Mse, double BaselineMse, double Accuracy);
