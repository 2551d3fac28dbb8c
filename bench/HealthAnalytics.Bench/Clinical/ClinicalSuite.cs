using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using HealthAnalytics.Bench.Results;
using HealthAnalytics.Bench.Serve;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// <c>./dev clinical [TASK ...] [--folds 0,1,...] [--no-boosted] [--out DIR]</c>: every task of the clinical suite (or
/// the ones named) and every fold (or the ones given) through the public path of a dev host process over Azurite
/// (HA_STORAGE_CONNECTION, started by <c>./dev clinical</c>), compared with the committed reference. A whole-suite run
/// writes <c>bench/results/clinical-{yyyyMMdd}.json</c> and <c>.md</c>; a partial run writes under <c>.tmp/clinical/</c>
/// unless <c>--out</c> says where.
/// </summary>
public static class ClinicalSuite
{
    public const string Usage = "usage: clinical [TASK ...] [--folds 0,1,...] [--no-boosted] [--out DIR]";

    public static async Task<int> RunAsync(string[] args, string repoRoot, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        var names = new List<string>();
        int[]? folds = null;
        var boosted = true;
        string? outDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--folds" when i + 1 < args.Length:
                    folds = [.. args[++i].Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture))];
                    break;
                case "--no-boosted":
                    boosted = false;
                    break;
                case "--out" when i + 1 < args.Length:
                    outDir = args[++i];
                    break;
                case var a when a.StartsWith('-'):
                    Console.Error.WriteLine(Usage);
                    return 2;
                default:
                    names.Add(args[i]);
                    break;
            }
        }

        var manifest = ClinicalManifest.Load(repoRoot);
        var tasks = names.Count == 0 ? manifest.Tasks : [.. names.Select(manifest.Task)];
        var allFolds = Enumerable.Range(0, 5).ToArray();
        folds ??= allFolds;
        var whole = names.Count == 0 && folds.Order().SequenceEqual(allFolds) && boosted;
        outDir ??= whole ? Path.Combine(repoRoot, "bench", "results") : Path.Combine(repoRoot, ".tmp", "clinical");

        var connection = Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION");
        if (string.IsNullOrEmpty(connection))
        {
            Console.Error.WriteLine("HA_STORAGE_CONNECTION is not set: run through `./dev clinical`, which starts Azurite");
            return 2;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"clinical: building the dev host (Release), {tasks.Count} tasks x {folds.Length} folds");
        var hostDll = await ServeSuite.BuildDevHostAsync(repoRoot, ct);
        await using var host = DevHostProcess.Start(hostDll, connection);
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };
        await host.WaitForAsync(http, HttpMethod.Get, "/api/health", null, TimeSpan.FromSeconds(120), ct);
        var uploads = new BlobServiceClient(connection).GetBlobContainerClient("uploads");
        await uploads.CreateIfNotExistsAsync(cancellationToken: ct);
        var harness = new ClinicalHarness(manifest, new ClinicalApi(http, uploads)) { Boosted = boosted, Log = Console.WriteLine };

        var results = new List<ClinicalFoldResult>();
        var summaries = new List<ClinicalTaskSummary>();
        var failures = new List<string>();
        foreach (var task in tasks)
        {
            var taskFolds = new List<ClinicalFoldResult>();
            foreach (var fold in folds)
            {
                try
                {
                    taskFolds.Add(await harness.RunAsync(task, fold, ct));
                }
                catch (Exception ex) when (ex is ClinicalApiException or InvalidOperationException or InvalidDataException or TimeoutException or HttpRequestException)
                {
                    // The message holds a status, a rule or a JSON path, never a cell (problem details never quote data).
                    failures.Add($"{task.Id} fold {fold}: {ex.GetType().Name}: {ex.Message}");
                    Console.Error.WriteLine(failures[^1]);
                }
            }

            results.AddRange(taskFolds);
            if (taskFolds.Count > 0)
            {
                var summary = ClinicalTaskSummary.Of(task, manifest.Reference(task), taskFolds);
                summaries.Add(summary);
                Console.WriteLine(FormattableString.Invariant($"{task.Id}: ours {summary.Ours:0.0000} vs reference {summary.Reference:0.0000} ({ClinicalTaskSummary.Signed(summary.Difference, 5)}) {(summary.Pass ? "pass" : "FAIL")}"));
            }
        }

        var run = new ClinicalRun(startedAt, Math.Round(clock.Elapsed.TotalSeconds, 1), MachineInfo.Current(repoRoot), Load(), whole, summaries, results, failures);
        var (json, md) = Write(outDir, run);
        Console.WriteLine(ClinicalTaskSummary.Markdown(summaries));
        Console.WriteLine($"clinical: {summaries.Count(s => s.Pass)}/{summaries.Count} tasks within tolerance, {failures.Count} failed folds; {json}, {md}");
        return failures.Count == 0 && summaries.All(s => s.Pass && s.TokensReadAsMissing) ? 0 : 1;
    }

    public static (string Json, string Markdown) Write(string directory, ClinicalRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, "clinical-" + run.StartedAt.UtcDateTime.ToString(run.WholeSuite ? "yyyyMMdd" : "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(run, Json.Options) + "\n");
        File.WriteAllText(stem + ".md", Markdown(run));
        return (stem + ".json", stem + ".md");
    }

    public static string Markdown(ClinicalRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"# Clinical suite through the public path, {run.StartedAt:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(ic, $"`./dev clinical` ({(run.WholeSuite ? "every task, every fold" : "partial run")}): each task and fold inferred, adjusted, PUT, uploaded, retrained and predicted over HTTP on a dev host process over Azurite (docs/clinical-suite.md). Wall time {run.Seconds:0} s; {run.Machine.Cores} cores ({run.Machine.Cpu}), {run.Load}; commit {run.Machine.GitCommit ?? "unknown"}.");
        sb.AppendLine();
        sb.Append(ClinicalTaskSummary.Markdown(run.Tasks));
        sb.AppendLine();
        sb.AppendLine("Per fold (reference / ours):");
        sb.AppendLine();
        sb.AppendLine("| task | fold 0 | fold 1 | fold 2 | fold 3 | fold 4 |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var t in run.Tasks)
        {
            var fmt = t.Metric == "rmse" ? "0.000" : "0.0000";
            var cells = Enumerable.Range(0, 5).Select(f => t.PerFold.FirstOrDefault(p => p.Fold == f) is { } p ? $"{p.Reference.ToString(fmt, ic)} / {p.Ours.ToString(fmt, ic)}" : "");
            sb.AppendLine(ic, $"| {t.Task} | {string.Join(" | ", cells)} |");
        }

        if (run.Failures.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Failed folds:");
            sb.AppendLine();
            foreach (var f in run.Failures)
            {
                sb.AppendLine(ic, $"- {f}");
            }
        }

        return sb.ToString();
    }

    private static string Load()
    {
        try
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {load[0]}, {load[1]}, {load[2]} at the end";
        }
        catch (IOException)
        {
            return "load unknown";
        }
    }
}

public sealed record ClinicalRun(
    DateTimeOffset StartedAt,
    double Seconds,
    MachineInfo Machine,
    string Load,
    bool WholeSuite,
    IReadOnlyList<ClinicalTaskSummary> Tasks,
    IReadOnlyList<ClinicalFoldResult> Folds,
    IReadOnlyList<string> Failures);
