using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using HealthAnalytics.Bench.Serve;
using HealthAnalytics.Synthetic.Trials;

namespace HealthAnalytics.Bench.Effects;

/// <summary>
/// <c>./dev bench effects [--trials DIR] [--corpus DIR] [--rows N] [--seed S] [--no-cohorts]</c>: randomized trials through the product's public path
/// (docs/treatment-effects.md, "Real trials through the public path"). For each trial in DIR (files
/// <c>{dataset}.contract.json</c>, <c>{dataset}.spec.json</c>, <c>{dataset}.csv</c>, optionally <c>{dataset}.instance.json</c>):
/// PUT the contract and the spec, upload the CSV where a partner drops it, wait until it is curated, retrain over HTTP,
/// read the version's card from the model store, and predict the instance over HTTP. Without <c>--trials</c>, the four
/// trials of the clinical corpus are exported first (<see cref="TrialExports"/>). The dev host runs as its own process
/// over Azurite (HA_STORAGE_CONNECTION, exported by <c>./dev bench</c>). Then, unless <c>--no-cohorts</c>, the synthetic
/// cohort (<c>--rows</c>, default 50,000; <c>--seed</c>, default 1) randomized and confounded (<see cref="EffectCohortBench"/>).
/// Results: bench/results/effects-trials-*.md and .json.
/// </summary>
public static class EffectTrialsBench
{
    private const string Partner = "bench-effects";

