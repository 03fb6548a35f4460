using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Samples;

namespace AddingProblem;

/// <summary>
/// `--compare`: why gated cells exist. Trains a vanilla RNN, a GRU and an LSTM of the same width on the same long
/// adding problem (T = 100), with the same data, optimizer, clipping, epochs and seeds, and reports each one's test
/// MSE, accuracy and training time against always predicting 1. Writes the three test-error curves to one SVG.
/// </summary>
public static class CellComparison
{
    /// <summary>One trained model's results.</summary>
    private sealed record Result(string Name, int Parameters, Evaluation Final, List<double> TestErrors, TimeSpan Wall, TimeSpan Cpu, string Color);

    public static int Run(bool smoke)
    {
        int steps = smoke ? 20 : 100;
        int epochs = smoke ? 2 : 30;
        int trainingCount = smoke ? 256 : 4096;
        var random = new Random(2026);
        List<TrainingSequence<float>> training = AddingTask.Generate(trainingCount, steps, random);
        List<TrainingSequence<float>> test = AddingTask.Generate(smoke ? 200 : 1000, steps, random);
        var options = new TrainerOptions { BatchSize = 32, Epochs = epochs, Seed = 7, MaxGradientNorm = 1.0 };

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Adding problem, T = {steps}: vanilla RNN, GRU and LSTM with {VanillaAddingModel.HiddenSize} units each; {training.Count} training and {test.Count} test sequences, {epochs} epochs of Adam (lr 3e-3, batch {options.BatchSize}, clipping at {options.MaxGradientNorm}), {options.DegreeOfParallelism} worker(s)."));
        var results = new List<Result>
        {
            Train<VanillaAddingModel>("vanilla RNN", "#36c", training, test, options),
            Train<GruAddingModel>("GRU", "#2a2", training, test, options),
            Train<LstmAddingModel>("LSTM", "#c80", training, test, options),
        };

        double baseline = results[0].Final.BaselineMse;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Adding problem, T = {steps}, {epochs} epochs; accuracy: |prediction - target| <= {AddingTask.Tolerance}."));
        Console.WriteLine("cell          parameters  test MSE  accuracy  training (wall)  training (CPU), each with the test after every epoch");
        foreach (Result result in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Name,-12}  {result.Parameters,10}  {result.Final.Mse,8:0.0000}  {result.Final.Accuracy,7:0.0%}  {result.Wall.TotalSeconds,13:0.0} s  {result.Cpu.TotalSeconds,12:0.0} s"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"predict 1",-12}  {0,10}  {baseline,8:0.0000}  {BaselineAccuracy(test),7:0.0%}"));

        string chart = Path.Combine(Environment.CurrentDirectory, "adding-problem-cells.svg");
        LossCurve.WriteSvg(chart, results.ConvertAll(r => new LossSeries(r.Name, r.TestErrors, r.Color)), baseline,
            $"Adding problem, T = {steps}: test MSE per epoch, {VanillaAddingModel.HiddenSize} units",
            "baseline (predict 1)", "test mean squared error (log scale)");
        Console.WriteLine($"Test-error curves: {chart}");

        // The full run succeeds when a gated cell learns the task (10x below the baseline); the smoke run only checks that everything runs.
        return smoke || Math.Min(results[1].Final.Mse, results[2].Final.Mse) < baseline / 10 ? 0 : 1;
    }

    private static Result Train<TModel>(string name, string color, List<TrainingSequence<float>> training,
        List<TrainingSequence<float>> test, TrainerOptions options)
        where TModel : class, IRnnModel<float>, new()
    {
        Console.WriteLine();
        Console.WriteLine($"{name}:");
        var model = new TModel();
        model.InitializeParameters(new Random(1));
        var trainer = RnnTrainer.Create(model, new AdamOptimizer<float>(model.Parameters.Length, learningRate: 3e-3), options);
        // Wall and process CPU time of the whole run, the test pass after each epoch included (a forward pass over the test set).
        var clock = Stopwatch.StartNew();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        TrainingResult run = trainer.Train(training, new TrainingRun<float>
        {
            Validation = test,
            Metric = (prediction, target) => Math.Abs(prediction[0] - target[0]) <= AddingTask.Tolerance ? 1 : 0,
        }, new ConsoleProgressReporter());
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return new Result(name, model.Parameters.Length, AddingTask.Evaluate(model, test), [.. run.History.Select(epoch => epoch.ValidationLoss!.Value)], clock.Elapsed, cpu, color);
    }

    /// <summary>The accuracy of always predicting 1.</summary>
    private static double BaselineAccuracy(IReadOnlyList<TrainingSequence<float>> sequences)
    {
        int correct = 0;
        foreach (TrainingSequence<float> sequence in sequences)
        {
            correct += Math.Abs(1.0 - sequence.Targets[0]) <= AddingTask.Tolerance ? 1 : 0;
        }
        return (double)correct / sequences.Count;
    }
}
