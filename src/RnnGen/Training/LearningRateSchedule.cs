using System;

namespace RnnGen;

/// <summary>
/// A learning rate as a function of the epoch, as <c>torch.optim.lr_scheduler</c>'s closed forms: epoch 0 is the rate before
/// the first <see cref="LearningRateScheduler{T}.Step"/>. <see cref="LearningRateScheduler{T}"/> applies one to an optimizer.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate at <paramref name="epoch"/> of a run that started at <paramref name="initialRate"/> (PyTorch's <c>base_lr</c>).</summary>
    /// <param name="epoch">The number of epochs finished, ≥ 0.</param>
    /// <param name="initialRate">The optimizer's learning rate when the scheduler was made.</param>
    public abstract double RateAt(int epoch, double initialRate);

    private protected static int Positive(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, name);
        return value;
    }
}

/// <summary><c>StepLR</c>: the initial rate times γ^⌊epoch / stepSize⌋.</summary>
/// <param name="stepSize">Epochs between decays, ≥ 1.</param>
/// <param name="gamma">γ, the factor of each decay (PyTorch's default 0.1).</param>
public sealed class StepSchedule(int stepSize, double gamma = 0.1) : LearningRateSchedule
{
    private readonly int _stepSize = Positive(stepSize, nameof(stepSize));

    /// <inheritdoc/>
    public override double RateAt(int epoch, double initialRate) => initialRate * Math.Pow(gamma, epoch / _stepSize);
}

/// <summary><c>ExponentialLR</c>: the initial rate times γ^epoch.</summary>
/// <param name="gamma">γ, the factor of each epoch.</param>
public sealed class ExponentialSchedule(double gamma) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override double RateAt(int epoch, double initialRate) => initialRate * Math.Pow(gamma, epoch);
}

/// <summary>
/// <c>CosineAnnealingLR</c>: η_min + (initial - η_min)(1 + cos(π epoch / T_max)) / 2, from the initial rate down to η_min at
/// T_max and, as PyTorch's, back up over the next T_max epochs if training goes on.
/// </summary>
/// <param name="maxEpochs">T_max, the epochs of the half period, ≥ 1.</param>
/// <param name="minimumRate">η_min, the rate at T_max.</param>
public sealed class CosineAnnealingSchedule(int maxEpochs, double minimumRate = 0) : LearningRateSchedule
{
    private readonly int _maxEpochs = Positive(maxEpochs, nameof(maxEpochs));

    /// <inheritdoc/>
    public override double RateAt(int epoch, double initialRate) =>
        minimumRate + ((initialRate - minimumRate) * (1 + Math.Cos(Math.PI * epoch / _maxEpochs)) / 2);
}

/// <summary>
/// <c>LinearLR</c>, the usual warm-up: the initial rate times a factor going linearly from <paramref name="startFactor"/> to
/// <paramref name="endFactor"/> over <paramref name="totalEpochs"/> epochs, then staying there.
/// </summary>
/// <param name="startFactor">The factor at epoch 0 (PyTorch's default 1/3).</param>
/// <param name="endFactor">The factor from <paramref name="totalEpochs"/> on.</param>
/// <param name="totalEpochs">The epochs of the ramp, ≥ 1 (PyTorch's default 5).</param>
public sealed class LinearSchedule(double startFactor = 1.0 / 3, double endFactor = 1.0, int totalEpochs = 5) : LearningRateSchedule
{
    private readonly int _totalEpochs = Positive(totalEpochs, nameof(totalEpochs));

    /// <inheritdoc/>
    public override double RateAt(int epoch, double initialRate) =>
        initialRate * (startFactor + ((endFactor - startFactor) * Math.Min(epoch, _totalEpochs) / _totalEpochs));
}

/// <summary><c>LambdaLR</c>: the initial rate times <paramref name="factor"/>(epoch).</summary>
/// <param name="factor">The multiplier of each epoch.</param>
public sealed class LambdaSchedule(Func<int, double> factor) : LearningRateSchedule
{
    private readonly Func<int, double> _factor = factor ?? throw new ArgumentNullException(nameof(factor));

    /// <inheritdoc/>
    public override double RateAt(int epoch, double initialRate) => initialRate * _factor(epoch);
}
