using System.Diagnostics;
using System.Globalization;
using System.Text;
using HealthAnalytics.Bench.Ingest;
using HealthAnalytics.Bench.Results;
using HealthAnalytics.Bench.Suites;
using HealthAnalytics.Bench.Train;

namespace HealthAnalytics.Bench.Serve;

public sealed record ServeResult
{
    public string Suite { get; init; } = "serve";
    public required string Variant { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Command { get; init; }
    public required MachineInfo Machine { get; init; }
    public required string UptimeBefore { get; init; }
    public string UptimeAfter { get; set; } = "";
    public int TrainRows { get; init; }
    public int Seed { get; init; }
    public IList<InProcessFigures> InProcess { get; init; } = [];
    public IList<LoadFigures> Http { get; init; } = [];
    public string? HttpError { get; set; }
    public IList<double> ColdStartSeconds { get; init; } = [];
    public IDictionary<string, double> Ratios { get; init; } = new SortedDictionary<string, double>(StringComparer.Ordinal);
    public IList<TargetCheck> Targets { get; init; } = [];
}

/// <summary>
/// Serve: in-process prediction latency (pooled predictor, model trained here from generated rows), HTTP
/// single-row predict throughput against <c>GET /api/health</c> on the same dev host, and the host's cold start
/// to its first prediction. HTTP parts need Azurite (HA_STORAGE_CONNECTION, exported by <c>./dev bench</c>).
/// </summary>
public sealed class ServeSuite : IBenchSuite
{
    private const int Rows = 20_000;
    private const int Iterations = 20_000;
    private const int Connections = 16;
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(10);

    public string Name => "serve";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var startedAt = DateTimeOffset.UtcNow;
        var result = new ServeResult
        {
            Variant = TrainSuite.RowsLabel(Rows),
            StartedAt = startedAt,
            Command = "./dev bench " + string.Join(' ', options.RawArgs),
            Machine = MachineInfo.Current(options.RepoRoot),
            UptimeBefore = Uptime(),
            TrainRows = Rows,
            Seed = options.Seed,
        };
        Log($"uptime: {result.UptimeBefore}");
        Log($"in-process: training on {Rows:N0} generated rows, then {Iterations:N0} single predictions per model ...");
        foreach (var f in await InProcessServe.MeasureAsync(options.RepoRoot, Rows, options.Seed, Iterations, ct))
        {
            result.InProcess.Add(f);
            Log($"  {f.Model}: p50 {f.P50Ms:F3} ms, p99 {f.P99Ms:F3} ms, batch {f.BatchRowsPerSecond:N0} rows/s (scorer {f.ScorerRowsPerSecond:N0} rows/s)");
        }

