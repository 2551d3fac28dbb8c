using System.Globalization;
using System.Text;
using HealthAnalytics.Bench.Inputs;
using HealthAnalytics.Bench.Measurement;
using HealthAnalytics.Bench.Results;
using HealthAnalytics.Bench.Suites;

namespace HealthAnalytics.Bench.Ingest;

/// <summary>One engine's measured run (median time over repeats, highest peak RSS).</summary>
public sealed record EngineRun
{
    public required string Label { get; init; }
    public required string Engine { get; init; }
    public int Threads { get; init; }
    public bool Ok { get; init; }
    public string? Error { get; init; }
    public double Seconds { get; init; }

    /// <summary>Median CPU seconds of the engine call (user + system, all threads).</summary>
    public double CpuSeconds { get; init; }
    public double MegabytesPerSecond { get; init; }
    public long PeakRssBytes { get; init; }
    public double PeakRssMegabytes { get; init; }
    public double ProcessWallSeconds { get; init; }
    public long RowsWritten { get; init; }
    public long OutputBytes { get; init; }
    public IList<double> RepeatSeconds { get; init; } = [];
    public IDictionary<string, string> Details { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}

public sealed record TargetCheck(string Name, string Target, string Measured, bool? Met);

public sealed record IngestResult
{
    public string Suite { get; init; } = "ingest";
    public required string Variant { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Command { get; init; }
    public required MachineInfo Machine { get; init; }
    public required string InputFile { get; init; }
    public required long InputBytes { get; init; }
    public long? InputRows { get; init; }
    public int InputColumns { get; init; }
    public int Seed { get; init; }
    public required string Generator { get; init; }
    public IList<EngineRun> Runs { get; init; } = [];

    /// <summary>1-minute load average before and after the engines ran: a shared machine makes wall times noisy.</summary>
    public double LoadBefore { get; init; }
    public double LoadAfter { get; init; }

    /// <summary>Throughput and memory ratios, ours over the peer (throughput &gt; 1 = ours faster).</summary>
    public IDictionary<string, double> Ratios { get; init; } = new SortedDictionary<string, double>(StringComparer.Ordinal);
    public IList<TargetCheck> Targets { get; init; } = [];
    public string Units { get; init; } = "MB = 10^6 bytes; MB/s = input bytes / engine seconds; peak RSS = max VmHWM of the engine's own process";
}

/// <summary>
/// Ingest: a generated <c>encounters</c> CSV → Parquet, our cleaner vs DuckDB (1 thread, all threads),
/// each engine in its own child process so its peak RSS is its own. The input is read once before the
/// engines so that every engine starts from the same warm page cache.
/// </summary>
public sealed class IngestSuite : IBenchSuite
{
    public const long OursPeakRssTargetBytes = 300_000_000;

    /// <summary>Label → (engine, threads; 0 = all cores).</summary>
    public static readonly IReadOnlyList<(string Label, string Engine, int Threads)> AllEngines =
    [
        ("duckdb-1", "duckdb", 1),
        ("duckdb-all", "duckdb", 0),
        // The cleaner is a two-stage pipeline (reader thread + cleaning/encoding) sized for the two cores.
        ("ours", "ours", 0),
        // The same after an untimed warm-up: a host's second upload (OursIngestEngine).
        ("ours-warm", "ours-warm", 0),
    ];

    /// <summary>Rows the warm engine ingests (three times, untimed) before the measured run.</summary>
    public const int WarmUpRows = 100_000;

    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(30);

    public string Name => "ingest";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var startedAt = DateTimeOffset.UtcNow;
        var variant = BenchOptions.SizeLabel(options.IngestBytes);
        var cache = new InputCache(Path.Combine(options.WorkDirectory, "inputs"), new BenchEncountersGenerator());

