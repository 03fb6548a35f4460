using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace RnnGen;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON that map
/// tensor names to dtype, shape and data offsets (plus an optional <c>__metadata__</c> object of strings),
/// then the raw little-endian tensor data.
/// </summary>
/// <remarks>
/// <para>
/// Opening reads and validates only the header: every tensor's dtype, shape and byte range is checked,
/// and the byte ranges must cover the data section exactly, without gaps, overlaps or trailing bytes
/// (as the reference implementation requires). Any violation throws <see cref="SafeTensorsException"/>.
/// Tensor data is read on demand, one tensor at a time, in bounded chunks; the whole file is never loaded.
/// </para>
/// <para>An instance is not thread-safe: it seeks its stream on every read.</para>
/// </remarks>
public sealed class SafeTensorsReader : IDisposable
{
    /// <summary>The largest header accepted, in bytes (the limit of the reference Rust implementation).</summary>
    public const int MaxHeaderLength = 100_000_000;

    /// <summary>The most dimensions a tensor's shape may have.</summary>
    public const int MaxRank = 64;

    private const string MetadataKey = "__metadata__";
    private const int ChunkLength = 64 * 1024;
    private const int MaxTokenTextInMessages = 40;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string? _source;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensorsByName = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Reads and validates the header of the safetensors file that starts at <paramref name="stream"/>'s current position.</summary>
    /// <param name="stream">A readable, seekable stream; the file runs from its current position to its end.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot read or seek.</exception>
    /// <exception cref="SafeTensorsException">The header is malformed or inconsistent with the file.</exception>
    public SafeTensorsReader(Stream stream, bool leaveOpen = false)
        : this(stream, leaveOpen, source: null)
    {
    }

    private SafeTensorsReader(Stream stream, bool leaveOpen, string? source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("A safetensors file needs a readable, seekable stream.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _source = source;

        long fileStart = stream.Position;
        long fileLength = stream.Length - fileStart;
        if (fileLength < sizeof(ulong))
        {
            throw CreateException($"The file is {fileLength} bytes long, shorter than the 8-byte header length every safetensors file starts with.");
        }

        Span<byte> lengthPrefix = stackalloc byte[sizeof(ulong)];
        ReadExactly(lengthPrefix, "the header length");
        ulong declaredHeaderLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthPrefix);
        long available = fileLength - sizeof(ulong);
        if (declaredHeaderLength > MaxHeaderLength)
        {
            throw CreateException($"The header length is {declaredHeaderLength} bytes, more than the limit of {MaxHeaderLength} bytes.");
        }

        if ((long)declaredHeaderLength > available)
        {
            throw CreateException($"The header length is {declaredHeaderLength} bytes, but only {available} bytes follow the 8-byte length.");
        }

        // Allocating is safe now: the length is capped and backed by bytes that exist.
        var header = new byte[(int)declaredHeaderLength];
        ReadExactly(header, "the header");
        _dataStart = fileStart + sizeof(ulong) + header.Length;
        long dataLength = available - header.Length;

        List<SafeTensorInfo> tensors = ParseHeader(header, dataLength, out Dictionary<string, string> metadata);
        EnsureDataIsExactlyCovered(tensors, dataLength);
        Tensors = tensors.AsReadOnly();
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
    }