        try
        {
            await MeasureHttpAsync(options, result, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
        {
            result.HttpError = ex.Message;
            Log("HTTP not measured: " + ex.Message);
        }

        result.UptimeAfter = Uptime();
        AddTargets(result);
        var markdown = Markdown(result);
        var (json, md) = new ResultStore(options.ResultsDirectory).Write("serve", result.Variant, startedAt, result, markdown);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Log($"wrote {Path.GetRelativePath(options.RepoRoot, json)}, {Path.GetRelativePath(options.RepoRoot, md)}");
        return result.HttpError is null ? 0 : 1;
    }

    private static async Task MeasureHttpAsync(BenchOptions options, ServeResult result, CancellationToken ct)
    {
        var connection = Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION");
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException("HA_STORAGE_CONNECTION is not set: run through `./dev bench serve`, which starts Azurite");
        }

        var hostDll = await BuildDevHostAsync(options.RepoRoot, ct);
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var workDir = Path.Combine(options.WorkDirectory, "serve");
        await using (var host = DevHostProcess.Start(hostDll, connection))
        {
            await host.WaitForAsync(client, HttpMethod.Get, "/api/health", null, TimeSpan.FromSeconds(60), ct);
            Log("dev host up; seeding one synthetic upload and retraining readmission-risk over HTTP ...");
            await RunToolAsync("dotnet", ["run", "--project", Path.Combine(options.RepoRoot, "src", "HealthAnalytics.Synthetic"), "-c", "Release", "--",
                "--rows", Rows.ToString(CultureInfo.InvariantCulture), "--seed", options.Seed.ToString(CultureInfo.InvariantCulture),
                "--upload", connection, "--partner", "bench-serve", "--out", Path.Combine(workDir, "encounters.csv")], options.RepoRoot, ct);
            await WaitCuratedAsync(client, host.BaseAddress, ct);
            using (var retrain = await client.PostAsync(new Uri(host.BaseAddress, "/api/models/readmission-risk/retrain"), null, ct))
            {
                if (!retrain.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"retrain answered {(int)retrain.StatusCode}");
                }
            }

            await host.WaitForAsync(client, HttpMethod.Post, "/api/models/readmission-risk/predict", DevHostProcess.PredictBody, TimeSpan.FromSeconds(60), ct);
            var useWrk = LoadGenerator.WrkAvailable();
            Log($"champion served; load with {(useWrk ? "wrk" : "the built-in HttpClient loop")}, {Connections} connections, {LoadDuration.TotalSeconds:F0} s per endpoint");

            // Warm both endpoints first (JIT, connection pools, predictor pool) so neither pays for it in its window.
            await LoadGenerator.RunAsync(useWrk, new Uri(host.BaseAddress, "/api/health"), null, Connections, TimeSpan.FromSeconds(2), workDir, ct);
            await LoadGenerator.RunAsync(useWrk, new Uri(host.BaseAddress, "/api/models/readmission-risk/predict"), DevHostProcess.PredictBody, Connections, TimeSpan.FromSeconds(2), workDir, ct);
            var health = await LoadGenerator.RunAsync(useWrk, new Uri(host.BaseAddress, "/api/health"), null, Connections, LoadDuration, workDir, ct);
            var predict = await LoadGenerator.RunAsync(useWrk, new Uri(host.BaseAddress, "/api/models/readmission-risk/predict"), DevHostProcess.PredictBody, Connections, LoadDuration, workDir, ct);
            result.Http.Add(health);
            result.Http.Add(predict);
            result.Ratios["predictOverHealthRequestsPerSecond"] = Math.Round(predict.RequestsPerSecond / health.RequestsPerSecond, 3);
            Log($"  health {health.RequestsPerSecond:N0} req/s, predict {predict.RequestsPerSecond:N0} req/s ({predict.Errors} errors)");
        }

        // Cold start: a fresh host over the same storage (champion in the registry) until its first prediction.
        for (var i = 0; i < 3; i++)
        {
            await using var host = DevHostProcess.Start(hostDll, connection);
            var seconds = await host.WaitForAsync(client, HttpMethod.Post, "/api/models/readmission-risk/predict", DevHostProcess.PredictBody, TimeSpan.FromSeconds(60), ct);
            result.ColdStartSeconds.Add(Math.Round(seconds, 3));
            Log($"  cold start {i + 1}: {seconds:F2} s to the first prediction");
        }
    }