        Log($"input: {variant} encounters CSV, seed {options.Seed} (cache {Rel(options, cache.Directory)})");
        var input = cache.GetOrCreate(options.IngestBytes, options.Seed, ct);
        Log(input.FromCache
            ? $"  reused {Rel(options, input.Path)} ({input.Bytes:N0} bytes)"
            : $"  generated {Rel(options, input.Path)} ({input.Bytes:N0} bytes, {input.Rows:N0} rows) in {input.GenerateSeconds:F1} s");
        WarmPageCache(input.Path);

        var contract = Path.Combine(options.RepoRoot, "config", "contracts", "encounters.json");
        var outDir = Path.Combine(options.WorkDirectory, "out");
        Directory.CreateDirectory(outDir);
        var selected = AllEngines.Where(e => options.Engines is null || options.Engines.Contains(e.Label, StringComparer.Ordinal)).ToList();
        if (selected.Count == 0)
        {
            Log($"no engine selected; known: {string.Join(", ", AllEngines.Select(e => e.Label))}");
            return 2;
        }

        var loadBefore = LoadAverage();
        var baseline = await ChildRun.RunAsync(["ingest", "baseline"], ChildTimeout, ct);
        Log($"  baseline child process peak RSS {Mb(baseline.PeakRssBytes):F1} MB (runtime floor)");

        var samples = selected.ToDictionary(e => e.Label, _ => new List<ChildOutcome>(), StringComparer.Ordinal);
        for (var r = 0; r < options.Repeat; r++)
        {
            foreach (var (label, engine, threads) in selected)
            {
                var output = Path.Combine(outDir, label + ".parquet");
                File.Delete(output);
                Log($"  run {label} ({r + 1}/{options.Repeat}) ...");
                var outcome = await ChildRun.RunAsync(
                    ["ingest", engine, "--input", input.Path, "--output", output, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--contract", contract],
                    ChildTimeout, ct);
                samples[label].Add(outcome);
                Log(outcome.Report.Ok
                    ? $"    {outcome.Report.Seconds:F2} s (CPU {outcome.Report.CpuSeconds:F2} s), {input.Bytes / 1e6 / outcome.Report.Seconds:F1} MB/s, peak RSS {Mb(outcome.PeakRssBytes):F1} MB, {outcome.Report.RowsWritten:N0} rows"
                    : $"    failed: {outcome.Report.Error}");
                File.Delete(output);
            }
        }

        var runs = selected.Select(e => Summarize(e.Label, e.Engine, e.Threads, samples[e.Label], input.Bytes)).ToList();
        runs.Insert(0, Summarize("baseline", "baseline", 0, [baseline], 0));
        var result = new IngestResult
        {
            Variant = variant,
            StartedAt = startedAt,
            Command = "./dev bench " + string.Join(' ', options.RawArgs),
            Machine = MachineInfo.Current(options.RepoRoot),
            InputFile = Path.GetFileName(input.Path),
            InputBytes = input.Bytes,
            InputRows = input.Rows,
            InputColumns = BenchEncountersGenerator.Header.Split(',').Length,
            Seed = input.Seed,
            Generator = input.GeneratorId,
            Runs = runs,
            LoadBefore = loadBefore,
            LoadAfter = LoadAverage(),
        };
        AddRatiosAndTargets(result);

        var store = new ResultStore(options.ResultsDirectory);
        var (json, md) = store.Write("ingest", variant, startedAt, result, Markdown(result));
        Console.WriteLine();
        Console.WriteLine(Markdown(result));
        Log($"wrote {Rel(options, json)}, {Rel(options, md)}, {Rel(options, store.LatestPath)}");
        return runs.All(x => x.Ok) ? 0 : 1;
    }