    public static async Task<int> RunAsync(string[] args, string repoRoot, CancellationToken ct)
    {
        var connection = Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION");
        if (string.IsNullOrWhiteSpace(connection))
        {
            Console.Error.WriteLine("HA_STORAGE_CONNECTION is not set: run through `./dev bench effects`, which starts Azurite");
            return 2;
        }

        var directory = Option(args, "--trials");
        if (directory is null)
        {
            directory = Path.Combine(repoRoot, ".tmp", "bench", "effects-trials");
            TrialExports.WriteAll(Option(args, "--corpus") ?? Path.Combine(repoRoot, "tests", "corpora", "clinical"), directory);
            Log($"exported {TrialExports.Names.Count} trials of the clinical corpus to {Path.GetRelativePath(repoRoot, directory)}");
        }

        var stems = Directory.EnumerateFiles(directory, "*.contract.json").Select(p => Path.GetFileName(p)[..^".contract.json".Length]).Order(StringComparer.Ordinal).ToList();
        if (stems.Count == 0)
        {
            Console.Error.WriteLine("no {dataset}.contract.json in the trials directory");
            return 2;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var hostDll = await ServeSuite.BuildDevHostAsync(repoRoot, ct);
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(20) };
        var blobs = new BlobServiceClient(connection);
        var results = new List<JsonObject>();
        var cohorts = new List<JsonObject>();
        var rows = int.Parse(Option(args, "--rows") ?? "50000", CultureInfo.InvariantCulture);
        var seed = long.Parse(Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);
        var rc = 0;
        await using (var host = DevHostProcess.Start(hostDll, connection))
        {
            await host.WaitForAsync(client, HttpMethod.Get, "/api/health", null, TimeSpan.FromSeconds(90), ct);
            foreach (var stem in stems)
            {
                Log($"{stem}: contract, spec, upload, retrain, card, predict ...");
                try
                {
                    results.Add(await RunTrialAsync(client, host.BaseAddress, blobs, directory, stem, ct));
                }
                catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException or JsonException or KeyNotFoundException)
                {
                    rc = 1;
                    results.Add(new JsonObject { ["dataset"] = stem, ["error"] = ex.Message });
                    Log($"  {stem} failed: {ex.Message}");
                }
            }

            foreach (var assignment in args.Contains("--no-cohorts") ? [] : new[] { Synthetic.Cohorts.TreatmentAssignment.Randomized, Synthetic.Cohorts.TreatmentAssignment.Confounded })
            {
                Log($"synthetic cohort, {assignment}, {rows:N0} rows: upload, retrain, predict every row ...");
                try
                {
                    cohorts.Add(await EffectCohortBench.RunAsync(client, host.BaseAddress, blobs, repoRoot, rows, seed, assignment, ct));
                }
                catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException or JsonException or KeyNotFoundException)
                {
                    rc = 1;
                    cohorts.Add(new JsonObject { ["design"] = assignment.ToString(), ["error"] = ex.Message });
                    Log($"  cohort failed: {ex.Message}");
                }
            }
        }

        var builder = new StringBuilder(Markdown(results, startedAt));
        if (cohorts.Count > 0)
        {
            EffectCohortBench.AppendMarkdown(builder, cohorts);
        }

        var markdown = builder.ToString();
        var dir = Path.Combine(repoRoot, "bench", "results");
        Directory.CreateDirectory(dir);
        var stamp = startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(dir, $"effects-trials-{stamp}.json"), new JsonObject { ["trials"] = new JsonArray([.. results]), ["cohorts"] = new JsonArray([.. cohorts]) }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", ct);
        await File.WriteAllTextAsync(Path.Combine(dir, $"effects-trials-{stamp}.md"), markdown, ct);
        Console.WriteLine(markdown);
        Log($"wrote bench/results/effects-trials-{stamp}.md and .json");
        return rc;
    }

    private static async Task<JsonObject> RunTrialAsync(HttpClient client, Uri baseAddress, BlobServiceClient blobs, string directory, string stem, CancellationToken ct)
    {
        var contract = await File.ReadAllTextAsync(Path.Combine(directory, stem + ".contract.json"), ct);
        var spec = await File.ReadAllTextAsync(Path.Combine(directory, stem + ".spec.json"), ct);
        var dataset = JsonNode.Parse(contract)!["name"]!.GetValue<string>();
        var model = JsonNode.Parse(spec)!["name"]!.GetValue<string>();
        await EffectHttp.PutAsync(client, new Uri(baseAddress, $"/api/config/contracts/{dataset}"), contract, ct);
        await EffectHttp.PutAsync(client, new Uri(baseAddress, $"/api/config/models/{model}"), spec, ct);

        var uploads = blobs.GetBlobContainerClient("uploads");
        await uploads.CreateIfNotExistsAsync(cancellationToken: ct);
        await uploads.GetBlobClient($"{Partner}/{dataset}/{stem}.csv").UploadAsync(new BinaryData(await File.ReadAllBytesAsync(Path.Combine(directory, stem + ".csv"), ct)), overwrite: true, ct);
        await EffectHttp.WaitCuratedAsync(client, new Uri(baseAddress, $"/api/uploads?dataset={dataset}"), TimeSpan.FromSeconds(180), ct);

        var clock = Stopwatch.StartNew();
        using var retrain = await client.PostAsync(new Uri(baseAddress, $"/api/models/{model}/retrain"), null, ct);
        var body = await retrain.Content.ReadAsStringAsync(ct);
        if (retrain.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"retrain answered {(int)retrain.StatusCode}: {body}");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var answer = JsonNode.Parse(body)!.AsObject();
        var version = answer["version"]!["version"]!.GetValue<string>();
        var card = JsonNode.Parse((await blobs.GetBlobContainerClient("models").GetBlobClient($"{model}/{version}/card.json").DownloadContentAsync(ct)).Value.Content.ToString())!;
        var result = new JsonObject
        {
            ["dataset"] = dataset,
            ["model"] = model,
            ["version"] = version,
            ["promoted"] = answer["promoted"]!.GetValue<bool>(),
            ["decision"] = answer["reason"]!.GetValue<string>(),
            ["retrainSeconds"] = Math.Round(seconds, 1),
            ["metrics"] = answer["version"]!["metrics"]!.DeepClone(),
            ["sections"] = card["sections"]!.DeepClone(),
        };

        var instancePath = Path.Combine(directory, stem + ".instance.json");
        if (answer["promoted"]!.GetValue<bool>() && File.Exists(instancePath))
        {
            var instance = await File.ReadAllTextAsync(instancePath, ct);
            var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
            while (true)
            {
                using var predict = await client.PostAsync(new Uri(baseAddress, $"/api/models/{model}/predict"), new StringContent(instance, Encoding.UTF8, "application/json"), ct);
                if (predict.StatusCode == HttpStatusCode.OK)
                {
                    result["prediction"] = JsonNode.Parse(await predict.Content.ReadAsStringAsync(ct))!["predictions"]![0]!.DeepClone();
                    break;
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"no prediction of {model} within 60 s ({(int)predict.StatusCode})");
                }

                await Task.Delay(250, ct);
            }
        }

        return result;
    }

    private static string Markdown(List<JsonObject> results, DateTimeOffset startedAt)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"# Treatment effects: randomized trials through the public path, {startedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
        sb.AppendLine();
        sb.AppendLine("PUT contract + PUT spec + upload + retrain + predict over HTTP on the dev host (Azurite); figures from each version's");
        sb.AppendLine("card. Effects are treated − control risk differences (lower is better for these outcomes); 95% intervals.");
        sb.AppendLine();
        sb.AppendLine("| trial | outcome | rows analysed (left out) | AIPW ATE [95%] | unadjusted [95%] | Kaplan–Meier by horizon [95%] | Qini [95%] (DR / T) | calibration slope | policy − treat all / none | decision |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            if (r["error"] is { } error)
            {
                sb.AppendLine(ic, $"| {r["dataset"]} | failed: {error} | | | | | | | | |");
                continue;
            }

            var s = Sections(r);
            var effect = s["treatment-effect"];
            var counts = effect["counts"]!;
            var left = counts["noArm"]!.GetValue<int>() + counts["noOutcome"]!.GetValue<int>() + counts["censoredBeforeHorizon"]!.GetValue<int>();
            var learners = s.TryGetValue("estimator-comparison", out var cmp) ? cmp["learners"]!.AsArray() : [];
            string Qini(string learner) => learners.FirstOrDefault(l => l!["learner"]!.GetValue<string>() == learner) is { } l ? Interval(l["qini"]) : "n/a";
            var slope = learners.FirstOrDefault(l => l!["chosen"]!.GetValue<bool>())?["calibrationSlope"];
            var policy = s.TryGetValue("treatment-policy", out var p) ? p["policy"] : null;
            sb.AppendLine(ic, $"| {r["dataset"]} | {effect["definition"]!["outcome"]} | {counts["analysed"]} ({left}) | {Interval(effect["ate"])} | {Interval(effect["unadjustedAte"])} | {Interval(effect["kaplanMeier"]?["difference"])} | {Qini("dr-learner")} / {Qini("t-learner")} | {Interval(slope)} | {Interval(policy?["versusTreatAll"])} / {Interval(policy?["versusTreatNone"])} | {r["decision"]} |");
        }

        foreach (var r in results.Where(r => r["error"] is null))
        {
            var s = Sections(r);
            sb.AppendLine();
            sb.AppendLine(ic, $"## {r["dataset"]}: {s["treatment-effect"]["definition"]!["treated"]} vs {s["treatment-effect"]["definition"]!["control"]}");
            sb.AppendLine();
            if (s.TryGetValue("benefit-subgroups", out var subgroups))
            {
                sb.AppendLine("| benefit subgroup | rows | effect [95%] (estimation rows) | verdict |");
                sb.AppendLine("| --- | ---: | --- | --- |");
                foreach (var leaf in subgroups["leaves"]!.AsArray())
                {
                    sb.AppendLine(ic, $"| {leaf!["rule"]} | {leaf["growRows"]!.GetValue<int>() + leaf["estimateRows"]!.GetValue<int>()} | {Interval(leaf["effect"])} | {leaf["verdict"]} |");
                }
            }

            if (s.TryGetValue("treatment-policy", out var p))
            {
                var policy = p["policy"]!;
                sb.AppendLine();
                sb.AppendLine(ic, $"Policy \"treat when the estimated benefit exceeds {policy["threshold"]}\": {policy["treatedShare"]!.GetValue<double>():P0} treated; expected risk {Interval(policy["value"])} vs treat-all {Interval(policy["treatAll"])} and treat-none {Interval(policy["treatNone"])}.");
            }

            var overlap = s["overlap"];
            sb.AppendLine();
            sb.AppendLine(ic, $"Propensity {overlap["propensitySource"]}; {s["treatment-effect"]["units"]} independent units; retrain {r["retrainSeconds"]} s.");
            if (r["prediction"] is { } prediction)
            {
                sb.AppendLine(ic, $"Example prediction: treated {prediction["outcomes"]!["treated"]}, control {prediction["outcomes"]!["control"]}, effect {prediction["effect"]}, subgroup \"{prediction["subgroup"]!["rule"]}\", recommended arm {prediction["recommendation"]!["arm"]}.");
            }
        }

        return sb.ToString();
    }

    private static Dictionary<string, JsonNode> Sections(JsonObject result) =>
        result["sections"]!.AsArray().ToDictionary(s => s!["kind"]!.GetValue<string>(), s => s!, StringComparer.Ordinal);

    private static string Interval(JsonNode? e) => e is null
        ? "n/a"
        : string.Create(CultureInfo.InvariantCulture, $"{e["value"]!.GetValue<double>():0.000} [{e["lower"]!.GetValue<double>():0.000}, {e["upper"]!.GetValue<double>():0.000}]");

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static void Log(string message) => Console.Error.WriteLine("[effects] " + message);
}
