using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MusicGeneration;

/// <summary>A note as a MIDI file holds it: key, start and length in ticks, velocity.</summary>
public readonly record struct MidiNote(int Key, long StartTick, long LengthTicks, int Velocity);

/// <summary>What <see cref="MidiFile.Read"/> found in a file.</summary>
public sealed record MidiContents(int Format, int Tracks, int TicksPerQuarter, int MicrosecondsPerQuarter, int Program, IReadOnlyList<MidiNote> Notes, long EndTick);

/// <summary>
/// Writes a standard MIDI file (SMF format 0: one track) by hand, and reads one back to check it. Everything in a
/// MIDI file is big-endian; delta times are variable-length quantities (7 bits per byte, high bit set on all but the last).
/// </summary>
public static class MidiFile
{
    public const int TicksPerQuarter = 480;
    public const int TicksPerSixteenth = TicksPerQuarter / 4;

    /// <summary>Writes the notes as one melody line on channel 1.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="notes">The melody; rests become silence.</param>
    /// <param name="beatsPerMinute">The tempo (quarter notes per minute).</param>
    /// <param name="program">The General MIDI instrument, 0-127 (0 acoustic grand piano, 73 flute).</param>
    public static void Write(string path, IReadOnlyList<Note> notes, int beatsPerMinute = 110, int program = 0)
    {
        using var track = new MemoryStream();
        using (var events = new BinaryWriter(track, Encoding.ASCII, leaveOpen: true))
        {
            // Meta events at tick 0: track name, tempo (microseconds per quarter, 3 bytes), time signature 4/4.
            byte[] name = Encoding.ASCII.GetBytes("RnnGen melody");
            WriteVariableLength(events, 0);
            events.Write([0xFF, 0x03]);
            WriteVariableLength(events, name.Length);
            events.Write(name);
            int microseconds = 60_000_000 / beatsPerMinute;
            WriteVariableLength(events, 0);
            events.Write([0xFF, 0x51, 0x03, (byte)(microseconds >> 16), (byte)(microseconds >> 8), (byte)microseconds]);
            WriteVariableLength(events, 0);
            events.Write([0xFF, 0x58, 0x04, 4, 2, 24, 8]);
            WriteVariableLength(events, 0);
            events.Write([0xC0, (byte)program]);   // program change, channel 1

            long pending = 0;   // ticks since the last event (rests accumulate here)
            foreach (Note note in notes)
            {
                long length = (long)note.Sixteenths * TicksPerSixteenth;
                if (note.Pitch == Note.Rest)
                {
                    pending += length;
                    continue;
                }
                WriteVariableLength(events, pending);
                events.Write([0x90, (byte)note.Pitch, 80]);    // note on, channel 1, velocity 80
                // Release a little early so repeated notes are heard as separate notes.
                long sounding = length - (TicksPerSixteenth / 4);
                WriteVariableLength(events, sounding);
                events.Write([0x80, (byte)note.Pitch, 64]);    // note off
                pending = length - sounding;
            }
            WriteVariableLength(events, pending);
            events.Write([0xFF, 0x2F, 0x00]);                   // end of track
        }

        using var file = new BinaryWriter(File.Create(path));
        file.Write("MThd"u8);
        WriteBigEndian32(file, 6);
        WriteBigEndian16(file, 0);   // format 0: a single track
        WriteBigEndian16(file, 1);   // one track
        WriteBigEndian16(file, TicksPerQuarter);
        file.Write("MTrk"u8);
        WriteBigEndian32(file, (int)track.Length);
        file.Write(track.GetBuffer(), 0, (int)track.Length);
    }

    /// <summary>Parses a standard MIDI file strictly enough to catch a malformed one: header, track chunks, every event.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed standard MIDI file.</exception>
    public static MidiContents Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int position = 0;
        ReadOnlySpan<byte> Take(int count)
        {
            if (position + count > bytes.Length)
            {
                throw new InvalidDataException($"The file ends at byte {bytes.Length}, inside a chunk.");
            }
            position += count;
            return bytes.AsSpan(position - count, count);
        }

        if (!Take(4).SequenceEqual("MThd"u8) || BinaryPrimitives.ReadInt32BigEndian(Take(4)) != 6)
        {
            throw new InvalidDataException("No MThd header chunk of length 6 at the start.");
        }
        int format = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
        int tracks = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
        int division = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
        if (format > 2 || tracks < 1 || (format == 0 && tracks != 1) || division == 0 || (division & 0x8000) != 0)
        {
            throw new InvalidDataException($"Unexpected header: format {format}, {tracks} tracks, division {division}.");
        }

