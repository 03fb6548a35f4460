using System;
using System.Collections.Generic;
using System.Numerics;

namespace RnnGen;

/// <summary>A score of one validation sequence's predictions against its targets, e.g. an accuracy; the trainer reports its mean over the validation set.</summary>
/// <typeparam name="T">The model's element type.</typeparam>
/// <param name="predictions">What the model predicted for the sequence.</param>
/// <param name="targets">The sequence's targets, shaped like <paramref name="predictions"/>.</param>
/// <returns>The sequence's score.</returns>
public delegate double ValidationMetric<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>;

/// <summary>
/// Keras' <c>EarlyStopping</c>: stops training once the monitored loss (the validation loss when there is a validation
/// set, else the training loss) has not improved by more than <paramref name="MinimumImprovement"/> for
/// <paramref name="Patience"/> epochs in a row and, with <paramref name="RestoreBestWeights"/>, puts back the parameters of
/// the best epoch (the optimizer's state is not rolled back, as in Keras).
/// </summary>
/// <param name="Patience">The epochs without improvement after which training stops, ≥ 1.</param>
/// <param name="MinimumImprovement">How much lower a loss must be to count as better, ≥ 0 (Keras' <c>min_delta</c>).</param>
/// <param name="RestoreBestWeights">Whether stopping restores the best epoch's parameters.</param>
public sealed record EarlyStopping(int Patience, double MinimumImprovement = 0, bool RestoreBestWeights = true);

/// <summary>What a trainer's <c>Train</c> (<see cref="RnnTrainer{TModel, T}"/>, <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>) does besides training: Keras' <c>validation_data</c>, metrics and callbacks.</summary>
/// <typeparam name="T">The model's element type.</typeparam>
public sealed class TrainingRun<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Sequences the model does not train on; after every epoch their mean loss (reduced as the training loss is) is reported as <see cref="TrainingProgress.ValidationLoss"/>.</summary>
    public IReadOnlyList<TrainingSequence<T>>? Validation { get; init; }

    /// <summary>A score averaged over the sequences of <see cref="Validation"/> after every epoch, reported as <see cref="TrainingProgress.ValidationMetric"/>.</summary>
    public ValidationMetric<T>? Metric { get; init; }

    /// <summary>A learning-rate schedule stepped after every epoch (Keras' <c>LearningRateScheduler</c> callback); it must be at the trainer's epoch when the run starts.</summary>
    public LearningRateScheduler<T>? Schedule { get; init; }

    /// <summary>Lowers the learning rate when the monitored loss (validation if any, else training) stalls, stepped after every epoch (Keras' <c>ReduceLROnPlateau</c>).</summary>
    public ReduceOnPlateauScheduler<T>? ReduceOnPlateau { get; init; }

    /// <summary>When to stop before <see cref="TrainerOptions.Epochs"/>, or null to run them all.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Called after every epoch (after the progress report and the schedules' steps) with the epoch's figures; returning false stops training there.</summary>
    public Func<TrainingProgress, bool>? EpochEnded { get; init; }
}

/// <summary>How a run ended.</summary>
/// <param name="Epochs">The epochs this run trained (fewer than <see cref="TrainerOptions.Epochs"/> when resumed from a checkpoint or stopped early; 0 when none was left).</param>
/// <param name="Loss">The last epoch's mean training loss (per sequence or per step, as <see cref="TrainerOptions.LossReduction"/> says), or NaN when no epoch ran.</param>
/// <param name="ValidationLoss">The last epoch's validation loss, or null without a validation set.</param>
/// <param name="BestEpoch">The epoch of this run with the lowest monitored loss (validation if any, else training), numbered as <see cref="MiniBatchTrainer{T}.Epoch"/> counts; 0 when none ran.</param>
/// <param name="StoppedEarly">Whether early stopping or the callback ended the run before <see cref="TrainerOptions.Epochs"/>.</param>
public readonly record struct TrainingResult(int Epochs, double Loss, double? ValidationLoss, int BestEpoch, bool StoppedEarly)
{
    /// <summary>Every epoch's report of this run, in order, as Keras' <c>History</c>: the losses, validation losses and metrics to plot (compared by reference in the record's equality).</summary>
    public IReadOnlyList<TrainingProgress> History { get; init; } = [];
}
