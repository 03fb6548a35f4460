using System;

namespace RnnGen;

/// <summary>Where a run of <see cref="RnnTrainer{TModel, T}"/> stands after an epoch.</summary>
/// <param name="Epoch">The 1-based epoch just finished.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="Loss">The epoch's mean loss per sequence.</param>
/// <param name="Elapsed">The time since the run started.</param>
/// <param name="EstimatedRemaining">The time the remaining epochs should take at the mean pace so far.</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, double Loss, TimeSpan Elapsed, TimeSpan EstimatedRemaining)
{
    /// <summary>The mean loss per sequence of the run's validation set after this epoch, or null without one (<see cref="TrainingRun{T}.Validation"/>).</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The mean of the run's <see cref="TrainingRun{T}.Metric"/> over the validation set after this epoch, or null without one.</summary>
    public double? ValidationMetric { get; init; }
}
