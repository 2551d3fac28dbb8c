using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training;

namespace HealthAnalytics.Bench.Effects;

/// <summary>
/// The synthetic treatment cohort at full size through the public path (part of <c>./dev bench effects</c>): the
/// generator's CSV with each row's true effect as an extra column, the shipped cohort contract plus that column, the
/// example spec with <c>effects.truth</c>; upload, retrain, card, then every row predicted over HTTP (1,000 per request)
/// so the served subgroups can be compared with the generator's (adjusted Rand index) and each leaf's interval with the
/// true mean effect of the rows it serves. One seed per design: the 20-seed figures are docs/treatment-effects-figures.md.
/// </summary>
internal static class EffectCohortBench
{
    private const int Batch = 1000;

    public static async Task<JsonObject> RunAsync(
        HttpClient client, Uri baseAddress, BlobServiceClient blobs, string repoRoot, int rows, long seed, TreatmentAssignment assignment, CancellationToken ct)
    {
        var design = assignment == TreatmentAssignment.Randomized ? "randomized" : "observational";
        var cohort = TreatmentCohortGenerator.Generate(new TreatmentCohortOptions { Rows = rows, Seed = seed, Assignment = assignment });
        var dataset = "cohort-" + design;
        var model = "benefit-" + design;
        var cohorts = Path.Combine(repoRoot, "src", "HealthAnalytics.Synthetic", "Cohorts");
        var contract = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(cohorts, "treatment-cohort.contract.json"), ct))!.AsObject();
        contract.Remove("$schema");
        contract["name"] = dataset;
        contract["columns"]!.AsArray().Add(new JsonObject { ["name"] = "true_effect", ["type"] = "number", ["privacy"] = "sensitive" });
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(cohorts, "treatment-cohort.spec.json"), ct))!.AsObject();
        spec.Remove("$schema");
        spec["name"] = model;
        spec["dataset"] = dataset;
        spec["design"] = design;
        if (design != "randomized")
        {
            spec.Remove("propensity");
        }

        spec["effects"] = new JsonObject { ["truth"] = "true_effect" };
        await EffectHttp.PutAsync(client, new Uri(baseAddress, $"/api/config/contracts/{dataset}"), contract.ToJsonString(), ct);
        await EffectHttp.PutAsync(client, new Uri(baseAddress, $"/api/config/models/{model}"), spec.ToJsonString(), ct);

        var uploads = blobs.GetBlobContainerClient("uploads");
        await uploads.CreateIfNotExistsAsync(cancellationToken: ct);
        await uploads.GetBlobClient($"bench-effects/{dataset}/cohort-{seed}.csv").UploadAsync(BinaryData.FromString(Csv(cohort)), overwrite: true, ct);
        await EffectHttp.WaitCuratedAsync(client, new Uri(baseAddress, $"/api/uploads?dataset={dataset}"), TimeSpan.FromSeconds(300), ct);

        var clock = Stopwatch.StartNew();
        using var retrain = await client.PostAsync(new Uri(baseAddress, $"/api/models/{model}/retrain"), null, ct);
        var body = await retrain.Content.ReadAsStringAsync(ct);
        if (retrain.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"retrain answered {(int)retrain.StatusCode}: {body}");
        }

        var retrainSeconds = clock.Elapsed.TotalSeconds;
        var answer = JsonNode.Parse(body)!;
        var version = answer["version"]!["version"]!.GetValue<string>();
        var metrics = answer["version"]!["metrics"]!;
        var card = JsonNode.Parse((await blobs.GetBlobContainerClient("models").GetBlobClient($"{model}/{version}/card.json").DownloadContentAsync(ct)).Value.Content.ToString())!;
        var leaves = card["sections"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "benefit-subgroups")!["leaves"]!.AsArray();
        var learners = card["sections"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "estimator-comparison")!["learners"]!.AsArray();

        // Every row through POST /predict: the served leaf and effect of each patient.
        clock.Restart();
        var leafOf = new int[rows];
        var servedEffect = new double[rows];
        for (var start = 0; start < rows; start += Batch)
        {
            var count = Math.Min(Batch, rows - start);
            var instances = new JsonArray([.. Enumerable.Range(start, count).Select(i => (JsonNode)Instance(cohort, i))]);
            using var predict = await client.PostAsync(new Uri(baseAddress, $"/api/models/{model}/predict"),
                new StringContent(new JsonObject { ["instances"] = instances }.ToJsonString(), Encoding.UTF8, "application/json"), ct);
            if (predict.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"predict answered {(int)predict.StatusCode}");
            }

            var predictions = JsonNode.Parse(await predict.Content.ReadAsStringAsync(ct))!["predictions"]!.AsArray();
            for (var k = 0; k < count; k++)
            {
                leafOf[start + k] = predictions[k]!["subgroup"]!["leaf"]!.GetValue<int>();
                servedEffect[start + k] = predictions[k]!["effect"]!.GetValue<double>();
            }
        }

        var predictSeconds = clock.Elapsed.TotalSeconds;
        var sd = Math.Sqrt(cohort.TrueEffect.Average(t => (t - cohort.TrueAte) * (t - cohort.TrueAte)));
        var leafRows = new JsonArray();
        var covered = 0;
        foreach (var leaf in leaves)
        {
            var id = leaf!["id"]!.GetValue<int>();
            var members = Enumerable.Range(0, rows).Where(i => leafOf[i] == id).ToArray();
            var truth = members.Length == 0 ? double.NaN : members.Average(i => cohort.TrueEffect[i]);
            var (lower, upper) = (leaf["effect"]!["lower"]!.GetValue<double>(), leaf["effect"]!["upper"]!.GetValue<double>());
            covered += truth >= lower && truth <= upper ? 1 : 0;
            leafRows.Add(new JsonObject
            {
                ["rule"] = leaf["rule"]!.GetValue<string>(), ["rows"] = members.Length, ["effect"] = leaf["effect"]!.DeepClone(), ["trueMeanEffect"] = Math.Round(truth, 4),
                ["covers"] = truth >= lower && truth <= upper,
            });
        }

        var pehe = metrics["pehe"]!.GetValue<double>();
        return new JsonObject
        {
            ["design"] = design,
            ["rows"] = rows,
            ["seed"] = seed,
            ["promoted"] = answer["promoted"]!.GetValue<bool>(),
            ["trueAte"] = Math.Round(cohort.TrueAte, 5),
            ["ate"] = metrics["ate"]!.GetValue<double>(),
            ["ateLower"] = metrics["ateLower"]!.GetValue<double>(),
            ["ateUpper"] = metrics["ateUpper"]!.GetValue<double>(),
            ["ateError"] = Math.Round(metrics["ate"]!.GetValue<double>() - cohort.TrueAte, 5),
            ["unadjustedError"] = Math.Round(metrics["unadjustedAte"]!.GetValue<double>() - cohort.TrueAte, 5),
            ["trueEffectSd"] = Math.Round(sd, 5),
            ["pehe"] = pehe,
            ["peheOverSd"] = Math.Round(pehe / sd, 4),
            ["peheTLearnerOverSd"] = Math.Round(learners.Single(l => l!["learner"]!.GetValue<string>() == "t-learner")!["pehe"]!.GetValue<double>() / sd, 4),
            ["servedPeheOverSd"] = Math.Round(Math.Sqrt(Enumerable.Range(0, rows).Average(i => Math.Pow(servedEffect[i] - cohort.TrueEffect[i], 2))) / sd, 4),
            ["ari"] = Math.Round(ClusteringMath.AdjustedRandIndex(leafOf, cohort.TrueSubgroup), 4),
            ["leavesCovering"] = covered,
            ["leaves"] = leafRows,
            ["qini"] = metrics["qini"]!.GetValue<double>(),
            ["policyVsTreatAll"] = metrics["policyVsTreatAll"]!.GetValue<double>(),
            ["policyVsTreatNone"] = metrics["policyVsTreatNone"]!.GetValue<double>(),
            ["retrainSeconds"] = Math.Round(retrainSeconds, 1),
            ["predictSeconds"] = Math.Round(predictSeconds, 1),
        };
    }

    public static void AppendMarkdown(StringBuilder sb, IReadOnlyList<JsonObject> results)
    {
        var ic = CultureInfo.InvariantCulture;
        sb.AppendLine();
        sb.AppendLine("## Synthetic cohort through the public path (one seed per design)");
        sb.AppendLine();
        sb.AppendLine("Bar: ATE within 0.01 of the truth; PEHE ≤ 0.5 × SD of the true effects; served subgroups vs the generator's ARI ≥ 0.7.");
        sb.AppendLine("PEHE is cross-fitted (out of fold); served PEHE is the refitted serving model on the rows it was fitted on.");
        sb.AppendLine();
        sb.AppendLine("| design | rows | true ATE | AIPW ATE [95%] | ATE error (unadjusted) | PEHE / SD (T-learner, served) | ARI | leaf intervals covering the served leaf's true effect | Qini | policy − treat all / none | retrain s | predict all rows s |");
        sb.AppendLine("| --- | ---: | ---: | --- | --- | --- | ---: | --- | ---: | --- | ---: | ---: |");
        foreach (var r in results)
        {
            if (r["error"] is { } error)
            {
                sb.AppendLine(ic, $"| {r["design"]} | failed: {error} | | | | | | | | | | |");
                continue;
            }

            sb.AppendLine(ic, $"| {r["design"]} | {r["rows"]} | {D(r, "trueAte")} | {D(r, "ate")} [{D(r, "ateLower")}, {D(r, "ateUpper")}] | {D(r, "ateError")} ({D(r, "unadjustedError")}) | {D(r, "peheOverSd")} ({D(r, "peheTLearnerOverSd")}, {D(r, "servedPeheOverSd")}) | {D(r, "ari")} | {r["leavesCovering"]} of {r["leaves"]!.AsArray().Count} | {D(r, "qini")} | {D(r, "policyVsTreatAll")} / {D(r, "policyVsTreatNone")} | {r["retrainSeconds"]} | {r["predictSeconds"]} |");
        }

        foreach (var r in results.Where(r => r["error"] is null))
        {
            sb.AppendLine();
            sb.AppendLine(ic, $"{r["design"]}: served benefit subgroups");
            sb.AppendLine();
            sb.AppendLine("| rule | rows served | effect [95%] (estimation rows) | true mean effect | covers |");
            sb.AppendLine("| --- | ---: | --- | ---: | --- |");
            foreach (var leaf in r["leaves"]!.AsArray())
            {
                var e = leaf!["effect"]!;
                sb.AppendLine(ic, $"| {leaf["rule"]} | {leaf["rows"]} | {e["value"]!.GetValue<double>():0.000} [{e["lower"]!.GetValue<double>():0.000}, {e["upper"]!.GetValue<double>():0.000}] | {leaf["trueMeanEffect"]!.GetValue<double>():0.000} | {leaf["covers"]} |");
            }
        }
    }

    private static string D(JsonObject r, string name) => r[name]!.GetValue<double>().ToString("0.0000", CultureInfo.InvariantCulture);

    private static JsonObject Instance(TreatmentCohort c, int i)
    {
        static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        return new JsonObject
        {
            ["age"] = c.Age[i], ["sex"] = c.Sex[i], ["stage"] = c.Stage[i], ["crp"] = Number(c.Crp[i]), ["egfr"] = Number(c.Egfr[i]),
            ["bmi"] = Number(c.Bmi[i]), ["diabetes"] = c.Diabetes[i] == "yes", ["smoker"] = c.Smoker[i],
        };
    }

    /// <summary>The generator's CSV with the truth file's <c>true_effect</c> appended to each row (same row order).</summary>
    private static string Csv(TreatmentCohort cohort)
    {
        using var csv = new StringWriter();
        using var truth = new StringWriter();
        TreatmentCohortGenerator.Write(cohort, csv, truth);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var truthLines = truth.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var output = new StringBuilder(lines[0]).Append(",true_effect\n");
        for (var i = 1; i < lines.Length; i++)
        {
            output.Append(lines[i]).Append(',').Append(truthLines[i].Split(',')[1]).Append('\n');
        }

        return output.ToString();
    }
}
