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
    /// <summary>Tolerances where a folder gives none: a value passes when |got - expected| &lt;= atol + rtol * |expected|.</summary>
    public static (double Atol, double Rtol) DefaultTolerance(string precision) => precision == "float" ? (1e-5, 1e-4) : (1e-10, 1e-9);

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
    /// <param name="OutputError">The largest absolute error over every compared forward tensor and the loss (as Forward and as Backward report it).</param>
    /// <param name="GradientError">The largest absolute error over every compared gradient.</param>
    /// <param name="Detail">The first tensor out of tolerance, or why the case could not run, and the expected tensors the case does not have (reported as n/a).</param>
    public sealed record CaseResult(bool Passed, double OutputError, double GradientError, string? Detail);

    /// <summary>Creates the case's model class of one precision from an assembly that declares it in the global namespace.</summary>
    public static IRnnModel<T> CreateModel<T>(Assembly models, ReferenceCase referenceCase, string precision)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (IRnnModel<T>)Activator.CreateInstance(models.GetType(referenceCase.ClassName(precision), throwOnError: true)!)!;

    /// <summary>
    /// Loads the case's weights into <paramref name="model"/>, runs it forward and backward, and compares every expected
    /// tensor the case has; a file that cannot be read or does not fit the model fails the case with the reason.
    /// </summary>
    public static CaseResult Check<T>(ReferenceCase referenceCase, IRnnModel<T> model, string precision)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        try
        {
            return Compare(referenceCase, model, precision);
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return new CaseResult(false, double.NaN, double.NaN, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private static CaseResult Compare<T>(ReferenceCase referenceCase, IRnnModel<T> model, string precision)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var file = SafeTensorsReader.Open(referenceCase.TensorFile);
        RnnWeights.Load(model, file);
        // Token ids (I64) for a case with an embedding, which the model reads as integer values; else the input vectors.
        T[] inputs = referenceCase.VocabularySize > 0 ? [.. file.ReadInt64("x").Select(static id => T.CreateChecked(id))] : file.Read<T>("x");
        // A whole state is PyTorch's h rows, then for an LSTM its c rows.
        T[] initialState = !referenceCase.InitialState ? []
            : referenceCase.Cell == "lstm" ? [.. file.Read<T>("h0"), .. file.Read<T>("c0")]
            : file.Read<T>("h0");
        T[] targets = file.Read<T>("target");
        var predictions = new T[targets.Length];
        if (referenceCase.HasDropout)
        {
            // Training mode at the case's masks; Backward goes back through the masks of this Forward.
            var dropout = model as IRnnDropout ?? throw new ArgumentException($"The case has dropout, and {model.GetType().Name} was generated without it.", nameof(model));
            dropout.Training = true;
            dropout.DropoutKey = referenceCase.DropoutKey;
        }
        model.Forward(inputs, initialState, predictions);
        T loss = model.Loss(predictions, targets);

        (double atol, double rtol) = referenceCase.Tolerance(precision);
        var absent = new List<string>();
        var comparison = new Comparison(file, atol, rtol, absent);
        comparison.Compare("expected.rnn_output", model.HiddenOutputs);
        int hiddenRows = model.Shape.Layers * model.Shape.Directions * model.Shape.HiddenSize;
        comparison.Compare("expected.final_state", model.FinalState[..hiddenRows]);
        if (referenceCase.Cell == "lstm")
        {
            comparison.Compare("expected.final_cell", model.FinalState[hiddenRows..]);
        }
        comparison.Compare("expected.prediction", predictions);
        comparison.Compare("expected.loss", [loss]);

        model.ZeroGradients();
        T backwardLoss = model.Backward(targets, default, default);
        // The loss Backward reports is a forward value: judged with the outputs, as PyTorch float32's own errors are.
        comparison.Compare("expected.loss", [backwardLoss], label: "expected.loss (from Backward)");
        var gradients = new Comparison(file, atol, rtol, absent);
        int absentBeforeGradients = absent.Count;
        foreach (RnnParameterTensor tensor in model.ParameterTensors)
        {
            gradients.Compare("expected.grad." + tensor.Name, InPyTorchLayout(model.Gradients, tensor));
        }
        if (absent.Count - absentBeforeGradients == model.ParameterTensors.Length)
        {
            // A case without gradients says so once, not tensor by tensor.
            absent.RemoveRange(absentBeforeGradients, model.ParameterTensors.Length);
            absent.Add("expected.grad.*");
        }
        string? failure = comparison.FirstFailure ?? gradients.FirstFailure;
        string? notApplicable = absent.Count == 0 ? null : "n/a: " + string.Join(", ", absent.Distinct());
        string? detail = failure is null ? notApplicable : notApplicable is null ? failure : $"{failure}; {notApplicable}";
        return new CaseResult(failure is null, comparison.MaxError, gradients.MaxError, detail);
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

    /// <summary>Accumulates the largest error and the first value out of tolerance, over the expected tensors the file has (NaN when it has none); the others go to <paramref name="absent"/>.</summary>
    private sealed class Comparison(SafeTensorsReader file, double atol, double rtol, List<string> absent)
    {
        public double MaxError { get; private set; } = double.NaN;

        public string? FirstFailure { get; private set; }

        /// <summary>Compares <paramref name="actual"/> with the file's tensor <paramref name="tensor"/>, naming a failure by <paramref name="label"/> (default the tensor's name).</summary>
        public void Compare<T>(string tensor, ReadOnlySpan<T> actual, string? label = null)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            if (!file.TryGetTensor(tensor, out _))
            {
                absent.Add(tensor);
                return;
            }
            string name = label ?? tensor;
            double[] expected = file.Read<double>(tensor);
            MaxError = double.IsNaN(MaxError) ? 0 : MaxError;
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
