using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using AddingProblem;
using RnnGen;
using RnnGen.Samples;

// Trains a vanilla RNN from random weights on the adding problem and reports its error against the trivial
// baseline. `--smoke` runs a few small epochs for CI. `--compare` trains a vanilla RNN, a GRU and an LSTM at
// T = 100 instead (CellComparison.cs).
bool compare = Array.IndexOf(args, "--compare") >= 0;
SampleArguments? arguments = SampleArguments.Parse(Array.FindAll(args, arg => arg != "--compare"),
    "Trains a vanilla RNN from random weights on the adding problem and writes its loss curve.\n" +
    "--compare: trains a vanilla RNN, a GRU and an LSTM on the adding problem at T = 100 instead, and compares them.", out int exitCode);
if (arguments is null)
{
    return exitCode;
}
if (compare)
{
    return CellComparison.Run(arguments.Smoke);
}

bool smoke = arguments.Smoke;
int steps = smoke ? 10 : 30;
int epochs = smoke ? 3 : 40;
var random = new Random(2026);
List<TrainingSequence<float>> training = AddingTask.Generate(smoke ? 512 : 4096, steps, random);
List<TrainingSequence<float>> test = AddingTask.Generate(1000, steps, random);

var model = new AddingModel();
model.InitializeParameters(new Random(1));
var optimizer = new AdamOptimizer<float>(AddingModel.ParameterCount, learningRate: 3e-3);
var options = new TrainerOptions { BatchSize = 32, Epochs = 1, Seed = 7, MaxGradientNorm = 1.0 };
var trainer = new RnnTrainer<AddingModel, float>(model, optimizer, options);

Console.WriteLine($"Adding problem, T = {steps}: {training.Count} training and {test.Count} test sequences; {AddingModel.ParameterCount} parameters, {options.DegreeOfParallelism} worker(s).");
var losses = new List<double>();
var reporter = new ConsoleProgressReporter();
var clock = Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    // The reported loss is the epoch's mean per-sequence training loss; the curve shows the test error.
    double trainingLoss = trainer.TrainEpoch(training);
    reporter.Report(new TrainingProgress(epoch, epochs, trainingLoss, clock.Elapsed, clock.Elapsed / epoch * (epochs - epoch)));
    losses.Add(AddingTask.Evaluate(model, test).Model);
}

(double finalError, double baseline) = AddingTask.Evaluate(model, test);
string curve = Path.Combine(Environment.CurrentDirectory, "adding-problem-loss.svg");
LossCurve.WriteSvg(curve, losses, baseline, $"Vanilla RNN on the adding problem, T = {steps}: test error per epoch");
Console.WriteLine();
Console.WriteLine($"Test MSE {finalError:0.00000} against {baseline:0.00000} for always predicting 1 ({baseline / finalError:0.0}x lower), after {clock.Elapsed.TotalSeconds:0} s.");
Console.WriteLine($"Loss curve: {curve}");
return smoke || finalError < baseline / 10 ? 0 : 1;
