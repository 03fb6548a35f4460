using System;
using RnnGen;

namespace RnnGen.Tests.Training;

/// <summary>
/// A hand-written IRnnModel double with an exact Backward: per step y = w·x + b + h0 (h0 the initial state, constant
/// over the sequence), FinalState = the last y, squared-error loss. Parameters are [w0, w1, b].
/// </summary>
/// <remarks>
/// A target equal to <see cref="NaNGradientTarget"/> makes Backward report a NaN gradient for <c>head.bias</c> only
/// (the loss stays finite), as an overflowing model would; the tensor list puts an AddedBias entry over b first,
/// so naming the tensor must skip it.
/// </remarks>
internal sealed class LinearModel : IRnnModel<double>
{
    public const double NaNGradientTarget = 12345;

    /// <summary>A target that makes Backward throw <see cref="InvalidOperationException"/>, as a model's bug would; its Data["thread"] is the thread it was thrown on.</summary>
    public const double ThrowingTarget = 54321;

    private static readonly RnnParameterTensor[] s_tensors =
    [
        new("head.weight", 1, 2, 0, RnnTensorLayout.AsIs),
        new("head.bias_hh", 1, 0, 2, RnnTensorLayout.AddedBias),
        new("head.bias", 1, 0, 2, RnnTensorLayout.AsIs),
    ];

    private double[] _parameters = new double[3];
    private readonly double[] _gradients = new double[3];
    private readonly double[] _finalState = new double[1];
    private double[] _inputs = [];
    private double[] _predictions = [];

    public RnnShape Shape => new(2, 1, 1, 1, RnnDirection.Unidirectional, RnnActivation.Tanh, RnnOutputActivation.Identity, RnnTopology.ManyToMany, RnnLoss.SquaredError);

    public Span<double> Parameters => _parameters;

    public ReadOnlySpan<RnnParameterTensor> ParameterTensors => s_tensors;

    public int Steps { get; private set; }

    public ReadOnlySpan<double> HiddenOutputs => _predictions.AsSpan(0, Steps);

    public ReadOnlySpan<double> FinalState => _finalState;

    public Span<double> Gradients => _gradients;

    public void Forward(ReadOnlySpan<double> inputs, ReadOnlySpan<double> initialState, Span<double> predictions)
    {
        Steps = inputs.Length / 2;
        if (_inputs.Length < inputs.Length)
        {
            _inputs = new double[inputs.Length];
            _predictions = new double[Steps];
        }

        inputs.CopyTo(_inputs);
        double offset = initialState.IsEmpty ? 0 : initialState[0];
        for (int t = 0; t < Steps; t++)
        {
            _predictions[t] = (_parameters[0] * inputs[2 * t]) + (_parameters[1] * inputs[(2 * t) + 1]) + _parameters[2] + offset;
        }

        _predictions.AsSpan(0, Steps).CopyTo(predictions);
        _finalState[0] = _predictions[Steps - 1];
    }

    public void ForwardBatch(ReadOnlySpan<double> inputs, ReadOnlySpan<int> lengths, Span<double> predictions) => throw new NotSupportedException();

    /// <summary>One Forward and Backward per sequence of the padded batch, as the contract states.</summary>
    public double AccumulateBatchGradients(ReadOnlySpan<double> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<double> targets)
    {
        int steps = inputs.Length / lengths.Length / 2;
        double loss = 0;
        for (int b = 0; b < lengths.Length; b++)
        {
            Forward(inputs.Slice(b * steps * 2, lengths[b] * 2), default, new double[lengths[b]]);
            loss += Backward(targets.Slice(b * steps, lengths[b]), default, default);
        }

        return loss;
    }

    public void ShareParameters(IRnnModel<double> source) => _parameters = ((LinearModel)source)._parameters;

    public double Loss(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets)
    {
        double loss = 0;
        for (int t = 0; t < predictions.Length; t++)
        {
            loss += (predictions[t] - targets[t]) * (predictions[t] - targets[t]);
        }

        return loss;
    }

    public void InitializeParameters(Random random)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i] = random.NextDouble() - 0.5;
        }
    }

    public void ZeroGradients() => Array.Clear(_gradients);

    public void BackwardFromPredictionGradients(ReadOnlySpan<double> predictionGradients, Span<double> inputGradients, Span<double> initialStateGradients) =>
        throw new NotSupportedException("The trainer never calls it.");

    public double Backward(ReadOnlySpan<double> targets, Span<double> inputGradients, Span<double> initialStateGradients)
    {
        double stateGradient = 0;
        for (int t = 0; t < Steps; t++)
        {
            if (targets[t] == ThrowingTarget)
            {
                throw new InvalidOperationException("The model failed on its throwing target.") { Data = { ["thread"] = Environment.CurrentManagedThreadId } };
            }
            double outputGradient = 2 * (_predictions[t] - targets[t]);
            _gradients[0] += outputGradient * _inputs[2 * t];
            _gradients[1] += outputGradient * _inputs[(2 * t) + 1];
            _gradients[2] += targets[t] == NaNGradientTarget ? double.NaN : outputGradient;
            stateGradient += outputGradient;
            if (!inputGradients.IsEmpty)
            {
                inputGradients[2 * t] = outputGradient * _parameters[0];
                inputGradients[(2 * t) + 1] = outputGradient * _parameters[1];
            }
        }

        if (!initialStateGradients.IsEmpty)
        {
            initialStateGradients[0] = stateGradient;
        }

        return Loss(_predictions.AsSpan(0, Steps), targets);
    }
}
