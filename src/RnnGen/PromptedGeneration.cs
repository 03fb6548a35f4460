using System;
using System.Buffers;
using System.Numerics;

namespace RnnGen;

/// <summary>Generation that continues a prompt, as a character or word model is used: the prompt is read first, then the model goes on by feedback.</summary>
public static class PromptedGeneration
{
    /// <summary>
    /// Reads <paramref name="prompt"/> x&lt;1..n&gt; step by step (each row is the input, as in teacher forcing; the outputs
    /// at steps 1..n-1 are dropped), then generates as <see cref="IRnnGenerator{T}.Generate"/> does from the last row: the
    /// first output written is the model's prediction after the whole prompt, and each chosen output becomes the next input.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="model">The one-to-many model; its stream state is replaced.</param>
    /// <param name="prompt">x&lt;1..n&gt;, [n, InputSize], n ≥ 1 (e.g. the one-hot tokens of a melody's opening), or for a model with an embedding its n token ids.</param>
    /// <param name="initialState">The state before the prompt, [StateRows, HiddenSize], or empty for zeros.</param>
    /// <param name="outputs">Receives the generated y&lt;n..&gt;, [maximum length, OutputSize].</param>
    /// <param name="options">How each output becomes the next input, and when to stop.</param>
    /// <returns>The number of steps generated (the end token's step included).</returns>
    /// <exception cref="ArgumentException">The prompt is empty or not whole steps of InputSize, or another argument is out of shape (as for Generate).</exception>
    public static int GenerateFromPrompt<T>(this IRnnGenerator<T> model, ReadOnlySpan<T> prompt, ReadOnlySpan<T> initialState, Span<T> outputs, GenerationOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        RnnShape shape = model.Shape;
        int steps = RnnArguments.StepCount(prompt.Length, shape.StepInputSize, nameof(prompt));
        ReadOnlySpan<T> last = prompt[((steps - 1) * shape.StepInputSize)..];
        if (steps == 1)
        {
            return model.Generate(last, initialState, outputs, options);
        }

        // The prompt but its last row, as one block; the state it leaves is where generation starts.
        int stateLength = shape.StateRows * shape.HiddenSize, primed = (steps - 1) * shape.OutputSize;
        T[] scratch = ArrayPool<T>.Shared.Rent(primed + stateLength);
        try
        {
            if (initialState.IsEmpty)
            {
                model.Reset();
            }
            else
            {
                model.Reset(initialState);
            }

            model.StepBlock(prompt[..^shape.StepInputSize], scratch.AsSpan(0, primed));
            Span<T> state = scratch.AsSpan(primed, stateLength);
            model.StreamState.CopyTo(state);
            return model.Generate(last, state, outputs, options);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }
}
