using System.Globalization;
using System.Text;
using HealthAnalytics.Bench.Ingest;
using HealthAnalytics.Bench.Inputs;
using HealthAnalytics.Bench.Measurement;
using HealthAnalytics.Bench.Results;
using HealthAnalytics.Bench.Suites;

namespace HealthAnalytics.Bench.Train;

public sealed record TrainRun
{
    public required long InputRows { get; init; }
    public required string Engine { get; init; }
    public required string Model { get; init; }
    public bool Ok { get; init; }
    public string? Error { get; init; }

    /// <summary>Training wall seconds (input already loaded and featurized).</summary>
    public double Seconds { get; init; }
    public double CpuSeconds { get; init; }
    public double LoadSeconds { get; init; }
    public double ProcessWallSeconds { get; init; }
    public long PeakRssBytes { get; init; }
    public double PeakRssMegabytes { get; init; }
    public IDictionary<string, string> Details { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}

public sealed record TrainResult
{
    public string Suite { get; init; } = "train";
    public required string Variant { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Command { get; init; }
    public required MachineInfo Machine { get; init; }
    public required string Generator { get; init; }
    public int Seed { get; init; }
    public IList<TrainRun> Runs { get; init; } = [];
    public IDictionary<string, double> Ratios { get; init; } = new SortedDictionary<string, double>(StringComparer.Ordinal);
    public IList<TargetCheck> Targets { get; init; } = [];

    /// <summary>1-minute load average before and after the runs: above the core count, wall times include waiting for a CPU.</summary>
    public double LoadBefore { get; init; }
    public double LoadAfter { get; init; }
}

/// <summary>
/// Train: wall time and peak RSS per model at 100k and 1M rows, ours (ML.NET through HealthAnalytics.Core)
/// beside LightGBM's own native library with the same parameters. Each engine runs in its own child process.
/// </summary>
public sealed class TrainSuite : IBenchSuite
{
    public static readonly IReadOnlyList<long> DefaultRows = [100_000, 1_000_000];
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Both engines run LightGBM's OpenMP code. With OpenMP's default (active) wait policy, idle worker
    /// threads spin; on a shared 2-core machine they fight the other processes for the CPU and a 2 s
    /// training stretches to 50 s. Passive waiting costs little on an idle machine and keeps the numbers
    /// meaningful on a busy one; it applies to every engine alike.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ChildEnvironment = new Dictionary<string, string>
    {
        ["OMP_WAIT_POLICY"] = "PASSIVE",
    };

    /// <summary>
    /// Label → (engine, threads; 0 = all cores). Ours pins LightGBM to 1 thread (bit-identical retrains),
    /// so the like-for-like peer is <c>lightgbm-native-1</c>; the all-core run shows what threads would buy.
    /// </summary>
    public static readonly IReadOnlyList<(string Label, string Engine, int Threads)> Engines =
    [
        ("lightgbm-native-1", "lightgbm-native", 1),
        ("lightgbm-native-all", "lightgbm-native", 0),
        ("ours", "ours:readmission-risk", 1),
        ("ours", "ours:patient-subgroups", 1),

        // The survival task on the synthetic survival cohort (docs/survival.md): its own input, contract and spec.
        ("ours", "survival:cox", 1),
        ("ours", "survival:boosted-survival", 1),
    ];