    /// <summary>Child side: <c>child ingest ENGINE --input X --output Y --threads N</c>.</summary>
    public static async Task<int> RunChildAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        IIngestEngine engine = args[0] switch
        {
            "duckdb" => new DuckDbIngestEngine(),
            "ours" => new OursIngestEngine(ArgAfter(args, "--contract")),
            "ours-warm" => new OursIngestEngine(ArgAfter(args, "--contract"), WarmUpRows),
            "baseline" => new NoopEngine(),
            _ => throw new ArgumentException($"unknown ingest engine '{args[0]}'"),
        };
        string input = "", output = "";
        var threads = 1;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--input": input = args[++i]; break;
                case "--output": output = args[++i]; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--contract": i++; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        ChildReport report;
        try
        {
            report = await engine.RunAsync(input, output, threads, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The bench reports the failure as a result; the exception type and message are the bench's
            // own inputs (generated data), never partner data.
            report = new ChildReport { Engine = engine.Name, Ok = false, Error = $"{ex.GetType().Name}: {ex.Message}" };
        }

        ChildRun.Emit(report);
        return report.Ok ? 0 : 1;
    }

    private static string ArgAfter(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        throw new ArgumentException($"{name} is required");
    }

    private static EngineRun Summarize(string label, string engine, int threads, List<ChildOutcome> outcomes, long inputBytes)
    {
        var ok = outcomes.All(o => o.Report.Ok);
        var seconds = outcomes.Where(o => o.Report.Ok).Select(o => o.Report.Seconds).Order().ToList();
        var median = seconds.Count == 0 ? 0 : seconds[seconds.Count / 2];
        var cpus = outcomes.Where(o => o.Report.Ok).Select(o => o.Report.CpuSeconds).Order().ToList();
        var peak = outcomes.Max(o => o.PeakRssBytes);
        var last = outcomes[^1].Report;
        return new EngineRun
        {
            Label = label,
            Engine = engine,
            Threads = threads == 0 ? Environment.ProcessorCount : threads,
            Ok = ok,
            Error = outcomes.Select(o => o.Report.Error).FirstOrDefault(e => e is not null),
            Seconds = Math.Round(median, 3),
            CpuSeconds = cpus.Count == 0 ? 0 : Math.Round(cpus[cpus.Count / 2], 3),
            MegabytesPerSecond = median > 0 ? Math.Round(inputBytes / 1e6 / median, 1) : 0,
            PeakRssBytes = peak,
            PeakRssMegabytes = Math.Round(Mb(peak), 1),
            ProcessWallSeconds = Math.Round(outcomes.Max(o => o.WallSeconds), 3),
            RowsWritten = last.RowsWritten,
            OutputBytes = last.OutputBytes,
            RepeatSeconds = seconds.Select(s => Math.Round(s, 3)).ToList(),
            Details = last.Details,
        };
    }

    private static void AddRatiosAndTargets(IngestResult r)
    {
        EngineRun? Run(string label) => r.Runs.FirstOrDefault(x => x.Label == label && x.Ok);
        var (ours, warm, d1, dAll) = (Run("ours"), Run("ours-warm"), Run("duckdb-1"), Run("duckdb-all"));

        void Ratio(string key, EngineRun? a, EngineRun? b, Func<EngineRun, double> measure)
        {
            if (a is not null && b is not null)
            {
                r.Ratios[key] = Math.Round(measure(a) / measure(b), 3);
            }
        }

        Ratio("throughputOursWarmOverDuckDb1Thread", warm, d1, x => x.MegabytesPerSecond);
        Ratio("throughputOursWarmOverDuckDbAllThreads", warm, dAll, x => x.MegabytesPerSecond);
        Ratio("throughputOursOverDuckDb1Thread", ours, d1, x => x.MegabytesPerSecond);
        Ratio("cpuSecondsOursOverDuckDb1Thread", ours, d1, x => x.CpuSeconds);
        Ratio("peakRssOursOverDuckDb1Thread", ours, d1, x => x.PeakRssBytes);
        Ratio("throughputOursOverDuckDbAllThreads", ours, dAll, x => x.MegabytesPerSecond);
        Ratio("peakRssOursOverDuckDbAllThreads", ours, dAll, x => x.PeakRssBytes);

        TargetCheck PeakRss(string name, EngineRun? run) => new(
            name,
            $"<= {OursPeakRssTargetBytes / 1e6:F0} MB",
            run is null ? "not measured" : $"{run.PeakRssMegabytes:F1} MB",
            run is null ? null : run.PeakRssBytes <= OursPeakRssTargetBytes);
        TargetCheck AtLeastParity(string name, string ratio) => new(
            name,
            ">= 1.0x",
            r.Ratios.TryGetValue(ratio, out var value) ? $"{value:F2}x" : "not measured",
            r.Ratios.ContainsKey(ratio) ? value >= 1 : null);

        r.Targets.Add(PeakRss("ours peak RSS", ours));
        r.Targets.Add(AtLeastParity("ours throughput vs DuckDB 1 thread", "throughputOursOverDuckDb1Thread"));
        r.Targets.Add(AtLeastParity("ours, warm host (second upload), throughput vs DuckDB 1 thread", "throughputOursWarmOverDuckDb1Thread"));
        r.Targets.Add(PeakRss("ours-warm peak RSS", warm));
        r.Targets.Add(AtLeastParity("ours throughput vs DuckDB all threads (aim)", "throughputOursOverDuckDbAllThreads"));
    }

