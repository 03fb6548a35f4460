using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RnnGen.Kernels;

/// <summary>The one bounds check of a kernel: every unchecked load and store after it stays inside the spans.</summary>
internal static class KernelGuard
{
    /// <summary>Throws <see cref="ArgumentException"/> with <paramref name="message"/> unless the spans fit; the throw stays out of line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Require(bool sizesFit, string message)
    {
        if (!sizesFit)
        {
            Throw(message);
        }
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new ArgumentException(message);
}
