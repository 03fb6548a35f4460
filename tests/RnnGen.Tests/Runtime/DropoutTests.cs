using System;
using System.Linq;
using RnnGen.Kernels;
using RnnGen.Tests.Gradients;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>nn.LSTM(3, 4, num_layers=2, bidirectional=True, dropout=0.4) with nn.Dropout(0.3) before a head at every step.</summary>
[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional,
    Dropout = 0.4, HeadDropout = 0.3)]
public partial class DroppingLstm { }

/// <summary>DroppingLstm without dropout: the same parameters, for the same outputs in inference mode.</summary>
[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional)]
public partial class PlainLstm { }

/// <summary>DroppingLstm's layer 0 alone.</summary>
[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional)]
public partial class FirstLstmLayer { }

/// <summary>DroppingLstm's layer 1 alone, reading [forward | reverse] rows of layer 0.</summary>
[RnnModel<double>(InputSize = 8, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional)]
public partial class SecondLstmLayer { }

/// <summary>A streaming GRU classifier with dropout between its three layers and before its head.</summary>
[RnnModel<double>(InputSize = 2, HiddenSize = 5, OutputSize = 3, Layers = 3, Cell = RnnCell.Gru, Topology = RnnTopology.ManyToOne,
    OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, Dropout = 0.5, HeadDropout = 0.2, Streaming = true)]
public partial class DroppingGru { }

/// <summary>One vanilla layer (identity head) with head dropout only: its predictions can be worked out by hand from the masks.</summary>
[RnnModel<double>(InputSize = 2, HiddenSize = 6, OutputSize = 2, HeadDropout = 0.5)]
public partial class HeadDroppingRnn { }

