using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Adam, as PyTorch's <c>torch.optim.Adam</c> and, with decoupled weight decay, <c>torch.optim.AdamW</c> (see
/// <see cref="AdamW"/>), with PyTorch's defaults and bias correction: g = ∇ + λθ (L2, Adam's <c>weight_decay</c>) or
/// θ *= 1 - lr·λ (decoupled, AdamW's); m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; with AMSGrad v̄ = max(v̄, v) stands for
/// v below; θ -= (lr / (1-β1^t))·m / (sqrt(v) / sqrt(1-β2^t) + ε).
/// </summary>
/// <remarks>
/// The update is grouped as PyTorch groups it (the bias corrections and lr / (1-β1^t) computed in double, ε added
/// after dividing sqrt(v) by sqrt(1-β2^t)), which equals lr·m̂ / (sqrt(v̂) + ε) up to rounding. In double, the
/// parameters follow torch.optim's to within 1e-12 relative over several steps (tested on trajectories it computed).
/// </remarks>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class AdamOptimizer<T> : IOptimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const string FirstMomentName = "optimizer.adam.m";
    private const string SecondMomentName = "optimizer.adam.v";
    private const string MaxSecondMomentName = "optimizer.adam.max_v";
    private const string StepCountKey = "optimizer.adam.step";

    private readonly T[] _firstMoment;
    private readonly T[] _secondMoment;

    /// <summary>Empty without AMSGrad, as PyTorch keeps no <c>max_exp_avg_sq</c> then.</summary>
    private readonly T[] _maxSecondMoment;

    private double _learningRate;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">The length of the parameter buffer, e.g. the model's <see cref="IRnnModel{T}.Parameters"/>.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="beta1">β1, the decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">β2, the decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">ε, added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">λ, ≥ 0: the L2 penalty added to the gradient, as Adam's <c>weight_decay</c>, or with <paramref name="decoupledWeightDecay"/> AdamW's.</param>
    /// <param name="amsgrad">Whether to divide by the running maximum of v (PyTorch's <c>amsgrad=True</c>).</param>
    /// <param name="decoupledWeightDecay">Whether λ shrinks the parameters directly, θ *= 1 - lr·λ, as AdamW does, instead of adding λθ to the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range.</exception>
    public AdamOptimizer(int parameterCount, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool decoupledWeightDecay = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        OptimizerState.ThrowIfNegativeOrNotFinite(learningRate);
        OptimizerState.ThrowIfNegativeOrNotFinite(beta1);
        OptimizerState.ThrowIfNegativeOrNotFinite(beta2);
        OptimizerState.ThrowIfNegativeOrNotFinite(epsilon);
        OptimizerState.ThrowIfNegativeOrNotFinite(weightDecay);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta1, 1.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta2, 1.0);
        ParameterCount = parameterCount;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Amsgrad = amsgrad;
        DecoupledWeightDecay = decoupledWeightDecay;
        _firstMoment = new T[parameterCount];
        _secondMoment = new T[parameterCount];
        _maxSecondMoment = amsgrad ? new T[parameterCount] : [];
    }

    /// <summary>AdamW as <c>torch.optim.AdamW</c> builds it, with its defaults: decoupled weight decay λ = 0.01.</summary>
    /// <param name="parameterCount">The length of the parameter buffer.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="beta1">β1, in [0, 1).</param>
    /// <param name="beta2">β2, in [0, 1).</param>
    /// <param name="epsilon">ε, ≥ 0.</param>
    /// <param name="weightDecay">λ, ≥ 0: each step first multiplies the parameters by 1 - lr·λ.</param>
    /// <param name="amsgrad">Whether to divide by the running maximum of v.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or hyperparameter is out of range.</exception>
    public static AdamOptimizer<T> AdamW(int parameterCount, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false) =>
        new(parameterCount, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupledWeightDecay: true);

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

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>λ: an L2 penalty on the gradient, or with <see cref="DecoupledWeightDecay"/> AdamW's shrinking of the parameters.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the update divides by the running maximum of v (AMSGrad).</summary>
    public bool Amsgrad { get; }

    /// <summary>Whether <see cref="WeightDecay"/> is AdamW's: θ *= 1 - lr·λ before each update, the gradient left alone.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <summary>t, the number of steps taken; the bias corrections use it.</summary>
    public long StepCount { get; private set; }

    /// <summary>m, the running mean of the gradients (PyTorch's <c>exp_avg</c>), laid out like the parameters.</summary>
    public ReadOnlySpan<T> FirstMoment => _firstMoment;

    /// <summary>v, the running mean of the squared gradients (PyTorch's <c>exp_avg_sq</c>), laid out like the parameters.</summary>
    public ReadOnlySpan<T> SecondMoment => _secondMoment;

    /// <summary>v̄, the running maximum of v (PyTorch's <c>max_exp_avg_sq</c>); empty without <see cref="Amsgrad"/>.</summary>
    public ReadOnlySpan<T> MaxSecondMoment => _maxSecondMoment;

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
        bool penalises = WeightDecay != 0 && !DecoupledWeightDecay, shrinks = WeightDecay != 0 && DecoupledWeightDecay;
        var update = new Update(beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, stepSize, secondBiasCorrectionSqrt,
            T.CreateChecked(WeightDecay), T.CreateChecked(1 - (LearningRate * WeightDecay)), penalises, shrinks, Amsgrad); // shrink in double, as PyTorch's Python float
        int lanes = Vector<T>.Count, body = parameters.Length - (parameters.Length % lanes);
        Span<T> maxSecondMoments = Amsgrad ? _maxSecondMoment : _secondMoment; // unread without AMSGrad
        for (int i = 0; i < body; i += lanes)
        {
            update.Apply(parameters.Slice(i, lanes), gradients.Slice(i, lanes), _firstMoment.AsSpan(i, lanes), _secondMoment.AsSpan(i, lanes), maxSecondMoments.Slice(i, lanes));
        }

        // The last elements through the same vector arithmetic, in copies padded to a whole vector.
        int rest = parameters.Length - body;
        if (rest > 0)
        {
            Span<T> padded = stackalloc T[5 * lanes];
            padded.Clear();
            Span<T> parameterRest = padded[..lanes], gradientRest = padded.Slice(lanes, lanes), firstRest = padded.Slice(2 * lanes, lanes),
                secondRest = padded.Slice(3 * lanes, lanes), maxRest = padded.Slice(4 * lanes, lanes);
            parameters[body..].CopyTo(parameterRest);
            gradients[body..].CopyTo(gradientRest);
            _firstMoment.AsSpan(body).CopyTo(firstRest);
            _secondMoment.AsSpan(body).CopyTo(secondRest);
            maxSecondMoments[body..].CopyTo(maxRest);
            update.Apply(parameterRest, gradientRest, firstRest, secondRest, maxRest);
            parameterRest[..rest].CopyTo(parameters[body..]);
            firstRest[..rest].CopyTo(_firstMoment.AsSpan(body));
            secondRest[..rest].CopyTo(_secondMoment.AsSpan(body));
            if (Amsgrad)
            {
                maxRest[..rest].CopyTo(maxSecondMoments[body..]);
            }
        }

        StepCount = step;
    }

    /// <summary>
    /// One step's arithmetic on a vector of parameters, PyTorch's (its order of operations, no fused multiply-adds, so each
    /// lane rounds as the scalar formula does): g (+ λ θ), θ ×= 1 - lr λ (decoupled), m = β1 m + (1 - β1) g,
    /// v = β2 v + (1 - β2) g g, v̂ = max(v̂, v) (AMSGrad), θ -= step (m / (√v / √(1 - β2^t) + ε)).
    /// </summary>
    private readonly record struct Update(T Beta1, T Beta2, T OneMinusBeta1, T OneMinusBeta2, T Epsilon, T StepSize, T SecondBiasCorrectionSqrt,
        T WeightDecay, T Shrink, bool Penalises, bool Shrinks, bool Amsgrad)
    {
        public void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> firstMoments, Span<T> secondMoments, Span<T> maxSecondMoments)
        {
            var parameter = new Vector<T>(parameters);
            Vector<T> gradient = new(gradients);
            if (Penalises)
            {
                gradient += WeightDecay * parameter;
            }

            if (Shrinks)
            {
                parameter *= Shrink;
            }

            Vector<T> firstMoment = (Beta1 * new Vector<T>(firstMoments)) + (OneMinusBeta1 * gradient);
            Vector<T> secondMoment = (Beta2 * new Vector<T>(secondMoments)) + (OneMinusBeta2 * gradient * gradient);
            firstMoment.CopyTo(firstMoments);
            secondMoment.CopyTo(secondMoments);
            if (Amsgrad)
            {
                secondMoment = Vector.Max(new Vector<T>(maxSecondMoments), secondMoment);
                secondMoment.CopyTo(maxSecondMoments);
            }

            parameter -= StepSize * (firstMoment / ((Vector.SquareRoot(secondMoment) / SecondBiasCorrectionSqrt) + new Vector<T>(Epsilon)));
            parameter.CopyTo(parameters);
        }
    }

    /// <inheritdoc/>
    public void SaveState(SafeTensorsWriter writer)
    {
        OptimizerState.WriteCount(writer, StepCountKey, StepCount);
        OptimizerState.WriteBuffer<T>(writer, FirstMomentName, _firstMoment);
        OptimizerState.WriteBuffer<T>(writer, SecondMomentName, _secondMoment);
        if (Amsgrad)
        {
            OptimizerState.WriteBuffer<T>(writer, MaxSecondMomentName, _maxSecondMoment);
        }
    }

    /// <inheritdoc/>
    public void LoadState(SafeTensorsReader reader)
    {
        long stepCount = OptimizerState.ReadCount(reader, StepCountKey);
        T[] firstMoment = OptimizerState.ReadBuffer<T>(reader, FirstMomentName, ParameterCount);
        T[] secondMoment = OptimizerState.ReadBuffer<T>(reader, SecondMomentName, ParameterCount);
        T[] maxSecondMoment = Amsgrad ? OptimizerState.ReadBuffer<T>(reader, MaxSecondMomentName, ParameterCount) : [];
        firstMoment.CopyTo(_firstMoment, 0);
        secondMoment.CopyTo(_secondMoment, 0);
        maxSecondMoment.CopyTo(_maxSecondMoment, 0);
        StepCount = stepCount;
    }
}
