using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using RnnGen.Benchmarks.Models;

namespace RnnGen.Benchmarks;

/// <summary>The generated Step(ReadOnlySpan&lt;T&gt;, Span&lt;T&gt;) of a model declared with Streaming = true, bound at run time.</summary>
public delegate void StepFunction<T>(ReadOnlySpan<T> input, Span<T> output);

/// <summary>One model shape and element type, with the generated model and the three other implementations on the same weights.</summary>
public interface IModelCase
{
    string Key { get; }            // I64_H128_T50_float, I64_H128_T50_L2_bi_float
    int HiddenSize { get; }
    bool IsDouble { get; }
    bool HasPrototype { get; }
    bool CanStep { get; }
    bool HasGeneratedStep { get; }
    double ForwardFlops { get; }
    double BpttFlops { get; }
    double StepFlops { get; }
    double TrainFlops { get; }
    void Forward(Impl impl);
    void Bptt(Impl impl);
    void Step(Impl impl);
    void Train(Impl impl);
    bool Verify(out string report);
}

public enum Impl { Generated, Scalar, TensorPrimitives, Prototype }

public static class Flops
{
    // FLOPs are counted as 2 per multiply-add; tanh, bias additions and the loss are not counted.
    // Forward, per step: Σ over layers and directions of 2 H (In_l + H)   (In_0 = I, In_l = D H for l > 0)
    //                    + the head 2 O (D H).
    // Backward, per step: per layer and direction 2 H In_l (dW_ih) + 2 H H (dW_hh) + 2 H H (W_hh^T dz)
    //                    + 2 H In_l (dE/dx; for layer 0 only when input gradients are asked for), head 2 O D H (dW_ya) + 2 O D H (dE/da).
    //  => forward + BPTT with input gradients = 3 x forward.
    // The first step's recurrent product on the zero state is skipped by every implementation but still counted (1/T).
    public static double Forward(RnnShape s, int steps)
    {
        double perStep = 0;
        for (int l = 0; l < s.Layers; l++)
        {
            int input = l == 0 ? s.InputSize : s.Directions * s.HiddenSize;
            perStep += s.Directions * 2.0 * s.HiddenSize * (input + s.HiddenSize);
        }
        perStep += 2.0 * s.OutputSize * s.Directions * s.HiddenSize;
        return perStep * steps;
    }

    public static double ForwardBackward(RnnShape s, int steps, bool inputGradients)
        => (3 * Forward(s, steps)) - (inputGradients ? 0 : s.Directions * 2.0 * s.HiddenSize * s.InputSize * steps);

    public static double Step(RnnShape s) => (2.0 * s.HiddenSize * (s.InputSize + s.HiddenSize)) + (2.0 * s.OutputSize * s.HiddenSize);
}

