using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace RnnGen;

/// <summary>
/// Trains a generated model with mini-batches: each batch is shared among worker copies of the model, their
/// gradients are summed and averaged over the batch's sequences, checked for NaN and infinity, optionally
/// clipped, and applied by the optimizer.
/// </summary>
/// <remarks>
/// <para>
/// The averaged gradient is what PyTorch computes for a batch loss that is the mean over the sequences of each
/// sequence's loss (the model's declared loss, summed over steps and outputs). The reported loss is that mean too.
/// </para>
/// <para>
/// Determinism: the batch's sequences are split into fixed contiguous partitions, one per worker, each worker
/// adds its sequences' gradients in order, and the workers' buffers are summed in worker order, so the same
/// starting weights and optimizer state, the same data and the same <see cref="TrainerOptions"/> give bit-identical
/// weights on the same machine and runtime, whatever the thread timing. A different
/// <see cref="TrainerOptions.DegreeOfParallelism"/> groups the sums differently, so the results may differ in the last bits.
/// </para>
/// <para>
/// Allocation: buffers grow to the longest sequence (or window) once and are reused, and the workers other than the first
/// run as work items made with the trainer, so an epoch allocates nothing once warmed up, with any number of workers.
/// </para>
/// <para>
/// Speed: without truncation and initial states, each worker runs its share of a batch as one batched pass
/// (<see cref="IRnnModel{T}.AccumulateBatchGradients"/>), each step's products over all its sequences at once; otherwise
/// sequence by sequence (window by window when truncated).
/// </para>
/// </remarks>
/// <typeparam name="TModel">The generated model type; the workers are new instances of it that share the model's parameters.</typeparam>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class RnnTrainer<TModel, T>
    where TModel : IRnnModel<T>, new()
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly RnnShape _shape;
    private readonly int _stateLength;
    private readonly Worker[] _workers;
    private readonly WorkItem[] _workItems;
    private readonly CountdownEvent _running = new(0);
    private ExceptionDispatchInfo? _workerFailure;
    private readonly Random _shuffler;
    private int[] _order = [];

    // The batch being trained, read by the workers: _order[_batchStart .. _batchStart + _batchCount) index into _sequences.
    private IReadOnlyList<TrainingSequence<T>> _sequences = [];
    private int _batchStart;
    private int _batchCount;
    private int _activeWorkers;

    /// <summary>Creates a trainer that updates <paramref name="model"/> in place.</summary>
    /// <param name="model">The model to train; its current parameters are the starting point.</param>
    /// <param name="optimizer">The optimizer, sized to the model's parameters.</param>
    /// <param name="options">Batch size, epochs, seed, clipping, truncation and parallelism.</param>
    /// <exception cref="ArgumentException">An option is out of range, the optimizer's size differs from the model's, or truncation is asked of a many-to-one model.</exception>
    public RnnTrainer(TModel model, IOptimizer<T> optimizer, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options, model.Shape);
        if (optimizer.ParameterCount != model.Parameters.Length)
        {
            throw new ArgumentException($"The optimizer updates {optimizer.ParameterCount} parameters, but the model has {model.Parameters.Length}.", nameof(optimizer));
        }

        Model = model;
        Optimizer = optimizer;
        Options = options;
        _shape = model.Shape;
        _stateLength = _shape.StateRows * _shape.HiddenSize;
        _workers = new Worker[options.DegreeOfParallelism];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(_stateLength);
            _workers[i].Model.ShareParameters(model); // read in place: the optimizer's updates need no copy
        }

        _workItems = new WorkItem[options.DegreeOfParallelism];
        for (int i = 1; i < _workItems.Length; i++)
        {
            _workItems[i] = new WorkItem(this, i);
        }

        _shuffler = new Random(options.Seed);
    }

    /// <summary>The model being trained; after each step its <see cref="IRnnModel{T}.Gradients"/> hold the batch's averaged (and clipped) gradient.</summary>
    public TModel Model { get; }

    /// <summary>The optimizer that applies the updates.</summary>
    public IOptimizer<T> Optimizer { get; }

    /// <summary>The options the trainer was created with.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The number of optimizer steps taken; set it when resuming from a checkpoint so the count continues.</summary>
    public long Step { get; set; }

    /// <summary>Runs <see cref="TrainerOptions.Epochs"/> epochs, reporting after each one.</summary>
    /// <param name="sequences">The training data.</param>
    /// <param name="progress">Receives a report after every epoch, or null.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The last epoch's mean loss per sequence.</returns>
    /// <exception cref="ArgumentException">The data is empty or a sequence does not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; that step's update was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the steps taken so far remain applied.</exception>
    public double Train(IReadOnlyList<TrainingSequence<T>> sequences, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(sequences, new TrainingRun<T>(), progress, cancellationToken).Loss;

    /// <summary>
    /// Runs up to <see cref="TrainerOptions.Epochs"/> epochs as Keras' <c>fit</c> does: after each, the validation loss and
    /// metric of <paramref name="run"/> (the model's own loss, forward passes only), the progress report, the callback,
    /// and early stopping, which can end the run and put back the best epoch's parameters.
    /// </summary>
    /// <param name="sequences">The training data.</param>
    /// <param name="run">Validation set, metric, early stopping and callback.</param>
    /// <param name="progress">Receives a report after every epoch, or null.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>How the run ended.</returns>
    /// <exception cref="ArgumentException">The data or the validation set is empty, or a training or validation sequence does not fit the model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The early stopping's patience is below 1 or its minimum improvement is negative.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; that step's update was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the steps taken so far remain applied.</exception>
    public TrainingResult Train(IReadOnlyList<TrainingSequence<T>> sequences, TrainingRun<T> run, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Validation is { Count: 0 })
        {
            throw new ArgumentException("The run's validation set is empty.", nameof(run));
        }

        if (run.EarlyStopping is { } rule)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rule.Patience, 1, nameof(run));
            OptimizerState.ThrowIfNegativeOrNotFinite(rule.MinimumImprovement, nameof(run));
        }

        var stopwatch = Stopwatch.StartNew();
        T[]? bestParameters = run.EarlyStopping is { RestoreBestWeights: true } ? new T[Model.Parameters.Length] : null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, epochsWithoutImprovement = 0, epoch = 0;
        TrainingProgress report = default;
        bool stop = false;
        while (!stop && epoch < Options.Epochs)
        {
            epoch++;
            double loss = TrainEpoch(sequences, cancellationToken);
            (double? validationLoss, double? metric) = run.Validation is { } validation ? Evaluate(validation, run.Metric) : (null, null);
            TimeSpan elapsed = stopwatch.Elapsed;
            report = new TrainingProgress(epoch, Options.Epochs, loss, elapsed, elapsed / epoch * (Options.Epochs - epoch)) { ValidationLoss = validationLoss, ValidationMetric = metric };
            progress?.Report(report);
            stop = run.EpochEnded?.Invoke(report) == false;
            double monitored = validationLoss ?? loss;
            if (monitored < bestLoss - (run.EarlyStopping?.MinimumImprovement ?? 0))
            {
                (bestLoss, bestEpoch, epochsWithoutImprovement) = (monitored, epoch, 0);
                if (bestParameters is not null)
                {
                    Model.Parameters.CopyTo(bestParameters);
                }
            }
            else if (run.EarlyStopping is { } stopping && ++epochsWithoutImprovement >= stopping.Patience)
            {
                stop = true;
                bestParameters?.CopyTo(Model.Parameters);
            }
        }

        return new TrainingResult(epoch, report.Loss, report.ValidationLoss, bestEpoch, epoch < Options.Epochs);
    }

    /// <summary>The mean loss and metric per sequence of <paramref name="validation"/>, from forward passes of the model as it is.</summary>
    private (double? Loss, double? Metric) Evaluate(IReadOnlyList<TrainingSequence<T>> validation, ValidationMetric<T>? metric)
    {
        double lossSum = 0, metricSum = 0;
        T[] predictions = [];
        foreach (TrainingSequence<T> sequence in validation)
        {
            if (predictions.Length < sequence.Targets.Length)
            {
                predictions = new T[sequence.Targets.Length];
            }

            Span<T> predicted = predictions.AsSpan(0, sequence.Targets.Length);
            Model.Forward(sequence.Inputs, sequence.InitialState, predicted);
            lossSum += double.CreateChecked(Model.Loss(predicted, sequence.Targets));
            metricSum += metric?.Invoke(predicted, sequence.Targets) ?? 0;
        }

        return (lossSum / validation.Count, metric is null ? null : metricSum / validation.Count);
    }

    /// <summary>Shuffles the sequences with the trainer's seeded generator and trains on them once, batch by batch.</summary>
    /// <param name="sequences">The training data.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The epoch's mean loss per sequence, each loss taken before its batch's update.</returns>
    /// <exception cref="ArgumentException">The data is empty or a sequence does not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; that step's update was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the steps taken so far remain applied.</exception>
    public double TrainEpoch(IReadOnlyList<TrainingSequence<T>> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        PrepareBuffers(sequences);

        // A fresh permutation each epoch, as PyTorch's RandomSampler draws one.
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        _shuffler.Shuffle(_order);
        _sequences = sequences;
        double lossSum = 0;
        for (int start = 0; start < _order.Length; start += Options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lossSum += double.CreateChecked(TrainBatch(start, Math.Min(Options.BatchSize, _order.Length - start)));
        }

        _sequences = [];
        return lossSum / _order.Length;
    }

    /// <summary>Runs the batch on the workers, reduces their gradients into the model's and applies one step; returns the batch's summed loss.</summary>
    private T TrainBatch(int start, int count)
    {
        _batchStart = start;
        _batchCount = count;
        _activeWorkers = Math.Min(_workers.Length, count);
        RunWorkers();

        // Summed in worker order, never in completion order, so the bits do not depend on thread timing.
        Span<T> gradients = Model.Gradients;
        _workers[0].Model.Gradients.CopyTo(gradients);
        T loss = _workers[0].Loss;
        for (int w = 1; w < _activeWorkers; w++)
        {
            ReadOnlySpan<T> workerGradients = _workers[w].Model.Gradients;
            for (int i = 0; i < gradients.Length; i++)
            {
                gradients[i] += workerGradients[i];
            }

            loss += _workers[w].Loss;
        }

        T sequenceCount = T.CreateChecked(count);
        foreach (ref T gradient in gradients)
        {
            gradient /= sequenceCount;
        }

        TrainingDivergedException.ThrowIfNotFinite(Step + 1, loss, gradients, Model.ParameterTensors);
        if (Options.MaxGradientNorm is double maxNorm)
        {
            GradientClipping.ClipByGlobalNorm(gradients, T.CreateChecked(maxNorm));
        }

        Optimizer.Step(Model.Parameters, gradients);
        Step++;
        return loss;
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
        Worker worker = _workers[index];
        TModel model = worker.Model;
        model.ZeroGradients();
        int first = _batchStart + (index * _batchCount / _activeWorkers);
        int end = _batchStart + ((index + 1) * _batchCount / _activeWorkers);
        if (Options.TruncationWindow is null && StartFromZeroStates(first, end))
        {
            worker.Loss = AccumulateBatch(worker, first, end);
            return;
        }

        T loss = T.Zero;
        for (int i = first; i < end; i++)
        {
            loss += AccumulateGradients(worker, _sequences[_order[i]]);
        }

        worker.Loss = loss;
    }

    private bool StartFromZeroStates(int first, int end)
    {
        for (int i = first; i < end; i++)
        {
            if (_sequences[_order[i]].InitialState is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The worker's share as one batched forward and backward pass (<see cref="IRnnModel{T}.AccumulateBatchGradients"/>): its
    /// sequences padded to the longest, batch first, in the worker's buffers; adds into its gradients and returns the summed loss.
    /// </summary>
    private T AccumulateBatch(Worker worker, int first, int end)
    {
        int count = end - first, longest = 0;
        for (int i = first; i < end; i++)
        {
            longest = Math.Max(longest, _sequences[_order[i]].Inputs.Length / _shape.InputSize);
        }

        int inputRow = longest * _shape.InputSize;
        int targetRow = HasTargetPerStep(_shape) ? longest * _shape.OutputSize : _shape.OutputSize;
        for (int k = 0; k < count; k++)
        {
            TrainingSequence<T> sequence = _sequences[_order[first + k]];
            worker.Lengths[k] = sequence.Inputs.Length / _shape.InputSize;
            sequence.Inputs.CopyTo(worker.Inputs.AsSpan(k * inputRow)); // the padding after it is never read
            sequence.Targets.CopyTo(worker.Targets.AsSpan(k * targetRow));
        }

        return worker.Model.AccumulateBatchGradients(worker.Inputs.AsSpan(0, count * inputRow), worker.Lengths.AsSpan(0, count), worker.Targets.AsSpan(0, count * targetRow));
    }

    /// <summary>Forward and backward over one sequence, window by window when truncated; adds into the worker's gradients and returns the loss.</summary>
    private T AccumulateGradients(Worker worker, TrainingSequence<T> sequence)
    {
        TModel model = worker.Model;
        int steps = sequence.Inputs.Length / _shape.InputSize;
        int window = Options.TruncationWindow ?? steps;
        bool targetPerStep = HasTargetPerStep(_shape);
        ReadOnlySpan<T> state = sequence.InitialState;
        T loss = T.Zero;
        for (int first = 0; first < steps; first += window)
        {
            int length = Math.Min(window, steps - first);
            Span<T> predictions = worker.Predictions.AsSpan(0, targetPerStep ? length * _shape.OutputSize : _shape.OutputSize);
            ReadOnlySpan<T> targets = targetPerStep ? sequence.Targets.AsSpan(first * _shape.OutputSize, length * _shape.OutputSize) : sequence.Targets;
            model.Forward(sequence.Inputs.AsSpan(first * _shape.InputSize, length * _shape.InputSize), state, predictions);
            loss += model.Backward(targets, default, default);

            // The next Forward overwrites FinalState, so the carried state needs its own copy.
            model.FinalState.CopyTo(worker.CarriedState);
            state = worker.CarriedState;
        }

        return loss;
    }

    /// <summary>Checks every sequence before any step is taken, and grows the shuffle order and prediction buffers to fit.</summary>
    private void PrepareBuffers(IReadOnlyList<TrainingSequence<T>> sequences)
    {
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There are no sequences to train on.", nameof(sequences));
        }

        int longestWindow = 0, longest = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            TrainingSequence<T> sequence = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            int steps = ValidateAndCountSteps(sequence, i);
            longest = Math.Max(longest, steps);
            longestWindow = Math.Max(longestWindow, Math.Min(steps, Options.TruncationWindow ?? steps));
        }

        if (_order.Length != sequences.Count)
        {
            _order = new int[sequences.Count];
        }

        int predictionLength = HasTargetPerStep(_shape) ? longestWindow * _shape.OutputSize : _shape.OutputSize;
        // A worker's share of a batch is at most the batch, each sequence padded to the longest.
        int share = Math.Min(Options.BatchSize, sequences.Count);
        int targetLength = HasTargetPerStep(_shape) ? longest * _shape.OutputSize : _shape.OutputSize;
        foreach (Worker worker in _workers)
        {
            if (worker.Predictions.Length < predictionLength)
            {
                worker.Predictions = new T[predictionLength];
            }

            // Truncated training never takes the batched path (RunWorker), so it needs none of these.
            if (Options.TruncationWindow is null
                && (worker.Lengths.Length < share || worker.Inputs.Length < share * longest * _shape.InputSize || worker.Targets.Length < share * targetLength))
            {
                worker.Lengths = new int[share];
                worker.Inputs = new T[share * longest * _shape.InputSize];
                worker.Targets = new T[share * targetLength];
            }
        }
    }

    private int ValidateAndCountSteps(TrainingSequence<T> sequence, int index)
    {
        int inputLength = sequence.Inputs?.Length ?? 0;
        if (inputLength == 0 || inputLength % _shape.InputSize != 0)
        {
            throw new ArgumentException($"Sequence {index}: the inputs hold {inputLength} values, but they must be a whole number ≥ 1 of steps of InputSize {_shape.InputSize}.", "sequences");
        }

        int steps = inputLength / _shape.InputSize;
        int expectedTargets = HasTargetPerStep(_shape) ? steps * _shape.OutputSize : _shape.OutputSize;
        int targetLength = sequence.Targets?.Length ?? 0;
        if (targetLength != expectedTargets)
        {
            throw new ArgumentException($"Sequence {index}: the targets hold {targetLength} values, but {steps} steps need {expectedTargets}.", "sequences");
        }

        if (sequence.InitialState is { Length: int stateLength } && stateLength != _stateLength)
        {
            throw new ArgumentException($"Sequence {index}: the initial state holds {stateLength} values, but the model's state is {_stateLength} ([StateRows, HiddenSize]).", "sequences");
        }

        return steps;
    }

    private static void Validate(TrainerOptions options, RnnShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, "options.BatchSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, "options.Epochs");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DegreeOfParallelism, 1, "options.DegreeOfParallelism");
        if (options.MaxGradientNorm is double maxNorm && !(double.IsFinite(maxNorm) && maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException("options.MaxGradientNorm", maxNorm, "The largest gradient norm must be a finite number > 0, or null for no clipping.");
        }

        if (options.TruncationWindow is int window)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(window, 1, "options.TruncationWindow");
            if (!HasTargetPerStep(shape))
            {
                throw new ArgumentException("Truncated backpropagation through time needs a target at every step, so it is valid only for many-to-many and one-to-many models.", nameof(options));
            }
            if (shape.Direction == RnnDirection.Bidirectional)
            {
                // Each window's final state seeds the next window; the reverse direction's final state is the one after
                // reading the window's first step, at the other end from where the next window's reverse pass begins.
                throw new ArgumentException("Truncated backpropagation through time carries each window's final state into the next window, which only a unidirectional model can do: a bidirectional model's reverse direction ends at the window's first step. Train it on whole sequences (TruncationWindow = null).", nameof(options));
            }
        }
    }

    /// <summary>Whether a target comes with every step: many-to-many, and one-to-many trained with teacher forcing.</summary>
    private static bool HasTargetPerStep(RnnShape shape) => shape.Topology is RnnTopology.ManyToMany or RnnTopology.OneToMany;

    /// <summary>A worker other than the first, as the thread pool runs it.</summary>
    private sealed class WorkItem(RnnTrainer<TModel, T> trainer, int index) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                trainer.RunWorker(index);
            }
            catch (Exception failure)
            {
                Interlocked.CompareExchange(ref trainer._workerFailure, ExceptionDispatchInfo.Capture(failure), null);
            }
            finally
            {
                trainer._running.Signal();
            }
        }
    }

    /// <summary>One model instance (on the trained model's parameters) and the buffers it reuses from batch to batch.</summary>
    private sealed class Worker(int stateLength)
    {
        public TModel Model { get; } = new();

        public T[] Predictions { get; set; } = [];

        /// <summary>The worker's share of a batch, padded and batch first, for the batched pass.</summary>
        public T[] Inputs { get; set; } = [];

        public T[] Targets { get; set; } = [];

        public int[] Lengths { get; set; } = [];

        public T[] CarriedState { get; } = new T[stateLength];

        /// <summary>The summed loss of the worker's share of the current batch.</summary>
        public T Loss { get; set; }
    }
}
