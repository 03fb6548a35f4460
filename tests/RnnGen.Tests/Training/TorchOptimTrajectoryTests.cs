using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>
/// The optimizers against trajectories that torch.optim itself computed (tests/data/torch-optim-trajectories.json, written
/// by tests/data/torch_optim_trajectories.py with Debian's python3-torch): the same starting parameters and gradients, the
/// parameters after every step equal in double within 1e-12 relative.
/// </summary>
public sealed class TorchOptimTrajectoryTests
{
    private const double Tolerance = 1e-12;

    private static readonly JsonElement[] s_cases = TorchReference.LoadCases("torch-optim-trajectories.json");

    public static IEnumerable<object[]> Cases() => s_cases.Select((entry, index) => new object[] { index, TorchReference.Describe(entry, "optimizer") });

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParametersFollowTorchOptim(int index, string description)
    {
        JsonElement entry = s_cases[index];
        double[] parameters = TorchReference.Doubles(entry.GetProperty("initial"));
        IOptimizer<double> optimizer = Create(entry.GetProperty("optimizer").GetString()!, entry.GetProperty("options"), parameters.Length);
        double[][] gradients = [.. entry.GetProperty("gradients").EnumerateArray().Select(TorchReference.Doubles)];
        double[][] expected = [.. entry.GetProperty("parameters").EnumerateArray().Select(TorchReference.Doubles)];
        for (int step = 0; step < gradients.Length; step++)
        {
            optimizer.Step(parameters, gradients[step]);
            for (int i = 0; i < parameters.Length; i++)
            {
                double error = Math.Abs(parameters[i] - expected[step][i]) / Math.Max(Math.Abs(expected[step][i]), 1e-3);
                Assert.True(error <= Tolerance, $"{description}, step {step + 1}, parameter {i}: {parameters[i]:R} against torch's {expected[step][i]:R} ({error:G3} relative)");
            }
        }

        Assert.Equal(gradients.Length, optimizer.StepCount);
    }

    /// <summary>The cases cover what item 1 of the optimizer work names: weight decay both ways, AMSGrad and Nesterov.</summary>
    [Fact]
    public void TheCasesCoverEveryOption()
    {
        string[] described = [.. s_cases.Select(entry => TorchReference.Describe(entry, "optimizer"))];
        Assert.Contains(described, d => d.StartsWith("adam ", StringComparison.Ordinal) && d.Contains("weight_decay", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("adamw ", StringComparison.Ordinal) && d.Contains("weight_decay", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("adam ", StringComparison.Ordinal) && d.Contains("amsgrad", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("adamw ", StringComparison.Ordinal) && d.Contains("amsgrad", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("sgd ", StringComparison.Ordinal) && d.Contains("nesterov", StringComparison.Ordinal));
    }

    private static IOptimizer<double> Create(string kind, JsonElement options, int count)
    {
        bool Flag(string name) => options.TryGetProperty(name, out JsonElement value) && value.GetBoolean();
        double beta1 = 0.9, beta2 = 0.999;
        if (options.TryGetProperty("betas", out JsonElement betas))
        {
            (beta1, beta2) = (betas[0].GetDouble(), betas[1].GetDouble());
        }

        return kind switch
        {
            "sgd" => new SgdOptimizer<double>(count, TorchReference.Number(options, "lr", double.NaN), TorchReference.Number(options, "momentum", 0), TorchReference.Number(options, "weight_decay", 0), Flag("nesterov")),
            "adam" => new AdamOptimizer<double>(count, TorchReference.Number(options, "lr", 1e-3), beta1, beta2, TorchReference.Number(options, "eps", 1e-8), TorchReference.Number(options, "weight_decay", 0), Flag("amsgrad")),
            "adamw" => AdamOptimizer<double>.AdamW(count, TorchReference.Number(options, "lr", 1e-3), beta1, beta2, TorchReference.Number(options, "eps", 1e-8), TorchReference.Number(options, "weight_decay", 1e-2), Flag("amsgrad")),
            _ => throw new InvalidDataException($"Unknown optimizer '{kind}' in the trajectories."),
        };
    }
}
