using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// PyTorch's <c>nn.Embedding</c>: row <c>id</c> of a [vocabulary, TWidth] table for each token id, and the table's gradient
/// added to only in the rows used. Token ids come as <see cref="int"/> or as integer values of the model's element type (the
/// <see cref="IRnnModel{T}"/> calls), checked before anything reads them.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EmbeddingLayer
{
    /// <summary>Checks that every value is a token id: an integer from 0 to <paramref name="vocabulary"/> - 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not; the message names its position and value.</exception>
    public static void RequireTokens<T>(ReadOnlySpan<T> tokens, int vocabulary, string argument)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int t = 0; t < tokens.Length; t++)
        {
            if (!IsToken(tokens[t], vocabulary))
            {
                throw NotAToken(argument, $"[{t}]", FormattableString.Invariant($"{tokens[t]}"), vocabulary);
            }
        }
    }

    /// <summary>Checks that every id is from 0 to <paramref name="vocabulary"/> - 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not; the message names its position and value.</exception>
    public static void RequireTokens(ReadOnlySpan<int> tokens, int vocabulary, string argument)
    {
        for (int t = 0; t < tokens.Length; t++)
        {
            if ((uint)tokens[t] >= (uint)vocabulary)
            {
                throw NotAToken(argument, $"[{t}]", FormattableString.Invariant($"{tokens[t]}"), vocabulary);
            }
        }
    }

    /// <summary>
    /// Checks <paramref name="tokens"/> (as <see cref="RequireTokens(ReadOnlySpan{int}, int, string)"/>) and writes them as
    /// integer values of <typeparamref name="T"/>, exact up to 2^24 in float, into <paramref name="buffer"/>, grown when shorter.
    /// </summary>
    /// <returns>The values, the first <paramref name="tokens"/>.Length of <paramref name="buffer"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An id is out of range; the message names its position and value.</exception>
    public static ReadOnlySpan<T> AsValues<T>(ReadOnlySpan<int> tokens, int vocabulary, string argument, ref T[] buffer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        RequireTokens(tokens, vocabulary, argument);
        if (buffer.Length < tokens.Length)
        {
            buffer = new T[tokens.Length];
        }

        for (int t = 0; t < tokens.Length; t++)
        {
            buffer[t] = T.CreateTruncating(tokens[t]);
        }

        return buffer.AsSpan(0, tokens.Length);
    }

    /// <summary>Checks the ids a batch reads: [B, T] padded, sequence b's first <paramref name="lengths"/>[b] (the padding is never read).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value read is not a token id; the message names its sequence, step and value.</exception>
    public static void RequireBatchTokens<T>(ReadOnlySpan<T> tokens, ReadOnlySpan<int> lengths, int steps, int vocabulary, string argument)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int b = 0; b < lengths.Length; b++)
        {
            for (int t = 0; t < lengths[b]; t++)
            {
                T token = tokens[(b * steps) + t];
                if (!IsToken(token, vocabulary))
                {
                    throw NotAToken(argument, $"[{b}, {t}]", FormattableString.Invariant($"{token}"), vocabulary);
                }
            }
        }
    }

    /// <summary>rows[t] = table[tokens[t]] for every token (checked ids).</summary>
    /// <param name="table">The embedding table, [vocabulary, TWidth].</param>
    /// <param name="tokens">The ids, as integer values.</param>
    /// <param name="rows">Receives the rows, [tokens, TWidth].</param>
    public static void Gather<T, TWidth>(ReadOnlySpan<T> table, ReadOnlySpan<T> tokens, Span<T> rows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TWidth : struct, ISize
    {
        int width = TWidth.Value;
        KernelGuard.Require(rows.Length >= tokens.Length * width, Shape);
        for (int t = 0; t < tokens.Length; t++)
        {
            table.Slice(int.CreateTruncating(tokens[t]) * width, width).CopyTo(rows.Slice(t * width, width));
        }
    }

    /// <summary>
    /// tableGradients[tokens[t]] += rowGradients[t] for every token but <paramref name="paddingIndex"/>, whose row gets no
    /// gradient (as <c>nn.Embedding(padding_idx=...)</c>).
    /// </summary>
    /// <param name="tokens">The ids the rows were gathered for, as integer values.</param>
    /// <param name="rowGradients">dE/d(each gathered row), [tokens, TWidth].</param>
    /// <param name="tableGradients">The table's gradient, [vocabulary, TWidth], added to.</param>
    /// <param name="paddingIndex">The padding token, or -1 for none.</param>
    public static void AddGradients<T, TWidth>(ReadOnlySpan<T> tokens, ReadOnlySpan<T> rowGradients, Span<T> tableGradients, int paddingIndex)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TWidth : struct, ISize
    {
        int width = TWidth.Value;
        KernelGuard.Require(rowGradients.Length >= tokens.Length * width, Shape);
        for (int t = 0; t < tokens.Length; t++)
        {
            int id = int.CreateTruncating(tokens[t]);
            if (id != paddingIndex)
            {
                Activations.AddTo(rowGradients.Slice(t * width, width), tableGradients.Slice(id * width, width));
            }
        }
    }

    private static bool IsToken<T>(T value, int vocabulary)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        T.IsInteger(value) && value >= T.Zero && value < T.CreateTruncating(vocabulary);

    private static ArgumentOutOfRangeException NotAToken(string argument, string position, string value, int vocabulary) =>
        new(argument, $"{argument}{position} is {value}, not a token id of the vocabulary of {vocabulary} (0 to {vocabulary - 1}).");

    private const string Shape = "EmbeddingLayer needs TWidth values of rows (and row gradients) per token.";
}
