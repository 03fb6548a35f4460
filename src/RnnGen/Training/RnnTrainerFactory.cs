using System;
using System.Numerics;

namespace RnnGen;

/// <summary>Creates trainers with the type arguments inferred from the model and the optimizer.</summary>
public static class RnnTrainer
{
    /// <summary>
    /// <c>RnnTrainer.Create(model, optimizer, options)</c> for <c>new RnnTrainer&lt;TModel, T&gt;(model, optimizer, options)</c>,
    /// which C# cannot infer for a constructor.
    /// </summary>
    /// <typeparam name="TModel">The generated model class.</typeparam>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model to train.</param>
    /// <param name="optimizer">The optimizer of its parameters.</param>
    /// <param name="options">Batch size, epochs, seed and the rest.</param>
    /// <returns>The trainer, as its constructor makes it (and with its exceptions).</returns>
    public static RnnTrainer<TModel, T> Create<TModel, T>(TModel model, IOptimizer<T> optimizer, TrainerOptions options)
        where TModel : IRnnModel<T>, new()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        new(model, optimizer, options);

    /// <summary>
    /// <c>RnnTrainer.Create(pair, startInput, optimizer, options)</c> for <c>new EncoderDecoderTrainer&lt;TEncoder, TDecoder, T&gt;(...)</c>:
    /// trains an encoder-decoder pair through the same loop as a single model.
    /// </summary>
    /// <typeparam name="TEncoder">The encoder model class.</typeparam>
    /// <typeparam name="TDecoder">The decoder model class.</typeparam>
    /// <typeparam name="T">The models' element type.</typeparam>
    /// <param name="pair">The pair to train.</param>
    /// <param name="startInput">The decoder's first input in teacher forcing, [decoder InputSize].</param>
    /// <param name="optimizer">The optimizer of both models' parameters, sized to <see cref="EncoderDecoder{TEncoder, TDecoder, T}.ParameterCount"/>.</param>
    /// <param name="options">Batch size, epochs, seed and the rest.</param>
    /// <returns>The trainer, as its constructor makes it (and with its exceptions).</returns>
    public static EncoderDecoderTrainer<TEncoder, TDecoder, T> Create<TEncoder, TDecoder, T>(EncoderDecoder<TEncoder, TDecoder, T> pair, ReadOnlySpan<T> startInput, IOptimizer<T> optimizer, TrainerOptions options)
        where TEncoder : IRnnModel<T>, new()
        where TDecoder : IRnnGenerator<T>, new()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        new(pair, startInput, optimizer, options);
}