/// <summary>
/// Dropout as <c>nn.LSTM(dropout=p)</c> and <c>nn.Dropout</c> before the head apply it: the masks' definition and
/// statistics, inference untouched, training-mode outputs worked out from the masks by hand, keys that make single calls,
/// batches and workers drop alike, and gradients through the masks against finite differences. PyTorch parity at the same
/// masks is in tests/data/pytorch-variants (<see cref="Parity.PyTorchParityTests"/>); the finite-difference and batch
/// pools draw shapes with dropout too.
/// </summary>
public sealed class DropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void MasksKeepEachUnitWithProbabilityOneMinusPIndependently(double probability)
    {
        const int Draws = 200_000;
        int kept = 0, keptTwice = 0;
        for (int i = 0; i < Draws; i++)
        {
            // Neighbouring keys, sites, steps and units: the hash must not correlate them.
            bool first = Dropout.Keeps(key: (ulong)(i / 1000), site: i % 3, step: i / 3 % 7, unit: i % 1000, probability);
            bool next = Dropout.Keeps(key: (ulong)(i / 1000) + 1, site: i % 3, step: i / 3 % 7, unit: i % 1000, probability);
            kept += first ? 1 : 0;
            keptTwice += first && next ? 1 : 0;
        }
        double keep = 1 - probability;
        double sigma = Math.Sqrt(keep * probability / Draws);
        Assert.InRange(kept / (double)Draws, keep - (5 * sigma), keep + (5 * sigma));
        Assert.InRange(keptTwice / (double)Draws, (keep * keep) - (5 * sigma), (keep * keep) + (5 * sigma));
    }

    [Fact]
    public void ApplyZeroesTheDroppedUnitsAndScalesTheOthers()
    {
        double[] rows = [.. Enumerable.Range(1, 3 * 40).Select(static i => (double)i)];
        var dropped = new double[rows.Length];
        Dropout.Apply<double>(rows, dropped, width: 40, key: 9, site: 1, probability: 0.25);
        for (int i = 0; i < rows.Length; i++)
        {
            double expected = Dropout.Keeps(9, 1, i / 40, i % 40, 0.25) ? rows[i] / 0.75 : 0;
            Assert.Equal(expected, dropped[i], 1e-12);
        }
        Assert.Contains(0.0, dropped);
        Assert.True(Enumerable.Range(0, 120).All(i => Dropout.Keeps(9, 1, i / 40, i % 40, 0)), "p = 0 keeps every unit");
    }

    [Fact]
    public void AModelInInferenceModeIsTheModelWithoutDropout()
    {
        var dropping = new DroppingLstm();
        var plain = new PlainLstm();
        dropping.InitializeParameters(new Random(1));
        dropping.Parameters.CopyTo(plain.Parameters);
        Assert.False(dropping.Training);
        double[] inputs = Values(5 * 3, 2), targets = Values(5 * 2, 3);
        var fromDropping = new double[10];
        var fromPlain = new double[10];

        dropping.Forward(inputs, fromDropping);
        plain.Forward(inputs, fromPlain);
        dropping.Backward(targets);
        plain.Backward(targets);

        Assert.Equal(fromPlain, fromDropping);
        Assert.Equal(plain.Gradients.ToArray(), dropping.Gradients.ToArray());
        Assert.Equal(0ul, dropping.DropoutKey); // inference draws no masks
        var batchDropping = new double[2 * 5 * 2];
        var batchPlain = new double[2 * 5 * 2];
        dropping.ForwardBatch([.. inputs, .. inputs], [5, 3], batchDropping);
        plain.ForwardBatch([.. inputs, .. inputs], [5, 3], batchPlain);
        Assert.Equal(batchPlain, batchDropping);
    }

    /// <summary>y&lt;t&gt; = W_ya (m&lt;t&gt; ⊙ a&lt;t&gt; / (1 - p)) + b_y, from the undropped hidden states and the masks of the key.</summary>
    [Fact]
    public void TrainingModeDropsTheHeadsInputByTheKeysMasks()
    {
        var model = new HeadDroppingRnn { Training = true, DropoutKey = 41 };
        model.InitializeParameters(new Random(2));
        double[] inputs = Values(7 * 2, 4);
        var predictions = new double[7 * 2];
        model.Forward(inputs, predictions);

        ReadOnlySpan<double> parameters = model.Parameters;
        RnnParameterTensor weights = model.ParameterTensors.ToArray().Single(t => t.Name == "head.weight");
        RnnParameterTensor bias = model.ParameterTensors.ToArray().Single(t => t.Name == "head.bias");
        for (int t = 0; t < 7; t++)
        {
            for (int o = 0; o < 2; o++)
            {
                double expected = parameters[bias.Offset + o];
                for (int j = 0; j < 6; j++)
                {
                    // Stored transposed, [inputs, outputs].
                    double kept = Dropout.Keeps(41, site: 0, step: t, unit: j, 0.5) ? model.HiddenOutputs[(t * 6) + j] / 0.5 : 0;
                    expected += parameters[weights.Offset + (j * 2) + o] * kept;
                }
                Assert.Equal(expected, predictions[(t * 2) + o], 1e-12);
            }
        }
        Assert.Equal(42ul, model.DropoutKey);
    }

    /// <summary>Layer 1 reads layer 0's output through the mask: as the two layers run apart, with the mask applied between them by hand.</summary>
    [Fact]
    public void TrainingModeDropsBetweenLayersByTheKeysMasks()
    {
        var model = new DroppingLstm { Training = true, DropoutKey = 5 };
        model.InitializeParameters(new Random(3));
        double[] inputs = Values(6 * 3, 5);
        model.Forward(inputs, new double[6 * 2]);
        double[] top = model.HiddenOutputs.ToArray();

        var first = new FirstLstmLayer();
        var second = new SecondLstmLayer();
        CopyLayer(model, 0, first);
        CopyLayer(model, 1, second);
        first.Forward(inputs, new double[6 * 2]);
        double[] dropped = first.HiddenOutputs.ToArray();
        for (int i = 0; i < dropped.Length; i++)
        {
            dropped[i] = Dropout.Keeps(5, site: 0, step: i / 8, unit: i % 8, 0.4) ? dropped[i] / 0.6 : 0;
        }
        second.Forward(dropped, new double[6 * 2]);
        Assert.Equal(second.HiddenOutputs.ToArray(), top, (a, b) => Math.Abs(a - b) < 1e-12);

        // Two runs at the same key drop alike; another key drops otherwise.
        model.DropoutKey = 5;
        model.Forward(inputs, new double[6 * 2]);
        Assert.Equal(top, model.HiddenOutputs.ToArray());
        model.DropoutKey = 6;
        model.Forward(inputs, new double[6 * 2]);
        Assert.NotEqual(top, model.HiddenOutputs.ToArray());
    }

    /// <summary>Copies layer <paramref name="layer"/>'s tensors of <paramref name="source"/> into the one-layer <paramref name="destination"/>.</summary>
    private static void CopyLayer(IRnnModel<double> source, int layer, IRnnModel<double> destination)
    {
        foreach (RnnParameterTensor tensor in destination.ParameterTensors)
        {
            if (tensor.Name.StartsWith("rnn.", StringComparison.Ordinal))
            {
                RnnParameterTensor from = source.ParameterTensors.ToArray().Single(t => t.Name == tensor.Name.Replace("_l0", $"_l{layer}"));
                source.Parameters.Slice(from.Offset, from.Length).CopyTo(destination.Parameters.Slice(tensor.Offset, tensor.Length));
            }
        }
    }

    [Fact]
    public void BackwardThroughTheMasksMatchesFiniteDifferences()
    {
        var counts = new GradientCheck.Counts();
        GradientCheck.Run(new DroppingGru(), new ModelShape("DroppingGru", 2, 5, 3, 3, false, "ManyToOne", "Tanh", "Softmax", "CrossEntropy", "Gru", Dropout: 0.5, HeadDropout: 0.2), steps: 9, seed: 8, counts, checkAllStateEntries: true);
        GradientCheck.Run(new DroppingLstm(), new ModelShape("DroppingLstm", 3, 4, 2, 2, true, "ManyToMany", "Tanh", "Identity", "SquaredError", "Lstm", Dropout: 0.4, HeadDropout: 0.3), steps: 7, seed: 9, counts, checkAllStateEntries: true);
        Assert.Equal(0, counts.Skipped);
    }

    [Fact]
    public void BatchesDropEachSequenceAsItsSingleCall() =>
        BatchTests.AssertBatchMatchesSingleCalls(new DroppingLstm(), [6, 2, 9, 1, 6], 1e-13, 1e-12);

    [Fact]
    public void BatchesOfAOnceAppliedHeadDropEachSequenceAsItsSingleCall() =>
        BatchTests.AssertBatchMatchesSingleCalls(new DroppingGru(), [3, 8, 8, 2], 1e-13, 1e-12);

    [Fact]
    public void TrainingModeAllocatesNothingOnceWarmedUp()
    {
        var model = new DroppingLstm { Training = true };
        model.InitializeParameters(new Random(7));
        double[] inputs = Values(3 * 6 * 3, 8), targets = Values(3 * 6 * 2, 9);
        int[] lengths = [6, 4, 5];
        var predictions = new double[6 * 2];
        void Train()
        {
            model.AccumulateBatchGradients(inputs, lengths, targets);
            model.Forward(inputs.AsSpan(0, 6 * 3), predictions);
            model.Backward(targets.AsSpan(0, 6 * 2));
        }
        Train();
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                Train();
            }
        }));
    }

    [Fact]
    public void StreamingNeverDrops()
    {
        var model = new DroppingGru { Training = true, DropoutKey = 3 };
        model.InitializeParameters(new Random(4));
        double[] inputs = Values(5 * 2, 6);
        var stepped = new double[3];
        foreach (int t in Enumerable.Range(0, 5))
        {
            model.Step(inputs.AsSpan(t * 2, 2), stepped);
        }
        model.Training = false;
        var forward = new double[3];
        model.Forward(inputs, forward);
        Assert.Equal(forward, stepped, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(3ul, model.DropoutKey);
    }

    /// <summary>
    /// The trainer keys each sequence by its place in the epoch's order: one worker and two (each running its share as one
    /// batch) drop alike and end at the same weights up to rounding, while the same training without dropout ends elsewhere.
    /// Validation measures the model in inference mode.
    /// </summary>
    [Fact]
    public void TheTrainerDropsTheSameWayWithAnyNumberOfWorkers()
    {
        TrainingSequence<double>[] data = ClassifierData(12, seed: 10);
        double[] Train(int workers, double learningRate, out TrainingResult result, out DroppingGru model)
        {
            model = new DroppingGru();
            model.InitializeParameters(new Random(11));
            var trainer = RnnTrainer.Create(model, new AdamOptimizer<double>(DroppingGru.ParameterCount, learningRate), new TrainerOptions { BatchSize = 4, Epochs = 3, Seed = 12, DegreeOfParallelism = workers });
            result = trainer.Train(data, new TrainingRun<double> { Validation = data[..4] });
            return model.Parameters.ToArray();
        }

        double[] one = Train(1, 0.01, out TrainingResult result, out DroppingGru trained);
        double[] two = Train(2, 0.01, out _, out _);
        Assert.All(one.Zip(two), pair => Assert.Equal(pair.First, pair.Second, 1e-10));
        Assert.False(trained.Training); // the trainer's workers train; the model itself stays as it was
        double validation = data[..4].Average(sequence =>
        {
            var predictions = new double[3];
            trained.Forward(sequence.Inputs, predictions);
            return trained.Loss(predictions, sequence.Targets);
        });
        Assert.Equal(validation, result.ValidationLoss!.Value, 1e-12);
    }

    /// <summary>The masks depend on the seed, the epoch and the place in its order only: a run resumed from a checkpoint drops as the uninterrupted one, and ends at its weights bit for bit.</summary>
    [Fact]
    public void AResumedRunDropsAsTheUninterruptedOne()
    {
        TrainingSequence<double>[] data = ClassifierData(10, seed: 13);
        using var folder = new SafeTensors.TemporaryDirectory();
        string path = System.IO.Path.Combine(folder.Path, "run.safetensors");
        RnnTrainer<DroppingGru, double> NewTrainer()
        {
            var model = new DroppingGru();
            model.InitializeParameters(new Random(14));
            return RnnTrainer.Create(model, new AdamOptimizer<double>(DroppingGru.ParameterCount, 0.01), new TrainerOptions { BatchSize = 3, Epochs = 3, Seed = 15 });
        }

        RnnTrainer<DroppingGru, double> whole = NewTrainer();
        whole.Train(data);
        RnnTrainer<DroppingGru, double> first = NewTrainer();
        first.TrainEpoch(data);
        Checkpoint.Save(first, path);
        RnnTrainer<DroppingGru, double> resumed = NewTrainer();
        Checkpoint.Load(resumed, path);
        resumed.Train(data);

        Assert.Equal(whole.Model.Parameters.ToArray(), resumed.Model.Parameters.ToArray());
    }

    private static TrainingSequence<double>[] ClassifierData(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            int steps = random.Next(3, 9);
            var target = new double[3];
            target[random.Next(3)] = 1;
            return new TrainingSequence<double>([.. Enumerable.Range(0, steps * 2).Select(_ => random.NextDouble() - 0.5)], target);
        })];
    }

    private static double[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => (2 * random.NextDouble()) - 1)];
    }
}
