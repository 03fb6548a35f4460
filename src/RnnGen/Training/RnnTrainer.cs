using System;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;

namespace RnnGen;

/// <summary>
/// Trains a generated model with mini-batches: each batch is shared among worker copies of the model, their
/// gradients are summed and averaged over the batch's sequences (or target steps), checked for NaN and infinity, optionally
/// clipped, and applied by the optimizer.
/// </summary>
/// <remarks>
/// <para>
/// The averaged gradient is what PyTorch computes for a batch loss that is the mean over the sequences of each
/// sequence's loss (the model's declared loss, summed over steps and outputs), or with <see cref="LossReduction.MeanPerStep"/>
/// the sum of the losses over the number of target steps in the batch. The reported loss is that mean too.
/// </para>
/// <para>
/// Determinism: the batch's sequences are split into fixed contiguous partitions, one per worker, each worker
/// adds its sequences' gradients in order, and the workers' buffers are summed in worker order, so the same
/// starting weights and optimizer state, the same data and the same <see cref="TrainerOptions"/> give bit-identical
/// weights on the same machine and runtime, whatever the thread timing; each epoch's order depends only on the seed and
/// the epoch's number, so a run resumed from <see cref="Checkpoint.Save{T}(MiniBatchTrainer{T}, string)"/> goes on as
/// the uninterrupted run would have. A different
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
public sealed class RnnTrainer<TModel, T> : MiniBatchTrainer<T>, ITrainingTask<T>
    where TModel : IRnnModel<T>, new()
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly RnnShape _shape;
    private readonly int _stateLength;
    private readonly Worker[] _workers;
    private T[] _validationPredictions = [];

    /// <summary>Creates a trainer that updates <paramref name="model"/> in place.</summary>
    /// <param name="model">The model to train; its current parameters are the starting point.</param>
    /// <param name="optimizer">The optimizer, sized to the model's parameters.</param>
    /// <param name="options">Batch size, epochs, seed, clipping, truncation, loss reduction and parallelism.</param>
    /// <exception cref="ArgumentException">An option is out of range, the optimizer's size differs from the model's, or truncation is asked of a many-to-one or bidirectional model.</exception>
    public RnnTrainer(TModel model, IOptimizer<T> optimizer, TrainerOptions options)
        : base(optimizer, options, ParameterCountOf(model))
    {
        ValidateTruncation(options, model.Shape);
        Model = model;
        _shape = model.Shape;
        _stateLength = _shape.StateRows * _shape.HiddenSize;
        _workers = new Worker[options.DegreeOfParallelism];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(_stateLength);
            _workers[i].Model.ShareParameters(model); // read in place: the optimizer's updates need no copy
            DropoutKeys.Train(_workers[i].Model);
        }
    }

    /// <summary>The model being trained; after each update its <see cref="IRnnModel{T}.Gradients"/> hold the batch's reduced (and clipped) gradient.</summary>
    public TModel Model { get; }

    int ITrainingTask<T>.OutputSize => _shape.OutputSize;

    Span<T> ITrainingTask<T>.Gradients => Model.Gradients;

    ReadOnlySpan<RnnParameterTensor> ITrainingTask<T>.ParameterTensors => Model.ParameterTensors;

    int ITrainingTask<T>.GradientParts => 1;

    Span<T> ITrainingTask<T>.CollectParameters() => Model.Parameters;

    void ITrainingTask<T>.ParametersChanged()
    {
        // The workers read the model's own buffer.
    }

    ReadOnlySpan<T> ITrainingTask<T>.WorkerGradients(int worker, int part) => _workers[worker].Model.Gradients;

    T ITrainingTask<T>.Evaluate(TrainingSequence<T> sequence, out ReadOnlySpan<T> predictions)
    {
        if (_validationPredictions.Length < sequence.Targets.Length)
        {
            _validationPredictions = new T[sequence.Targets.Length];
        }

        Span<T> predicted = _validationPredictions.AsSpan(0, sequence.Targets.Length);
        using (DropoutKeys.Inferring(Model))
        {
            Model.Forward(sequence.Inputs, sequence.InitialState, predicted);
        }

        predictions = predicted;
        return Model.Loss(predicted, sequence.Targets);
    }

    /// <summary>Worker <paramref name="worker"/>'s share: one batched pass when it can (no truncation, zero initial states), else sequence by sequence.</summary>
    T ITrainingTask<T>.AccumulateShare(int worker, IReadOnlyList<TrainingSequence<T>> sequences, ReadOnlySpan<int> indices, ulong dropoutKey)
    {
        Worker share = _workers[worker];
        share.Model.ZeroGradients();
        if (Options.TruncationWindow is null && StartFromZeroStates(sequences, indices))
        {
            DropoutKeys.Set(share.Model, dropoutKey);
            return AccumulateBatch(share, sequences, indices);
        }

        T loss = T.Zero;
        for (int k = 0; k < indices.Length; k++)
        {
            loss += AccumulateGradients(share, sequences[indices[k]], dropoutKey + (ulong)k);
        }

        return loss;
    }

    private static bool StartFromZeroStates(IReadOnlyList<TrainingSequence<T>> sequences, ReadOnlySpan<int> indices)
    {
        foreach (int index in indices)
        {
            if (sequences[index].InitialState is not null)
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
    private T AccumulateBatch(Worker worker, IReadOnlyList<TrainingSequence<T>> sequences, ReadOnlySpan<int> indices)
    {
        int count = indices.Length, longest = 0;
        foreach (int index in indices)
        {
            longest = Math.Max(longest, sequences[index].Inputs.Length / _shape.StepInputSize);
        }

        int inputRow = longest * _shape.StepInputSize;
        int targetRow = HasTargetPerStep(_shape) ? longest * _shape.OutputSize : _shape.OutputSize;
        for (int k = 0; k < count; k++)
        {
            TrainingSequence<T> sequence = sequences[indices[k]];
            worker.Lengths[k] = sequence.Inputs.Length / _shape.StepInputSize;
            sequence.Inputs.CopyTo(worker.Inputs.AsSpan(k * inputRow)); // the padding after it is never read
            sequence.Targets.CopyTo(worker.Targets.AsSpan(k * targetRow));
        }

        return worker.Model.AccumulateBatchGradients(worker.Inputs.AsSpan(0, count * inputRow), worker.Lengths.AsSpan(0, count), worker.Targets.AsSpan(0, count * targetRow));
    }

    /// <summary>Forward and backward over one sequence, window by window when truncated (each with its own dropout key); adds into the worker's gradients and returns the loss.</summary>
    private T AccumulateGradients(Worker worker, TrainingSequence<T> sequence, ulong dropoutKey)
    {
        TModel model = worker.Model;
        int steps = sequence.Inputs.Length / _shape.StepInputSize;
        int window = Options.TruncationWindow ?? steps;
        bool targetPerStep = HasTargetPerStep(_shape);
        ReadOnlySpan<T> state = sequence.InitialState;
        T loss = T.Zero;
        for (int first = 0; first < steps; first += window)
        {
            DropoutKeys.Set(model, DropoutKeys.Window(dropoutKey, first / window));
            int length = Math.Min(window, steps - first);
            Span<T> predictions = worker.Predictions.AsSpan(0, targetPerStep ? length * _shape.OutputSize : _shape.OutputSize);
            ReadOnlySpan<T> targets = targetPerStep ? sequence.Targets.AsSpan(first * _shape.OutputSize, length * _shape.OutputSize) : sequence.Targets;
            model.Forward(sequence.Inputs.AsSpan(first * _shape.StepInputSize, length * _shape.StepInputSize), state, predictions);
            loss += model.Backward(targets, default, default);

            // The next Forward overwrites FinalState, so the carried state needs its own copy.
            model.FinalState.CopyTo(worker.CarriedState);
            state = worker.CarriedState;
        }

        return loss;
    }

    /// <summary>Checks every sequence before any step is taken, and grows the workers' buffers to fit.</summary>
    void ITrainingTask<T>.Check(IReadOnlyList<TrainingSequence<T>> sequences, string argument) => ValidateAll(sequences, argument);

    void ITrainingTask<T>.Prepare(IReadOnlyList<TrainingSequence<T>> sequences, int shareCapacity)
    {
        (int longest, int longestWindow) = ValidateAll(sequences, nameof(sequences));
        int predictionLength = HasTargetPerStep(_shape) ? longestWindow * _shape.OutputSize : _shape.OutputSize;
        // A worker's share of a batch is at most the batch, each sequence padded to the longest.
        int targetLength = HasTargetPerStep(_shape) ? longest * _shape.OutputSize : _shape.OutputSize;
        foreach (Worker worker in _workers)
        {
            if (worker.Predictions.Length < predictionLength)
            {
                worker.Predictions = new T[predictionLength];
            }

            // Truncated training never takes the batched path, so it needs none of these.
            if (Options.TruncationWindow is null
                && (worker.Lengths.Length < shareCapacity || worker.Inputs.Length < shareCapacity * longest * _shape.StepInputSize || worker.Targets.Length < shareCapacity * targetLength))
            {
                worker.Lengths = new int[shareCapacity];
                worker.Inputs = new T[shareCapacity * longest * _shape.StepInputSize];
                worker.Targets = new T[shareCapacity * targetLength];
            }
        }
    }

    /// <summary>Checks every sequence against the model; returns the longest one's steps and the longest window's.</summary>
    private (int Longest, int LongestWindow) ValidateAll(IReadOnlyList<TrainingSequence<T>> sequences, string argument)
    {
        int longestWindow = 0, longest = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            TrainingSequence<T> sequence = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", argument);
            int steps = ValidateAndCountSteps(sequence, i, argument);
            longest = Math.Max(longest, steps);
            longestWindow = Math.Max(longestWindow, Math.Min(steps, Options.TruncationWindow ?? steps));
        }

        return (longest, longestWindow);
    }

    private int ValidateAndCountSteps(TrainingSequence<T> sequence, int index, string argument)
    {
        int inputLength = sequence.Inputs?.Length ?? 0;
        if (inputLength == 0 || inputLength % _shape.StepInputSize != 0)
        {
            throw new ArgumentException($"Sequence {index}: the inputs hold {inputLength} values, but they must be a whole number ≥ 1 of steps of {(_shape.VocabularySize > 0 ? "1 (the model's embedding reads a token id per step)" : $"InputSize {_shape.InputSize}")}.", argument);
        }

        int steps = inputLength / _shape.StepInputSize;
        int expectedTargets = HasTargetPerStep(_shape) ? steps * _shape.OutputSize : _shape.OutputSize;
        int targetLength = sequence.Targets?.Length ?? 0;
        if (targetLength != expectedTargets)
        {
            throw new ArgumentException($"Sequence {index}: the targets hold {targetLength} values, but {steps} steps need {expectedTargets}.", argument);
        }

        if (sequence.InitialState is { Length: int stateLength } && stateLength != _stateLength)
        {
            throw new ArgumentException($"Sequence {index}: the initial state holds {stateLength} values, but the model's state is {_stateLength} ([StateRows, HiddenSize]).", argument);
        }

        return steps;
    }

    private static int ParameterCountOf(TModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Parameters.Length;
    }

    private static void ValidateTruncation(TrainerOptions options, RnnShape shape)
    {
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
    }
}
