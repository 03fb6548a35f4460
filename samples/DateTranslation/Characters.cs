using System;

namespace DateTranslation;

/// <summary>
/// The two character vocabularies. Source: the written date, lower-cased, one-hot over 42 characters. Target: the
/// ISO date, one-hot over the digits, '-', an end token and a start token (the decoder's first input, never a target).
/// </summary>
public static class Characters
{
    /// <summary>Every character a written date may contain, after lower-casing.</summary>
    public const string SourceAlphabet = " ',-./0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>The characters of an ISO date; the end and start tokens follow them.</summary>
    public const string TargetAlphabet = "0123456789-";

    /// <summary>The size of a source one-hot vector.</summary>
    public const int SourceSize = 42;

    /// <summary>The size of a target one-hot vector: 11 characters, end, start.</summary>
    public const int TargetSize = 13;

    /// <summary>The index of the end token.</summary>
    public const int End = 11;

    /// <summary>The index of the start token.</summary>
    public const int Start = 12;

    /// <summary>An ISO date is 10 characters; with the end token, 11 decoder steps.</summary>
    public const int TargetSteps = 11;

    /// <summary>[T, SourceSize], one row per character of <paramref name="text"/>.</summary>
    public static float[] EncodeSource(string text)
    {
        var inputs = new float[text.Length * SourceSize];
        EncodeSource(text, inputs);
        return inputs;
    }

    /// <summary>Writes <paramref name="text"/> one-hot into <paramref name="inputs"/>, [T, SourceSize] (cleared first).</summary>
    public static void EncodeSource(string text, Span<float> inputs)
    {
        inputs.Clear();
        for (int t = 0; t < text.Length; t++)
        {
            int index = SourceAlphabet.IndexOf(char.ToLowerInvariant(text[t]));
            if (index < 0)
            {
                throw new ArgumentException($"'{text[t]}' in \"{text}\" is not in the source alphabet.", nameof(text));
            }
            inputs[(t * SourceSize) + index] = 1;
        }
    }

    /// <summary>The index of an ISO character in the target vocabulary.</summary>
    public static int TargetIndex(char c) => TargetAlphabet.IndexOf(c) is int index and >= 0
        ? index
        : throw new ArgumentException($"'{c}' is not an ISO date character.", nameof(c));

    /// <summary>
    /// The teacher-forced decoder inputs [start, c1, ..., c10] and targets [c1, ..., c10, end] for an ISO date, each
    /// [TargetSteps, TargetSize].
    /// </summary>
    public static (float[] Inputs, float[] Targets) EncodeTarget(string iso)
    {
        var inputs = new float[TargetSteps * TargetSize];
        var targets = new float[TargetSteps * TargetSize];
        EncodeTarget(iso, inputs, targets);
        return (inputs, targets);
    }

    /// <summary>Writes the decoder inputs and targets of <paramref name="iso"/> into the spans, each [TargetSteps, TargetSize] (cleared first).</summary>
    public static void EncodeTarget(string iso, Span<float> inputs, Span<float> targets)
    {
        if (iso.Length != TargetSteps - 1)
        {
            throw new ArgumentException($"An ISO date has {TargetSteps - 1} characters, not {iso.Length}: \"{iso}\".", nameof(iso));
        }
        inputs.Clear();
        targets.Clear();
        inputs[Start] = 1;
        for (int t = 0; t < iso.Length; t++)
        {
            int index = TargetIndex(iso[t]);
            targets[(t * TargetSize) + index] = 1;
            inputs[((t + 1) * TargetSize) + index] = 1;
        }
        targets[(iso.Length * TargetSize) + End] = 1;
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
