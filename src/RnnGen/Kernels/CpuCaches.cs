using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// The caches of the processor the kernels run on, where a kernel's choice depends on them: cores differ by four times
/// in their second-level cache (512 KB on AMD Zen 3, 2 MB on Intel Sapphire Rapids), and a layout that pays off while a
/// matrix stays in that cache costs once the matrix streams from the third level.
/// </summary>
internal static class CpuCaches
{
    /// <summary>The size taken where the processor does not say: the smallest second-level cache of the x86 cores measured.</summary>
    internal const int DefaultSecondLevelBytes = 512 * 1024;

    /// <summary>The second-level cache of one core, in bytes, read once (constant to the JIT's optimised code).</summary>
    internal static readonly int SecondLevelBytes = ReadSecondLevelBytes() ?? DefaultSecondLevelBytes;

    /// <summary>
    /// The second-level cache's size from CPUID leaf 0x80000006 (ECX bits 31-16, in KB), which Intel and AMD processors
    /// both report; null off x86 or where the processor reports no such leaf or a size of 0.
    /// </summary>
    private static int? ReadSecondLevelBytes()
    {
        const uint extendedLeaves = 0x80000000, cacheLeaf = 0x80000006;
        if (!X86Base.IsSupported || (uint)X86Base.CpuId(unchecked((int)extendedLeaves), 0).Eax < cacheLeaf)
        {
            return null;
        }
        int kilobytes = (X86Base.CpuId(unchecked((int)cacheLeaf), 0).Ecx >> 16) & 0xFFFF;
        return kilobytes == 0 ? null : kilobytes * 1024;
    }
}
