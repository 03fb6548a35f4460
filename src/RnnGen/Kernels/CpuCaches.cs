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
    /// The second-level cache's size from CPUID: the deterministic cache parameters (leaf 4 on Intel, 0x8000001D on AMD,
    /// which Linux reads too), else leaf 0x80000006 (ECX bits 31-16, in KB). The deterministic leaves come first because
    /// hypervisors pass them through while some report a stale 0x80000006 (a KVM guest on Ice Lake: 256 KB there, 1.25 MB in
    /// leaf 4 and sysfs). Null off x86 or where the processor reports none of them.
    /// </summary>
    private static int? ReadSecondLevelBytes()
    {
        const int extendedLeaves = unchecked((int)0x80000000), amdCacheLeaf = unchecked((int)0x8000001D), legacyCacheLeaf = unchecked((int)0x80000006);
        if (!X86Base.IsSupported)
        {
            return null;
        }
        uint basic = (uint)X86Base.CpuId(0, 0).Eax, extended = (uint)X86Base.CpuId(extendedLeaves, 0).Eax;
        int? bytes = basic >= 4 ? DeterministicSecondLevel(4) : null;
        bytes ??= extended >= unchecked((uint)amdCacheLeaf) ? DeterministicSecondLevel(amdCacheLeaf) : null;
        if (bytes is null && extended >= unchecked((uint)legacyCacheLeaf))
        {
            int kilobytes = (X86Base.CpuId(legacyCacheLeaf, 0).Ecx >> 16) & 0xFFFF;
            bytes = kilobytes == 0 ? null : kilobytes * 1024;
        }
        return bytes;
    }

    /// <summary>
    /// The level-2 data or unified cache among the subleaves of a deterministic cache parameters leaf: ways × partitions ×
    /// line size × sets, each stored less one (EBX bits 31-22, 21-12, 11-0; ECX); a subleaf of type 0 ends the list.
    /// </summary>
    private static int? DeterministicSecondLevel(int leaf)
    {
        for (int subleaf = 0; subleaf < 16; subleaf++)
        {
            (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, subleaf);
            int type = eax & 0x1F, level = (eax >> 5) & 0x7;
            if (type == 0)
            {
                return null;
            }
            if (level == 2 && type is 1 or 3)
            {
                long bytes = (long)(((ebx >> 22) & 0x3FF) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * ((long)(uint)ecx + 1);
                return bytes is > 0 and <= int.MaxValue ? (int)bytes : null;
            }
        }
        return null;
    }
}