public sealed class ModelCase<TModel, T> : IModelCase
    where TModel : class, IRnnModel<T>, new()
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public const int Steps = 50;
    public const int Batch = 32;

    private readonly TModel _model = new();
    private readonly ScalarRnn<T> _scalar;
    private readonly TensorPrimitivesRnn<T> _tensorPrimitives;
    private readonly PrototypeRnn<T>? _prototype;
    private readonly ReferenceWeights<T> _weights;
    private readonly RnnShape _shape;
    private readonly T[] _inputs, _targets, _predictions, _inputGradients, _stateGradients;
    private readonly T[] _stepInput, _stepOutput, _stepState;
    private readonly T[][] _batchInputs, _batchTargets;
    private readonly StepFunction<T>? _generatedStep;
    private readonly AdamOptimizer<T> _generatedAdam, _scalarAdam, _tensorPrimitivesAdam;
    private readonly TModel _trainModel = new();
    private readonly ScalarRnn<T> _trainScalar;
    private readonly TensorPrimitivesRnn<T> _trainTensorPrimitives;

    public ModelCase()
    {
        _shape = _model.Shape;
        _model.InitializeParameters(new Random(1234));
        _weights = new ReferenceWeights<T>(_shape);
        _weights.CopyFrom(_model.ParameterTensors, _model.Parameters);
        _scalar = new ScalarRnn<T>(_weights, Steps);
        _tensorPrimitives = new TensorPrimitivesRnn<T>(_weights, Steps);
        if (_shape.Layers == 1 && _shape.Directions == 1 && _shape.HiddenSize % Vector<T>.Count == 0)
        {
            _prototype = new PrototypeRnn<T>(_shape, _model.ParameterTensors, _model.Parameters, Steps);
        }
        var random = new Random(99);
        _inputs = RandomArray(random, Steps * _shape.InputSize);
        _targets = RandomArray(random, Steps * _shape.OutputSize);
        _predictions = new T[Steps * _shape.OutputSize];
        _inputGradients = new T[Steps * _shape.InputSize];
        _stateGradients = new T[_shape.Layers * _shape.Directions * _shape.HiddenSize];
        _stepInput = RandomArray(random, _shape.InputSize);
        _stepOutput = new T[_shape.OutputSize];
        _stepState = new T[_shape.Layers * _shape.Directions * _shape.HiddenSize];
        _batchInputs = new T[Batch][];
        _batchTargets = new T[Batch][];
        for (int b = 0; b < Batch; b++)
        {
            _batchInputs[b] = RandomArray(random, Steps * _shape.InputSize);
            _batchTargets[b] = RandomArray(random, Steps * _shape.OutputSize);
        }

        MethodInfo? step = typeof(TModel).GetMethod("Step", BindingFlags.Public | BindingFlags.Instance, [typeof(ReadOnlySpan<T>), typeof(Span<T>)]);
        if (step is not null && step.ReturnType == typeof(void))
        {
            _generatedStep = step.CreateDelegate<StepFunction<T>>(_model);
            typeof(TModel).GetMethod("Reset", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)?.Invoke(_model, null);
        }

        // Training copies: their own weights, so training does not disturb the forward/BPTT measurements.
        _model.Parameters.CopyTo(_trainModel.Parameters);
        _trainScalar = new ScalarRnn<T>(Clone(_weights), Steps);
        _trainTensorPrimitives = new TensorPrimitivesRnn<T>(Clone(_weights), Steps);
        _generatedAdam = new AdamOptimizer<T>(_model.Parameters.Length, 1e-4);
        _scalarAdam = new AdamOptimizer<T>(_weights.Values.Length, 1e-4);
        _tensorPrimitivesAdam = new AdamOptimizer<T>(_weights.Values.Length, 1e-4);

        Key = $"I{_shape.InputSize}_H{_shape.HiddenSize}_T{Steps}"
            + (_shape.Layers > 1 ? $"_L{_shape.Layers}" : "")
            + (_shape.Directions == 2 ? "_bi" : "")
            + (typeof(T) == typeof(float) ? "_float" : "_double");
    }

    public string Key { get; }
    public int HiddenSize => _shape.HiddenSize;
    public bool IsDouble => typeof(T) == typeof(double);
    public bool HasPrototype => _prototype is not null;
    public bool CanStep => _shape.Layers == 1 && _shape.Directions == 1;
    public bool HasGeneratedStep => _generatedStep is not null;
    public double ForwardFlops => Flops.Forward(_shape, Steps);
    public double BpttFlops => Flops.ForwardBackward(_shape, Steps, inputGradients: true);
    public double StepFlops => Flops.Step(_shape);
    public double TrainFlops => Batch * Flops.ForwardBackward(_shape, Steps, inputGradients: false);

    private static T[] RandomArray(Random random, int length)
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateChecked((random.NextDouble() * 2) - 1);
        }
        return values;
    }

    private ReferenceWeights<T> Clone(ReferenceWeights<T> weights)
    {
        var copy = new ReferenceWeights<T>(_shape);
        weights.Values.CopyTo(copy.Values, 0);
        return copy;
    }

    public void Forward(Impl impl)
    {
        switch (impl)
        {
            case Impl.Generated: _model.Forward(_inputs, default, _predictions); break;
            case Impl.Scalar: _scalar.Forward(_inputs, _predictions); break;
            case Impl.TensorPrimitives: _tensorPrimitives.Forward(_inputs, _predictions); break;
            default: _prototype!.Forward(_inputs, _predictions); break;
        }
    }

    /// <summary>Forward + BPTT with dE/dx and dE/da0 (gradients accumulate; they are not zeroed in the loop).</summary>
    public void Bptt(Impl impl)
    {
        switch (impl)
        {
            case Impl.Generated:
                _model.Forward(_inputs, default, _predictions);
                _model.Backward(_targets, _inputGradients, _stateGradients);
                break;
            case Impl.Scalar:
                _scalar.Forward(_inputs, _predictions);
                _scalar.Backward(_targets, _inputGradients, _stateGradients);
                break;
            case Impl.TensorPrimitives:
                _tensorPrimitives.Forward(_inputs, _predictions);
                _tensorPrimitives.Backward(_targets, _inputGradients, _stateGradients);
                break;
            default:
                _prototype!.Forward(_inputs, _predictions);
                _prototype.Backward(_targets, _inputGradients, _stateGradients.AsSpan(0, _shape.HiddenSize));
                break;
        }
    }

    /// <summary>One streaming step: the generated Step when the model has one, else Forward over T = 1 from the carried state.</summary>
    public void Step(Impl impl)
    {
        switch (impl)
        {
            case Impl.Generated:
                if (_generatedStep is not null)
                {
                    _generatedStep(_stepInput, _stepOutput);
                }
                else
                {
                    _model.Forward(_stepInput, _stepState, _stepOutput);
                    _model.FinalState.CopyTo(_stepState);
                }
                break;
            case Impl.Scalar: _scalar.Step(_stepInput, _stepOutput); break;
            case Impl.TensorPrimitives: _tensorPrimitives.Step(_stepInput, _stepOutput); break;
            default: _prototype!.Step(_stepInput, _stepOutput); break;
        }
    }

    /// <summary>One batch of 32 sequences: zero the gradients, Forward + Backward each sequence, one Adam step (single thread).</summary>
    public void Train(Impl impl)
    {
        switch (impl)
        {
            case Impl.Generated:
                _trainModel.ZeroGradients();
                for (int b = 0; b < Batch; b++)
                {
                    _trainModel.Forward(_batchInputs[b], default, _predictions);
                    _trainModel.Backward(_batchTargets[b], default, default);
                }
                _generatedAdam.Step(_trainModel.Parameters, _trainModel.Gradients);
                break;
            case Impl.Scalar:
                TrainBaseline(_trainScalar, _scalarAdam);
                break;
            default:
                TrainBaseline(_trainTensorPrimitives, _tensorPrimitivesAdam);
                break;
        }
    }

    private void TrainBaseline(BaselineRnn<T> rnn, AdamOptimizer<T> adam)
    {
        rnn.ZeroGradients();
        for (int b = 0; b < Batch; b++)
        {
            rnn.Forward(_batchInputs[b], _predictions);
            rnn.Backward(_batchTargets[b], default, default);
        }
        adam.Step(rnn.W.Values, rnn.Gradients);
    }

    /// <summary>Checks (untimed) that every implementation computes the same forward outputs and the same gradients as the generated model.</summary>
    public bool Verify(out string report)
    {
        double outputTolerance = IsDouble ? 1e-10 : 1e-4;
        double gradientTolerance = IsDouble ? 1e-9 : 1e-3;
        var expected = new T[_predictions.Length];
        _model.Forward(_inputs, default, expected);
        _model.ZeroGradients();
        var expectedInputGradients = new T[_inputGradients.Length];
        _model.Backward(_targets, expectedInputGradients, _stateGradients);
        T[] expectedGradients = _model.Gradients.ToArray();
        _model.ZeroGradients();

        bool ok = true;
        var text = new System.Text.StringBuilder($"VERIFY {Key} (max |difference| to the generated model; outputs / gradients scaled by max(1, max |value|))");
        var output = new T[_predictions.Length];
        var inputGradients = new T[_inputGradients.Length];
        var stateGradients = new T[_stateGradients.Length];
        var mapped = new T[expectedGradients.Length];
        foreach (Impl impl in new[] { Impl.Scalar, Impl.TensorPrimitives, Impl.Prototype })
        {
            double forwardError, gradientError, inputGradientError;
            if (impl == Impl.Prototype)
            {
                if (_prototype is null) { continue; }
                _prototype.Forward(_inputs, output);
                Array.Clear(_prototype.Gradients);
                _prototype.Backward(_targets, inputGradients, stateGradients.AsSpan(0, _shape.HiddenSize));
                _prototype.Gradients.CopyTo(mapped, 0);
                Array.Clear(_prototype.Gradients);
            }
            else
            {
                BaselineRnn<T> rnn = impl == Impl.Scalar ? _scalar : _tensorPrimitives;
                rnn.Forward(_inputs, output);
                rnn.ZeroGradients();
                rnn.Backward(_targets, inputGradients, stateGradients);
                Array.Clear(mapped);
                rnn.W.MapToGenerated(_model.ParameterTensors, rnn.Gradients, mapped);
                rnn.ZeroGradients();
            }
            forwardError = MaxError(expected, output);
            gradientError = MaxError(expectedGradients, mapped);
            inputGradientError = MaxError(expectedInputGradients, inputGradients);
            bool pass = forwardError <= outputTolerance && gradientError <= gradientTolerance && inputGradientError <= gradientTolerance;
            ok &= pass;
            text.Append(CultureInfo.InvariantCulture, $" {impl}: out={forwardError:E1} grad={gradientError:E1} dx={inputGradientError:E1}{(pass ? "" : " FAIL")}");
        }

        if (CanStep)
        {
            // The streaming step (generated Step or its fallback, and the three others) against Forward over the same 5 steps.
            int n = 5;
            var sequence = new T[n * _shape.InputSize];
            Array.Copy(_inputs, sequence, sequence.Length);
            var reference = new T[n * _shape.OutputSize];
            _model.Forward(sequence, default, reference);
            foreach (Impl impl in new[] { Impl.Generated, Impl.Scalar, Impl.TensorPrimitives, Impl.Prototype })
            {
                if (impl == Impl.Prototype && _prototype is null) { continue; }
                ResetStep(impl);
                var stepped = new T[n * _shape.OutputSize];
                for (int t = 0; t < n; t++)
                {
                    sequence.AsSpan(t * _shape.InputSize, _shape.InputSize).CopyTo(_stepInput);
                    Step(impl);
                    _stepOutput.CopyTo(stepped, t * _shape.OutputSize);
                }
                double error = MaxError(reference, stepped);
                bool pass = error <= outputTolerance;
                ok &= pass;
                text.Append(CultureInfo.InvariantCulture, $" step{(impl == Impl.Generated ? (HasGeneratedStep ? "(Generated.Step)" : "(Generated.Forward T=1)") : "(" + impl + ")")}={error:E1}{(pass ? "" : " FAIL")}");
                ResetStep(impl);
            }
        }
        text.Append(ok ? " OK" : " FAILED");
        report = text.ToString();
        return ok;
    }

    private void ResetStep(Impl impl)
    {
        switch (impl)
        {
            case Impl.Generated:
                Array.Clear(_stepState);
                typeof(TModel).GetMethod("Reset", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)?.Invoke(_model, null);
                break;
            case Impl.Scalar: _scalar.Reset(); break;
            case Impl.TensorPrimitives: _tensorPrimitives.Reset(); break;
            default: _prototype!.Reset(); break;
        }
    }

    private static double MaxError(T[] expected, T[] actual)
    {
        double scale = 1, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(double.CreateChecked(expected[i])));
            error = Math.Max(error, Math.Abs(double.CreateChecked(expected[i]) - double.CreateChecked(actual[i])));
        }
        return error / scale;
    }
}