    public static string Markdown(IngestResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"## Ingest, {r.Variant}: `encounters` CSV → Parquet ({r.StartedAt:yyyy-MM-dd HH:mm} UTC)");
        sb.AppendLine();
        sb.AppendLine(ic, $"Input `{r.InputFile}`: {r.InputBytes:N0} bytes, {(r.InputRows is { } n ? n.ToString("N0", ic) : "?")} rows, {r.InputColumns} columns, seed {r.Seed}.");
        sb.AppendLine(ic, $"Command: `{r.Command.Trim()}`. Machine: {r.Machine.Cpu}, {r.Machine.Cores} cores, {r.Machine.MemoryBytes / 1e9:F0} GB, {r.Machine.Runtime}, commit {r.Machine.GitCommit ?? "?"}.");
        sb.AppendLine();
        sb.AppendLine(ic, $"Load average (1 min) {r.LoadBefore:F1} before, {r.LoadAfter:F1} after, on {r.Machine.Cores} cores: above the core count, wall times include waiting for a CPU.");
        sb.AppendLine();
        sb.AppendLine("| engine | threads | time (s) | CPU (s) | MB/s | peak RSS (MB) | rows out | Parquet (MB) |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var x in r.Runs)
        {
            if (x.Label == "baseline")
            {
                sb.AppendLine(ic, $"| baseline (empty child: runtime floor) | | | | | {x.PeakRssMegabytes:F1} | | |");
            }
            else if (!x.Ok)
            {
                sb.AppendLine(ic, $"| {x.Label} | {x.Threads} | failed: {x.Error} | | | | | |");
            }
            else
            {
                sb.AppendLine(ic, $"| {x.Label} | {x.Threads} | {x.Seconds:F2} | {x.CpuSeconds:F2} | {x.MegabytesPerSecond:F1} | {x.PeakRssMegabytes:F1} | {x.RowsWritten:N0} | {x.OutputBytes / 1e6:F1} |");
            }
        }

        sb.AppendLine();
        if (r.Ratios.Count > 0)
        {
            sb.AppendLine("Ratios (ours / DuckDB; throughput above 1 = ours faster; CPU seconds and memory below 1 = ours cheaper):");
            sb.AppendLine();
        }

        ResultMarkdown.AppendRatiosAndTargets(sb, r.Ratios, r.Targets);
        return sb.ToString();
    }

    /// <summary>Reads the input once so each engine starts from the same (warm) page cache.</summary>
    private static void WarmPageCache(string path)
    {
        var buffer = new byte[1 << 20];
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        while (f.Read(buffer) > 0)
        {
        }
    }

    private static double Mb(long bytes) => bytes / 1e6;

    private static double LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static string Rel(BenchOptions o, string path) => Path.GetRelativePath(o.RepoRoot, path);

    private static void Log(string message) => Console.Error.WriteLine("[bench] " + message);
}