    public string Name => "train";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        var cache = new InputCache(Path.Combine(options.WorkDirectory, "inputs"), new BenchEncountersGenerator());
        var rowsList = options.TrainRows ?? DefaultRows;
        var runs = new List<TrainRun>();
        var selected = Engines.Where(e => options.Engines is not { } wanted || wanted.Any(w => w == e.Label || w == e.Engine || w == e.Engine.Split(':')[0])).ToList();
        foreach (var rows in rowsList)
        {
            BenchInput? input = null;
            foreach (var (engine, engineName, threads) in selected)
            {
                string source;
                if (engineName.StartsWith("survival:", StringComparison.Ordinal))
                {
                    source = await SurvivalCuratedForAsync(options, rows, ct);
                }
                else
                {
                    if (input is null)
                    {
                        input = cache.GetOrCreateRows(rows, options.Seed, ct);
                        Log(input.FromCache ? $"input {RowsLabel(rows)} rows: reused" : $"input {RowsLabel(rows)} rows: generated in {input.GenerateSeconds:F1} s");
                    }

                    source = engine == "ours" ? await CuratedForAsync(options, input.Path, EncountersContract(options), ct) : input.Path;
                }

                Log($"  run {engine} {engineName} ({RowsLabel(rows)} rows, {threads} thread(s); 0 = all) ...");
                var o = await ChildRun.RunAsync(
                    ["train", engineName, "--input", source, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--repo", options.RepoRoot], ChildTimeout, ct, ChildEnvironment);
                var r = o.Report;
                var run = new TrainRun
                {
                    InputRows = rows,
                    Engine = engine,
                    Model = r.Details.TryGetValue("model", out var m) ? m : "?",
                    Ok = r.Ok,
                    Error = r.Error,
                    Seconds = Math.Round(r.Seconds, 3),
                    CpuSeconds = Math.Round(r.CpuSeconds, 3),
                    LoadSeconds = r.Details.TryGetValue("loadSeconds", out var ls) ? double.Parse(ls, CultureInfo.InvariantCulture) : 0,
                    ProcessWallSeconds = Math.Round(o.WallSeconds, 3),
                    PeakRssBytes = o.PeakRssBytes,
                    PeakRssMegabytes = Math.Round(o.PeakRssBytes / 1e6, 1),
                    Details = r.Details,
                };
                runs.Add(run);
                Log(run.Ok
                    ? $"    train {run.Seconds:F2} s (CPU {run.CpuSeconds:F2} s, load {run.LoadSeconds:F2} s), peak RSS {run.PeakRssMegabytes:F1} MB, {Quality(run)}"
                    : $"    failed: {run.Error}");
            }
        }

        var result = new TrainResult
        {
            Variant = string.Join('-', rowsList.Select(RowsLabel)),
            StartedAt = startedAt,
            Command = "./dev bench " + string.Join(' ', options.RawArgs),
            Machine = MachineInfo.Current(options.RepoRoot),
            Generator = new BenchEncountersGenerator().Id,
            Seed = options.Seed,
            Runs = runs,
            LoadBefore = loadBefore,
            LoadAfter = LoadAverage(),
        };
        AddTargets(result);
        var store = new ResultStore(options.ResultsDirectory);
        var markdown = Markdown(result);
        var (json, md) = store.Write("train", result.Variant, startedAt, result, markdown);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Log($"wrote {Path.GetRelativePath(options.RepoRoot, json)}, {Path.GetRelativePath(options.RepoRoot, md)}");
        return runs.All(r => r.Ok) ? 0 : 1;
    }

    public static async Task<int> RunChildAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        string input = "", repo = "";
        var threads = 0;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--input": input = args[++i]; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--repo": repo = args[++i]; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        var engine = CreateEngine(args[0], repo);
        ChildReport report;
        try
        {
            report = await engine.RunAsync(input, threads, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            report = new ChildReport { Engine = engine.Name, Ok = false, Error = $"{ex.GetType().Name}: {ex.Message}" };
        }

        ChildRun.Emit(report);
        return report.Ok ? 0 : 1;
    }

    /// <summary>Extension point: ours (readmission-risk, patient-subgroups via HealthAnalytics.Core) joins here.</summary>
    private static ITrainEngine CreateEngine(string name, string repo) => name switch
    {
        "lightgbm-native" => new NativeLightGbmEngine(),
        _ when name.StartsWith("ours:", StringComparison.Ordinal) => new OursTrainEngine(
            Path.Combine(repo, "config", "models", name["ours:".Length..] + ".json"),
            Path.Combine(repo, "config", "contracts", "encounters.json")),
        _ when name.StartsWith("survival:", StringComparison.Ordinal) => new OursTrainEngine(
            Path.Combine(repo, CohortFolder, "survival-cohort.spec.json"), Path.Combine(repo, CohortFolder, "survival-cohort.contract.json"), name["survival:".Length..]),
        _ => throw new ArgumentException($"unknown train engine '{name}'"),
    };

    /// <summary>
    /// Ours trains from curated Parquet, as in production: the bench CSV cleaned once by our cleaner
    /// (in a child, untimed here) and cached beside the inputs.
    /// </summary>
    private static string CohortFolder { get; } = Path.Combine("src", "HealthAnalytics.Synthetic", "Cohorts");

    private static string EncountersContract(BenchOptions options) => Path.Combine(options.RepoRoot, "config", "contracts", "encounters.json");

    /// <summary>
    /// The survival cohort of <paramref name="rows"/> rows (SurvivalCohort, seeded with the bench seed) as a partner CSV,
    /// cached beside the other inputs, then cleaned by our cleaner with the cohort's contract, as in production.
    /// </summary>
    private static async Task<string> SurvivalCuratedForAsync(BenchOptions options, long rows, CancellationToken ct)
    {
        var dir = Path.Combine(options.WorkDirectory, "inputs");
        Directory.CreateDirectory(dir);
        var csv = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"survival-cohort-{rows}rows-seed{options.Seed}.csv"));
        if (!File.Exists(csv))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var cohort = Synthetic.Cohorts.SurvivalCohort.Generate(new Synthetic.Cohorts.SurvivalCohortOptions { Rows = checked((int)rows), Seed = (ulong)options.Seed });
            var partial = csv + ".partial";
            await using (var writer = new StreamWriter(partial))
            {
                cohort.WriteCsv(writer);
            }

