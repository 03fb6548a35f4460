using System;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;

namespace RnnGen;

/// <summary>
/// Trains an <see cref="EncoderDecoder{TEncoder, TDecoder, T}"/> pair as one model, with the mini-batches, worker shares,
/// loss reduction, divergence check, clipping, schedules, validation and early stopping of <see cref="RnnTrainer{TModel, T}"/>
/// (the same loop runs both), as PyTorch trains a sequence-to-sequence module: one optimizer over the encoder's parameters
/// followed by the decoder's, one global norm for clipping.
/// </summary>
/// <remarks>
/// A training sequence is a source and its target sequence: <see cref="TrainingSequence{T}.Inputs"/> is x&lt;1..Tx&gt;
/// [Tx, encoder InputSize], <see cref="TrainingSequence{T}.Targets"/> is y&lt;1..Ty&gt; [Ty, decoder OutputSize], and the decoder
/// reads them with teacher forcing: [start input, y&lt;1&gt;, ..., y&lt;Ty-1&gt;]. The optimizer updates one buffer, the encoder's
/// parameters then the decoder's (<see cref="EncoderDecoder{TEncoder, TDecoder, T}.ParameterCount"/>), copied into the two models
/// after each update. The validation loss and metric of a run come from teacher-forced predictions (the decoder reads the true
/// previous outputs), as the training loss does, not from generation: score translations with <c>Translate</c>. A run resumes
/// exactly from <see cref="Checkpoint.Save{T}(MiniBatchTrainer{T}, string)"/>, whose file names the tensors <c>encoder.*</c> and
/// <c>decoder.*</c>, as a PyTorch module with those two attributes names them.
/// </remarks>
/// <typeparam name="TEncoder">The encoder model.</typeparam>
/// <typeparam name="TDecoder">The decoder model.</typeparam>
/// <typeparam name="T">The element type.</typeparam>
public sealed class EncoderDecoderTrainer<TEncoder, TDecoder, T> : MiniBatchTrainer<T>, ITrainingTask<T>
    where TEncoder : IRnnModel<T>, new()
    where TDecoder : IRnnGenerator<T>, new()
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _startInput;
    private readonly int _encoderCount;
    private readonly T[] _parameters;
    private readonly T[] _gradients;
    private readonly RnnParameterTensor[] _tensors;
    private readonly Worker[] _workers;
    private T[] _validationInputs = [];
    private readonly bool _decoderReadsTokens;
    private T[] _validationPredictions = [];

    /// <summary>Creates a trainer that updates both models of <paramref name="pair"/> in place.</summary>
    /// <param name="pair">The encoder and decoder to train; their current parameters are the starting point.</param>
    /// <param name="startInput">The decoder's first input in teacher forcing, x&lt;1&gt; [decoder InputSize] (e.g. a start token), as given to <c>Translate</c>; for a decoder with an embedding, the start token's id, [1].</param>
    /// <param name="optimizer">The optimizer, sized to <see cref="EncoderDecoder{TEncoder, TDecoder, T}.ParameterCount"/>.</param>
    /// <param name="options">Batch size, epochs, seed, clipping, loss reduction and parallelism; truncation does not apply to a pair.</param>
    /// <exception cref="ArgumentException">An option is out of range or truncation is set, the optimizer's size differs from the pair's, or the start input's length is not the decoder's InputSize.</exception>
    public EncoderDecoderTrainer(EncoderDecoder<TEncoder, TDecoder, T> pair, ReadOnlySpan<T> startInput, IOptimizer<T> optimizer, TrainerOptions options)
        : base(optimizer, options, (pair ?? throw new ArgumentNullException(nameof(pair))).ParameterCount)
    {
        if (options.TruncationWindow is not null)
        {
            throw new ArgumentException("Truncated backpropagation does not apply to an encoder-decoder pair, whose decoder starts from the whole source's encoding: set TruncationWindow = null.", nameof(options));
        }

        RnnShape decoder = pair.Decoder.Shape;
        if (startInput.Length != decoder.StepInputSize)
        {
            throw new ArgumentException(decoder.VocabularySize > 0
                ? $"The start input holds {startInput.Length} values, but the decoder reads token ids: one value, the start token's id."
                : $"The start input holds {startInput.Length} values, but the decoder's InputSize is {decoder.InputSize}.", nameof(startInput));
        }

        Pair = pair;
        _decoderReadsTokens = decoder.VocabularySize > 0;
        _startInput = startInput.ToArray();
        _encoderCount = pair.Encoder.Parameters.Length;
        _parameters = new T[pair.ParameterCount];
        _gradients = new T[pair.ParameterCount];
        _tensors = [.. Prefixed(pair.Encoder.ParameterTensors, "encoder.", 0), .. Prefixed(pair.Decoder.ParameterTensors, "decoder.", _encoderCount)];
        _workers = new Worker[options.DegreeOfParallelism];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(pair);
        }
    }

    /// <summary>The pair being trained.</summary>
    public EncoderDecoder<TEncoder, TDecoder, T> Pair { get; }

    /// <summary>After each update, the batch's reduced (and clipped) gradient: the encoder's, then the decoder's.</summary>
    public ReadOnlySpan<T> Gradients => _gradients;

    int ITrainingTask<T>.OutputSize => Pair.Decoder.Shape.OutputSize;

    Span<T> ITrainingTask<T>.Gradients => _gradients;

    ReadOnlySpan<RnnParameterTensor> ITrainingTask<T>.ParameterTensors => _tensors;

    int ITrainingTask<T>.GradientParts => 2;

    Span<T> ITrainingTask<T>.CollectParameters()
    {
        // The models' buffers are the truth (a user may load weights between epochs); the optimizer needs them end to end.
        Pair.Encoder.Parameters.CopyTo(_parameters);
        Pair.Decoder.Parameters.CopyTo(_parameters.AsSpan(_encoderCount));
        return _parameters;
    }

    void ITrainingTask<T>.ParametersChanged()
    {
        _parameters.AsSpan(0, _encoderCount).CopyTo(Pair.Encoder.Parameters);
        _parameters.AsSpan(_encoderCount).CopyTo(Pair.Decoder.Parameters);
    }

    ReadOnlySpan<T> ITrainingTask<T>.WorkerGradients(int worker, int part) =>
        part == 0 ? _workers[worker].Pair.Encoder.Gradients : _workers[worker].Pair.Decoder.Gradients;

    void ITrainingTask<T>.Check(IReadOnlyList<TrainingSequence<T>> sequences, string argument) => ValidateAll(sequences, argument);

    void ITrainingTask<T>.Prepare(IReadOnlyList<TrainingSequence<T>> sequences, int shareCapacity)
    {
        int longest = ValidateAll(sequences, nameof(sequences));
        foreach (Worker worker in _workers)
        {
            if (worker.DecoderInputs.Length < longest * _startInput.Length)
            {
                worker.DecoderInputs = new T[longest * _startInput.Length];
            }
        }
    }

    T ITrainingTask<T>.AccumulateShare(int worker, IReadOnlyList<TrainingSequence<T>> sequences, ReadOnlySpan<int> indices, ulong dropoutKey)
    {
        Worker share = _workers[worker];
        share.Pair.Encoder.ZeroGradients();
        share.Pair.Decoder.ZeroGradients();
        T loss = T.Zero;
        for (int k = 0; k < indices.Length; k++)
        {
            TrainingSequence<T> sequence = sequences[indices[k]];
            // The decoder's masks are keyed apart from the encoder's, so that same-shaped models do not drop alike.
            DropoutKeys.Set(share.Pair.Encoder, dropoutKey + (ulong)k);
            DropoutKeys.Set(share.Pair.Decoder, ~(dropoutKey + (ulong)k));
            loss += share.Pair.Backpropagate(sequence.Inputs, TeacherForced(sequence.Targets, share.DecoderInputs), sequence.Targets);
        }

        return loss;
    }

    T ITrainingTask<T>.Evaluate(TrainingSequence<T> sequence, out ReadOnlySpan<T> predictions)
    {
        if (_validationPredictions.Length < sequence.Targets.Length)
        {
            _validationPredictions = new T[sequence.Targets.Length];
            _validationInputs = new T[sequence.Targets.Length];
        }

        Span<T> predicted = _validationPredictions.AsSpan(0, sequence.Targets.Length);
        using (DropoutKeys.Inferring(Pair.Encoder))
        using (DropoutKeys.Inferring(Pair.Decoder))
        {
            Pair.Predict(sequence.Inputs, TeacherForced(sequence.Targets, _validationInputs), predicted);
        }

        predictions = predicted;
        return Pair.Decoder.Loss(predicted, sequence.Targets);
    }

    /// <summary>
    /// The decoder's inputs under teacher forcing, [start, y&lt;1&gt;, ..., y&lt;Ty-1&gt;], written into <paramref name="buffer"/>:
    /// the target rows themselves, or for a decoder with an embedding their tokens (the index of each one-hot row).
    /// </summary>
    private ReadOnlySpan<T> TeacherForced(ReadOnlySpan<T> targets, Span<T> buffer)
    {
        if (!_decoderReadsTokens)
        {
            Span<T> rows = buffer[..targets.Length];
            _startInput.CopyTo(rows);
            targets[..^_startInput.Length].CopyTo(rows[_startInput.Length..]);
            return rows;
        }

        int width = Pair.Decoder.Shape.OutputSize, steps = targets.Length / width;
        Span<T> tokens = buffer[..steps];
        tokens[0] = _startInput[0];
        for (int t = 1; t < steps; t++)
        {
            tokens[t] = T.CreateChecked(RnnSampler.ArgMax(targets.Slice((t - 1) * width, width)));
        }

        return tokens;
    }

    /// <summary>Checks every pair of sequences against the models; returns the longest target sequence's steps.</summary>
    private int ValidateAll(IReadOnlyList<TrainingSequence<T>> sequences, string argument)
    {
        int sourceSize = Pair.Encoder.Shape.StepInputSize, targetSize = Pair.Decoder.Shape.OutputSize, longest = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            TrainingSequence<T> sequence = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", argument);
            int sourceLength = sequence.Inputs?.Length ?? 0, targetLength = sequence.Targets?.Length ?? 0;
            if (sourceLength == 0 || sourceLength % sourceSize != 0)
            {
                throw new ArgumentException($"Sequence {i}: the source holds {sourceLength} values, but it must be a whole number ≥ 1 of steps of the encoder's input step, {sourceSize} values.", argument);
            }

            if (targetLength == 0 || targetLength % targetSize != 0)
            {
                throw new ArgumentException($"Sequence {i}: the targets hold {targetLength} values, but they must be a whole number ≥ 1 of steps of the decoder's OutputSize {targetSize}.", argument);
            }

            if (sequence.InitialState is not null)
            {
                throw new ArgumentException($"Sequence {i} has an initial state, but the encoder starts from zeros and the decoder from the encoder's output.", argument);
            }

            longest = Math.Max(longest, targetLength / targetSize);
        }

        return longest;
    }

    private static IEnumerable<RnnParameterTensor> Prefixed(ReadOnlySpan<RnnParameterTensor> tensors, string prefix, int offset)
    {
        var prefixed = new List<RnnParameterTensor>(tensors.Length);
        foreach (RnnParameterTensor tensor in tensors)
        {
            prefixed.Add(tensor with { Name = prefix + tensor.Name, Offset = tensor.Offset + offset });
        }

        return prefixed;
    }

    /// <summary>A pair of model instances on the trained pair's parameters, and the decoder-input buffer it reuses.</summary>
    private sealed class Worker
    {
        public Worker(EncoderDecoder<TEncoder, TDecoder, T> trained)
        {
            Pair = new EncoderDecoder<TEncoder, TDecoder, T>(new TEncoder(), new TDecoder());
            Pair.Encoder.ShareParameters(trained.Encoder); // read in place: each update is copied into the trained models' buffers
            Pair.Decoder.ShareParameters(trained.Decoder);
            DropoutKeys.Train(Pair.Encoder);
            DropoutKeys.Train(Pair.Decoder);
        }

        public EncoderDecoder<TEncoder, TDecoder, T> Pair { get; }

        public T[] DecoderInputs { get; set; } = [];
    }
}