    /// <summary>Every tensor in the file, in the order of their data.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens the safetensors file at <paramref name="path"/> and reads and validates its header.</summary>
    /// <param name="path">The file to read; it stays open (shared for reading) until the reader is disposed.</param>
    /// <returns>A reader that owns the file.</returns>
    /// <exception cref="SafeTensorsException">The header is malformed or inconsistent with the file; the message starts with <paramref name="path"/>.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static SafeTensorsReader Open(string path)
    {
        // FileShare.Delete lets RnnWeights.Save replace the file while it is being read.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            return new SafeTensorsReader(stream, leaveOpen: false, source: path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Looks up a tensor by name.</summary>
    /// <param name="name">The tensor's exact (case-sensitive) name.</param>
    /// <param name="info">The tensor's entry when it exists.</param>
    /// <returns>Whether the file has a tensor named <paramref name="name"/>.</returns>
    public bool TryGetTensor(string name, [MaybeNullWhen(false)] out SafeTensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensorsByName.TryGetValue(name, out info);
    }

    /// <summary>Looks up a tensor by name.</summary>
    /// <param name="name">The tensor's exact (case-sensitive) name.</param>
    /// <returns>The tensor's entry.</returns>
    /// <exception cref="SafeTensorsException">The file has no tensor named <paramref name="name"/>.</exception>
    public SafeTensorInfo GetTensor(string name)
    {
        if (TryGetTensor(name, out SafeTensorInfo? info))
        {
            return info;
        }

        throw CreateException($"Missing tensor '{name}': the file has no tensor of that name (it has {_tensorsByName.Count} tensors).");
    }

    /// <summary>Reads a floating-point tensor (F64, F32, F16 or BF16), converting each element to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The element type to convert to; narrowing rounds to nearest.</typeparam>
    /// <param name="name">The tensor's name.</param>
    /// <returns>The elements in row-major order.</returns>
    /// <exception cref="SafeTensorsException">The tensor is missing, has a dtype other than F64, F32, F16 or BF16, or the file ends early.</exception>
    /// <exception cref="NotSupportedException">The tensor has more elements than an array can hold.</exception>
    public T[] Read<T>(string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        SafeTensorInfo info = GetTensor(name);
        _ = GetFloatingPointElementSize(info); // fails before allocating when the dtype cannot be read
        if (info.ElementCount > Array.MaxLength)
        {
            throw new NotSupportedException($"Tensor '{name}' has {info.ElementCount} elements, more than an array can hold.");
        }

        var values = new T[info.ElementCount];
        Read(name, values.AsSpan());
        return values;
    }

    /// <summary>Reads a floating-point tensor (F64, F32, F16 or BF16) into <paramref name="destination"/>, converting each element to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The element type to convert to; narrowing rounds to nearest.</typeparam>
    /// <param name="name">The tensor's name.</param>
    /// <param name="destination">Receives the elements in row-major order; its length must equal the tensor's element count.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/>'s length differs from the tensor's element count.</exception>
    /// <exception cref="SafeTensorsException">The tensor is missing, has a dtype other than F64, F32, F16 or BF16, or the file ends early.</exception>
    /// <exception cref="ObjectDisposedException">The reader has been disposed.</exception>
    public void Read<T>(string name, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SafeTensorInfo info = GetTensor(name);
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException($"Tensor '{name}' has {info.ElementCount} elements, but the destination holds {destination.Length}.", nameof(destination));
        }

        int elementSize = GetFloatingPointElementSize(info);
        _stream.Seek(_dataStart + info.DataBegin, SeekOrigin.Begin);
        if (BitConverter.IsLittleEndian && (typeof(T) == typeof(float) ? info.DType == "F32" : typeof(T) == typeof(double) && info.DType == "F64"))
        {
            // The file's own type on a little-endian machine: its bytes are the values, read straight into place.
            ReadExactly(MemoryMarshal.AsBytes(destination), $"the data of tensor '{name}'");
            return;
        }

        int elementsPerChunk = ChunkLength / elementSize;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(Math.Min(elementsPerChunk, destination.Length) * elementSize);
        try
        {
            for (int done = 0; done < destination.Length;)
            {
                int count = Math.Min(elementsPerChunk, destination.Length - done);
                Span<byte> bytes = chunk.AsSpan(0, count * elementSize);
                ReadExactly(bytes, $"the data of tensor '{name}'");
                Decode(info.DType, bytes, destination.Slice(done, count));
                done += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads an integer tensor (I64, as PyTorch stores token ids, or I32), e.g. the token ids of a text batch.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <returns>The elements in row-major order.</returns>
    /// <exception cref="SafeTensorsException">The tensor is missing, has a dtype other than I64 or I32, or the file ends early.</exception>
    /// <exception cref="NotSupportedException">The tensor has more elements than an array can hold.</exception>
    /// <exception cref="ObjectDisposedException">The reader has been disposed.</exception>
    public long[] ReadInt64(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SafeTensorInfo info = GetTensor(name);
        int elementSize = info.DType switch
        {
            "I64" => 8,
            "I32" => 4,
            _ => throw CreateException($"Tensor '{name}' has dtype {info.DType}; only I64 and I32 tensors can be read as integers."),
        };
        if (info.ElementCount > Array.MaxLength / elementSize)
        {
            throw new NotSupportedException($"Tensor '{name}' has {info.ElementCount} elements, more than an array can hold.");
        }

        var bytes = new byte[info.ElementCount * elementSize];
        _stream.Seek(_dataStart + info.DataBegin, SeekOrigin.Begin);
        ReadExactly(bytes, $"the data of tensor '{name}'");
        var values = new long[info.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = elementSize == 8 ? BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8)) : BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4));
        }

