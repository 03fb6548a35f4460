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

    private static long AddressOf<T>(Span<T> span) => (long)Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetReference(span));
}
