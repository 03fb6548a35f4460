using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;

namespace RnnGen.TestKit;

/// <summary>
/// Checks generated models against PyTorch reference cases: builds every case's model with the generator in one
/// in-memory compilation, loads the case's weights, runs it in float and in double, and compares every expected tensor.
/// </summary>
public static class Conformance
{
    /// <summary>Tolerances: a value passes when |got - expected| &lt;= atol + rtol * |expected|.</summary>
    public static (double Atol, double Rtol) Tolerance(string precision) => precision == "float" ? (1e-5, 1e-4) : (1e-10, 1e-9);

    /// <summary>Runs every case of every folder, writes one line per case and precision and a summary line, and returns the number of failures.</summary>
    public static int Run(IEnumerable<string> directories, TextWriter output)
    {
        var cases = directories.SelectMany(ReferenceCase.LoadAll).ToList();
        var buildable = cases.Where(c => c.Unsupported is null).ToList();
        Assembly models = GeneratorHarness.CompileAndLoad(
            string.Join("\n", buildable.SelectMany(c => new[] { c.Declaration("float"), c.Declaration("double") })));
        int passed = 0, failed = 0;
        foreach (ReferenceCase referenceCase in cases)
        {
            foreach (string precision in new[] { "float", "double" })
            {
                CaseResult result = referenceCase.Unsupported is { } reason
                    ? new CaseResult(false, double.NaN, double.NaN, reason)
                    : precision == "float"
                        ? Check(referenceCase, CreateModel<float>(models, referenceCase, precision), precision)
                        : Check(referenceCase, CreateModel<double>(models, referenceCase, precision), precision);
                output.WriteLine($"{referenceCase.Name} {precision} {(result.Passed ? "PASS" : "FAIL")} output={Format(result.OutputError)} grad={Format(result.GradientError)}{(result.Detail is null ? "" : "  (" + result.Detail + ")")}");
                if (result.Passed)
                {
                    passed++;
                }
                else
                {
                    failed++;
                }
            }
        }
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed;
    }

    /// <summary>The outcome of one case in one precision.</summary>
    /// <param name="Passed">Whether every compared value was within tolerance.</param>
    /// <param name="OutputError">The largest absolute error over every compared forward tensor and the loss.</param>
    /// <param name="GradientError">The largest absolute error over every compared gradient.</param>
    /// <param name="Detail">The first tensor out of tolerance, or why the case could not run.</param>
    public sealed record CaseResult(bool Passed, double OutputError, double GradientError, string? Detail);

    /// <summary>Creates the case's model class of one precision from an assembly that declares it in the global namespace.</summary>
    public static IRnnModel<T> CreateModel<T>(Assembly models, ReferenceCase referenceCase, string precision)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (IRnnModel<T>)Activator.CreateInstance(models.GetType(referenceCase.ClassName(precision), throwOnError: true)!)!;

    /// <summary>Loads the case's weights into <paramref name="model"/>, runs it forward and backward, and compares every expected tensor.</summary>
    public static CaseResult Check<T>(ReferenceCase referenceCase, IRnnModel<T> model, string precision)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var file = SafeTensorsReader.Open(referenceCase.TensorFile);
        RnnWeights.Load(model, referenceCase.TensorFile);
        T[] inputs = file.Read<T>("x");
        // A whole state is PyTorch's h rows, then for an LSTM its c rows.
        T[] initialState = !referenceCase.InitialState ? []
            : referenceCase.Cell == "lstm" ? [.. file.Read<T>("h0"), .. file.Read<T>("c0")]
            : file.Read<T>("h0");
        T[] targets = file.Read<T>("target");
        var predictions = new T[targets.Length];
        model.Forward(inputs, initialState, predictions);
        T loss = model.Loss(predictions, targets);

        (double atol, double rtol) = Tolerance(precision);
        var comparison = new Comparison(atol, rtol);
        comparison.Compare("expected.rnn_output", model.HiddenOutputs, file.Read<double>("expected.rnn_output"));
        int hiddenRows = model.Shape.Layers * model.Shape.Directions * model.Shape.HiddenSize;
        comparison.Compare("expected.final_state", model.FinalState[..hiddenRows], file.Read<double>("expected.final_state"));
        if (referenceCase.Cell == "lstm")
        {
            comparison.Compare("expected.final_cell", model.FinalState[hiddenRows..], file.Read<double>("expected.final_cell"));
        }
        comparison.Compare("expected.prediction", predictions, file.Read<double>("expected.prediction"));
        comparison.Compare("expected.loss", [loss], file.Read<double>("expected.loss"));
        double outputError = comparison.MaxError;

        model.ZeroGradients();
        T backwardLoss = model.Backward(targets, default, default);
        var gradients = new Comparison(atol, rtol);
        gradients.Compare("expected.loss (from Backward)", [backwardLoss], file.Read<double>("expected.loss"));
        foreach (RnnParameterTensor tensor in model.ParameterTensors)
        {
            gradients.Compare("expected.grad." + tensor.Name, InPyTorchLayout(model.Gradients, tensor), file.Read<double>("expected.grad." + tensor.Name));
        }
        string? failure = comparison.FirstFailure ?? gradients.FirstFailure;
        return new CaseResult(failure is null, outputError, gradients.MaxError, failure);
    }

    /// <summary>A tensor's values from a flat parameter-shaped buffer, in PyTorch's row-major layout.</summary>
    public static T[] InPyTorchLayout<T>(ReadOnlySpan<T> buffer, RnnParameterTensor tensor)
    {
        var values = new T[tensor.Length];
        for (int index = 0; index < values.Length; index++)
        {
            // PyTorch's (row, column) of a transposed tensor sits at column * Rows + row; a bias's two PyTorch tensors share one gradient.
            values[index] = tensor.Layout == RnnTensorLayout.Transposed
                ? buffer[tensor.Offset + ((index % tensor.Columns) * tensor.Rows) + (index / tensor.Columns)]
                : buffer[tensor.Offset + index];
        }
        return values;
    }

    private static string Format(double error) => double.IsNaN(error) ? "n/a" : error.ToString("0.00e+00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Accumulates the largest error and the first value out of tolerance.</summary>
    private sealed class Comparison(double atol, double rtol)
    {
        public double MaxError { get; private set; }

        public string? FirstFailure { get; private set; }

        public void Compare<T>(string name, ReadOnlySpan<T> actual, double[] expected)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            if (actual.Length != expected.Length)
            {
                FirstFailure ??= $"{name}: {actual.Length} values, expected {expected.Length}";
                MaxError = double.PositiveInfinity;
                return;
            }
            for (int i = 0; i < expected.Length; i++)
            {
                double got = double.CreateChecked(actual[i]);
                double error = Math.Abs(got - expected[i]);
                if (!(error <= MaxError))
                {
                    MaxError = double.IsNaN(error) ? double.PositiveInfinity : error;
                }
                if (!(error <= atol + (rtol * Math.Abs(expected[i]))))
                {
                    FirstFailure ??= $"{name}[{i}] = {got:R}, expected {expected[i]:R}";
                }
            }
        }
    }
}