            File.Move(partial, csv, overwrite: true);
            Log($"input survival cohort {RowsLabel(rows)} rows: generated in {clock.Elapsed.TotalSeconds:F1} s");
        }

        return await CuratedForAsync(options, csv, Path.Combine(options.RepoRoot, CohortFolder, "survival-cohort.contract.json"), ct);
    }

    /// <summary>The quality figure of a run: holdout AUC, silhouette or Harrell's C.</summary>
    private static string Quality(TrainRun run) =>
        run.Details.TryGetValue("auc", out var a) ? "AUC " + a
        : run.Details.TryGetValue("silhouette", out var s) ? "silhouette " + s
        : run.Details.TryGetValue("cIndex", out var c) ? "C " + c : "";

    private static async Task<string> CuratedForAsync(BenchOptions options, string csv, string contract, CancellationToken ct)
    {
        var dir = Path.Combine(options.WorkDirectory, "curated");
        Directory.CreateDirectory(dir);
        var parquet = Path.Combine(dir, Path.GetFileNameWithoutExtension(csv) + ".parquet");
        if (File.Exists(parquet))
        {
            return parquet;
        }

        var partial = parquet + ".partial";
        var o = await ChildRun.RunAsync(["ingest", "ours", "--input", csv, "--output", partial, "--threads", "0", "--contract", contract], ChildTimeout, ct);
        if (!o.Report.Ok)
        {
            throw new InvalidOperationException("cleaning the training input failed: " + o.Report.Error);
        }

        File.Move(partial, parquet, overwrite: true);
        return parquet;
    }

