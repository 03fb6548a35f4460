using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Thrown by <see cref="RnnTrainer{TModel, T}"/> and <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/> when a batch's loss or gradient is NaN or infinite. The update of
/// that step is not applied, so the model keeps the last good weights and the optimizer its last good state.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="step">The 1-based optimizer step whose update was refused.</param>
    /// <param name="tensorName">The PyTorch name of the parameter tensor whose gradient is not finite, or null when only the loss is.</param>
    /// <param name="message">What diverged, naming the step and the tensor.</param>
    public TrainingDivergedException(long step, string? tensorName, string message)
        : base(message)
    {
        Step = step;
        TensorName = tensorName;
    }

    /// <summary>The 1-based optimizer step whose update was refused.</summary>
    public long Step { get; }

    /// <summary>The PyTorch name of the first parameter tensor whose gradient is not finite, or null when the gradients are finite and only the loss is not.</summary>
    public string? TensorName { get; }

    /// <summary>Throws when any gradient or the loss is NaN or infinite; gradients are checked first, so the message can name a tensor.</summary>
    internal static void ThrowIfNotFinite<T>(long step, T loss, ReadOnlySpan<T> gradients, ReadOnlySpan<RnnParameterTensor> tensors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int index = AllFinite(gradients) ? gradients.Length : 0; index < gradients.Length; index++)
        {
            if (!T.IsFinite(gradients[index]))
            {
                string? tensorName = TensorNameAt(tensors, index);
                string where = tensorName is null ? $"parameter {index}" : $"'{tensorName}' (parameter {index})";
                throw new TrainingDivergedException(
                    step,
                    tensorName,
                    $"Training diverged at step {step}: the gradient of {where} is {gradients[index]}. The update was not applied; the model keeps the weights of step {step - 1}.");
            }
        }

        if (!T.IsFinite(loss))
        {
            throw new TrainingDivergedException(
                step,
                tensorName: null,
                $"Training diverged at step {step}: the loss is {loss}. The update was not applied; the model keeps the weights of step {step - 1}.");
        }
    }

    /// <summary>Whether every value is finite, a vector at a time: x × 0 is 0 for finite x and NaN for NaN or ±∞.</summary>
    private static bool AllFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector<T> zeros = Vector<T>.Zero, products = Vector<T>.Zero;
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            products += new Vector<T>(values.Slice(j, Vector<T>.Count)) * zeros;
        }
        T rest = T.Zero;
        for (; j < values.Length; j++)
        {
            rest += values[j] * T.Zero;
        }
        return Vector.EqualsAll(products, zeros) && rest == T.Zero;
    }

    /// <summary>An AddedBias entry shares its elements with the tensor that really holds them, so that tensor names the index.</summary>
    private static string? TensorNameAt(ReadOnlySpan<RnnParameterTensor> tensors, int index)
    {
        foreach (RnnParameterTensor tensor in tensors)
        {
            if (tensor.Layout != RnnTensorLayout.AddedBias && index >= tensor.Offset && index < tensor.Offset + tensor.Length)
            {
                return tensor.Name;
            }
        }

        return null;
    }
}
