using System;
using System.IO;

namespace RnnGen;

/// <summary>Replaces a file whole or not at all: writes a temporary file in the same folder, flushes it to disk, then renames it over the target.</summary>
internal static class AtomicFile
{
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the content.</param>
    /// <param name="wrapTemporaryFile">A test seam that may wrap the temporary file's stream, e.g. to fail midway.</param>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream> wrapTemporaryFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string fileName = Path.GetFileName(fullPath);
        string? directory = Path.GetDirectoryName(fullPath);
        if (fileName.Length == 0 || directory is null)
        {
            throw new ArgumentException($"'{path}' names a folder, not a file.", nameof(path));
        }

        string temporaryPath = Path.Combine(directory, $".{fileName}.{Path.GetRandomFileName()}.tmp");
        var temporaryFile = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            using (temporaryFile)
            {
                write(wrapTemporaryFile(temporaryFile));
                temporaryFile.Flush(flushToDisk: true);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            DeleteIfPossible(temporaryPath);
            throw;
        }
    }

    private static void DeleteIfPossible(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
