using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Stochastic gradient descent with optional momentum (plain or Nesterov's) and L2 weight decay, as PyTorch's
/// <c>torch.optim.SGD</c> (dampening 0): g = ∇ + λθ; v = μv + g (v = g on the first step); θ -= lr·v, or with Nesterov
/// θ -= lr·(g + μv). In double, the parameters follow torch.optim's to within 1e-12 relative (tested on its trajectories).
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class SgdOptimizer<T> : IOptimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const string MomentumBufferName = "optimizer.sgd.momentum_buffer";
    private const string StepCountKey = "optimizer.sgd.step";

    /// <summary>Empty when <see cref="Momentum"/> is 0, as PyTorch keeps no buffer then.</summary>
    private readonly T[] _momentumBuffer;

    private double _learningRate;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">The length of the parameter buffer, e.g. the model's <see cref="IRnnModel{T}.Parameters"/>.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="momentum">μ, ≥ 0; 0 disables momentum.</param>
    /// <param name="weightDecay">λ, the L2 penalty added to the gradient, ≥ 0.</param>
    /// <param name="nesterov">Whether to step along g + μv, Nesterov's momentum (PyTorch's <c>nesterov=True</c>); needs μ &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is negative or not finite.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> without momentum.</exception>
    public SgdOptimizer(int parameterCount, double learningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerState.ThrowIfNegativeOrNotFinite(learningRate);
        OptimizerState.ThrowIfNegativeOrNotFinite(momentum);
        OptimizerState.ThrowIfNegativeOrNotFinite(weightDecay);
        if (nesterov && momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs a momentum above 0, as in torch.optim.SGD.", nameof(nesterov));
        }

        ParameterCount = parameterCount;
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _momentumBuffer = momentum == 0 ? [] : new T[parameterCount];
    }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            OptimizerState.ThrowIfNegativeOrNotFinite(value, nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the step is along g + μv (Nesterov) rather than v.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <summary>v, laid out like the parameters; empty when <see cref="Momentum"/> is 0.</summary>
    public ReadOnlySpan<T> MomentumBuffer => _momentumBuffer;

    /// <inheritdoc/>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        OptimizerState.EnsureLengths(ParameterCount, parameters, gradients);
        T learningRate = T.CreateChecked(LearningRate);
        T momentum = T.CreateChecked(Momentum);
        T weightDecay = T.CreateChecked(WeightDecay);
        bool hasMomentum = _momentumBuffer.Length > 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            T gradient = gradients[i];
            if (WeightDecay != 0)
            {
                gradient += weightDecay * parameters[i];
            }

            if (hasMomentum)
            {
                // The buffer starts at zero, so the first step stores g itself, as PyTorch's copy of the first gradient does.
                T velocity = (momentum * _momentumBuffer[i]) + gradient;
                _momentumBuffer[i] = velocity;
                gradient = Nesterov ? gradient + (momentum * velocity) : velocity;
            }

            parameters[i] -= learningRate * gradient;
        }

        StepCount++;
    }

    /// <inheritdoc/>
    public void SaveState(SafeTensorsWriter writer)
    {
        OptimizerState.WriteCount(writer, StepCountKey, StepCount);
        if (_momentumBuffer.Length > 0)
        {
            OptimizerState.WriteBuffer<T>(writer, MomentumBufferName, _momentumBuffer);
        }
    }

    /// <inheritdoc/>
    public void LoadState(SafeTensorsReader reader)
    {
        long stepCount = OptimizerState.ReadCount(reader, StepCountKey);
        T[] momentumBuffer = _momentumBuffer.Length > 0 ? OptimizerState.ReadBuffer<T>(reader, MomentumBufferName, ParameterCount) : [];
        momentumBuffer.CopyTo(_momentumBuffer, 0);
        StepCount = stepCount;
    }
}
