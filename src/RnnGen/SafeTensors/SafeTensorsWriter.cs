using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen;

/// <summary>
/// Collects tensors and metadata, then writes them as one safetensors file: the JSON header padded with
/// spaces to a multiple of 8 bytes (as the reference implementation does), then every tensor's
/// little-endian data, contiguous and in the order the tensors were added.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Adds a tensor, copying its data: <see cref="float"/> is stored as F32, <see cref="double"/> as F64, <see cref="Half"/> as F16.</summary>
    /// <typeparam name="T">The element type: <see cref="float"/>, <see cref="double"/> or <see cref="Half"/>.</typeparam>
    /// <param name="name">The tensor's name, unique within the file.</param>
    /// <param name="data">The elements in row-major order.</param>
    /// <param name="shape">The dimensions, outermost first (none for a scalar); their product must equal <paramref name="data"/>'s length.</param>
    /// <exception cref="ArgumentException">The name is already used or is <c>__metadata__</c>, or the shape is negative or does not match the data.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not <see cref="float"/>, <see cref="double"/> or <see cref="Half"/>.</exception>
    public void Add<T>(string name, ReadOnlySpan<T> data, params ReadOnlySpan<long> shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "__metadata__")
        {
            throw new ArgumentException("'__metadata__' is reserved for the header's metadata and cannot name a tensor.", nameof(name));
        }

        if (_tensorNames.Contains(name))
        {
            throw new ArgumentException($"A tensor named '{name}' was already added.", nameof(name));
        }

        string shapeText = SafeTensorInfo.FormatShape(shape);
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{name}': shape {shapeText} has a negative dimension.", nameof(shape));
            }
        }

        if (!SafeTensorInfo.TryGetElementCount(shape, out long elementCount) || elementCount != data.Length)
        {
            throw new ArgumentException($"Tensor '{name}': shape {shapeText} does not hold the {data.Length} elements of the data.", nameof(shape));
        }

        (string dtype, byte[] bytes) = EncodeLittleEndian(data);
        _tensorNames.Add(name);
        _tensors.Add(new PendingTensor(name, dtype, shape.ToArray(), bytes));
    }

    /// <summary>Adds a <c>__metadata__</c> entry to the header.</summary>
    /// <param name="key">The entry's key, unique within the metadata.</param>
    /// <param name="value">The entry's value.</param>
    /// <exception cref="ArgumentException">The key is already used.</exception>
    public void AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_metadata.TryAdd(key, value))
        {
            throw new ArgumentException($"A metadata entry '{key}' was already added.", nameof(key));
        }
    }

    /// <summary>Writes the file to <paramref name="stream"/> from its current position; the stream stays open and is not flushed.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">The header would exceed <see cref="SafeTensorsReader.MaxHeaderLength"/> bytes.</exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = CreateHeader();
        if (header.Length > SafeTensorsReader.MaxHeaderLength)
        {
            throw new InvalidOperationException($"The header would be {header.Length} bytes, more than readers accept ({SafeTensorsReader.MaxHeaderLength}).");
        }

        Span<byte> lengthPrefix = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
        stream.Write(lengthPrefix);
        stream.Write(header);
        foreach (PendingTensor tensor in _tensors)
        {
            stream.Write(tensor.Data);
        }
    }

    private byte[] CreateHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();

        // Relaxed escaping keeps names such as "a+b" readable; the header is never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> entry in _metadata)
                {
                    json.WriteString(entry.Key, entry.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (PendingTensor tensor in _tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Padding to a multiple of 8 keeps every tensor's data 8-byte aligned for memory-mapping readers.
        int padding = (8 - (buffer.WrittenCount % 8)) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }

    private static (string DType, byte[] Bytes) EncodeLittleEndian<T>(ReadOnlySpan<T> data)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var bytes = new byte[checked(data.Length * sizeof(float))];
            for (int i = 0; i < data.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), float.CreateTruncating(data[i]));
            }

            return ("F32", bytes);
        }

        if (typeof(T) == typeof(double))
        {
            var bytes = new byte[checked(data.Length * sizeof(double))];
            for (int i = 0; i < data.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), double.CreateTruncating(data[i]));
            }

            return ("F64", bytes);
        }

        if (typeof(T) == typeof(Half))
        {
            const int halfSize = 2;
            var bytes = new byte[checked(data.Length * halfSize)];
            for (int i = 0; i < data.Length; i++)
            {
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * halfSize), Half.CreateTruncating(data[i]));
            }

            return ("F16", bytes);
        }

        throw new NotSupportedException($"Safetensors files store float (F32), double (F64) and Half (F16) tensors, not {typeof(T).Name}.");
    }

    private sealed record PendingTensor(string Name, string DType, long[] Shape, byte[] Data);
}
