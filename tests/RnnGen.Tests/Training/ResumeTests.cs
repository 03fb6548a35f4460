using System;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Runtime;
using RnnGen.Tests.SafeTensors;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>A run interrupted after an epoch and resumed from its checkpoint ends with the uninterrupted run's weights, bit for bit.</summary>
public sealed class ResumeTests
{
    private const int Epochs = 5;
    private const double InitialRate = 0.01;
    private static readonly TrainerOptions s_options = new() { BatchSize = 4, Epochs = Epochs, Seed = 11, MaxGradientNorm = 1.0 };

    [Fact]
    public void ResumedRunEndsBitIdenticalToTheUninterruptedOne()
    {
        TrainingSequence<float>[] data = TaggerData(count: 14);
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "run.safetensors");

        (RnnTrainer<SmallTagger, float> uninterrupted, LearningRateScheduler<float> schedule) = NewRun(epoch: 0);
        TrainingResult whole = uninterrupted.Train(data, Run(schedule));

        // The first run stops after epoch 2, saving there; a new process would start from the file alone.
        (RnnTrainer<SmallTagger, float> interrupted, LearningRateScheduler<float> firstSchedule) = NewRun(epoch: 0);
        interrupted.Train(data, new TrainingRun<float>
        {
            Schedule = firstSchedule,
            EpochEnded = report =>
            {
                Checkpoint.Save(interrupted, path);
                return report.Epoch < 2;
            },
        });
        (RnnTrainer<SmallTagger, float> resumed, _) = NewRun(epoch: 0);
        Checkpoint.Load(resumed, path);
        Assert.Equal(2, resumed.Epoch);
        var resumedSchedule = new LearningRateScheduler<float>(resumed.Optimizer, new CosineAnnealingSchedule(maxEpochs: Epochs), epoch: resumed.Epoch);
        TrainingResult rest = resumed.Train(data, Run(resumedSchedule));

        Assert.Equal(3, rest.Epochs);
        Assert.Equal(whole.Loss, rest.Loss);
        Assert.Equal(uninterrupted.Optimizer.StepCount, resumed.Optimizer.StepCount);
        Assert.Equal(uninterrupted.Optimizer.LearningRate, resumed.Optimizer.LearningRate);
        Assert.Equal(Bits(uninterrupted.Model.Parameters), Bits(resumed.Model.Parameters));
    }

    /// <summary>Without the epoch, the resumed run would replay epoch 1's order: the orders really differ from epoch to epoch.</summary>
    [Fact]
    public void EpochsVisitTheDataInDifferentOrders()
    {
        TrainingSequence<float>[] data = TaggerData(count: 14);
        (RnnTrainer<SmallTagger, float> a, _) = NewRun(epoch: 0);
        (RnnTrainer<SmallTagger, float> b, _) = NewRun(epoch: 0);
        a.TrainEpoch(data);
        b.Epoch = 1; // b trains epoch 2's order from the same start
        b.TrainEpoch(data);
        Assert.NotEqual(Bits(a.Model.Parameters), Bits(b.Model.Parameters));
    }

    [Fact]
    public void EveryEpochIsAPermutationAndOrdersAreUniform()
    {
        var counts = new int[6];
        var order = new int[3];
        for (int epoch = 1; epoch <= 6000; epoch++)
        {
            EpochShuffle.Permute(order, seed: 3, epoch);
            Assert.Equal([0, 1, 2], order.Order());
            counts[(order[0] * 2) + (order[1] > order[2] ? 1 : 0)]++;
        }

        // Each of the 6 orders has probability 1/6: 1000 expected, standard deviation about 29.
        Assert.All(counts, count => Assert.InRange(count, 880, 1120));
        int[] first = new int[50], again = new int[50], otherSeed = new int[50];
        EpochShuffle.Permute(first, seed: 3, epoch: 7);
        EpochShuffle.Permute(again, seed: 3, epoch: 7);
        EpochShuffle.Permute(otherSeed, seed: 4, epoch: 7);
        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
    }

    /// <summary>A checkpoint from another seed, or one without a trainer's entries, is refused before anything changes.</summary>
    [Fact]
    public void MismatchedOrIncompleteCheckpointsChangeNothing()
    {
        TrainingSequence<float>[] data = TaggerData(count: 6);
        using var folder = new TemporaryDirectory();
        string trainerFile = Path.Combine(folder.Path, "run.safetensors"), pairFile = Path.Combine(folder.Path, "pair.safetensors");
        (RnnTrainer<SmallTagger, float> saved, _) = NewRun(epoch: 0);
        saved.TrainEpoch(data);
        Checkpoint.Save(saved, trainerFile);
        Checkpoint.Save(saved.Model, saved.Optimizer, pairFile);

        var model = new SmallTagger();
        model.InitializeParameters(new Random(9));
        float[] before = model.Parameters.ToArray();
        var otherSeed = new RnnTrainer<SmallTagger, float>(model, new AdamOptimizer<float>(model.Parameters.Length), s_options with { Seed = 12 });
        var exception = Assert.Throws<ArgumentException>(() => Checkpoint.Load(otherSeed, trainerFile));
        Assert.Contains("Seed 11", exception.Message);
        Assert.Contains("Seed is 12", exception.Message);
        Assert.Contains("'checkpoint.epoch'", Assert.Throws<SafeTensorsException>(() => Checkpoint.Load(otherSeed, pairFile)).Message);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, otherSeed.Epoch);
        Assert.Equal(0, otherSeed.Optimizer.StepCount);
    }

    [Fact]
    public void ARunsScheduleMustBeAtTheTrainersEpoch()
    {
        TrainingSequence<float>[] data = TaggerData(count: 6);
        (RnnTrainer<SmallTagger, float> trainer, LearningRateScheduler<float> schedule) = NewRun(epoch: 0);
        trainer.TrainEpoch(data);
        var exception = Assert.Throws<ArgumentException>(() => trainer.Train(data, Run(schedule)));
        Assert.Contains("epoch: 1", exception.Message);
        Assert.Equal(1, trainer.Epoch);
    }

    private static (RnnTrainer<SmallTagger, float> Trainer, LearningRateScheduler<float> Schedule) NewRun(int epoch)
    {
        var model = new SmallTagger();
        model.InitializeParameters(new Random(5));
        var optimizer = new AdamOptimizer<float>(model.Parameters.Length, learningRate: InitialRate);
        var schedule = new LearningRateScheduler<float>(optimizer, new CosineAnnealingSchedule(maxEpochs: Epochs), epoch);
        return (RnnTrainer.Create(model, optimizer, s_options), schedule);
    }

    private static TrainingRun<float> Run(LearningRateScheduler<float> schedule) => new() { Schedule = schedule };

    /// <summary>Sequences of 1 to 5 steps with random inputs and one-hot targets for <see cref="SmallTagger"/>.</summary>
    internal static TrainingSequence<float>[] TaggerData(int count)
    {
        var random = new Random(4);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            int steps = 1 + (i % 5);
            float[] inputs = [.. Enumerable.Range(0, steps * SmallTagger.InputSize).Select(_ => (float)(random.NextDouble() - 0.5))];
            float[] targets = new float[steps * SmallTagger.OutputSize];
            for (int t = 0; t < steps; t++)
            {
                targets[(t * SmallTagger.OutputSize) + random.Next(SmallTagger.OutputSize)] = 1;
            }

            return new TrainingSequence<float>(inputs, targets);
        })];
    }

    private static int[] Bits(Span<float> values) => [.. values.ToArray().Select(BitConverter.SingleToInt32Bits)];
}