    private static void AddTargets(TrainResult r)
    {
        foreach (var run in r.Runs.Where(x => x.Engine.StartsWith("ours", StringComparison.Ordinal)))
        {
            var limit = run.InputRows <= 100_000 ? 20.0 : 180.0;
            r.Targets.Add(new TargetCheck($"{run.Model} {RowsLabel(run.InputRows)} rows time", $"<= {limit:F0} s", run.Ok ? $"{run.Seconds + run.LoadSeconds:F1} s" : "not measured", run.Ok ? run.Seconds + run.LoadSeconds <= limit : null));
            if (run.InputRows >= 1_000_000)
            {
                r.Targets.Add(new TargetCheck($"{run.Model} {RowsLabel(run.InputRows)} rows memory", "<= 4000 MB", run.Ok ? $"{run.PeakRssMegabytes:F0} MB" : "not measured", run.Ok ? run.PeakRssBytes <= 4_000_000_000 : null));
            }

            var peer = r.Runs.FirstOrDefault(x => x.Engine == "lightgbm-native-1" && x.InputRows == run.InputRows && x.Ok && x.Model == run.Model);
            if (peer is not null && run.Ok)
            {
                r.Ratios[$"{run.Model}-{RowsLabel(run.InputRows)}-trainSecondsOursOverNative"] = Math.Round(run.Seconds / peer.Seconds, 3);
                r.Ratios[$"{run.Model}-{RowsLabel(run.InputRows)}-cpuSecondsOursOverNative"] = Math.Round(run.CpuSeconds / peer.CpuSeconds, 3);
                r.Ratios[$"{run.Model}-{RowsLabel(run.InputRows)}-peakRssOursOverNative"] = Math.Round((double)run.PeakRssBytes / peer.PeakRssBytes, 3);
            }
        }

        if (!r.Runs.Any(x => x.Engine.StartsWith("ours", StringComparison.Ordinal)))
        {
            r.Targets.Add(new TargetCheck("ours (ML.NET) training", "100k <= 20 s; 1M <= 180 s and <= 4000 MB", "not measured: HealthAnalytics.Core training has not landed", null));
        }
    }

    public static string Markdown(TrainResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"## Train, {r.Variant} rows ({r.StartedAt:yyyy-MM-dd HH:mm} UTC)");
        sb.AppendLine();
        sb.AppendLine(ic, $"Input: bench `encounters` CSV ({r.Generator}, seed {r.Seed}). Command: `{r.Command.Trim()}`.");
        if (r.Runs.Any(x => x.Model.StartsWith("survival-cohort", StringComparison.Ordinal)))
        {
            sb.AppendLine(ic, $"Survival runs: the synthetic survival cohort (`SurvivalCohort`, seed {r.Seed}) cleaned with its contract and trained with its spec (src/HealthAnalytics.Synthetic/Cohorts), trainer as named; train = the survival task's whole `Train` (split, featurize, fit, holdout metrics, group metrics, card sections).");
        }

        sb.AppendLine(ic, $"Machine: {r.Machine.Cpu}, {r.Machine.Cores} cores, {r.Machine.Runtime}, commit {r.Machine.GitCommit ?? "?"}.");
        sb.AppendLine("Train = fitting only; load = reading and featurizing the input before it. Children run with `OMP_WAIT_POLICY=PASSIVE` (see docs/benchmarks.md).");
        sb.AppendLine(ic, $"Load average (1 min) {r.LoadBefore:F1} before, {r.LoadAfter:F1} after, on {r.Machine.Cores} cores: above the core count, wall times include waiting for a CPU (CPU seconds do not).");
        sb.AppendLine();
        sb.AppendLine("| rows | engine | model | train (s) | CPU (s) | load (s) | peak RSS (MB) | holdout AUC / silhouette / C |");
        sb.AppendLine("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var x in r.Runs)
        {
            sb.AppendLine(x.Ok
                ? string.Create(ic, $"| {x.InputRows:N0} | {x.Engine} | {x.Model} | {x.Seconds:F2} | {x.CpuSeconds:F2} | {x.LoadSeconds:F2} | {x.PeakRssMegabytes:F1} | {Quality(x)} |")
                : string.Create(ic, $"| {x.InputRows:N0} | {x.Engine} | {x.Model} | failed: {x.Error} | | | | |"));
        }

        sb.AppendLine();
        ResultMarkdown.AppendRatiosAndTargets(sb, r.Ratios, r.Targets);

        return sb.ToString();
    }

    public static string RowsLabel(long rows) => rows switch
    {
        >= 1_000_000 when rows % 1_000_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{rows / 1_000_000}M"),
        >= 1_000 when rows % 1_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{rows / 1_000}k"),
        _ => rows.ToString(CultureInfo.InvariantCulture),
    };

    private static void Log(string message) => Console.Error.WriteLine("[bench] " + message);

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}
