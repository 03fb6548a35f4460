using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Runtime;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>RnnTrainer on generated models and on the hand-written <see cref="LinearModel"/>.</summary>
public sealed class TrainerTests
{
    [Fact]
    public void SameSeedGivesBitIdenticalWeightsWithTwoWorkers()
    {
        var options = new TrainerOptions { BatchSize = 3, Epochs = 2, Seed = 7, MaxGradientNorm = 1.0, DegreeOfParallelism = 2 };
        TrainingSequence<double>[] data = ClassifierData(count: 8);

        long[] first = Bits(TrainClassifier(options, data));
        long[] second = Bits(TrainClassifier(options, data));
        long[] otherSeed = Bits(TrainClassifier(options with { Seed = 8 }, data));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    /// <summary>With two sequences and two workers each worker takes one, so the model's gradient must be exactly (g1 + g2) / 2.</summary>
    [Fact]
    public void BatchGradientIsTheMeanOfThePerSequenceGradients()
    {
        TrainingSequence<double>[] data = ClassifierData(count: 2);
        var model = new SmallClassifier();
        model.InitializeParameters(new Random(1));
        double[] expected = new double[model.Parameters.Length];
        foreach (TrainingSequence<double> sequence in data)
        {
            var single = new SmallClassifier();
            model.Parameters.CopyTo(single.Parameters);
            single.Forward(sequence.Inputs, sequence.InitialState, new double[SmallClassifier.OutputSize]);
            single.Backward(sequence.Targets, default, default);
            for (int i = 0; i < expected.Length; i++)
            {
                expected[i] += single.Gradients[i];
            }
        }

        var trainer = new RnnTrainer<SmallClassifier, double>(model, new SgdOptimizer<double>(model.Parameters.Length, 0.1), new TrainerOptions { BatchSize = 2, DegreeOfParallelism = 2 });
        trainer.TrainEpoch(data);

        // The trainer runs each worker's share as one batched pass, whose sums round in another order than one call per sequence.
        double largest = expected.Max(Math.Abs) / 2;
        double[] gradients = model.Gradients.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(gradients[i] - (expected[i] / 2)) <= 1e-13 * largest, $"gradient {i}: {gradients[i]} against {expected[i] / 2}");
        }
        Assert.Equal(1, trainer.Optimizer.StepCount);
    }

    /// <summary>
    /// A model's exception reaches the caller as itself, not wrapped, whether the failing sequence ran on the calling
    /// thread or on the second worker's thread-pool item: with two workers, the seeds put it on each side (checked by the
    /// thread it was thrown on). No update is applied.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void WorkerExceptionsSurfaceUnwrappedWithAnyWorkerCount(int workers)
    {
        var threads = new HashSet<bool>();
        for (int seed = 0; seed < 8; seed++)
        {
            var model = new LinearModel();
            model.InitializeParameters(new Random(3));
            var options = new TrainerOptions { BatchSize = 2, DegreeOfParallelism = workers, Seed = seed };
            var trainer = new RnnTrainer<LinearModel, double>(model, new SgdOptimizer<double>(3, 0.1), options);
            TrainingSequence<double>[] data = [new([1.0, 2.0], [0.5]), new([3.0, 4.0], [LinearModel.ThrowingTarget])];
            double[] before = model.Parameters.ToArray();

            var exception = Assert.Throws<InvalidOperationException>(() => trainer.TrainEpoch(data));

            Assert.Equal("The model failed on its throwing target.", exception.Message);
            Assert.Equal(before, model.Parameters.ToArray());
            threads.Add((int)exception.Data["thread"]! == Environment.CurrentManagedThreadId);
        }
        Assert.Equal(workers == 1 ? [true] : [false, true], threads.Order());
    }

    [Fact]
    public void NaNGradientThrowsNamingStepAndTensorAndKeepsTheLastGoodWeights()
    {
        var model = new LinearModel();
        model.InitializeParameters(new Random(3));
        var optimizer = new AdamOptimizer<double>(3, learningRate: 0.01);
        var trainer = new RnnTrainer<LinearModel, double>(model, optimizer, new TrainerOptions { BatchSize = 1, DegreeOfParallelism = 2 });
        trainer.TrainEpoch(LinearData(count: 3, new Random(4)));
        double[] weightsAfterStep3 = model.Parameters.ToArray();
        double[] firstMomentAfterStep3 = optimizer.FirstMoment.ToArray();

        TrainingSequence<double>[] poisoned = [new([1.0, 2.0, 3.0, 4.0], [0.5, LinearModel.NaNGradientTarget])];
        var exception = Assert.Throws<TrainingDivergedException>(() => trainer.TrainEpoch(poisoned));

        Assert.Equal(4, exception.Step);
        Assert.Equal("head.bias", exception.TensorName);
        Assert.Contains("step 4", exception.Message);
        Assert.Contains("'head.bias'", exception.Message);
        Assert.Equal(weightsAfterStep3, model.Parameters.ToArray());
        Assert.Equal(firstMomentAfterStep3, optimizer.FirstMoment.ToArray());
        Assert.Equal(3, optimizer.StepCount);
        Assert.Equal(3, trainer.Optimizer.StepCount);
    }

    [Fact]
    public void NonFiniteLossAloneNamesNoTensorAndAddedBiasEntriesNeverNameAnIndex()
    {
        RnnParameterTensor[] tensors = new LinearModel().ParameterTensors.ToArray();

        var lossOnly = Assert.Throws<TrainingDivergedException>(() => TrainingDivergedException.ThrowIfNotFinite(7, double.PositiveInfinity, [0.0, 0.0, 0.0], tensors));
        Assert.Equal(7, lossOnly.Step);
        Assert.Null(lossOnly.TensorName);
        Assert.Contains("loss", lossOnly.Message);

        var gradient = Assert.Throws<TrainingDivergedException>(() => TrainingDivergedException.ThrowIfNotFinite(2, 1.0, [0.0, 0.0, double.NegativeInfinity], tensors));
        Assert.Equal("head.bias", gradient.TensorName);
        Assert.Equal("head.weight", Assert.Throws<TrainingDivergedException>(() => TrainingDivergedException.ThrowIfNotFinite(2, 1.0, [0.0, double.NaN, 0.0], tensors)).TensorName);
    }

    /// <summary>Windows of 3 over 7 steps (3, 3, 1), each backpropagated alone from the previous window's final state, done by hand.</summary>
    [Fact]
    public void TruncatedBackpropagationEqualsManualWindowedCalls()
    {
        double[] inputs = [0.3, -0.7, 1.1, 0.2, -0.4, 0.9, -1.3];
        double[] targets = [0.1, 0.9, 0.4, 0.6, 0.2, 0.8, 0.5];
        double[] initialState = [0.25, -0.5];
        var start = new ReluSigmoidCell();
        start.InitializeParameters(new Random(5));

        var manual = new ReluSigmoidCell();
        start.Parameters.CopyTo(manual.Parameters);
        manual.ZeroGradients();
        double[] state = initialState;
        double manualLoss = 0;
        foreach ((int first, int length) in new[] { (0, 3), (3, 3), (6, 1) })
        {
            manual.Forward(inputs.AsSpan(first, length), state, new double[length]);
            manualLoss += manual.Backward(targets.AsSpan(first, length), default, default);
            state = manual.FinalState.ToArray();
        }

        double[] manualGradients = manual.Gradients.ToArray();
        new SgdOptimizer<double>(manual.Parameters.Length, 0.1).Step(manual.Parameters, manualGradients);

        var trained = new ReluSigmoidCell();
        start.Parameters.CopyTo(trained.Parameters);
        var trainer = new RnnTrainer<ReluSigmoidCell, double>(trained, new SgdOptimizer<double>(trained.Parameters.Length, 0.1), new TrainerOptions { BatchSize = 1, TruncationWindow = 3, DegreeOfParallelism = 1 });
        double loss = trainer.TrainEpoch([new(inputs, targets, initialState)]);

        Assert.Equal(manualLoss, loss);
        Assert.Equal(manualGradients, trained.Gradients.ToArray());
        Assert.Equal(manual.Parameters.ToArray(), trained.Parameters.ToArray());

        // Full backpropagation differs, so the comparison above would notice truncation being ignored.
        var full = new ReluSigmoidCell();
        start.Parameters.CopyTo(full.Parameters);
        new RnnTrainer<ReluSigmoidCell, double>(full, new SgdOptimizer<double>(full.Parameters.Length, 0.1), new TrainerOptions { BatchSize = 1, DegreeOfParallelism = 1 })
            .TrainEpoch([new(inputs, targets, initialState)]);
        Assert.NotEqual(manualGradients, full.Gradients.ToArray());
    }

    /// <summary>The default worker count is a constant, not the machine's cores: the shares decide the weights bit for bit.</summary>
    [Fact]
    public void DefaultWorkerCountIsTheSameOnEveryMachine()
    {
        Assert.Equal(2, new TrainerOptions().DegreeOfParallelism);
    }

    /// <summary>
    /// Truncation needs a target at every step (a many-to-one model has one) and a state that can seed the next window
    /// (a bidirectional model's reverse direction ends at the window's first step): both are rejected, naming why.
    /// </summary>
    [Fact]
    public void TruncationIsRejectedWhereItCannotWork()
    {
        AssertTruncationRejected<SmallClassifier>("many-to-many");
        AssertTruncationRejected<BidirectionalLstmTagger>("unidirectional");
    }

    private static void AssertTruncationRejected<TModel>(string reason)
        where TModel : class, IRnnModel<double>, new()
    {
        var model = new TModel();
        var exception = Assert.Throws<ArgumentException>(() => new RnnTrainer<TModel, double>(
            model, new AdamOptimizer<double>(model.Parameters.Length), new TrainerOptions { TruncationWindow = 4 }));
        Assert.Equal("options", exception.ParamName);
        Assert.Contains(reason, exception.Message);
    }

    [Fact]
    public void BadOptionsAndSequencesAreRejectedBeforeAnyStep()
    {
        var model = new LinearModel();
        var adam = new AdamOptimizer<double>(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnTrainer<LinearModel, double>(model, adam, new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnTrainer<LinearModel, double>(model, adam, new TrainerOptions { MaxGradientNorm = -1 }));
        Assert.Throws<ArgumentException>(() => new RnnTrainer<LinearModel, double>(model, new AdamOptimizer<double>(4), new TrainerOptions()));

        var trainer = new RnnTrainer<LinearModel, double>(model, adam, new TrainerOptions { BatchSize = 1 });
        TrainingSequence<double>[] data = [new([1.0, 2.0], [0.5]), new([1.0, 2.0, 3.0], [0.5])];
        var exception = Assert.Throws<ArgumentException>(() => trainer.TrainEpoch(data));
        Assert.Contains("Sequence 1", exception.Message);
        Assert.Equal(0, trainer.Optimizer.StepCount);
        Assert.Throws<ArgumentException>(() => trainer.TrainEpoch([]));
    }

    [Fact]
    public void TrainingFitsALinearTargetAndReportsEveryEpoch()
    {
        var model = new LinearModel();
        var trainer = new RnnTrainer<LinearModel, double>(model, new AdamOptimizer<double>(3, learningRate: 0.05), new TrainerOptions { BatchSize = 4, Epochs = 60, Seed = 1 });
        TrainingSequence<double>[] data = LinearData(count: 16, new Random(6));
        var log = new StringWriter();

        double firstLoss = trainer.TrainEpoch(data);
        double lastLoss = trainer.Train(data, new ConsoleProgressReporter(log));

        Assert.True(lastLoss < firstLoss / 100, $"loss {firstLoss} -> {lastLoss}");
        Assert.Equal([0.5, -1.5, 0.25], model.Parameters.ToArray().Select(p => Math.Round(p, 2)).ToArray());
        // Train runs the epochs left after TrainEpoch's, and none once all are done.
        string[] lines = log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(59, lines.Length);
        Assert.Equal(60, trainer.Epoch);
        Assert.Equal(0, trainer.Train(data, new TrainingRun<double>()).Epochs);
        Assert.Matches(@"^epoch 60/60  loss \S+  elapsed \d\d:\d\d  remaining ~00:00$", lines[^1]);
    }

    [Fact]
    public void ConsoleProgressReporterPrintsTheDocumentedLine()
    {
        var log = new StringWriter();
        var reporter = new ConsoleProgressReporter(log);
        reporter.Report(new TrainingProgress(3, 20, 0.123449, TimeSpan.FromSeconds(12.7), TimeSpan.FromSeconds(40)));
        reporter.Report(new TrainingProgress(1, 2, 2e-7, TimeSpan.FromMinutes(75), TimeSpan.FromMinutes(75)));
        Assert.Equal(
            "epoch 3/20  loss 0.1234  elapsed 00:12  remaining ~00:40" + Environment.NewLine
            + "epoch 1/2  loss 2E-07  elapsed 1:15:00  remaining ~1:15:00" + Environment.NewLine,
            log.ToString());
    }

    /// <summary>After every epoch the run reports the validation set's mean loss and metric, recomputed here on a copy of the model.</summary>
    [Fact]
    public void ValidationLossAndMetricAreThoseOfTheModelAfterEachEpoch()
    {
        var model = new LinearModel();
        var trainer = new RnnTrainer<LinearModel, double>(model, new AdamOptimizer<double>(3, learningRate: 0.05), new TrainerOptions { BatchSize = 4, Epochs = 5, Seed = 1 });
        TrainingSequence<double>[] validation = LinearData(count: 6, new Random(9));
        static double LargestError(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets)
        {
            double largest = 0;
            for (int i = 0; i < predictions.Length; i++)
            {
                largest = Math.Max(largest, Math.Abs(predictions[i] - targets[i]));
            }

            return largest;
        }

        var reports = new List<TrainingProgress>();
        var log = new StringWriter();
        TrainingResult result = trainer.Train(LinearData(count: 16, new Random(6)), new TrainingRun<double>
        {
            Validation = validation,
            Metric = LargestError,
            EpochEnded = report =>
            {
                var copy = new LinearModel();
                model.Parameters.CopyTo(copy.Parameters);
                (double loss, double metric) = (0, 0);
                foreach (TrainingSequence<double> sequence in validation)
                {
                    var predictions = new double[sequence.Targets.Length];
                    copy.Forward(sequence.Inputs, default, predictions);
                    loss += copy.Loss(predictions, sequence.Targets);
                    metric += LargestError(predictions, sequence.Targets);
                }

                Assert.Equal(loss / validation.Length, report.ValidationLoss);
                Assert.Equal(metric / validation.Length, report.ValidationMetric);
                reports.Add(report);
                return true;
            },
        }, new ConsoleProgressReporter(log));

        Assert.Equal([1, 2, 3, 4, 5], reports.Select(report => report.Epoch));
        Assert.True(reports[^1].ValidationLoss < reports[0].ValidationLoss / 2, $"validation loss {reports[0].ValidationLoss} -> {reports[^1].ValidationLoss}");
        Assert.Equal((5, reports[^1].Loss, reports[^1].ValidationLoss, 5, false), (result.Epochs, result.Loss, result.ValidationLoss, result.BestEpoch, result.StoppedEarly));
        Assert.Equal(reports, result.History);
        Assert.Matches(@"^epoch 5/5  loss \S+  validation \S+  metric \S+  elapsed \d\d:\d\d  remaining ~00:00$", log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    /// <summary>
    /// Validation targets of the opposite sign: fitting the training data makes the validation loss rise after epoch 1, so
    /// with a patience of 2 the run stops after epoch 3 and puts back epoch 1's parameters.
    /// </summary>
    [Fact]
    public void EarlyStoppingEndsTheRunAndRestoresTheBestEpochsParameters()
    {
        var model = new LinearModel();
        var trainer = new RnnTrainer<LinearModel, double>(model, new AdamOptimizer<double>(3, learningRate: 0.05), new TrainerOptions { BatchSize = 4, Epochs = 20, Seed = 1 });
        TrainingSequence<double>[] opposite = [.. LinearData(count: 6, new Random(9)).Select(sequence => sequence with { Targets = [.. sequence.Targets.Select(target => -target)] })];
        var parametersAfter = new List<double[]>();
        var validationLosses = new List<double>();
        TrainingResult result = trainer.Train(LinearData(count: 16, new Random(6)), new TrainingRun<double>
        {
            Validation = opposite,
            EarlyStopping = new EarlyStopping(Patience: 2),
            EpochEnded = report =>
            {
                parametersAfter.Add(model.Parameters.ToArray());
                validationLosses.Add(report.ValidationLoss!.Value);
                return true;
            },
        });

        Assert.True(validationLosses[1] > validationLosses[0] && validationLosses[2] > validationLosses[0], string.Join(", ", validationLosses));
        Assert.Equal((3, validationLosses[2], 1, true), (result.Epochs, result.ValidationLoss, result.BestEpoch, result.StoppedEarly));
        Assert.Equal(validationLosses, result.History.Select(report => report.ValidationLoss!.Value));
        Assert.Equal(parametersAfter[0], model.Parameters.ToArray());
        Assert.NotEqual(parametersAfter[2], model.Parameters.ToArray());
    }

    /// <summary>A validation loss that never improves (NaN here) stops the run without putting back parameters no epoch had.</summary>
    [Fact]
    public void EarlyStoppingWithoutABestEpochKeepsTheParameters()
    {
        var model = new LinearModel();
        var trainer = new RnnTrainer<LinearModel, double>(model, new AdamOptimizer<double>(3, learningRate: 0.05), new TrainerOptions { BatchSize = 4, Epochs = 5, Seed = 1 });
        TrainingSequence<double>[] unscorable = [new([0.5, 0.5], [double.NaN])];
        TrainingResult result = trainer.Train(LinearData(count: 8, new Random(6)), new TrainingRun<double> { Validation = unscorable, EarlyStopping = new EarlyStopping(Patience: 1) });
        Assert.Equal((1, 0, true), (result.Epochs, result.BestEpoch, result.StoppedEarly));
        Assert.NotEqual(new double[3], model.Parameters.ToArray());
    }

    /// <summary>ReduceOnPlateau is stepped with a loss, so a maximizing one is refused, and so is a schedule beside it.</summary>
    [Fact]
    public void APlateauSchedulerThatCannotWorkIsRefused()
    {
        var model = new LinearModel();
        var optimizer = new AdamOptimizer<double>(3);
        var trainer = new RnnTrainer<LinearModel, double>(model, optimizer, new TrainerOptions { BatchSize = 4, Epochs = 2 });
        TrainingSequence<double>[] data = LinearData(count: 8, new Random(3));
        Assert.Contains("maximize: false", Assert.Throws<ArgumentException>(() => trainer.Train(data, new TrainingRun<double> { ReduceOnPlateau = new ReduceOnPlateauScheduler<double>(optimizer, maximize: true) })).Message);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => trainer.Train(data, new TrainingRun<double>
        {
            ReduceOnPlateau = new ReduceOnPlateauScheduler<double>(optimizer),
            Schedule = new LearningRateScheduler<double>(optimizer, new ExponentialSchedule(0.9)),
        })).Message);
        Assert.Equal(0, trainer.Epoch);
    }

    /// <summary>RnnTrainer.Create infers both type arguments and trains as the constructor's trainer does, bit for bit.</summary>
    [Fact]
    public void CreateInfersTheTypeArgumentsAndTrainsTheSame()
    {
        TrainingSequence<double>[] data = LinearData(count: 8, new Random(3));
        var options = new TrainerOptions { BatchSize = 4, Epochs = 3, Seed = 5 };
        var inferred = new LinearModel();
        RnnTrainer<LinearModel, double> trainer = RnnTrainer.Create(inferred, new AdamOptimizer<double>(3), options);
        trainer.Train(data);
        var spelled = new LinearModel();
        new RnnTrainer<LinearModel, double>(spelled, new AdamOptimizer<double>(3), options).Train(data);
        Assert.Equal(spelled.Parameters.ToArray(), inferred.Parameters.ToArray());
        Assert.NotEqual(new double[3], inferred.Parameters.ToArray());
    }

    /// <summary>A callback that returns false ends the run after its epoch; bad early-stopping settings and an empty validation set are refused before any step.</summary>
    [Fact]
    public void TheEpochCallbackCanEndTheRun()
    {
        var model = new LinearModel();
        var trainer = new RnnTrainer<LinearModel, double>(model, new SgdOptimizer<double>(3, 0.1), new TrainerOptions { BatchSize = 4, Epochs = 10 });
        TrainingSequence<double>[] data = LinearData(count: 8, new Random(3));
        TrainingResult result = trainer.Train(data, new TrainingRun<double> { EpochEnded = report => report.Epoch < 2 });
        Assert.Equal(2, result.Epochs);
        Assert.True(result.StoppedEarly);
        Assert.Null(result.ValidationLoss);

        long steps = trainer.Optimizer.StepCount;
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Train(data, new TrainingRun<double> { EarlyStopping = new EarlyStopping(Patience: 0) }));
        Assert.Equal("run", Assert.Throws<ArgumentException>(() => trainer.Train(data, new TrainingRun<double> { Validation = [] })).ParamName);
        Assert.Equal(steps, trainer.Optimizer.StepCount);
    }

    /// <summary>A many-to-one, bidirectional, two-layer softmax model; sequences of 1 to 6 steps with random inputs and one-hot targets.</summary>
    internal static TrainingSequence<double>[] ClassifierData(int count)
    {
        var random = new Random(2);
        return Enumerable.Range(0, count).Select(i =>
        {
            int steps = 1 + (i % 6);
            double[] inputs = Enumerable.Range(0, steps * SmallClassifier.InputSize).Select(_ => random.NextDouble() - 0.5).ToArray();
            double[] targets = new double[SmallClassifier.OutputSize];
            targets[i % SmallClassifier.OutputSize] = 1;
            return new TrainingSequence<double>(inputs, targets);
        }).ToArray();
    }

    /// <summary>Sequences of 1 to 4 steps with targets y = 0.5·x0 - 1.5·x1 + 0.25, which <see cref="LinearModel"/> can fit exactly.</summary>
    internal static TrainingSequence<double>[] LinearData(int count, Random random) => Enumerable.Range(0, count).Select(i =>
    {
        int steps = 1 + (i % 4);
        double[] inputs = Enumerable.Range(0, steps * 2).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] targets = Enumerable.Range(0, steps).Select(t => (0.5 * inputs[2 * t]) - (1.5 * inputs[(2 * t) + 1]) + 0.25).ToArray();
        return new TrainingSequence<double>(inputs, targets);
    }).ToArray();

    private static double[] TrainClassifier(TrainerOptions options, IReadOnlyList<TrainingSequence<double>> data)
    {
        var model = new SmallClassifier();
        model.InitializeParameters(new Random(1));
        new RnnTrainer<SmallClassifier, double>(model, new AdamOptimizer<double>(model.Parameters.Length, learningRate: 0.01), options).Train(data);
        return model.Parameters.ToArray();
    }

    private static long[] Bits(double[] values) => Array.ConvertAll(values, BitConverter.DoubleToInt64Bits);
}