        return values;
    }

    /// <summary>Closes the stream, unless the reader was created with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>An exception for a problem with this file; the message names the file when the reader opened it by path.</summary>
    internal SafeTensorsException CreateException(string message, Exception? innerException = null)
    {
        string fullMessage = _source is null ? message : $"{_source}: {message}";
        return innerException is null ? new SafeTensorsException(fullMessage) : new SafeTensorsException(fullMessage, innerException);
    }

    private int GetFloatingPointElementSize(SafeTensorInfo info) => info.DType switch
    {
        "F64" => 8,
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => throw CreateException($"Tensor '{info.Name}' has dtype {info.DType}; only F64, F32, F16 and BF16 tensors can be read as floating-point values."),
    };

    private static void Decode<T>(string dtype, ReadOnlySpan<byte> bytes, Span<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Floating-point to floating-point CreateTruncating rounds to nearest, like a cast.
        switch (dtype)
        {
            case "F64":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]));
                }

                break;
            case "F32":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]));
                }

                break;
            case "F16":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating((float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]));
                }

                break;
            default:
                // BF16 is the upper half of an IEEE single.
                for (int i = 0; i < values.Length; i++)
                {
                    int singleBits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16;
                    values[i] = T.CreateTruncating(BitConverter.Int32BitsToSingle(singleBits));
                }

                break;
        }
    }

    private void ReadExactly(Span<byte> buffer, string what)
    {
        try
        {
            _stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw CreateException($"The file ended while reading {what}; it is shorter than its length said (was it truncated after opening?).", e);
        }
    }

    private List<SafeTensorInfo> ParseHeader(byte[] header, long dataLength, out Dictionary<string, string> metadata)
    {
        if (!Utf8.IsValid(header))
        {
            throw CreateException("The header is not valid UTF-8.");
        }

        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw CreateException("The header is not a JSON object: it must start with '{'.");
        }

        var tensors = new List<SafeTensorInfo>();
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var json = new Utf8JsonReader(header);
        try
        {
            json.Read();
            while (json.Read() && json.TokenType != JsonTokenType.EndObject)
            {
                string name = GetString(ref json);
                json.Read();
                if (name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw CreateException($"The header has two '{MetadataKey}' entries.");
                    }

                    sawMetadata = true;
                    ParseMetadata(ref json, metadata);
                }
                else
                {
                    SafeTensorInfo info = ParseTensor(ref json, name, dataLength);
                    if (!_tensorsByName.TryAdd(name, info))
                    {
                        throw CreateException($"Tensor '{name}' appears twice in the header.");
                    }

                    tensors.Add(info);
                }
            }

            // Only whitespace (writers pad the header with spaces) may follow the object; Utf8JsonReader throws on anything else.
            json.Read();
        }
        catch (JsonException e)
        {
            throw CreateException($"The header is not valid JSON: {e.Message}", e);
        }

        return tensors;
    }

    private void ParseMetadata(ref Utf8JsonReader json, Dictionary<string, string> metadata)
    {
        // The reference implementation reads the metadata as an optional map, so null means none.
        if (json.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (json.TokenType != JsonTokenType.StartObject)
        {
            throw CreateException($"'{MetadataKey}' must be an object of strings, but it is {DescribeToken(ref json)}.");
        }

        while (json.Read() && json.TokenType != JsonTokenType.EndObject)
        {
            string key = GetString(ref json);
            json.Read();
            if (json.TokenType != JsonTokenType.String)
            {
                throw CreateException($"'{MetadataKey}' entry '{key}' must be a string, but it is {DescribeToken(ref json)}.");
            }

            if (!metadata.TryAdd(key, GetString(ref json)))
            {
                throw CreateException($"'{MetadataKey}' has two entries '{key}'.");
            }
        }
    }

    private SafeTensorInfo ParseTensor(ref Utf8JsonReader json, string name, long dataLength)
    {
        if (json.TokenType != JsonTokenType.StartObject)
        {
            throw CreateException($"Tensor '{name}': the entry must be an object with dtype, shape and data_offsets, but it is {DescribeToken(ref json)}.");
        }

        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (json.Read() && json.TokenType != JsonTokenType.EndObject)
        {
            string field = GetString(ref json);
            json.Read();
            switch (field)
            {
                case "dtype":
                    EnsureFirstOccurrence(dtype is null, name, field);
                    if (json.TokenType != JsonTokenType.String)
                    {
                        throw CreateException($"Tensor '{name}': dtype must be a string, but it is {DescribeToken(ref json)}.");
                    }

                    dtype = GetString(ref json);
                    break;
                case "shape":
                    EnsureFirstOccurrence(shape is null, name, field);
                    shape = ParseNonNegativeIntegers(ref json, name, field, MaxRank);
                    break;
                case "data_offsets":
                    EnsureFirstOccurrence(offsets is null, name, field);
                    offsets = ParseNonNegativeIntegers(ref json, name, field, maxCount: 2);
                    if (offsets.Length != 2)
                    {
                        throw CreateException($"Tensor '{name}': data_offsets must hold 2 integers [begin, end], but it holds {offsets.Length}.");
                    }

                    break;
                default:
                    // Unknown fields are ignored, as the reference implementation does.
                    json.Skip();
                    break;
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw CreateException($"Tensor '{name}': the entry has no {missing}.");
        }

        return CreateValidatedInfo(name, dtype, shape, offsets[0], offsets[1], dataLength);
    }

    private SafeTensorInfo CreateValidatedInfo(string name, string dtype, long[] shape, long begin, long end, long dataLength)
    {
        int bitsPerElement = SafeTensorInfo.BitsPerElement(dtype);
        if (bitsPerElement == 0)
        {
            throw CreateException($"Tensor '{name}' has unknown dtype '{Truncate(dtype)}'.");
        }

        string shapeText = SafeTensorInfo.FormatShape(shape);
        if (!SafeTensorInfo.TryGetElementCount(shape, out long elementCount) || elementCount > long.MaxValue / bitsPerElement)
        {
            throw CreateException($"Tensor '{name}': shape {shapeText} has more elements than a 64-bit size can count.");
        }

        long bitLength = elementCount * bitsPerElement;
        if (bitLength % 8 != 0)
        {
            throw CreateException($"Tensor '{name}': {elementCount} elements of {bitsPerElement}-bit dtype {dtype} (shape {shapeText}) do not fill a whole number of bytes.");
        }

        if (begin > end)
        {
            throw CreateException($"Tensor '{name}': data_offsets [{begin}, {end}] begin after they end.");
        }

        if (end > dataLength)
        {
            throw CreateException($"Tensor '{name}': data_offsets [{begin}, {end}] end past the {dataLength}-byte data section.");
        }

        if (end - begin != bitLength / 8)
        {
            throw CreateException($"Tensor '{name}': dtype {dtype} and shape {shapeText} need {bitLength / 8} bytes, but data_offsets [{begin}, {end}] span {end - begin}.");
        }

        return new SafeTensorInfo(name, dtype, ImmutableArray.Create(shape), begin, end);
    }

    private void EnsureDataIsExactlyCovered(List<SafeTensorInfo> tensors, long dataLength)
    {
        tensors.Sort(static (left, right) => left.DataBegin != right.DataBegin
            ? left.DataBegin.CompareTo(right.DataBegin)
            : left.DataEnd.CompareTo(right.DataEnd));

        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo tensor in tensors)
        {
            if (tensor.DataBegin < covered)
            {
                throw CreateException($"Tensors '{previous!.Name}' (bytes {previous.DataBegin} to {previous.DataEnd}) and '{tensor.Name}' (bytes {tensor.DataBegin} to {tensor.DataEnd}) overlap.");
            }

            if (tensor.DataBegin > covered)
            {
                throw CreateException($"Bytes {covered} to {tensor.DataBegin} of the data section, before tensor '{tensor.Name}', belong to no tensor; the data must be contiguous.");
            }

            covered = tensor.DataEnd;
            previous = tensor;
        }

        if (covered != dataLength)
        {
            throw CreateException($"The data section is {dataLength} bytes long, but its tensors cover only the first {covered}; trailing bytes are not allowed.");
        }
    }

    private long[] ParseNonNegativeIntegers(ref Utf8JsonReader json, string name, string field, int maxCount)
    {
        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw CreateException($"Tensor '{name}': {field} must be an array of non-negative integers, but it is {DescribeToken(ref json)}.");
        }

        var values = new List<long>();
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            if (json.TokenType != JsonTokenType.Number || !json.TryGetInt64(out long value) || value < 0)
            {
                throw CreateException($"Tensor '{name}': {field} must hold non-negative integers, but it holds {DescribeToken(ref json)}.");
            }

            // The cap keeps a hostile header from building huge arrays.
            if (values.Count == maxCount)
            {
                throw CreateException($"Tensor '{name}': {field} has more than {maxCount} entries.");
            }

            values.Add(value);
        }

        return values.ToArray();
    }

    private void EnsureFirstOccurrence(bool isFirst, string name, string field)
    {
        if (!isFirst)
        {
            throw CreateException($"Tensor '{name}': the entry has two '{field}' fields.");
        }
    }

    private string GetString(ref Utf8JsonReader json)
    {
        try
        {
            return json.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // An escape such as "\ud800" decodes to invalid UTF-16.
            throw CreateException($"The header holds a string that is not valid text: {e.Message}", e);
        }
    }

    private static string DescribeToken(ref Utf8JsonReader json) => json.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Truncate(Encoding.UTF8.GetString(json.ValueSpan))}\"",
        _ => Truncate(Encoding.UTF8.GetString(json.ValueSpan)),
    };

    private static string Truncate(string text) =>
        text.Length <= MaxTokenTextInMessages ? text : string.Concat(text.AsSpan(0, MaxTokenTextInMessages), "…");
}
