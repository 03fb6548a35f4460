using System;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;

namespace RnnGen;

/// <summary>
/// What every trainer offers (<see cref="RnnTrainer{TModel, T}"/> for one model, <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>
/// for a pair): epochs of mini-batches shared among workers, their gradients summed in worker order and reduced, checked for
/// NaN and infinity, optionally clipped and applied by the optimizer; and runs of epochs with validation, schedules and
/// early stopping, as Keras' <c>fit</c>.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class MiniBatchTrainer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly TrainingLoop<T> _loop;

    /// <summary>Checks the options and the optimizer's size against the trained parameters'; the derived trainer is the loop's task.</summary>
    private protected MiniBatchTrainer(IOptimizer<T> optimizer, TrainerOptions options, int parameterCount)
    {
        TrainingLoop<T>.Validate(options, optimizer, parameterCount);
        _loop = new TrainingLoop<T>((ITrainingTask<T>)this, optimizer, options);
    }

    /// <summary>The trainer as the loop (and <see cref="Checkpoint"/>) drive it: its parameters, tensors and workers.</summary>
    internal ITrainingTask<T> Task => (ITrainingTask<T>)this;

    /// <summary>The optimizer that applies the updates; its <see cref="IOptimizer{T}.StepCount"/> counts them.</summary>
    public IOptimizer<T> Optimizer => _loop.Optimizer;

    /// <summary>The options the trainer was created with.</summary>
    public TrainerOptions Options => _loop.Options;

    /// <summary>The epochs completed (by <c>Train</c> or <see cref="TrainEpoch"/>; restored by <see cref="Checkpoint.Load{T}(MiniBatchTrainer{T}, string)"/>); the next epoch's order depends only on it and the seed.</summary>
    public int Epoch
    {
        get => _loop.Epoch;
        internal set => _loop.Epoch = value;
    }

    /// <summary>Runs the epochs left until <see cref="Epoch"/> reaches <see cref="TrainerOptions.Epochs"/>, reporting after each one.</summary>
    /// <param name="sequences">The training data.</param>
    /// <param name="progress">Receives a report after every epoch, or null.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The last epoch's mean loss (per sequence or per step, as <see cref="TrainerOptions.LossReduction"/> says); NaN when no epoch was left.</returns>
    /// <exception cref="ArgumentException">The data is empty or a sequence does not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; that update was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the updates made so far remain applied.</exception>
    public double Train(IReadOnlyList<TrainingSequence<T>> sequences, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(sequences, new TrainingRun<T>(), progress, cancellationToken).Loss;

    /// <summary>
    /// Runs the epochs left until <see cref="Epoch"/> reaches <see cref="TrainerOptions.Epochs"/> (all of them on a new trainer,
    /// the rest on one restored from a checkpoint) as Keras' <c>fit</c> does: after each, the validation loss and metric of
    /// <paramref name="run"/> (forward passes only, reduced as the training loss is), the progress report, the learning-rate
    /// schedules, the callback, and early stopping, which can end the run and put back the best epoch's parameters.
    /// </summary>
    /// <param name="sequences">The training data.</param>
    /// <param name="run">Validation set, metric, schedules, early stopping and callback.</param>
    /// <param name="progress">Receives a report after every epoch, or null.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>How the run ended.</returns>
    /// <exception cref="ArgumentException">The data or the validation set is empty, a training or validation sequence does not fit the model, or the run's schedules conflict or are at another epoch than the trainer.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The early stopping's patience is below 1 or its minimum improvement is negative.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; that update was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the updates made so far remain applied.</exception>
    public TrainingResult Train(IReadOnlyList<TrainingSequence<T>> sequences, TrainingRun<T> run, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _loop.Train(sequences, run, progress, cancellationToken);

    /// <summary>Trains on the sequences once, in the order of epoch <see cref="Epoch"/> + 1, batch by batch, and counts the epoch.</summary>
    /// <param name="sequences">The training data.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The epoch's mean loss (per sequence or per step, as <see cref="TrainerOptions.LossReduction"/> says), each loss taken before its batch's update.</returns>
    /// <exception cref="ArgumentException">The data is empty or a sequence does not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; that update was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the updates made so far remain applied.</exception>
    public double TrainEpoch(IReadOnlyList<TrainingSequence<T>> sequences, CancellationToken cancellationToken = default) =>
        _loop.TrainEpoch(sequences, cancellationToken);
}
