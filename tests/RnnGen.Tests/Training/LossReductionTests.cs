using System;
using System.Linq;
using RnnGen;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary><see cref="LossReduction.MeanPerStep"/> divides a batch's loss and gradient by its target steps, the training and the validation loss alike.</summary>
public sealed class LossReductionTests
{
    private static readonly TrainingSequence<double>[] s_data = [new([0.1, 0.2, -0.3, 0.4], [1.0, -1.0]), new([0.5, -0.6, 0.7, 0.8, -0.9, 1.0], [0.5, 0.25, 2.0])];
    private static readonly double[] s_start = [0.3, -0.2, 0.1];
    private static readonly TrainerOptions s_perStep = new() { BatchSize = 2, Epochs = 2, DegreeOfParallelism = 1, LossReduction = LossReduction.MeanPerStep };

    /// <summary>Two sequences of 2 and 3 steps in one batch: loss and gradient are their sums over 5, where per sequence they would be over 2.</summary>
    [Fact]
    public void TrainingLossAndGradientAreMeansOverTheBatchsSteps()
    {
        (double lossSum, double[] gradientSum) = SumsOfSingleSequences(s_start);
        LinearModel model = StartingModel();
        double loss = RnnTrainer.Create(model, new SgdOptimizer<double>(3, 0.1), s_perStep).TrainEpoch(s_data);

        Assert.Equal(lossSum / 5, loss, 1e-15);
        double[] gradients = model.Gradients.ToArray();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(gradientSum[i] / 5, gradients[i], 1e-15);
        }
    }

    [Fact]
    public void ValidationLossIsAMeanOverTheValidationSteps()
    {
        LinearModel model = StartingModel();
        var trainer = RnnTrainer.Create(model, new SgdOptimizer<double>(3, 0.1), s_perStep);
        int epochs = 0;
        trainer.Train(s_data, new TrainingRun<double>
        {
            Validation = s_data,
            EpochEnded = report =>
            {
                double expected = s_data.Sum(sequence =>
                {
                    var predictions = new double[sequence.Targets.Length];
                    var copy = new LinearModel();
                    model.Parameters.CopyTo(copy.Parameters);
                    copy.Forward(sequence.Inputs, default, predictions);
                    return copy.Loss(predictions, sequence.Targets);
                }) / 5;
                Assert.Equal(expected, report.ValidationLoss);
                epochs++;
                return true;
            },
        });

        Assert.Equal(2, epochs);
    }

    private static LinearModel StartingModel()
    {
        var model = new LinearModel();
        s_start.CopyTo(model.Parameters);
        return model;
    }

    /// <summary>Each sequence's loss and gradient alone, from a fresh copy of the weights, summed.</summary>
    private static (double Loss, double[] Gradients) SumsOfSingleSequences(double[] parameters)
    {
        double loss = 0;
        var gradients = new double[3];
        foreach (TrainingSequence<double> sequence in s_data)
        {
            var single = new LinearModel();
            parameters.CopyTo(single.Parameters);
            single.Forward(sequence.Inputs, default, new double[sequence.Targets.Length]);
            loss += single.Backward(sequence.Targets, default, default);
            for (int i = 0; i < 3; i++)
            {
                gradients[i] += single.Gradients[i];
            }
        }

        return (loss, gradients);
    }
}
