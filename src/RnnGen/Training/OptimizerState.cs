using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>The argument checks and safetensors encoding that every optimizer's state shares.</summary>
internal static class OptimizerState
{
    public static void ThrowIfNegativeOrNotFinite(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be a finite number ≥ 0.");
        }
    }

    public static void EnsureLengths<T>(int parameterCount, Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        if (parameters.Length != parameterCount)
        {
            throw new ArgumentException($"The optimizer updates {parameterCount} parameters, but the span holds {parameters.Length}.", nameof(parameters));
        }

        if (gradients.Length != parameterCount)
        {
            throw new ArgumentException($"The optimizer updates {parameterCount} parameters, but the gradient span holds {gradients.Length}.", nameof(gradients));
        }
    }

    /// <summary>Counts are metadata strings: the writer stores only floating-point tensors, and a double would round counts above 2^53.</summary>
    public static void WriteCount(SafeTensorsWriter writer, string key, long count)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.AddMetadata(key, count.ToString(CultureInfo.InvariantCulture));
    }

    public static long ReadCount(SafeTensorsReader reader, string key)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!reader.Metadata.TryGetValue(key, out string? text))
        {
            throw reader.CreateException($"Missing metadata '{key}': the file holds no such count.");
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
        {
            throw reader.CreateException($"Metadata '{key}' is \"{text}\", but it must be a non-negative integer.");
        }

        return count;
    }

    public static void WriteBuffer<T>(SafeTensorsWriter writer, string name, ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => writer.Add(name, values, values.Length);

    /// <summary>Reads a one-dimensional tensor of exactly <paramref name="expectedLength"/> elements into a new array, so callers can stage it before committing.</summary>
    public static T[] ReadBuffer<T>(SafeTensorsReader reader, string name, int expectedLength)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!reader.TryGetTensor(name, out SafeTensorInfo? info))
        {
            throw reader.CreateException($"Missing tensor '{name}': the optimizer needs it with shape [{expectedLength}].");
        }

        if (info.Shape.Length != 1 || info.ElementCount != expectedLength)
        {
            throw reader.CreateException($"Tensor '{name}' has shape {info.ShapeText} ({info.ElementCount} elements) in the file, but the optimizer expects [{expectedLength}].");
        }

        return reader.Read<T>(name);
    }
}