/// <summary>Every benchmarked model, built once and shared by the benchmark classes (BenchmarkDotNet runs them in this process).</summary>
public static class Registry
{
    private static readonly Dictionary<string, IModelCase> s_cases = new();
    private static readonly List<IModelCase> s_ordered = new();

    public static bool Quick { get; set; }

    public static IReadOnlyList<IModelCase> All
    {
        get
        {
            if (s_ordered.Count == 0)
            {
                Add(new ModelCase<F8x16, float>()); Add(new ModelCase<F16x32, float>()); Add(new ModelCase<F32x64, float>());
                Add(new ModelCase<F64x128, float>()); Add(new ModelCase<F128x256, float>()); Add(new ModelCase<F256x512, float>());
                Add(new ModelCase<F64x128Bi2, float>());
                Add(new ModelCase<D8x16, double>()); Add(new ModelCase<D16x32, double>()); Add(new ModelCase<D32x64, double>());
                Add(new ModelCase<D64x128, double>()); Add(new ModelCase<D128x256, double>()); Add(new ModelCase<D256x512, double>());
                Add(new ModelCase<D64x128Bi2, double>());
            }
            return s_ordered;
        }
    }

    private static void Add(IModelCase c)
    {
        s_cases[c.Key] = c;
        s_ordered.Add(c);
    }

    public static IModelCase Get(string key)
    {
        _ = All;
        return s_cases[key];
    }

    // I=16, H=32 is there for the streaming-step target only.
    public static IEnumerable<string> SequenceKeys() { foreach (IModelCase c in All) { if (!c.Key.StartsWith("I16_H32_", StringComparison.Ordinal)) { yield return c.Key; } } }

    public static IEnumerable<string> StepKeys() { foreach (IModelCase c in All) { if (c.CanStep) { yield return c.Key; } } }

    // Training at H <= 128 in quick mode (the scalar baseline needs seconds per batch beyond that); every shape in full mode.
    public static IEnumerable<string> TrainKeys() { foreach (string key in SequenceKeys()) { IModelCase c = Get(key); if (!Quick || (c.HiddenSize <= 128 && !key.Contains("_bi", StringComparison.Ordinal))) { yield return key; } } }
}
