using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AddingProblem;
using RnnGen;

// Trains a vanilla RNN from random weights on the adding problem and reports its error against the trivial
// baseline. `--smoke` runs a few small epochs for CI.
bool smoke = args.Contains("--smoke");
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
var clock = Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    // The training loss is the mean per-sequence squared error of the epoch's batches.
    trainer.TrainEpoch(training);
    (double testError, _) = AddingTask.Evaluate(model, test);
    losses.Add(testError);
    TimeSpan remaining = clock.Elapsed / epoch * (epochs - epoch);
    Console.WriteLine($"epoch {epoch,3}/{epochs}  test MSE {testError:0.00000}  elapsed {clock.Elapsed:mm\\:ss}  remaining ~{remaining:mm\\:ss}");
}

(double finalError, double baseline) = AddingTask.Evaluate(model, test);
string curve = Path.Combine(Environment.CurrentDirectory, "adding-problem-loss.svg");
LossCurve.WriteSvg(curve, losses, baseline, $"Vanilla RNN on the adding problem, T = {steps}");
Console.WriteLine();
Console.WriteLine($"Test MSE {finalError:0.00000} against {baseline:0.00000} for always predicting 1 ({baseline / finalError:0.0}x lower), after {clock.Elapsed.TotalSeconds:0} s.");
Console.WriteLine($"Loss curve: {curve}");
return smoke || finalError < baseline / 10 ? 0 : 1;