    internal static async Task<string> BuildDevHostAsync(string repoRoot, CancellationToken ct)
    {
        // Another build of the host to measure, e.g. a ReadyToRun publish (docs/decisions/0004-quick-jit-off.md).
        if (Environment.GetEnvironmentVariable("HA_BENCH_DEVHOST_DLL") is { Length: > 0 } other)
        {
            return File.Exists(other) ? other : throw new InvalidOperationException("HA_BENCH_DEVHOST_DLL names no file");
        }

        var project = Path.Combine(repoRoot, "src", "HealthAnalytics.DevHost", "HealthAnalytics.DevHost.csproj");
        await RunToolAsync("dotnet", ["build", project, "-c", "Release", "--nologo", "-v:q", "-nowarn:NU1603"], repoRoot, ct);
        // The portable build's own output, not whatever a search finds first (a publish leaves a RID folder beside it).
        var dll = Path.Combine(repoRoot, "src", "HealthAnalytics.DevHost", "bin", "Release", "net10.0", "HealthAnalytics.DevHost.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException("HealthAnalytics.DevHost.dll not found after the Release build");
    }

    private static async Task WaitCuratedAsync(HttpClient client, Uri baseAddress, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (180 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var body = await client.GetStringAsync(new Uri(baseAddress, "/api/uploads?status=curated"), ct);
            if (body.Contains("\"count\":", StringComparison.Ordinal) && !body.Contains("\"count\":0", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(250, ct);
        }

        throw new TimeoutException("the seeded upload was not curated within 180 s");
    }

    private static async Task RunToolAsync(string file, IReadOnlyList<string> args, string workingDirectory, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            // The tool's output names files and options only (the connection string is never echoed by it).
            throw new InvalidOperationException($"{file} {args[0]} failed ({p.ExitCode}): {(await stdout).Trim()} {(await stderr).Trim()}".Trim());
        }
    }

    private static string Uptime()
    {
        try
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {load[0]}, {load[1]}, {load[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void AddTargets(ServeResult r)
    {
        foreach (var f in r.InProcess)
        {
            r.Targets.Add(new TargetCheck($"{f.Model} in-process p99", "<= 0.5 ms", $"{f.P99Ms:F3} ms", f.P99Ms <= 0.5));
        }

        var ratio = r.Ratios.TryGetValue("predictOverHealthRequestsPerSecond", out var x) ? x : (double?)null;
        r.Targets.Add(new TargetCheck("HTTP single-row predict / health throughput", ">= 50%", ratio is null ? "not measured" : $"{ratio * 100:F0}%", ratio is null ? null : ratio >= 0.5));
        var cold = r.ColdStartSeconds.Count > 0 ? InProcessServe.Median([.. r.ColdStartSeconds]) : (double?)null;
        r.Targets.Add(new TargetCheck("cold start to first prediction (median of 3)", "<= 3 s", cold is null ? "not measured" : $"{cold:F2} s", cold is null ? null : cold <= 3));
    }

    public static string Markdown(ServeResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"## Serve, models trained on {r.Variant} rows ({r.StartedAt:yyyy-MM-dd HH:mm} UTC)");
        sb.AppendLine();
        sb.AppendLine(ic, $"Command: `{r.Command.Trim()}`. Seed {r.Seed}.");
        sb.AppendLine(ic, $"Machine: {r.Machine.Cpu}, {r.Machine.Cores} cores, {r.Machine.Runtime}, commit {r.Machine.GitCommit ?? "?"}. Uptime before: {r.UptimeBefore}; after: {r.UptimeAfter}.");
        sb.AppendLine();
        sb.AppendLine("In-process (pooled `ModelPredictor`, one thread, after warm-up; batch = 1000 rows, median of 7 rounds):");
        sb.AppendLine();
        sb.AppendLine("| model | iterations | p50 (ms) | p99 (ms) | max (ms) | batch via predictor (rows/s) | batch via scorer (rows/s) |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var f in r.InProcess)
        {
            sb.AppendLine(ic, $"| {f.Model} | {f.Iterations:N0} | {f.P50Ms:F3} | {f.P99Ms:F3} | {f.MaxMs:F3} | {f.BatchRowsPerSecond:N0} | {f.ScorerRowsPerSecond:N0} |");
        }

        sb.AppendLine();
        if (r.Http.Count > 0)
        {
            sb.AppendLine(ic, $"HTTP (dev host, Kestrel on loopback over Azurite; load generator `{r.Http[0].Tool}`, {r.Http[0].Connections} connections, closed loop, sharing the 2 cores with the host):");
            sb.AppendLine();
            sb.AppendLine("| endpoint | seconds | requests | errors | req/s | p50 (ms) | p99 (ms) |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var h in r.Http)
            {
                sb.AppendLine(ic, $"| {h.Endpoint} | {h.Seconds:F0} | {h.Requests:N0} | {h.Errors:N0} | {h.RequestsPerSecond:N0} | {h.P50Ms:F3} | {h.P99Ms:F3} |");
            }

            sb.AppendLine();
        }
        else
        {
            sb.AppendLine(ic, $"HTTP: not measured ({r.HttpError}).");
            sb.AppendLine();
        }

        if (r.ColdStartSeconds.Count > 0)
        {
            sb.AppendLine(ic, $"Cold start (process start → first successful predict, champion in the registry): {string.Join(", ", r.ColdStartSeconds.Select(s => s.ToString("F2", ic)))} s.");
            sb.AppendLine();
        }

        ResultMarkdown.AppendRatiosAndTargets(sb, r.Ratios, r.Targets);

        return sb.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine("[bench] " + message);
}
