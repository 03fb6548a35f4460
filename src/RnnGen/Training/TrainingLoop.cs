using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace RnnGen;

/// <summary>
/// What a trainer trains, as <see cref="TrainingLoop{T}"/> drives it: workers that accumulate gradients over their share of a
/// batch, and the one parameter buffer (with its gradient) that the optimizer updates.
/// </summary>
internal interface ITrainingTask<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The size of one target step, which counts a sequence's steps for <see cref="LossReduction.MeanPerStep"/>.</summary>
    int OutputSize { get; }

    /// <summary>Receives the batch's reduced gradient, laid out as <see cref="CollectParameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>The tensors of <see cref="CollectParameters"/>' buffer, to name one whose gradient diverges.</summary>
    ReadOnlySpan<RnnParameterTensor> ParameterTensors { get; }

    /// <summary>The number of parts a worker's gradient comes in, laid end to end in <see cref="Gradients"/>.</summary>
    int GradientParts { get; }

    /// <summary>The trained parameters as one buffer, up to date; after writing into it, call <see cref="ParametersChanged"/>.</summary>
    Span<T> CollectParameters();

    /// <summary>Makes the models compute with what was written into <see cref="CollectParameters"/>' buffer.</summary>
    void ParametersChanged();

    /// <summary>Checks every sequence against the models, naming the first bad one and <paramref name="argument"/>.</summary>
    void Check(IReadOnlyList<TrainingSequence<T>> sequences, string argument);

    /// <summary>Checks every sequence before any step (naming the first bad one) and grows the workers' buffers for shares of up to <paramref name="shareCapacity"/> sequences.</summary>
    void Prepare(IReadOnlyList<TrainingSequence<T>> sequences, int shareCapacity);

    /// <summary>
    /// Zeroes worker <paramref name="worker"/>'s gradients, adds those of <paramref name="sequences"/>[<paramref name="indices"/>]
    /// and returns their summed loss; the k-th of them is dropped (if the model has dropout) by the masks of
    /// <paramref name="dropoutKey"/> + k.
    /// </summary>
    T AccumulateShare(int worker, IReadOnlyList<TrainingSequence<T>> sequences, ReadOnlySpan<int> indices, ulong dropoutKey);

    /// <summary>Part <paramref name="part"/> of worker <paramref name="worker"/>'s gradients.</summary>
    ReadOnlySpan<T> WorkerGradients(int worker, int part);

    /// <summary>The loss of one validation sequence and the predictions it was computed from (valid until the next call).</summary>
    T Evaluate(TrainingSequence<T> sequence, out ReadOnlySpan<T> predictions);
}

