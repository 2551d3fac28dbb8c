using System.Globalization;

namespace HealthAnalytics.Bench;

/// <summary>Command line of <c>./dev bench [ingest|train|serve|all] [options]</c>.</summary>
public sealed record BenchOptions
{
    public const long DefaultIngestBytes = 1_000_000_000;

    public string Suite { get; init; } = "all";
    public long IngestBytes { get; init; } = DefaultIngestBytes;
    public int Seed { get; init; } = 42;
    public int Repeat { get; init; } = 1;

    /// <summary>Ingest engines to run; null = all of them.</summary>
    public IReadOnlyList<string>? Engines { get; init; }

    /// <summary>Training input sizes in rows; null = 100k and 1M.</summary>
    public IReadOnlyList<long>? TrainRows { get; init; }
    public required string RepoRoot { get; init; }
    public string ResultsDirectory => Path.Combine(RepoRoot, "bench", "results");
    public string WorkDirectory => Path.Combine(RepoRoot, ".tmp", "bench");
    public IReadOnlyList<string> RawArgs { get; init; } = [];

    public const string Usage = """
        usage: ./dev bench [ingest|train|serve|all] [options]
          --size SIZE      ingest input size: 1GB (default), 4GB, 500MB ... (GB = 10^9 bytes)
          --seed N         generator seed (default 42); inputs are cached per (size, seed)
          --engines LIST   ingest engines, comma separated: ours,ours-warm,duckdb-1,duckdb-all (default: all);
                           train: lightgbm-native-1, lightgbm-native-all, ours, survival (default: all)
          --rows LIST      training input sizes in rows, comma separated: 100k,1M (default)
          --repeat N       runs per engine; the median is reported (default 1)
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args, string repoRoot)
    {
        var o = new BenchOptions { RepoRoot = repoRoot, RawArgs = args };
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value");
            o = a switch
            {
                "ingest" or "train" or "serve" or "all" => o with { Suite = a },
                "--size" => o with { IngestBytes = ParseSize(Next()) },
                "--seed" => o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--repeat" => o with { Repeat = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--rows" => o with { TrainRows = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseRows)] },
                "--engines" => o with { Engines = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                _ => throw new ArgumentException($"unknown argument '{a}'"),
            };
        }

        return o;
    }

    /// <summary>Parses <c>1GB</c>, <c>4GB</c>, <c>250MB</c>, <c>64KB</c> or a plain byte count (decimal units).</summary>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToUpperInvariant();
        (string suffix, long factor)[] units = [("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("B", 1)];
        foreach (var (suffix, factor) in units)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                var n = double.Parse(s[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture);
                return checked((long)(n * factor));
            }
        }

        return long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Parses <c>100k</c>, <c>1M</c> or a plain row count.</summary>
    public static long ParseRows(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToUpperInvariant();
        return s.EndsWith('M') ? checked((long)(double.Parse(s[..^1], CultureInfo.InvariantCulture) * 1_000_000))
            : s.EndsWith('K') ? checked((long)(double.Parse(s[..^1], CultureInfo.InvariantCulture) * 1_000))
            : long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Human label of a byte size, the inverse of <see cref="ParseSize"/> for round numbers.</summary>
    public static string SizeLabel(long bytes) => bytes switch
    {
        >= 1_000_000_000 when bytes % 100_000_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.#}GB"),
        >= 1_000_000 when bytes % 100_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#}MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes}B"),
    };

    /// <summary>The repository root: the nearest folder up from here holding <c>HealthAnalytics.slnx</c>.</summary>
    public static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "HealthAnalytics.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("HealthAnalytics.slnx not found above the current directory");
    }
}
