using System;
using System.Diagnostics;
using System.IO;
using System.Numerics;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// <see cref="KernelChecks"/> in this process (the machine's default Vector&lt;T&gt; width) and in child processes whose
/// Vector&lt;T&gt; is 128, 256 and 512 bits wide (DOTNET_MaxVectorTBitWidth), and one at 256 bits with AVX-512 turned off
/// (DOTNET_EnableAVX512), so every width's paths and tails are exercised whatever the machine running the tests defaults to.
/// </summary>
public sealed class KernelTests
{
    /// <summary>The argument that makes this test assembly run the kernel checks as a program (see <see cref="Program"/>).</summary>
    public const string ChecksArgument = "--kernel-checks";

    [Fact]
    public void EveryKernelMatchesTheScalarReferenceAtThisWidth()
    {
        var failures = KernelChecks.Run();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData(128, true)]
    [InlineData(256, true)]
    [InlineData(512, true)]
    [InlineData(256, false)]
    public void EveryKernelMatchesTheScalarReferenceAtWidth(int bits, bool avx512)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{typeof(KernelTests).Assembly.Location}\" {ChecksArgument}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_MaxVectorTBitWidth"] = bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!avx512)
        {
            // The kernels' 256-bit paths that AVX-512 cores replace with 512-bit loads (the column panels) run too.
            start.Environment["DOTNET_EnableAVX512"] = "0";
        }
        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd() + child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(5)), "the kernel checks did not finish");
        Assert.True(child.ExitCode == 0, output);
        // The width and the instruction sets took effect, up to what the machine has (AVX-512 for 512 bits, AVX2 for 256).
        bool hasAvx512 = avx512 && Vector512.IsHardwareAccelerated;
        int widest = hasAvx512 ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        int expectedLanes = Math.Min(bits, widest) / 32;
        Assert.Contains($"Vector<float>.Count = {expectedLanes}, Vector512 accelerated: {hasAvx512}", output, StringComparison.Ordinal);
        Assert.Contains("0 failed", output, StringComparison.Ordinal);
    }
}

/// <summary>The entry point of the test assembly when run as a program, for the kernel checks at another vector width.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is not [KernelTests.ChecksArgument])
        {
            Console.Error.WriteLine($"usage: dotnet RnnGen.Tests.dll {KernelTests.ChecksArgument} (the tests themselves run under dotnet test)");
            return 2;
        }
        var failures = KernelChecks.Run();
        foreach (string failure in failures)
        {
            Console.WriteLine(failure);
        }
        Console.WriteLine($"Vector<float>.Count = {Vector<float>.Count}, Vector512 accelerated: {Vector512.IsHardwareAccelerated}: kernel checks {(failures.Count == 0 ? "passed" : "failed")}, {failures.Count} failed");
        return failures.Count == 0 ? 0 : 1;
    }
}
