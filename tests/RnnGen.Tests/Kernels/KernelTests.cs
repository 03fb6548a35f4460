using System;
using System.Diagnostics;
using System.IO;
using System.Numerics;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// <see cref="KernelChecks"/> in this process (the machine's default Vector&lt;T&gt; width) and in child processes whose
/// Vector&lt;T&gt; is 128, 256 and 512 bits wide (DOTNET_MaxVectorTBitWidth), so every width's paths and tails are exercised
/// whatever the machine running the tests defaults to.
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
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(512)]
    public void EveryKernelMatchesTheScalarReferenceAtWidth(int bits)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{typeof(KernelTests).Assembly.Location}\" {ChecksArgument}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_MaxVectorTBitWidth"] = bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd() + child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(5)), "the kernel checks did not finish");
        Assert.True(child.ExitCode == 0, output);
        // The width took effect, up to the widest the machine has (AVX-512 for 512 bits, AVX2 for 256).
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        int expectedLanes = Math.Min(bits, widest) / 32;
        Assert.Contains($"Vector<float>.Count = {expectedLanes}", output, StringComparison.Ordinal);
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
        Console.WriteLine($"Vector<float>.Count = {Vector<float>.Count}: kernel checks {(failures.Count == 0 ? "passed" : "failed")}, {failures.Count} failed");
        return failures.Count == 0 ? 0 : 1;
    }
}
