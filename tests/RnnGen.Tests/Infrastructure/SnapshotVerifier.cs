using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Microsoft.CodeAnalysis;
using RnnGen.TestKit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// A small stand-in for Verify.SourceGenerators (not served here), with its file naming so a later switch is a
/// rename: each generated file is compared to <c>Snapshots/{Class}.{Method}#{HintName}.verified.cs</c> and the
/// diagnostics to <c>{Class}.{Method}.verified.txt</c>. A mismatch writes <c>.received.*</c> beside it and fails
/// with a line diff; set <c>RNNGEN_ACCEPT_SNAPSHOTS=1</c> to accept the new output. Missing and extra files fail too.
/// </summary>
public static class SnapshotVerifier
{
    private const string AcceptVariable = "RNNGEN_ACCEPT_SNAPSHOTS";

    public static void Verify(GeneratorRun run, [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "")
    {
        string className = Path.GetFileNameWithoutExtension(callerFile);
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        string prefix = $"{className}.{method}";
        bool accept = Environment.GetEnvironmentVariable(AcceptVariable) == "1";

        var expectedFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string hintName, string source) in run.GeneratedSources)
        {
            string stem = hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;
            expectedFiles[$"{prefix}#{stem}.verified.cs"] = $"//HintName: {hintName}\n{source}";
        }
        expectedFiles[$"{prefix}.verified.txt"] = DescribeDiagnostics(run.RnnGenDiagnostics);

        var failures = new List<string>();
        foreach ((string fileName, string actual) in expectedFiles)
        {
            string verifiedPath = Path.Combine(directory, fileName);
            string receivedPath = verifiedPath.Replace(".verified.", ".received.", StringComparison.Ordinal);
            string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
            if (verified == actual)
            {
                File.Delete(receivedPath);
                continue;
            }
            if (accept)
            {
                File.WriteAllText(verifiedPath, actual);
                File.Delete(receivedPath);
                continue;
            }
            File.WriteAllText(receivedPath, actual);
            failures.Add(verified is null
                ? $"{fileName} is missing; the new output is in {Path.GetFileName(receivedPath)}."
                : $"{fileName} differs from the generated output (written to {Path.GetFileName(receivedPath)}):\n{LineDiff(verified, actual)}");
        }

        foreach (string stale in Directory.GetFiles(directory, prefix + "*.verified.*").Select(Path.GetFileName).OfType<string>())
        {
            bool ours = stale.StartsWith(prefix + "#", StringComparison.Ordinal) || stale.StartsWith(prefix + ".", StringComparison.Ordinal);
            if (ours && !expectedFiles.ContainsKey(stale))
            {
                if (accept)
                {
                    File.Delete(Path.Combine(directory, stale));
                }
                else
                {
                    failures.Add($"{stale} is no longer generated; delete it or accept with {AcceptVariable}=1.");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new SnapshotMismatchException(
                $"Snapshot mismatch for {prefix} (accept the new output with {AcceptVariable}=1):\n" + string.Join("\n", failures));
        }
    }

    /// <summary>One line per diagnostic: ID, severity, location and message, in source order.</summary>
    public static string DescribeDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        var text = new StringBuilder();
        foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
            string where = diagnostic.Location != Location.None
                ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}-{span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})"
                : "(no location)";
            text.Append($"{diagnostic.Id} {diagnostic.Severity} {where}: {diagnostic.GetMessage()}\n");
        }
        return text.Length == 0 ? "(no diagnostics)\n" : text.ToString();
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string LineDiff(string expected, string actual)
    {
        DiffPaneModel diff = InlineDiffBuilder.Diff(expected, actual);
        var text = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < diff.Lines.Count && shown < 60; i++)
        {
            DiffPiece line = diff.Lines[i];
            if (line.Type is ChangeType.Inserted or ChangeType.Deleted)
            {
                text.Append(line.Type == ChangeType.Inserted ? "+ " : "- ").Append(line.Position?.ToString() ?? "").Append(": ").Append(line.Text).Append('\n');
                shown++;
            }
        }
        return text.ToString();
    }
}

/// <summary>A generated file differs from its committed snapshot.</summary>
public sealed class SnapshotMismatchException(string message) : Exception(message);
