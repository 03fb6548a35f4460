using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace RnnGen;

/// <summary>Argument checks the generated models run before any work, so a bad call fails with the sizes involved and changes nothing.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnArguments
{
    /// <summary>The number of steps T of a [T, <paramref name="inputSize"/>] sequence of <paramref name="length"/> elements.</summary>
    /// <exception cref="ArgumentException">The length is 0 or not a multiple of <paramref name="inputSize"/>.</exception>
    public static int StepCount(int length, int inputSize, string parameterName)
    {
        if (length == 0)
        {
            throw new ArgumentException(
                $"{parameterName} is empty; a sequence needs at least one step of InputSize = {inputSize} values ([T, {inputSize}] with T >= 1).",
                parameterName);
        }
        if (length % inputSize != 0)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} values, which is not a whole number of steps of InputSize = {inputSize} (expected [T, {inputSize}], e.g. {length / inputSize * inputSize} or {(length / inputSize + 1) * inputSize} values).",
                parameterName);
        }
        return length / inputSize;
    }

    /// <summary>Throws for a span that does not have the length a call needs.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the call needs.</param>
    /// <param name="parameterName">The argument's name.</param>
    /// <param name="shape">The expected shape in words, e.g. <c>[T = 4, OutputSize = 3]</c>.</param>
    /// <exception cref="ArgumentException">Always.</exception>
    [DoesNotReturn]
    public static void ThrowWrongLength(int actual, int expected, string parameterName, string shape) =>
        throw new ArgumentException($"{parameterName} has {actual} values; expected {expected} ({shape}).", parameterName);

    /// <summary>Checks an optional initial state: empty (zeros) or [<paramref name="rows"/>, <paramref name="hiddenSize"/>].</summary>
    /// <exception cref="ArgumentException">The state is neither empty nor of that size.</exception>
    public static void RequireOptionalState(int actual, int rows, int hiddenSize, string parameterName)
    {
        if (actual != 0 && actual != rows * hiddenSize)
        {
            throw new ArgumentException(
                $"{parameterName} has {actual} values; expected {rows * hiddenSize} ([Layers * Directions = {rows}, HiddenSize = {hiddenSize}]) or none for a zero state.",
                parameterName);
        }
    }
}
