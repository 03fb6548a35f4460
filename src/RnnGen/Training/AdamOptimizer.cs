using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Adam, as PyTorch's <c>torch.optim.Adam</c> (no weight decay, no AMSGrad), with PyTorch's defaults and bias
/// correction: m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; θ -= (lr / (1-β1^t))·m / (sqrt(v) / sqrt(1-β2^t) + ε).
/// </summary>
/// <remarks>
/// The update is grouped as PyTorch groups it (the bias corrections and lr / (1-β1^t) computed in double, ε added
/// after dividing sqrt(v) by sqrt(1-β2^t)), which equals lr·m̂ / (sqrt(v̂) + ε) up to rounding. PyTorch computes m
/// with a lerp, m + (1-β1)(g - m), so results can differ from PyTorch's in the last bit.
/// </remarks>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class AdamOptimizer<T> : IOptimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const string FirstMomentName = "optimizer.adam.m";
    private const string SecondMomentName = "optimizer.adam.v";
    private const string StepCountKey = "optimizer.adam.step";

    private readonly T[] _firstMoment;
    private readonly T[] _secondMoment;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">The length of the parameter buffer, e.g. the model's <see cref="IRnnModel{T}.Parameters"/>.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="beta1">β1, the decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">β2, the decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">ε, added to the denominator, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range.</exception>
    public AdamOptimizer(int parameterCount, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerState.ThrowIfNegativeOrNotFinite(learningRate);
        OptimizerState.ThrowIfNegativeOrNotFinite(beta1);
        OptimizerState.ThrowIfNegativeOrNotFinite(beta2);
        OptimizerState.ThrowIfNegativeOrNotFinite(epsilon);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta1, 1.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta2, 1.0);
        ParameterCount = parameterCount;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _firstMoment = new T[parameterCount];
        _secondMoment = new T[parameterCount];
    }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <summary>lr; may be changed between steps, e.g. by a schedule.</summary>
    public double LearningRate { get; set; }

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>t, the number of steps taken; the bias corrections use it.</summary>
    public long StepCount { get; private set; }

    /// <summary>m, the running mean of the gradients (PyTorch's <c>exp_avg</c>), laid out like the parameters.</summary>
    public ReadOnlySpan<T> FirstMoment => _firstMoment;

    /// <summary>v, the running mean of the squared gradients (PyTorch's <c>exp_avg_sq</c>), laid out like the parameters.</summary>
    public ReadOnlySpan<T> SecondMoment => _secondMoment;

    /// <inheritdoc/>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        OptimizerState.EnsureLengths(ParameterCount, parameters, gradients);
        long step = StepCount + 1;
        T beta1 = T.CreateChecked(Beta1);
        T beta2 = T.CreateChecked(Beta2);
        T oneMinusBeta1 = T.CreateChecked(1 - Beta1);
        T oneMinusBeta2 = T.CreateChecked(1 - Beta2);
        T epsilon = T.CreateChecked(Epsilon);
        T stepSize = T.CreateChecked(LearningRate / (1 - Math.Pow(Beta1, step)));
        T secondBiasCorrectionSqrt = T.CreateChecked(Math.Sqrt(1 - Math.Pow(Beta2, step)));
        for (int i = 0; i < parameters.Length; i++)
        {
            T gradient = gradients[i];
            T firstMoment = (beta1 * _firstMoment[i]) + (oneMinusBeta1 * gradient);
            T secondMoment = (beta2 * _secondMoment[i]) + (oneMinusBeta2 * gradient * gradient);
            _firstMoment[i] = firstMoment;
            _secondMoment[i] = secondMoment;
            parameters[i] -= stepSize * (firstMoment / ((T.Sqrt(secondMoment) / secondBiasCorrectionSqrt) + epsilon));
        }

        StepCount = step;
    }

    /// <inheritdoc/>
    public void SaveState(SafeTensorsWriter writer)
    {
        OptimizerState.WriteCount(writer, StepCountKey, StepCount);
        OptimizerState.WriteBuffer<T>(writer, FirstMomentName, _firstMoment);
        OptimizerState.WriteBuffer<T>(writer, SecondMomentName, _secondMoment);
    }

    /// <inheritdoc/>
    public void LoadState(SafeTensorsReader reader)
    {
        long stepCount = OptimizerState.ReadCount(reader, StepCountKey);
        T[] firstMoment = OptimizerState.ReadBuffer<T>(reader, FirstMomentName, ParameterCount);
        T[] secondMoment = OptimizerState.ReadBuffer<T>(reader, SecondMomentName, ParameterCount);
        firstMoment.CopyTo(_firstMoment, 0);
        secondMoment.CopyTo(_secondMoment, 0);
        StepCount = stepCount;
    }
}
