using System.Numerics;

namespace RnnGen;

/// <summary>
/// One training example for <see cref="RnnTrainer{TModel, T}"/> (for <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>: a
/// source as <paramref name="Inputs"/>, its target sequence as <paramref name="Targets"/>); examples of one data set may have different lengths.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <param name="Inputs">The sequence, [T, InputSize] row by row, T ≥ 1; for a model with an embedding, its T token ids as integer values.</param>
/// <param name="Targets">The wanted outputs: [T, OutputSize] for a many-to-many model, [OutputSize] for a many-to-one model.</param>
/// <param name="InitialState">[StateRows, HiddenSize] (PyTorch's h0, then for an LSTM c0), or null for zeros.</param>
public sealed record TrainingSequence<T>(T[] Inputs, T[] Targets, T[]? InitialState = null)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>;
