using System;
using System.Collections.Generic;
using System.IO;

namespace RnnGen.Samples;

/// <summary>The samples' command line: <c>--smoke</c> (a few steps, as CI runs them), <c>--help</c>, and the sample's own flags.</summary>
public sealed record SampleArguments(bool Smoke, IReadOnlySet<string> Flags)
{
    /// <summary>Parses <paramref name="args"/>; on <c>--help</c> or an unknown argument prints the usage and returns null (exit code in <paramref name="exitCode"/>).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="description">What the sample does, for the usage.</param>
    /// <param name="exitCode">0, or 2 for an unknown argument.</param>
    /// <param name="flags">The sample's own flags (e.g. <c>--features</c>) with their help lines.</param>
    public static SampleArguments? Parse(string[] args, string description, out int exitCode, params (string Flag, string Help)[] flags)
    {
        bool smoke = false;
        var set = new HashSet<string>(StringComparer.Ordinal);
        exitCode = 0;
        foreach (string arg in args)
        {
            switch (arg)
            {
                case "--smoke":
                    smoke = true;
                    break;
                case var flag when Array.Exists(flags, f => f.Flag == flag):
                    set.Add(flag);
                    break;
                case "-h" or "--help" or "-?":
                    PrintUsage(Console.Out, description, flags);
                    return null;
                default:
                    Console.Error.WriteLine($"Unknown argument '{arg}'.");
                    PrintUsage(Console.Error, description, flags);
                    exitCode = 2;
                    return null;
            }
        }

        return new SampleArguments(smoke, set);
    }

    private static void PrintUsage(TextWriter writer, string description, (string Flag, string Help)[] flags)
    {
        writer.WriteLine(description);
        writer.WriteLine();
        writer.WriteLine("Options:");
        writer.WriteLine("  --smoke   a few training steps on a little data, to check that everything runs (as CI does)");
        foreach ((string flag, string help) in flags)
        {
            writer.WriteLine($"  {flag,-9} {help}");
        }

        writer.WriteLine("  --help    this text");
        writer.WriteLine();
        writer.WriteLine($"Data cache: {NpmPackageCache.CacheRoot} (RNNGEN_SAMPLES_CACHE or XDG_CACHE_HOME moves it; NPM_CONFIG_REGISTRY picks the registry).");
    }
}
