using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Samples;
using TwoSpirals;

// One-to-one, the 'traditional neural network' row: a model declared with Topology = OneToOne is a feed-forward
// network (one step from a zero state). It learns the two-spirals task from random weights; the metric is test
// accuracy against always predicting the majority class. `--smoke` runs a few small epochs for CI.
SampleArguments? arguments = SampleArguments.Parse(args, "Trains a one-to-one (feed-forward) network on the two-spirals task and writes its loss curve and decision regions.", out int exitCode);
if (arguments is null)
{
    return exitCode;
}

bool smoke = arguments.Smoke;
int epochs = smoke ? 3 : 30;
var random = new Random(2026);
List<LabelledPoint> trainingPoints = SpiralTask.Generate(smoke ? 400 : 2000, noise: 0.03, random);
List<LabelledPoint> testPoints = SpiralTask.Generate(1000, noise: 0.03, random);
List<TrainingSequence<float>> training = SpiralTask.ToSequences(trainingPoints);

var model = new SpiralClassifier();
model.InitializeParameters(new Random(1));
var optimizer = new AdamOptimizer<float>(SpiralClassifier.ParameterCount, learningRate: 1e-2);
var trainer = RnnTrainer.Create(model, optimizer, new TrainerOptions { BatchSize = 32, Epochs = epochs, Seed = 7 });

Console.WriteLine($"Two spirals: {training.Count} training and {testPoints.Count} test points; {SpiralClassifier.ParameterCount} parameters " +
    $"(2 relu layers of {SpiralClassifier.HiddenSize}, one-to-one), {trainer.Options.DegreeOfParallelism} worker(s).");
var clock = Stopwatch.StartNew();
TrainingResult result = trainer.Train(training, new TrainingRun<float>
{
    // The test set's cross-entropy per point and accuracy after every epoch.
    Validation = SpiralTask.ToSequences(testPoints),
    Metric = (probabilities, target) => RnnSampler.ArgMax(probabilities) == RnnSampler.ArgMax(target) ? 1 : 0,
    // A fifth of the rate for the last third of the epochs settles the boundary between close arms.
    Schedule = new LearningRateScheduler<float>(optimizer, new LambdaSchedule(epoch => epoch >= epochs * 2 / 3 ? 0.2 : 1)),
}, new ConsoleProgressReporter());
TimeSpan trainingTime = clock.Elapsed;

(double accuracy, double crossEntropy, double majority) = SpiralTask.Evaluate(model, testPoints, trainingPoints);
Console.WriteLine();
Console.WriteLine("Decision regions ('.' and '#'), with every 7th test point ('o' and 'x'):");
Console.Write(SpiralTask.AsciiRegions(model, testPoints));

string curve = Path.Combine(Environment.CurrentDirectory, "two-spirals-loss.svg");
LossCurve.WriteSvg(curve,
    [new LossSeries("training", [.. result.History.Select(epoch => epoch.Loss)], "#36c"),
        new LossSeries("test", [.. result.History.Select(epoch => epoch.ValidationLoss!.Value)], "#e80")],
    Math.Log(2), "One-to-one network on two spirals: cross-entropy per point",
    "chance (ln 2)", "cross-entropy per point (log scale)");
string regions = Path.Combine(Environment.CurrentDirectory, "two-spirals-regions.svg");
SpiralTask.WriteRegionsSvg(regions, model, testPoints, $"Decision regions and test points: {accuracy:P1} correct");

Console.WriteLine();
Console.WriteLine($"Test accuracy {accuracy:P1} (cross-entropy {crossEntropy:0.000} per point) against {majority:P1} for always predicting the majority class, " +
    $"after {trainingTime.TotalSeconds:0.0} s of training (with the test pass after each epoch).");
Console.WriteLine($"Loss curve: {curve}");
Console.WriteLine($"Decision regions: {regions}");
return smoke || accuracy >= majority + 0.3 ? 0 : 1;
