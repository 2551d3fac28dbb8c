using System.Diagnostics;
using System.Globalization;

namespace HealthAnalytics.Bench.Inputs;

/// <summary>A generated input file and how it came to be.</summary>
public sealed record BenchInput(string Path, long Bytes, long? Rows, int Seed, string GeneratorId, bool FromCache, double GenerateSeconds);

/// <summary>
/// Generated inputs cached under <c>.tmp/bench/inputs</c>, keyed by (generator id, target size, seed), so
/// reruns reuse the same bytes. A file is written under a temporary name and renamed when complete: an
/// interrupted run never leaves a half file that a later run would take for a cached one.
/// </summary>
public sealed class InputCache(string directory, IEncountersGenerator generator)
{
    public string Directory { get; } = directory;

    public string PathFor(string sizeKey, int seed) =>
        System.IO.Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"encounters-{generator.Id}-{sizeKey}-seed{seed}.csv"));

    /// <summary>A file of about <paramref name="targetBytes"/> bytes.</summary>
    public BenchInput GetOrCreate(long targetBytes, int seed, CancellationToken ct) =>
        GetOrCreate(string.Create(CultureInfo.InvariantCulture, $"{targetBytes}b"), targetBytes, long.MaxValue, seed, ct);

    /// <summary>A file of exactly <paramref name="rows"/> data rows.</summary>
    public BenchInput GetOrCreateRows(long rows, int seed, CancellationToken ct) =>
        GetOrCreate(string.Create(CultureInfo.InvariantCulture, $"{rows}rows"), long.MaxValue, rows, seed, ct);

    private BenchInput GetOrCreate(string sizeKey, long targetBytes, long maxRows, int seed, CancellationToken ct)
    {
        var path = PathFor(sizeKey, seed);
        var rowsPath = path + ".rows";
        if (File.Exists(path))
        {
            long? rows = File.Exists(rowsPath) ? long.Parse(File.ReadAllText(rowsPath).Trim(), CultureInfo.InvariantCulture) : null;
            return new BenchInput(path, new FileInfo(path).Length, rows, seed, generator.Id, FromCache: true, GenerateSeconds: 0);
        }

        System.IO.Directory.CreateDirectory(Directory);
        var partial = path + ".partial";
        var sw = Stopwatch.StartNew();
        long written;
        using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            written = generator.Write(file, targetBytes, maxRows, seed, ct);
        }

        File.WriteAllText(rowsPath, written.ToString(CultureInfo.InvariantCulture));
        File.Move(partial, path, overwrite: true);
        return new BenchInput(path, new FileInfo(path).Length, written, seed, generator.Id, FromCache: false, sw.Elapsed.TotalSeconds);
    }
}
