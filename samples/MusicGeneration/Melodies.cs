using System.Collections.Generic;

namespace MusicGeneration;

/// <summary>A melody written out by hand: a title and its notes, e.g. <c>"E4q D4e G4q. Rh"</c>.</summary>
/// <param name="Title">The tune's name.</param>
/// <param name="Notes">
/// Space-separated notes: a pitch (letter, optional # or b, octave; middle C is C4) or R for a rest, then a duration
/// (w whole, h half, q quarter, e eighth, s sixteenth) and an optional dot (one and a half times as long).
/// </param>
public sealed record Melody(string Title, string Notes);

/// <summary>
/// Eighteen traditional and classical tunes, all in the public domain (folk songs and nursery rhymes of unknown
/// authorship, or composers who died more than a century ago), written out from memory as plain melodies without
/// ornaments. Most are in C major or A minor; the training data adds them in other keys.
/// </summary>
public static class Melodies
{
    public static IReadOnlyList<Melody> All { get; } =
    [
        new("Twinkle, Twinkle, Little Star",
            "C4q C4q G4q G4q A4q A4q G4h F4q F4q E4q E4q D4q D4q C4h " +
            "G4q G4q F4q F4q E4q E4q D4h G4q G4q F4q F4q E4q E4q D4h " +
            "C4q C4q G4q G4q A4q A4q G4h F4q F4q E4q E4q D4q D4q C4h"),
        new("Ode to Joy (Beethoven)",
            "E4q E4q F4q G4q G4q F4q E4q D4q C4q C4q D4q E4q E4q. D4e D4h " +
            "E4q E4q F4q G4q G4q F4q E4q D4q C4q C4q D4q E4q D4q. C4e C4h " +
            "D4q D4q E4q C4q D4q E4e F4e E4q C4q D4q E4e F4e E4q D4q C4q D4q G3h " +
            "E4q E4q F4q G4q G4q F4q E4q D4q C4q C4q D4q E4q D4q. C4e C4h"),
        new("Frère Jacques",
            "C4q D4q E4q C4q C4q D4q E4q C4q E4q F4q G4h E4q F4q G4h " +
            "G4e A4e G4e F4e E4q C4q G4e A4e G4e F4e E4q C4q C4q G3q C4h C4q G3q C4h"),
        new("Mary Had a Little Lamb",
            "E4q D4q C4q D4q E4q E4q E4h D4q D4q D4h E4q G4q G4h " +
            "E4q D4q C4q D4q E4q E4q E4q E4q D4q D4q E4q D4q C4w"),
        new("Greensleeves",
            "A4q C5h D5q E5q. F5e E5q D5h B4q G4q. A4e B4q C5h A4q A4q. G#4e A4q B4h G#4q E4h " +
            "A4q C5h D5q E5q. F5e E5q D5h B4q G4q. A4e B4q C5q. B4e A4q G#4q. F#4e G#4q A4h. " +
            "G5h. G5q. F#5e E5q D5h B4q G4q. A4e B4q C5h A4q A4q. G#4e A4q B4h G#4q E4h. " +
            "G5h. G5q. F#5e E5q D5h B4q G4q. A4e B4q C5q. B4e A4q G#4q. F#4e G#4q A4h."),
        new("London Bridge Is Falling Down",
            "G4q. A4e G4q F4q E4q F4q G4h D4q E4q F4h E4q F4q G4h " +
            "G4q. A4e G4q F4q E4q F4q G4h D4h G4h E4q C4h."),
        new("Row, Row, Row Your Boat",
            "C4q. C4q. C4q D4e E4q. E4q D4e E4q F4e G4h. " +
            "C5e C5e C5e G4e G4e G4e E4e E4e E4e C4e C4e C4e G4q F4e E4q D4e C4h."),
        new("Jingle Bells (Pierpont)",
            "E4q E4q E4h E4q E4q E4h E4q G4q C4q. D4e E4w F4q F4q F4q. F4e F4q E4q E4q E4e E4e E4q D4q D4q E4q D4h G4h " +
            "E4q E4q E4h E4q E4q E4h E4q G4q C4q. D4e E4w F4q F4q F4q. F4e F4q E4q E4q E4e E4e G4q G4q F4q D4q C4w"),
        new("Au clair de la lune",
            "C4q C4q C4q D4q E4h D4h C4q E4q D4q D4q C4w " +
            "C4q C4q C4q D4q E4h D4h C4q E4q D4q D4q C4w " +
            "D4q D4q D4q D4q A3h A3h D4q C4q B3q A3q G3w " +
            "C4q C4q C4q D4q E4h D4h C4q E4q D4q D4q C4w"),
        new("Old MacDonald Had a Farm",
            "C4q C4q C4q G3q A3q A3q G3h E4q E4q D4q D4q C4h. G3q " +
            "C4q C4q C4q G3q A3q A3q G3h E4q E4q D4q D4q C4h."),
        new("Yankee Doodle",
            "C4e C4e D4e E4e C4e E4e D4e G3e C4e C4e D4e E4e C4q B3q " +
            "C4e C4e D4e E4e F4e E4e D4e C4e B3e G3e A3e B3e C4q C4q"),
        new("Hot Cross Buns",
            "E4q D4q C4h E4q D4q C4h C4e C4e C4e C4e D4e D4e D4e D4e E4q D4q C4h"),
        new("Amazing Grace (New Britain)",
            "G3q C4h E4e C4e E4h D4q C4h A3q G3h G3q C4h E4e C4e E4h D4e E4e G4h. " +
            "E4e G4e G4h E4e C4e E4h D4q C4h A3q G3h G3q C4h E4e C4e E4h D4q C4h."),
        new("Minuet in G (Petzold)",
            "D5q G4e A4e B4e C5e D5q G4q G4q E5q C5e D5e E5e F#5e G5q G4q G4q " +
            "C5q D5e C5e B4e A4e B4q C5e B4e A4e G4e F#4q G4e A4e B4e G4e A4h. " +
            "D5q G4e A4e B4e C5e D5q G4q G4q E5q C5e D5e E5e F#5e G5q G4q G4q " +
            "C5q D5e C5e B4e A4e B4q C5e B4e A4e G4e A4q B4e A4e G4e F#4e G4h."),
        new("Lullaby (Brahms)",
            "E4e E4e G4q. E4e E4e G4h E4e G4e C5q B4q. A4e A4q G4q D4e E4e F4q D4q D4e E4e F4h " +
            "D4e F4e B4e A4e G4q B4q C5h C4e C4e C5h A4e F4e G4h E4e C4e F4q G4q A4q G4h"),
        new("When the Saints Go Marching In",
            "C4q E4q F4q G4w C4q E4q F4q G4w C4q E4q F4q G4h E4h C4h E4h D4w " +
            "E4q E4q D4q C4h. C4q E4h G4h G4q F4h. E4q F4q G4h E4h C4h D4h C4w"),
        new("Camptown Races (Foster)",
            "G4e G4e E4e G4e A4e G4e E4q E4e D4q. E4e D4q. G4e G4e E4e G4e A4e G4e E4q D4e D4e E4e D4e C4h"),
        new("Scarborough Fair",
            "D4h D4q A4h A4q E4q. F4e E4q D4h. Rq A4q C5h D5q C5h A4q B4q G4q A4h. Rh " +
            "D5h D5q D5h D5q C5h A4q A4q G4q F4q E4q C4h D4h. A4q G4q F4q E4q D4q C4q D4h."),
    ];
}