/// <summary>
/// The mini-batch loop that every trainer shares: the epoch's order, the batches shared among workers (the first on the
/// calling thread, the others as thread-pool work items made once), the workers' gradients summed in worker order and
/// reduced, the divergence check, clipping and the optimizer's update; and the run of epochs with validation and early stopping.
/// </summary>
internal sealed class TrainingLoop<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly ITrainingTask<T> _task;
    private readonly WorkItem[] _workItems;
    private readonly T[] _workerLosses;
    private readonly CountdownEvent _running = new(0);
    private ExceptionDispatchInfo? _workerFailure;
    private int[] _order = [];

    // The batch being trained, read by the workers: _order[_batchStart .. _batchStart + _batchCount) index into _sequences.
    private IReadOnlyList<TrainingSequence<T>> _sequences = [];
    private int _batchStart;
    private ulong _epochDropoutKey; // the dropout key of the epoch's first position (DropoutKeys)
    private int _batchCount;
    private int _activeWorkers;

    public TrainingLoop(ITrainingTask<T> task, IOptimizer<T> optimizer, TrainerOptions options)
    {
        _task = task;
        Optimizer = optimizer;
        Options = options;
        _workerLosses = new T[options.DegreeOfParallelism];
        _workItems = new WorkItem[options.DegreeOfParallelism];
        for (int i = 1; i < _workItems.Length; i++)
        {
            _workItems[i] = new WorkItem(this, i);
        }
    }

    public IOptimizer<T> Optimizer { get; }

    public TrainerOptions Options { get; }

    /// <summary>The epochs completed, which also numbers the next epoch's order.</summary>
    public int Epoch { get; set; }

    /// <summary>Checks the options every trainer takes, and the optimizer's size against the trained parameters'.</summary>
    public static void Validate(TrainerOptions options, IOptimizer<T> optimizer, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, "options.BatchSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, "options.Epochs");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DegreeOfParallelism, 1, "options.DegreeOfParallelism");
        if (options.MaxGradientNorm is double maxNorm && !(double.IsFinite(maxNorm) && maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException("options.MaxGradientNorm", maxNorm, "The largest gradient norm must be a finite number > 0, or null for no clipping.");
        }

        if (!Enum.IsDefined(options.LossReduction))
        {
            throw new ArgumentOutOfRangeException("options.LossReduction", options.LossReduction, "Not a LossReduction.");
        }

        if (optimizer.ParameterCount != parameterCount)
        {
            throw new ArgumentException($"The optimizer updates {optimizer.ParameterCount} parameters, but the model has {parameterCount}.", nameof(optimizer));
        }
    }

    public TrainingResult Train(IReadOnlyList<TrainingSequence<T>> sequences, TrainingRun<T> run, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ValidateRun(run);
        var stopwatch = Stopwatch.StartNew();
        T[]? bestParameters = run.EarlyStopping is { RestoreBestWeights: true } ? new T[_task.Gradients.Length] : null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, epochsWithoutImprovement = 0;
        var history = new List<TrainingProgress>(Math.Max(0, Options.Epochs - Epoch));
        bool stop = false;
        while (!stop && Epoch < Options.Epochs)
        {
            double loss = TrainEpoch(sequences, cancellationToken);
            (double? validationLoss, double? metric) = run.Validation is { } validation ? Evaluate(validation, run.Metric) : (null, null);
            TimeSpan elapsed = stopwatch.Elapsed;
            var report = new TrainingProgress(Epoch, Options.Epochs, loss, elapsed, elapsed / (history.Count + 1) * (Options.Epochs - Epoch)) { ValidationLoss = validationLoss, ValidationMetric = metric };
            history.Add(report);
            progress?.Report(report);
            double monitored = validationLoss ?? loss;
            run.Schedule?.Step();
            run.ReduceOnPlateau?.Step(monitored);
            stop = run.EpochEnded?.Invoke(report) == false;
            if (monitored < bestLoss - (run.EarlyStopping?.MinimumImprovement ?? 0))
            {
                (bestLoss, bestEpoch, epochsWithoutImprovement) = (monitored, Epoch, 0);
                if (bestParameters is not null)
                {
                    _task.CollectParameters().CopyTo(bestParameters);
                }
            }
            else if (run.EarlyStopping is { } stopping && ++epochsWithoutImprovement >= stopping.Patience)
            {
                stop = true;
                if (bestParameters is not null && bestEpoch > 0)
                {
                    bestParameters.CopyTo(_task.CollectParameters());
                    _task.ParametersChanged();
                }
            }
        }

        TrainingProgress? last = history.Count > 0 ? history[^1] : null;
        return new TrainingResult(history.Count, last?.Loss ?? double.NaN, last?.ValidationLoss, bestEpoch, Epoch < Options.Epochs) { History = history };
    }

    /// <summary>Refuses a run whose settings cannot work, before any step.</summary>
    private void ValidateRun(TrainingRun<T> run)
    {
        if (run.Validation is { } validation)
        {
            if (validation.Count == 0)
            {
                throw new ArgumentException("The run's validation set is empty.", nameof(run));
            }

            _task.Check(validation, nameof(run));
        }

        if (run.EarlyStopping is { } rule)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rule.Patience, 1, nameof(run));
            OptimizerState.ThrowIfNegativeOrNotFinite(rule.MinimumImprovement, nameof(run));
        }

        if (run.ReduceOnPlateau is { } plateau)
        {
            if (plateau.Maximize)
            {
                throw new ArgumentException("The run steps ReduceOnPlateau with a loss (validation, else training), which must fall: make it with maximize: false.", nameof(run));
            }

            if (run.Schedule is not null)
            {
                throw new ArgumentException("A run takes Schedule or ReduceOnPlateau, not both: the schedule would set the rate back after every reduction.", nameof(run));
            }
        }

        if (run.Schedule is { } schedule && schedule.Epoch != Epoch)
        {
            throw new ArgumentException(
                $"The run's schedule is at epoch {schedule.Epoch}, but the trainer has completed {Epoch}: make the scheduler with epoch: {Epoch} when resuming.", nameof(run));
        }
    }

    /// <summary>The validation set's mean loss and metric (per sequence or per step, as the loss reduction says), from forward passes of the model as it is.</summary>
    private (double? Loss, double? Metric) Evaluate(IReadOnlyList<TrainingSequence<T>> validation, ValidationMetric<T>? metric)
    {
        double lossSum = 0, metricSum = 0, count = 0;
        foreach (TrainingSequence<T> sequence in validation)
        {
            lossSum += double.CreateChecked(_task.Evaluate(sequence, out ReadOnlySpan<T> predictions));
            metricSum += metric?.Invoke(predictions, sequence.Targets) ?? 0;
            count += ReductionWeight(sequence);
        }

        return (lossSum / count, metric is null ? null : metricSum / validation.Count);
    }

    /// <summary>What a sequence's loss is divided by: 1 per sequence, or its number of target steps.</summary>
    private int ReductionWeight(TrainingSequence<T> sequence) =>
        Options.LossReduction == LossReduction.MeanPerStep ? sequence.Targets.Length / _task.OutputSize : 1;

    public double TrainEpoch(IReadOnlyList<TrainingSequence<T>> sequences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There are no sequences to train on.", nameof(sequences));
        }

        _task.Prepare(sequences, Math.Min(Options.BatchSize, sequences.Count));
        if (_order.Length != sequences.Count)
        {
            _order = new int[sequences.Count];
        }

        // A fresh permutation each epoch, as PyTorch's RandomSampler draws one.
        EpochShuffle.Permute(_order, Options.Seed, Epoch + 1);
        _epochDropoutKey = DropoutKeys.Epoch(Options.Seed, Epoch + 1);
        _sequences = sequences;
        double lossSum = 0, weightSum = 0;
        try
        {
            for (int start = 0; start < _order.Length; start += Options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                (T loss, int weight) = TrainBatch(start, Math.Min(Options.BatchSize, _order.Length - start));
                lossSum += double.CreateChecked(loss);
                weightSum += weight;
            }
        }
        finally
        {
            _sequences = [];
        }

        Epoch++;
        return lossSum / weightSum;
    }

    /// <summary>Runs the batch on the workers, reduces their gradients and applies one update; returns the batch's summed loss and what it is divided by.</summary>
    private (T Loss, int Weight) TrainBatch(int start, int count)
    {
        _batchStart = start;
        _batchCount = count;
        _activeWorkers = Math.Min(_workItems.Length, count);
        RunWorkers();

        // Summed in worker order, never in completion order, so the bits do not depend on thread timing.
        Span<T> gradients = _task.Gradients;
        int offset = 0;
        for (int part = 0; part < _task.GradientParts; part++)
        {
            ReadOnlySpan<T> first = _task.WorkerGradients(0, part);
            Span<T> destination = gradients.Slice(offset, first.Length);
            first.CopyTo(destination);
            for (int w = 1; w < _activeWorkers; w++)
            {
                Kernels.Activations.AddTo(_task.WorkerGradients(w, part), destination);
            }

            offset += first.Length;
        }

        T loss = _workerLosses[0];
        for (int w = 1; w < _activeWorkers; w++)
        {
            loss += _workerLosses[w];
        }

        int weight = 0;
        for (int i = start; i < start + count; i++)
        {
            weight += ReductionWeight(_sequences[_order[i]]);
        }

        Kernels.Activations.DivideBy(gradients, T.CreateChecked(weight));

        TrainingDivergedException.ThrowIfNotFinite(Optimizer.StepCount + 1, loss, gradients, _task.ParameterTensors);
        if (Options.MaxGradientNorm is double maxNorm)
        {
            GradientClipping.ClipByGlobalNorm(gradients, T.CreateChecked(maxNorm));
        }

        Optimizer.Step(_task.CollectParameters(), gradients);
        _task.ParametersChanged();
        return (loss, weight);
    }

    /// <summary>
    /// Runs the active workers: worker 0 on this thread, the others as work items of the thread pool, made once, so that a
    /// batch allocates nothing; returns when all are done, rethrowing the first failure.
    /// </summary>
    private void RunWorkers()
    {
        _workerFailure = null;
        _running.Reset(_activeWorkers - 1);
        for (int w = 1; w < _activeWorkers; w++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_workItems[w], preferLocal: false);
        }

        try
        {
            RunWorker(0);
        }
        finally
        {
            _running.Wait();
        }

        _workerFailure?.Throw();
    }

    /// <summary>Worker <paramref name="index"/> takes the index-th contiguous share of the batch.</summary>
    private void RunWorker(int index)
    {
        int first = _batchStart + (index * _batchCount / _activeWorkers);
        int end = _batchStart + ((index + 1) * _batchCount / _activeWorkers);
        _workerLosses[index] = _task.AccumulateShare(index, _sequences, _order.AsSpan(first, end - first), _epochDropoutKey + (ulong)first);
    }

    /// <summary>A worker other than the first, as the thread pool runs it.</summary>
    private sealed class WorkItem(TrainingLoop<T> loop, int index) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                loop.RunWorker(index);
            }
            catch (Exception failure)
            {
                Interlocked.CompareExchange(ref loop._workerFailure, ExceptionDispatchInfo.Capture(failure), null);
            }
            finally
            {
                loop._running.Signal();
            }
        }
    }
}
