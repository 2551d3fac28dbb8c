namespace HealthAnalytics.Ingestion;

/// <summary>
/// Ingestion's scratch files: one dedicated folder (<see cref="IngestionOptions.TempDirectory"/>), one recognizable prefix
/// (<see cref="Prefix"/>). A run deletes its files on close; a run that was killed (<c>kill -9</c>, a lost instance) leaves
/// them, about 1.6× the upload's size, so every start removes the ones no live run holds (docs/reliability.md, §10).
/// </summary>
public static class IngestionScratch
{
    /// <summary>Prefix of every scratch file of ingestion.</summary>
    public const string Prefix = "ha-ingest-";

    /// <summary>A file younger than this is left alone at start: it may belong to a run that is opening it.</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(1);

    /// <summary>The scratch folder of these options (created when missing).</summary>
    public static string Folder(IngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var folder = string.IsNullOrWhiteSpace(options.TempDirectory)
            ? Path.Combine(Path.GetTempPath(), "healthanalytics-ingest")
            : options.TempDirectory;
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A new random path in <paramref name="folder"/>: nothing from an upload's name reaches the file system.</summary>
    public static string NewPath(string folder) => Path.Combine(folder, Prefix + Guid.NewGuid().ToString("N") + ".tmp");

    /// <summary>
    /// Removes the scratch files of stopped runs: prefixed, older than <see cref="MinimumAge"/>, and not held by a live
    /// run. A live run opens its files with <see cref="FileShare.None"/> (a lock on Linux too), so opening one
    /// exclusively fails while it runs, in this process or another one sharing the folder.
    /// </summary>
    /// <returns>Files removed and their bytes.</returns>
    public static (int Files, long Bytes) RemoveStale(string folder, DateTimeOffset now)
    {
        var files = 0;
        long bytes = 0;
        foreach (var path in Directory.EnumerateFiles(folder, Prefix + "*"))
        {
            try
            {
                var info = new FileInfo(path);
                if (now - info.LastWriteTimeUtc < MinimumAge)
                {
                    continue;
                }

                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                    bytes += info.Length;
                }

                files++;
            }
            catch (IOException)
            {
                // Held by a live run (or gone meanwhile): not ours to remove.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return (files, bytes);
    }
}
