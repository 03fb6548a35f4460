using System;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Infrastructure;
using RnnGen.Tests.Runtime;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>The steady-state training path allocates nothing.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void ForwardBackwardAndOptimizerStepAllocateNothingAfterWarmUp()
    {
        var model = new SmallTagger();
        model.InitializeParameters(new Random(1));
        var optimizer = new AdamOptimizer<float>(model.Parameters.Length);
        const int steps = 5;
        float[] inputs = Enumerable.Range(0, steps * SmallTagger.InputSize).Select(i => (i % 7) * 0.1f).ToArray();
        float[] targets = new float[steps * SmallTagger.OutputSize];
        float[] predictions = new float[targets.Length];
        float[] inputGradients = new float[inputs.Length];
        float[] initialStateGradients = new float[SmallTagger.HiddenSize];

        void TrainOnce()
        {
            model.ZeroGradients();
            model.Forward(inputs, default, predictions);
            model.Backward(targets, inputGradients, initialStateGradients);
            optimizer.Step(model.Parameters, model.Gradients);
        }

        TrainOnce();
        TrainOnce();
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                TrainOnce();
            }
        }));
    }

    /// <summary>
    /// With one worker the trainer runs on the calling thread, so the whole epoch (shuffle, batches, reduction,
    /// clipping, steps) is measured; on <see cref="LinearModel"/>, which allocates nothing itself.
    /// </summary>
    [Fact]
    public void TrainerEpochWithOneWorkerAllocatesNothingAfterWarmUp()
    {
        var model = new LinearModel();
        model.InitializeParameters(new Random(1));
        var trainer = new RnnTrainer<LinearModel, double>(
            model,
            new AdamOptimizer<double>(model.Parameters.Length),
            new TrainerOptions { BatchSize = 3, MaxGradientNorm = 1.0, TruncationWindow = 2, DegreeOfParallelism = 1 });
        TrainingSequence<double>[] data = TrainerTests.LinearData(count: 10, new Random(2));

        trainer.TrainEpoch(data);
        trainer.TrainEpoch(data);
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            trainer.TrainEpoch(data);
            trainer.TrainEpoch(data);
        }));
    }

    /// <summary>
    /// Two workers on the batched path (a generated LSTM, sequences of two lengths): the calling thread, which hands the
    /// second share to the thread pool, runs the first share and reduces, allocates nothing (Parallel.For allocated about
    /// 1.5 KB a batch there). The process-wide count would include the tests that xUnit runs alongside.
    /// </summary>
    [Fact]
    public void TrainerEpochWithTwoWorkersOnTheBatchedPathAllocatesNothingAfterWarmUp()
    {
        var model = new StreamingLstm();
        model.InitializeParameters(new Random(1));
        var trainer = new RnnTrainer<StreamingLstm, double>(
            model,
            new AdamOptimizer<double>(model.Parameters.Length),
            new TrainerOptions { BatchSize = 4, MaxGradientNorm = 1.0, DegreeOfParallelism = 2 });
        var random = new Random(2);
        TrainingSequence<double>[] data = [.. Enumerable.Range(0, 12).Select(i =>
        {
            int steps = i % 2 == 0 ? 6 : 3;
            return new TrainingSequence<double>(
                [.. Enumerable.Range(0, steps * StreamingLstm.InputSize).Select(_ => random.NextDouble() - 0.5)],
                [.. Enumerable.Range(0, steps * StreamingLstm.OutputSize).Select(_ => random.NextDouble() - 0.5)]);
        })];

        trainer.TrainEpoch(data);
        trainer.TrainEpoch(data);
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            trainer.TrainEpoch(data);
            trainer.TrainEpoch(data);
        }));
    }
}
