using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace MusicGeneration;

/// <summary>One note: a MIDI pitch (60 = middle C), or <see cref="Rest"/>, and a length in sixteenth notes.</summary>
public readonly record struct Note(int Pitch, int Sixteenths)
{
    public const int Rest = -1;

    public override string ToString() => $"{MelodyTokens.PitchName(Pitch)}{MelodyTokens.DurationName(Sixteenths)}";
}

/// <summary>
/// The vocabulary, 50 one-hot tokens: start, end, rest, the 39 pitches from C3 to D6, and 8 durations. Each note is two
/// tokens, its pitch (or rest) and then its duration, so a melody of n notes is the sequence
/// [start, pitch 1, duration 1, ..., pitch n, duration n, end].
/// </summary>
public static class MelodyTokens
{
    public const int Start = 0;
    public const int End = 1;
    public const int RestToken = 2;
    public const int LowestPitch = 48;   // C3
    public const int HighestPitch = 86;  // D6
    public const int FirstPitchToken = 3;
    public const int FirstDurationToken = FirstPitchToken + (HighestPitch - LowestPitch + 1);

    /// <summary>The lengths a duration token stands for, in sixteenth notes: 16th, 8th, dotted 8th, quarter, dotted quarter, half, dotted half, whole.</summary>
    public static readonly int[] Durations = [1, 2, 3, 4, 6, 8, 12, 16];

    public const int Count = FirstDurationToken + 8;

    private static readonly string[] PitchClassNames = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"];
    private static readonly Regex NoteSyntax = new(@"^(?:([A-G])([#b]?)(-?\d)|R)([whqes])(\.?)$", RegexOptions.CultureInvariant);

    public static bool IsPitch(int token) => token == RestToken || (token >= FirstPitchToken && token < FirstDurationToken);

    public static bool IsDuration(int token) => token >= FirstDurationToken && token < Count;

    /// <summary>Parses the notation of <see cref="Melody.Notes"/>.</summary>
    public static List<Note> Parse(string notes)
    {
        var result = new List<Note>();
        foreach (string word in notes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Match match = NoteSyntax.Match(word);
            if (!match.Success)
            {
                throw new FormatException($"'{word}' is not a note (e.g. C4q, F#5e., Rh).");
            }
            int pitch = Note.Rest;
            if (match.Groups[1].Success)
            {
                int pitchClass = "C D EF G A B".IndexOf(match.Groups[1].Value[0], StringComparison.Ordinal);
                pitchClass += match.Groups[2].Value switch { "#" => 1, "b" => -1, _ => 0 };
                pitch = (12 * (int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) + 1)) + pitchClass;
            }
            int sixteenths = match.Groups[4].Value[0] switch { 'w' => 16, 'h' => 8, 'q' => 4, 'e' => 2, _ => 1 };
            if (match.Groups[5].Value == ".")
            {
                sixteenths = sixteenths * 3 / 2;
            }
            result.Add(new Note(pitch, sixteenths));
        }
        return result;
    }

    /// <summary>The notes moved by <paramref name="semitones"/> (rests stay rests).</summary>
    public static List<Note> Transpose(IEnumerable<Note> notes, int semitones) =>
        notes.Select(n => n.Pitch == Note.Rest ? n : n with { Pitch = n.Pitch + semitones }).ToList();

    /// <summary>[start, pitch, duration, ..., end] as token indices.</summary>
    public static int[] Encode(IReadOnlyList<Note> notes)
    {
        var tokens = new List<int>((2 * notes.Count) + 2) { Start };
        foreach (Note note in notes)
        {
            if (note.Pitch != Note.Rest && (note.Pitch < LowestPitch || note.Pitch > HighestPitch))
            {
                throw new ArgumentOutOfRangeException(nameof(notes), $"{PitchName(note.Pitch)} is outside the vocabulary's range C3..D6.");
            }
            int duration = Array.IndexOf(Durations, note.Sixteenths);
            if (duration < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(notes), $"A length of {note.Sixteenths} sixteenths has no token.");
            }
            tokens.Add(note.Pitch == Note.Rest ? RestToken : FirstPitchToken + note.Pitch - LowestPitch);
            tokens.Add(FirstDurationToken + duration);
        }
        tokens.Add(End);
        return [.. tokens];
    }

    /// <summary>
    /// Reads generated tokens back as notes: each pitch (or rest) token takes the duration token that follows it; a
    /// pitch followed by another pitch gets a quarter note, and a duration with no pitch before it is dropped.
    /// </summary>
    /// <returns>The notes, and how many tokens broke the pitch-then-duration pattern.</returns>
    public static (List<Note> Notes, int Malformed) Decode(IReadOnlyList<int> tokens)
    {
        var notes = new List<Note>();
        int malformed = 0;
        int? pitch = null;
        foreach (int token in tokens)
        {
            if (token is Start or End)
            {
                continue;
            }
            if (IsPitch(token))
            {
                if (pitch is int previous)
                {
                    notes.Add(new Note(previous, 4));
                    malformed++;
                }
                pitch = token == RestToken ? Note.Rest : LowestPitch + token - FirstPitchToken;
            }
            else if (pitch is int current)
            {
                notes.Add(new Note(current, Durations[token - FirstDurationToken]));
                pitch = null;
            }
            else
            {
                malformed++;
            }
        }
        if (pitch is int last)
        {
            notes.Add(new Note(last, 4));
            malformed++;
        }
        return (notes, malformed);
    }

    public static string PitchName(int pitch) =>
        pitch == Note.Rest ? "R" : $"{PitchClassNames[pitch % 12]}{(pitch / 12) - 1}";

    public static string DurationName(int sixteenths) => sixteenths switch
    {
        1 => "s", 2 => "e", 3 => "e.", 4 => "q", 6 => "q.", 8 => "h", 12 => "h.", 16 => "w",
        _ => $"({sixteenths}/16)",
    };

    public static string TokenName(int token) => token switch
    {
        Start => "<start>",
        End => "<end>",
        RestToken => "R",
        _ when IsPitch(token) => PitchName(LowestPitch + token - FirstPitchToken),
        _ => DurationName(Durations[token - FirstDurationToken]),
    };
}
