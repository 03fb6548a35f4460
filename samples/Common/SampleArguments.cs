using System;
using System.IO;

namespace RnnGen.Samples;

/// <summary>The samples' command line: <c>--smoke</c> (a few steps, as CI runs them) and <c>--help</c>.</summary>
public sealed record SampleArguments(bool Smoke)
{
    /// <summary>Parses <paramref name="args"/>; on <c>--help</c> or an unknown argument prints the usage and returns null (exit code in <paramref name="exitCode"/>).</summary>
    public static SampleArguments? Parse(string[] args, string description, out int exitCode)
    {
        bool smoke = false;
        exitCode = 0;
        foreach (string arg in args)
        {
            switch (arg)
            {
                case "--smoke":
                    smoke = true;
                    break;
                case "-h" or "--help" or "-?":
                    PrintUsage(Console.Out, description);
                    return null;
                default:
                    Console.Error.WriteLine($"Unknown argument '{arg}'.");
                    PrintUsage(Console.Error, description);
                    exitCode = 2;
                    return null;
            }
        }

        return new SampleArguments(smoke);
    }

    private static void PrintUsage(TextWriter writer, string description)
    {
        writer.WriteLine(description);
        writer.WriteLine();
        writer.WriteLine("Options:");
        writer.WriteLine("  --smoke   a few training steps on a little data, to check that everything runs (as CI does)");
        writer.WriteLine("  --help    this text");
        writer.WriteLine();
        writer.WriteLine($"Data cache: {NpmPackageCache.CacheRoot} (RNNGEN_SAMPLES_CACHE or XDG_CACHE_HOME moves it; NPM_CONFIG_REGISTRY picks the registry).");
    }
}
