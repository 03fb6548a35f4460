using System;

namespace DateTranslation;

/// <summary>
/// The two character vocabularies, read by the models' embeddings as token ids. Source: the written date, lower-cased,
/// 42 characters. Target: the ISO date's digits and '-', an end token and a start token (the decoder's first input,
/// never a target); the decoder's outputs and targets are one-hot over them.
/// </summary>
public static class Characters
{
    /// <summary>Every character a written date may contain, after lower-casing.</summary>
    public const string SourceAlphabet = " ',-./0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>The characters of an ISO date; the end and start tokens follow them.</summary>
    public const string TargetAlphabet = "0123456789-";

    /// <summary>The source vocabulary's size.</summary>
    public const int SourceSize = 42;

    /// <summary>The target vocabulary's size: 11 characters, end, start.</summary>
    public const int TargetSize = 13;

    /// <summary>The index of the end token.</summary>
    public const int End = 11;

    /// <summary>The index of the start token.</summary>
    public const int Start = 12;

    /// <summary>An ISO date is 10 characters; with the end token, 11 decoder steps.</summary>
    public const int TargetSteps = 11;

    /// <summary>[T], the token id of each character of <paramref name="text"/>.</summary>
    public static float[] EncodeSource(string text)
    {
        var inputs = new float[text.Length];
        for (int t = 0; t < text.Length; t++)
        {
            int index = SourceAlphabet.IndexOf(char.ToLowerInvariant(text[t]));
            if (index < 0)
            {
                throw new ArgumentException($"'{text[t]}' in \"{text}\" is not in the source alphabet.", nameof(text));
            }
            inputs[t] = index;
        }
        return inputs;
    }

    /// <summary>The index of an ISO character in the target vocabulary.</summary>
    public static int TargetIndex(char c) => TargetAlphabet.IndexOf(c) is int index and >= 0
        ? index
        : throw new ArgumentException($"'{c}' is not an ISO date character.", nameof(c));

    /// <summary>The decoder's targets for <paramref name="iso"/>: its characters then the end token, one-hot, [TargetSteps, TargetSize] (the trainer feeds them back with teacher forcing, after the start token).</summary>
    public static float[] EncodeTarget(string iso)
    {
        if (iso.Length != TargetSteps - 1)
        {
            throw new ArgumentException($"An ISO date has {TargetSteps - 1} characters, not {iso.Length}: \"{iso}\".", nameof(iso));
        }
        var targets = new float[TargetSteps * TargetSize];
        for (int t = 0; t < iso.Length; t++)
        {
            targets[(t * TargetSize) + TargetIndex(iso[t])] = 1;
        }
        targets[(iso.Length * TargetSize) + End] = 1;
        return targets;
    }

    /// <summary>The text of <paramref name="steps"/> generated one-hot rows, stopping before the end token ('?' for a start token).</summary>
    public static string DecodeTarget(ReadOnlySpan<float> outputs, int steps)
    {
        Span<char> text = stackalloc char[steps];
        int length = 0;
        for (int t = 0; t < steps; t++)
        {
            int index = RnnGen.RnnSampler.ArgMax(outputs.Slice(t * TargetSize, TargetSize));
            if (index == End)
            {
                break;
            }
            text[length++] = index < TargetAlphabet.Length ? TargetAlphabet[index] : '?';
        }
        return new string(text[..length]);
    }
}
