using System;
using System.IO;

namespace RnnGen;

/// <summary>
/// Thrown when a safetensors file is malformed, or well formed but not what the caller needs
/// (a missing tensor, or a tensor of the wrong shape or dtype). The message names the tensor when
/// there is one, and the expected and actual sizes, shapes, dtypes or offsets.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed), so code that
/// handles "this file could not be read" by catching <see cref="IOException"/> handles malformed files too.
/// </remarks>
public sealed class SafeTensorsException : IOException
{
    /// <summary>Creates the exception with a message that describes what is wrong.</summary>
    /// <param name="message">What is wrong, naming the tensor when there is one.</param>
    public SafeTensorsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed the problem.</summary>
    /// <param name="message">What is wrong, naming the tensor when there is one.</param>
    /// <param name="innerException">The error that revealed the problem, e.g. a JSON parse error.</param>
    public SafeTensorsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