        var notes = new List<MidiNote>();
        var sounding = new Dictionary<int, (long Start, int Velocity)>();
        int tempo = 500_000, program = -1;
        long endTick = 0;
        for (int t = 0; t < tracks; t++)
        {
            if (!Take(4).SequenceEqual("MTrk"u8))
            {
                throw new InvalidDataException($"Track {t + 1}: no MTrk chunk at byte {position - 4}.");
            }
            int length = BinaryPrimitives.ReadInt32BigEndian(Take(4));
            int end = position + length;
            if (length < 0 || end > bytes.Length)
            {
                throw new InvalidDataException($"Track {t + 1}: its length {length} runs past the end of the file.");
            }
            long tick = 0;
            int status = 0;
            bool ended = false;
            while (position < end)
            {
                if (ended)
                {
                    throw new InvalidDataException($"Track {t + 1}: events after the end-of-track event.");
                }
                tick += ReadVariableLength(bytes, ref position);
                if (bytes[position] >= 0x80)
                {
                    status = bytes[position++];
                }
                else if (status == 0)
                {
                    throw new InvalidDataException($"Track {t + 1}: running status with no status byte before it, at byte {position}.");
                }
                if (status == 0xFF)
                {
                    int type = Take(1)[0];
                    int metaLength = (int)ReadVariableLength(bytes, ref position);
                    ReadOnlySpan<byte> data = Take(metaLength);
                    if (type == 0x51 && metaLength == 3)
                    {
                        tempo = (data[0] << 16) | (data[1] << 8) | data[2];
                    }
                    ended = type == 0x2F;
                    status = 0;
                }
                else if (status is 0xF0 or 0xF7)
                {
                    Take((int)ReadVariableLength(bytes, ref position));
                    status = 0;
                }
                else
                {
                    int kind = status & 0xF0;
                    ReadOnlySpan<byte> data = Take(kind is 0xC0 or 0xD0 ? 1 : 2);
                    if (data[0] >= 0x80 || (data.Length == 2 && data[1] >= 0x80))
                    {
                        throw new InvalidDataException($"Track {t + 1}: a data byte above 127 at byte {position}.");
                    }
                    if (kind == 0xC0)
                    {
                        program = data[0];
                    }
                    else if (kind == 0x90 && data[1] > 0)
                    {
                        sounding[data[0]] = (tick, data[1]);
                    }
                    else if (kind == 0x80 || kind == 0x90)
                    {
                        if (!sounding.Remove(data[0], out (long Start, int Velocity) on))
                        {
                            throw new InvalidDataException($"Track {t + 1}: note off for key {data[0]} at tick {tick}, which is not sounding.");
                        }
                        notes.Add(new MidiNote(data[0], on.Start, tick - on.Start, on.Velocity));
                    }
                }
            }
            if (!ended || position != end)
            {
                throw new InvalidDataException($"Track {t + 1}: {(ended ? "the chunk length does not match its events" : "no end-of-track event")}.");
            }
            endTick = Math.Max(endTick, tick);
        }
        if (sounding.Count > 0)
        {
            throw new InvalidDataException($"{sounding.Count} note(s) never switched off.");
        }
        return new MidiContents(format, tracks, division, tempo, program, notes, endTick);
    }

    private static void WriteVariableLength(BinaryWriter writer, long value)
    {
        if (value < 0 || value > 0x0FFFFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A MIDI delta time is 0 to 2^28 - 1 ticks.");
        }
        Span<byte> buffer = stackalloc byte[4];
        int count = 0;
        do
        {
            buffer[count++] = (byte)(value & 0x7F);
            value >>= 7;
        }
        while (value > 0);
        for (int i = count - 1; i >= 0; i--)
        {
            writer.Write((byte)(buffer[i] | (i > 0 ? 0x80 : 0)));
        }
    }

    private static long ReadVariableLength(byte[] bytes, ref int position)
    {
        long value = 0;
        for (int i = 0; i < 4; i++)
        {
            if (position >= bytes.Length)
            {
                throw new InvalidDataException("The file ends inside a variable-length number.");
            }
            byte b = bytes[position++];
            value = (value << 7) | (uint)(b & 0x7F);
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new InvalidDataException($"A variable-length number longer than 4 bytes, before byte {position}.");
    }

    private static void WriteBigEndian32(BinaryWriter writer, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, value);
        writer.Write(buffer);
    }

    private static void WriteBigEndian16(BinaryWriter writer, int value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)value);
        writer.Write(buffer);
    }
}
