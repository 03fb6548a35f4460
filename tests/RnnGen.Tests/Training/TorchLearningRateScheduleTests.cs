using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>
/// The schedules against the learning rates that torch.optim.lr_scheduler itself gave (tests/data/torch-lr-schedules.json,
/// written by tests/data/torch_lr_schedules.py with Debian's python3-torch): SGD at lr 0.1, the rate after construction and
/// after each of 25 steps, equal within 1e-12 relative (PyTorch multiplies step by step where the schedules use closed forms).
/// </summary>
public sealed class TorchLearningRateScheduleTests
{
    private const double Tolerance = 1e-12;

    private static readonly JsonElement[] s_cases = TorchReference.LoadCases("torch-lr-schedules.json");

    public static IEnumerable<object[]> Cases() => s_cases.Select((entry, index) => new object[] { index, TorchReference.Describe(entry, "schedule") });

    [Theory]
    [MemberData(nameof(Cases))]
    public void RatesFollowTorch(int index, string description)
    {
        JsonElement entry = s_cases[index];
        double[] expected = TorchReference.Doubles(entry.GetProperty("rates"));
        var optimizer = new SgdOptimizer<double>(1, entry.GetProperty("base").GetDouble());
        JsonElement options = entry.GetProperty("options");
        var rates = new List<double>();
        if (entry.GetProperty("schedule").GetString() == "plateau")
        {
            var scheduler = new ReduceOnPlateauScheduler<double>(optimizer, maximize: Text(options, "mode", "min") == "max", TorchReference.Number(options, "factor", 0.1),
                (int)TorchReference.Number(options, "patience", 10), TorchReference.Number(options, "threshold", 1e-4), Text(options, "threshold_mode", "rel") == "rel",
                (int)TorchReference.Number(options, "cooldown", 0), TorchReference.Number(options, "min_lr", 0));
            rates.Add(optimizer.LearningRate);
            foreach (double loss in TorchReference.Doubles(entry.GetProperty("losses")))
            {
                scheduler.Step(loss);
                rates.Add(optimizer.LearningRate);
            }
        }
        else
        {
            var scheduler = new LearningRateScheduler<double>(optimizer, Schedule(entry.GetProperty("schedule").GetString()!, options));
            rates.Add(optimizer.LearningRate);
            for (int epoch = 1; epoch < expected.Length; epoch++)
            {
                scheduler.Step();
                rates.Add(optimizer.LearningRate);
            }

            Assert.Equal(expected.Length - 1, scheduler.Epoch);
        }

        Assert.Equal(expected.Length, rates.Count);
        for (int epoch = 0; epoch < expected.Length; epoch++)
        {
            Assert.True(Math.Abs(rates[epoch] - expected[epoch]) <= Tolerance * Math.Abs(expected[epoch]),
                $"{description}, epoch {epoch}: {rates[epoch]:R} against torch's {expected[epoch]:R}");
        }
    }

    /// <summary>Every schedule kind the optimizer work names has a case, and each moves the rate.</summary>
    [Fact]
    public void TheCasesCoverEverySchedule()
    {
        string[] kinds = [.. s_cases.Select(entry => entry.GetProperty("schedule").GetString()!).Distinct()];
        Assert.Equal(["step", "exponential", "cosine", "linear", "lambda", "plateau"], kinds);
        Assert.All(s_cases, entry => Assert.True(TorchReference.Doubles(entry.GetProperty("rates")).Distinct().Count() > 2, TorchReference.Describe(entry, "schedule")));
    }

    /// <summary>A schedule that gives a bad rate is refused by the optimizer; the scheduler's epoch and the rate stay.</summary>
    [Fact]
    public void ABadRateLeavesTheEpochAndTheRate()
    {
        var optimizer = new AdamOptimizer<float>(1, learningRate: 0.5);
        var scheduler = new LearningRateScheduler<float>(optimizer, new LambdaSchedule(epoch => epoch < 2 ? 1 : double.NaN));
        scheduler.Step();
        Assert.Throws<ArgumentOutOfRangeException>(scheduler.Step);
        Assert.Equal(1, scheduler.Epoch);
        Assert.Equal(0.5, optimizer.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateauScheduler<float>(optimizer).Step(double.NaN));
    }

    private static LearningRateSchedule Schedule(string kind, JsonElement options) => kind switch
    {
        "step" => new StepSchedule((int)TorchReference.Number(options, "step_size", double.NaN), TorchReference.Number(options, "gamma", 0.1)),
        "exponential" => new ExponentialSchedule(TorchReference.Number(options, "gamma", double.NaN)),
        "cosine" => new CosineAnnealingSchedule((int)TorchReference.Number(options, "T_max", double.NaN), TorchReference.Number(options, "eta_min", 0)),
        "linear" => new LinearSchedule(TorchReference.Number(options, "start_factor", 1.0 / 3), TorchReference.Number(options, "end_factor", 1.0), (int)TorchReference.Number(options, "total_iters", 5)),
        "lambda" when Text(options, "lambda", "") == "0.95 ** epoch" => new LambdaSchedule(epoch => Math.Pow(0.95, epoch)),
        _ => throw new InvalidDataException($"No schedule for '{kind}' {options.GetRawText()} in the test."),
    };

    private static string Text(JsonElement options, string name, string fallback) => options.TryGetProperty(name, out JsonElement value) ? value.GetString()! : fallback;
}
