using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Applies a <see cref="LearningRateSchedule"/> to an optimizer, as a <c>torch.optim.lr_scheduler</c> does: made, it sets
/// the rate of epoch 0 (a warm-up starts low at once); <see cref="Step"/> after each epoch sets the next epoch's.
/// </summary>
/// <typeparam name="T">The optimizer's element type.</typeparam>
public sealed class LearningRateScheduler<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly IOptimizer<T> _optimizer;
    private readonly LearningRateSchedule _schedule;

    /// <summary>
    /// Attaches <paramref name="schedule"/> to <paramref name="optimizer"/>, whose current rate becomes <see cref="InitialRate"/>,
    /// and sets the rate of epoch <paramref name="epoch"/>: 0 for a new run, the trainer's <see cref="MiniBatchTrainer{T}.Epoch"/>
    /// when resuming one (PyTorch's <c>last_epoch</c>), with the optimizer made with the run's initial rate.
    /// </summary>
    /// <param name="optimizer">The optimizer whose <see cref="IOptimizer{T}.LearningRate"/> this sets.</param>
    /// <param name="schedule">The rate of each epoch.</param>
    /// <param name="epoch">The epochs already stepped, ≥ 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The schedule gives a negative or non-finite rate, or <paramref name="epoch"/> is negative.</exception>
    public LearningRateScheduler(IOptimizer<T> optimizer, LearningRateSchedule schedule, int epoch = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        _optimizer = optimizer;
        _schedule = schedule;
        InitialRate = optimizer.LearningRate;
        optimizer.LearningRate = schedule.RateAt(epoch, InitialRate);
        Epoch = epoch;
    }

    /// <summary>The optimizer's rate when the scheduler was made (PyTorch's <c>base_lr</c>).</summary>
    public double InitialRate { get; }

    /// <summary>The epochs stepped so far (PyTorch's <c>last_epoch</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>Ends an epoch: sets the optimizer's rate to the schedule's for the next one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The schedule gives a negative or non-finite rate; the rate and <see cref="Epoch"/> are left as they were.</exception>
    public void Step()
    {
        _optimizer.LearningRate = _schedule.RateAt(Epoch + 1, InitialRate);
        Epoch++;
    }
}

/// <summary>
/// <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>: multiplies the optimizer's rate by <see cref="Factor"/> once the
/// monitored value (usually the validation loss) has not improved for more than <see cref="Patience"/> epochs, then waits
/// <see cref="Cooldown"/> epochs before counting again; never below <see cref="MinimumRate"/>, and a change smaller than
/// 1e-8 is not made. PyTorch's defaults.
/// </summary>
/// <typeparam name="T">The optimizer's element type.</typeparam>
public sealed class ReduceOnPlateauScheduler<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const double SmallestChange = 1e-8;

    private readonly IOptimizer<T> _optimizer;
    private int _cooldownLeft;

    /// <summary>Attaches the scheduler to <paramref name="optimizer"/>; its rate is left as it is.</summary>
    /// <param name="optimizer">The optimizer whose <see cref="IOptimizer{T}.LearningRate"/> this lowers.</param>
    /// <param name="maximize">Whether higher values are better (PyTorch's <c>mode="max"</c>, e.g. for an accuracy).</param>
    /// <param name="factor">The factor of each reduction, in [0, 1).</param>
    /// <param name="patience">The epochs without improvement tolerated, ≥ 0.</param>
    /// <param name="threshold">How much better a value must be to count, ≥ 0.</param>
    /// <param name="relativeThreshold">Whether <paramref name="threshold"/> is relative to the best value (PyTorch's <c>"rel"</c>) or absolute (<c>"abs"</c>).</param>
    /// <param name="cooldown">The epochs after a reduction during which no bad epoch is counted, ≥ 0.</param>
    /// <param name="minimumRate">The floor of the rate, ≥ 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public ReduceOnPlateauScheduler(IOptimizer<T> optimizer, bool maximize = false, double factor = 0.1, int patience = 10, double threshold = 1e-4,
        bool relativeThreshold = true, int cooldown = 0, double minimumRate = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        OptimizerState.ThrowIfNegativeOrNotFinite(factor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(factor, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        OptimizerState.ThrowIfNegativeOrNotFinite(threshold);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        OptimizerState.ThrowIfNegativeOrNotFinite(minimumRate);
        _optimizer = optimizer;
        Maximize = maximize;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        RelativeThreshold = relativeThreshold;
        Cooldown = cooldown;
        MinimumRate = minimumRate;
        Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>Whether higher monitored values are better.</summary>
    public bool Maximize { get; }

    /// <summary>The factor of each reduction.</summary>
    public double Factor { get; }

    /// <summary>The epochs without improvement tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>How much better a value must be to count as an improvement.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative to the best value.</summary>
    public bool RelativeThreshold { get; }

    /// <summary>The epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The floor of the rate.</summary>
    public double MinimumRate { get; }

    /// <summary>The best value seen (±∞ before the first <see cref="Step"/>).</summary>
    public double Best { get; private set; }

    /// <summary>The epochs since the last improvement that count towards <see cref="Patience"/>.</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Ends an epoch with its monitored value, lowering the rate if the value has stalled for too long.</summary>
    /// <param name="value">The epoch's value, e.g. the validation loss.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN.</exception>
    public void Step(double value)
    {
        if (double.IsNaN(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The monitored value is NaN: the training has diverged or the metric is broken.");
        }

        if (IsBetter(value))
        {
            Best = value;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }

        if (_cooldownLeft > 0)
        {
            _cooldownLeft--;
            BadEpochs = 0;
        }

        if (BadEpochs > Patience)
        {
            double rate = _optimizer.LearningRate, reduced = Math.Max(rate * Factor, MinimumRate);
            if (rate - reduced > SmallestChange)
            {
                _optimizer.LearningRate = reduced;
            }

            _cooldownLeft = Cooldown;
            BadEpochs = 0;
        }
    }

    private bool IsBetter(double value) => (Maximize, RelativeThreshold) switch
    {
        (false, true) => value < Best * (1 - Threshold),
        (false, false) => value < Best - Threshold,
        (true, true) => value > Best * (1 + Threshold),
        (true, false) => value > Best + Threshold,
    };
}
