using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace RnnGen;

/// <summary>Argument checks the generated models run before any work, so a bad call fails with the sizes involved and changes nothing.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnArguments
{
    /// <summary>The number of steps T of a [T, <paramref name="stepSize"/>] sequence of <paramref name="length"/> elements.</summary>
    /// <param name="length">The span's length.</param>
    /// <param name="stepSize">The values of one step.</param>
    /// <param name="parameterName">The argument's name.</param>
    /// <param name="sizeName">What the step size is called in the message: InputSize, or OutputSize for outputs.</param>
    /// <exception cref="ArgumentException">The length is 0 or not a multiple of <paramref name="stepSize"/>.</exception>
    public static int StepCount(int length, int stepSize, string parameterName, string sizeName = "InputSize")
    {
        if (length == 0)
        {
            throw new ArgumentException(
                $"{parameterName} is empty; a sequence needs at least one step of {sizeName} = {stepSize} values ([T, {stepSize}] with T >= 1).",
                parameterName);
        }
        if (length % stepSize != 0)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} values, which is not a whole number of steps of {sizeName} = {stepSize} (expected [T, {stepSize}], e.g. {length / stepSize * stepSize} or {(length / stepSize + 1) * stepSize} values).",
                parameterName);
        }
        return length / stepSize;
    }

    /// <summary>The number of steps T of a sequence of token ids, one per step, of <paramref name="length"/> elements.</summary>
    /// <exception cref="ArgumentException">The length is 0.</exception>
    public static int TokenCount(int length, string parameterName) => length > 0
        ? length
        : throw new ArgumentException($"{parameterName} is empty; a sequence needs at least one token id ([T] with T >= 1).", parameterName);

    /// <summary>Checks that a span has the fixed length a call needs.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the call needs.</param>
    /// <param name="parameterName">The argument's name.</param>
    /// <param name="shape">The expected shape in words, e.g. <c>[InputSize = 3]</c>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void RequireLength(int actual, int expected, string parameterName, string shape)
    {
        if (actual != expected)
        {
            ThrowWrongLength(actual, expected, parameterName, shape);
        }
    }

    /// <summary>Checks that a span holds <paramref name="steps"/> rows of <paramref name="width"/> values, [T, width].</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="steps">T, the number of rows the call needs.</param>
    /// <param name="width">The values of one row.</param>
    /// <param name="widthName">The name of the row width in the message, e.g. <c>OutputSize</c>.</param>
    /// <param name="parameterName">The argument's name.</param>
    /// <param name="note">Words after the shape, e.g. <c>, like the last predictions</c>.</param>
    /// <exception cref="ArgumentException">The span has another length.</exception>
    public static void RequireSteps(int actual, int steps, int width, string widthName, string parameterName, string note = "")
    {
        if (actual != steps * width)
        {
            ThrowWrongLength(actual, steps * width, parameterName, $"[T = {steps}, {widthName} = {width}]{note}");
        }
    }

    /// <summary>Like <see cref="RequireSteps"/> for a span that may also be empty (not wanted).</summary>
    /// <exception cref="ArgumentException">The span is neither empty nor [T, width].</exception>
    public static void RequireOptionalSteps(int actual, int steps, int width, string widthName, string parameterName)
    {
        if (actual != 0)
        {
            RequireSteps(actual, steps, width, widthName, parameterName, " or none");
        }
    }

    /// <summary>Throws for a span that does not have the length a call needs.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the call needs.</param>
    /// <param name="parameterName">The argument's name.</param>
    /// <param name="shape">The expected shape in words, e.g. <c>[T = 4, OutputSize = 3]</c>.</param>
    /// <exception cref="ArgumentException">Always.</exception>
    [DoesNotReturn]
    public static void ThrowWrongLength(int actual, long expected, string parameterName, string shape) =>
        throw new ArgumentException($"{parameterName} has {actual} values; expected {expected} ({shape}).", parameterName);

    /// <summary>Checks an optional initial state: empty (zeros) or [<paramref name="rows"/>, <paramref name="hiddenSize"/>].</summary>
    /// <exception cref="ArgumentException">The state is neither empty nor of that size.</exception>
    public static void RequireOptionalState(int actual, int rows, int hiddenSize, string parameterName)
    {
        if (actual != 0 && actual != rows * hiddenSize)
        {
            throw new ArgumentException(
                $"{parameterName} has {actual} values; expected {rows * hiddenSize} ([StateRows = {rows}, HiddenSize = {hiddenSize}]) or none for a zero state.",
                parameterName);
        }
    }

    /// <summary>Throws when a sequence of <paramref name="steps"/> steps needs more layer-output values than an array can hold.</summary>
    /// <exception cref="ArgumentException"><paramref name="needed"/> is more than <see cref="Array.MaxLength"/>.</exception>
    public static void RequireArrayLength(long needed, int steps, string parameterName)
    {
        if (needed > Array.MaxLength)
        {
            throw new ArgumentException($"A sequence of {steps} steps needs {needed} values of layer outputs, more than an array can hold.", parameterName);
        }
    }

    /// <summary>
    /// The padded steps of a batch of sequences, [B, steps, <paramref name="inputSize"/>] batch first with B the number of
    /// <paramref name="lengths"/>, after checking that every length is between 1 and that.
    /// </summary>
    /// <exception cref="ArgumentException">There are no lengths, the inputs are not B whole padded sequences, or a length is out of range.</exception>
    /// <param name="length">The inputs' length.</param>
    /// <param name="lengths">Each sequence's length.</param>
    /// <param name="inputSize">The values of one step: InputSize, or 1 for a model with an embedding (<paramref name="tokenIds"/>).</param>
    /// <param name="inputsName">The inputs' argument name.</param>
    /// <param name="lengthsName">The lengths' argument name.</param>
    /// <param name="tokenIds">Whether each step is one token id, which the message then says instead of a step of InputSize.</param>
    public static int BatchSteps(int length, ReadOnlySpan<int> lengths, int inputSize, string inputsName, string lengthsName, bool tokenIds = false)
    {
        int sequences = lengths.Length;
        if (sequences == 0)
        {
            throw new ArgumentException($"{lengthsName} is empty; a batch needs at least one sequence.", lengthsName);
        }
        long perSequence = (long)length / sequences;
        if (length == 0 || length % sequences != 0 || perSequence % inputSize != 0)
        {
            throw new ArgumentException(tokenIds
                ? $"{inputsName} has {length} values, which is not {sequences} sequences (one per length) of token ids (expected [B = {sequences}, T], padded to the longest T)."
                : $"{inputsName} has {length} values, which is not {sequences} sequences (one per length) of whole steps of InputSize = {inputSize} (expected [B = {sequences}, T, {inputSize}], padded to the longest T).",
                inputsName);
        }
        int steps = (int)(perSequence / inputSize);
        for (int b = 0; b < sequences; b++)
        {
            if (lengths[b] < 1 || lengths[b] > steps)
            {
                throw new ArgumentException(
                    $"{lengthsName}[{b}] is {lengths[b]}; each length must be between 1 and the padded steps of {inputsName}, T = {steps}.",
                    lengthsName);
            }
        }
        return steps;
    }

    /// <summary>Checks that a span holds <paramref name="sequences"/> × <paramref name="steps"/> rows of <paramref name="width"/> values, [B, T, width].</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="sequences">B.</param>
    /// <param name="steps">T, or 1 for one row per sequence.</param>
    /// <param name="width">The values of one row.</param>
    /// <param name="widthName">The name of the row width in the message, e.g. <c>OutputSize</c>.</param>
    /// <param name="parameterName">The argument's name.</param>
    /// <exception cref="ArgumentException">The span has another length.</exception>
    public static void RequireBatch(int actual, int sequences, int steps, int width, string widthName, string parameterName)
    {
        long expected = (long)sequences * steps * width;
        if (actual != expected)
        {
            ThrowWrongLength(actual, expected, parameterName, steps == 1 ? $"[B = {sequences}, {widthName} = {width}]" : $"[B = {sequences}, T = {steps}, {widthName} = {width}]");
        }
    }
}
