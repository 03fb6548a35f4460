using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AddingProblem;
using RnnGen;
using RnnGen.Samples;

// Trains a vanilla RNN from random weights on the adding problem and reports its error against the trivial
// baseline, checkpointing after every epoch; then saves the weights, reloads them and checks the reloaded model.
// `--smoke` runs a few small epochs for CI. `--resume` goes on from the last checkpoint. `--compare` trains a
// vanilla RNN, a GRU and an LSTM at T = 100 instead (CellComparison.cs).
bool compare = Array.IndexOf(args, "--compare") >= 0;
bool resume = Array.IndexOf(args, "--resume") >= 0;
SampleArguments? arguments = SampleArguments.Parse(Array.FindAll(args, arg => arg is not ("--compare" or "--resume")),
    "Trains a vanilla RNN from random weights on the adding problem, writes its loss curve, saves and reloads it.\n" +
    "--resume: goes on from the checkpoint of the last epoch run (adding-problem.ckpt.safetensors), as the uninterrupted run would.\n" +
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
var trainer = RnnTrainer.Create(model, optimizer, new TrainerOptions { BatchSize = 32, Epochs = epochs, Seed = 7, MaxGradientNorm = 1.0 });
// A smoke run trains other data, so it keeps its own checkpoint: --resume never mixes the two.
string checkpoint = Path.Combine(Environment.CurrentDirectory, smoke ? "adding-problem.smoke.ckpt.safetensors" : "adding-problem.ckpt.safetensors");
if (resume && File.Exists(checkpoint))
{
    // The same data (from the same seeds) and options: the epochs left run as they would have without the interruption.
    Checkpoint.Load(trainer, checkpoint);
    Console.WriteLine($"Resuming after epoch {trainer.Epoch} from {checkpoint}.");
}

Console.WriteLine($"Adding problem, T = {steps}: {training.Count} training and {test.Count} test sequences; {AddingModel.ParameterCount} parameters, {trainer.Options.DegreeOfParallelism} worker(s).");
var clock = Stopwatch.StartNew();
// The progress line's loss is the epoch's mean per-sequence training loss, its validation loss the test MSE (the model's squared error).
TrainingResult result = trainer.Train(training, new TrainingRun<float>
{
    Validation = test,
    EpochEnded = _ =>
    {
        Checkpoint.Save(trainer, checkpoint);   // atomic: an interruption leaves the previous epoch's checkpoint
        return true;
    },
}, new ConsoleProgressReporter());
double[] losses = [.. result.History.Select(epoch => epoch.ValidationLoss!.Value)];

(double finalError, double baseline) = AddingTask.Evaluate(model, test);
string curve = Path.Combine(Environment.CurrentDirectory, "adding-problem-loss.svg");
if (losses.Length > 0)
{
    LossCurve.WriteSvg(curve, losses, baseline, $"Vanilla RNN on the adding problem, T = {steps}: test error per epoch");
}

// Saved under PyTorch's names (safetensors.torch.load_file + load_state_dict read it), reloaded into a new instance.
string weights = Path.Combine(Environment.CurrentDirectory, "adding-model.safetensors");
RnnWeights.Save(model, weights);
var reloaded = new AddingModel();
RnnWeights.Load(reloaded, weights);
bool reloadedSame = AddingTask.Evaluate(reloaded, test).Model == finalError;

Console.WriteLine();
Console.WriteLine($"Test MSE {finalError:0.00000} against {baseline:0.00000} for always predicting 1 ({baseline / finalError:0.0}x lower), after {clock.Elapsed.TotalSeconds:0} s.");
Console.WriteLine($"Weights saved to {weights} and reloaded: test MSE {(reloadedSame ? "identical" : "DIFFERENT")}. Checkpoint: {checkpoint}.");
Console.WriteLine(losses.Length > 0 ? $"Loss curve: {curve}" : "No epoch was left to run.");
return reloadedSame && (smoke || finalError < baseline / 10) ? 0 : 1;
