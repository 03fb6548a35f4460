using System;

namespace RnnGen;

/// <summary>Where a trainer's run (<see cref="RnnTrainer{TModel, T}"/>, <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>) stands after an epoch.</summary>
/// <param name="Epoch">The 1-based epoch just finished, counted from the start of training (a resumed run goes on counting).</param>
/// <param name="Epochs">The run's <see cref="TrainerOptions.Epochs"/>.</param>
/// <param name="Loss">The epoch's mean training loss (per sequence or per step, as <see cref="TrainerOptions.LossReduction"/> says).</param>
/// <param name="Elapsed">The time since the run started.</param>
/// <param name="EstimatedRemaining">The time the remaining epochs should take at the mean pace so far.</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, double Loss, TimeSpan Elapsed, TimeSpan EstimatedRemaining)
{
    /// <summary>The mean loss (reduced as <see cref="Loss"/>) of the run's validation set after this epoch, or null without one (<see cref="TrainingRun{T}.Validation"/>).</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The mean of the run's <see cref="TrainingRun{T}.Metric"/> over the validation set after this epoch, or null without one.</summary>
    public double? ValidationMetric { get; init; }
}
