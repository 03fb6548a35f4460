using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary>What the kernels' layout choices read off the machine: the second-level cache's size, and cache-line starts for packed weights.</summary>
public sealed class CacheLayoutTests
{
    /// <summary>
    /// CPUID's size of the second-level cache is the one the operating system reports: on Linux, sysfs's level-2 data or
    /// unified cache of the first processor (read by the kernel from CPUID's other cache leaves).
    /// </summary>
    [Fact]
    public void TheSecondLevelCacheIsTheOneTheSystemReports()
    {
        if (!X86Base.IsSupported)
        {
            Assert.Equal(CpuCaches.DefaultSecondLevelBytes, CpuCaches.SecondLevelBytes);
            return;
        }
        string[] caches = Directory.Exists("/sys/devices/system/cpu/cpu0/cache") ? Directory.GetDirectories("/sys/devices/system/cpu/cpu0/cache", "index*") : [];
        string? secondLevel = caches.FirstOrDefault(cache => File.ReadAllText(Path.Combine(cache, "level")).Trim() == "2"
            && File.ReadAllText(Path.Combine(cache, "type")).Trim() is "Data" or "Unified");
        Assert.True(secondLevel is not null || !OperatingSystem.IsLinux(), "Linux lists no level-2 cache in sysfs");
        if (secondLevel is not null)
        {
            string size = File.ReadAllText(Path.Combine(secondLevel, "size")).Trim();
            Assert.EndsWith("K", size, StringComparison.Ordinal);
            Assert.Equal(int.Parse(size[..^1], System.Globalization.CultureInfo.InvariantCulture) * 1024, CpuCaches.SecondLevelBytes);
        }
    }

    /// <summary>From every start an array's elements can have, the slice for packed weights starts on a 64-byte line, inside the span given with the slack.</summary>
    [Fact]
    public void PackedWeightsStartOnACacheLine()
    {
        StartsOnALine<float>();
        StartsOnALine<double>();
    }

    private static void StartsOnALine<T>()
        where T : unmanaged
    {
        const int length = 100;
        var array = GC.AllocateArray<T>(length + MatrixKernels.CacheLineSlack + 64, pinned: true);
        for (int offset = 0; offset < 64 / Unsafe.SizeOf<T>(); offset++)
        {
            Span<T> given = array.AsSpan(offset, length + MatrixKernels.CacheLineSlack);
            Span<T> packed = MatrixKernels.OnCacheLine(given, length);
            Assert.Equal(length, packed.Length);
            Assert.Equal(0, AddressOf(packed) % 64);
            Assert.True(given.Overlaps(packed, out int skipped) && skipped >= 0 && skipped + length <= given.Length, $"{typeof(T).Name} at offset {offset}: the slice leaves the span");
        }
    }

    /// <summary>
    /// A model's parameters and gradients start on a 64-byte line, many buffers in a row (wherever the allocator puts each),
    /// hold zeros of the length asked for, and keep their start: they are pinned, so a compacting collection moves nothing.
    /// </summary>
    [Fact]
    public void ParameterBuffersStartOnACacheLine()
    {
        var buffers = Enumerable.Range(1, 64).Select(length => (length, float32: new CacheAlignedBuffer<float>(length), float64: new CacheAlignedBuffer<double>(length))).ToList();
        var starts = buffers.Select(buffer => (AddressOf(buffer.float32.Span), AddressOf(buffer.float64.Span))).ToList();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        for (int i = 0; i < buffers.Count; i++)
        {
            var (length, float32, float64) = buffers[i];
            Assert.Equal((length, length), (float32.Span.Length, float64.Span.Length));
            Assert.True(float32.Span.IndexOfAnyExcept(0f) < 0 && float64.Span.IndexOfAnyExcept(0d) < 0, $"buffer of {length} not zero");
            Assert.Equal((0L, 0L), (starts[i].Item1 % 64, starts[i].Item2 % 64));
            Assert.Equal(starts[i], (AddressOf(float32.Span), AddressOf(float64.Span)));
        }
        Assert.Throws<ArgumentOutOfRangeException>("length", () => new CacheAlignedBuffer<float>(-1));
    }

    /// <summary>A generated model computes from such a buffer: its Parameters and Gradients start on a line.</summary>
    [Fact]
    public void AModelsParametersStartOnACacheLine()
    {
        for (int i = 0; i < 8; i++)
        {
            var model = new RnnGen.Tests.Runtime.PlainLstm();
            Assert.Equal((0L, 0L), (AddressOf(model.Parameters) % 64, AddressOf(model.Gradients) % 64));
        }
    }

    private static long AddressOf<T>(Span<T> span) => (long)Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetReference(span));
}
