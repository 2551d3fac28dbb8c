using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Serving;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Synthetic.Trials;

namespace HealthAnalytics.Integration.Tests.Effects;

/// <summary>
/// Treatment effects as an operator gets them (docs/treatment-effects.md, "Public path"): a contract and a spec stored
/// over HTTP, a partner upload curated on Azurite, a retrain over HTTP, the card in the model store, predictions over HTTP.
/// </summary>
public sealed class TreatmentEffectPublicPathTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthAnalytics.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found above the test binaries.");
    }

    private static readonly string Cohorts = Path.Combine(RepoRoot(), "src", "HealthAnalytics.Synthetic", "Cohorts");

    /// <summary>The cohort's shipped contract plus the true-effect column a validation upload carries.</summary>
    private static string CohortContract()
    {
        var contract = JsonNode.Parse(File.ReadAllText(Path.Combine(Cohorts, "treatment-cohort.contract.json")))!.AsObject();
        contract.Remove("$schema");
        contract["columns"]!.AsArray().Add(new JsonObject { ["name"] = "true_effect", ["type"] = "number", ["privacy"] = "sensitive" });
        return contract.ToJsonString();
    }

    /// <summary>The example spec, smaller and faster for a test (3 folds), with the truth column (enables pehe).</summary>
    private static JsonObject CohortSpec(string name, string design)
    {
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(Cohorts, "treatment-cohort.spec.json")))!.AsObject();
        spec.Remove("$schema");
        spec["name"] = name;
        spec["design"] = design;
        if (design != "randomized")
        {
            spec.Remove("propensity");
        }

        spec["effects"] = new JsonObject { ["folds"] = 3, ["truth"] = "true_effect" };
        spec["minimumRows"] = 500;
        return spec;
    }

    /// <summary>The generator's CSV with each row's true effect appended (the truth file is in the same row order).</summary>
    private static (string Csv, TreatmentCohort Cohort) CohortCsv(int rows, long seed, TreatmentAssignment assignment)
    {
        var cohort = TreatmentCohortGenerator.Generate(new TreatmentCohortOptions { Rows = rows, Seed = seed, Assignment = assignment });
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

        return (output.ToString(), cohort);
    }

    [Fact]
    public async Task RandomizedCohort_ContractSpecUploadRetrainPredict_EstimatesTheTrueEffectAndServesPredictions()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var path = new PublicPath(host);
        var (csv, cohort) = CohortCsv(4000, 41, TreatmentAssignment.Randomized);
        await path.PutAsync("/api/config/contracts/treatment-cohort", CohortContract());
        await path.PutAsync("/api/config/models/benefit", CohortSpec("benefit", "randomized").ToJsonString());
        await path.UploadAsync("site-1/treatment-cohort/cohort.csv", csv, "treatment-cohort");

        using var retrain = await path.RetrainAsync("benefit");
        var version = retrain.RootElement.GetProperty("version");
        Assert.True(retrain.RootElement.GetProperty("promoted").GetBoolean(), retrain.RootElement.GetRawText());
        var metrics = version.GetProperty("metrics");
        Assert.InRange(cohort.TrueAte, metrics.GetProperty("ateLower").GetDouble(), metrics.GetProperty("ateUpper").GetDouble());

        using var card = await path.CardAsync("benefit", version.GetProperty("version").GetString()!);
        var sections = card.RootElement.GetProperty("sections").EnumerateArray().ToDictionary(s => s.GetProperty("kind").GetString()!);
        var leaves = sections["benefit-subgroups"].GetProperty("leaves").EnumerateArray().ToList();
        Assert.NotEmpty(leaves);
        var contractColumns = new[] { "age", "sex", "stage", "crp", "egfr", "bmi", "diabetes", "smoker" };
        foreach (var leaf in leaves)
        {
            foreach (var condition in leaf.GetProperty("conditions").EnumerateArray())
            {
                Assert.Contains(condition.GetProperty("column").GetString(), contractColumns);
            }
        }

        // The truth column travelled with the upload: both learners' PEHE is reported, the spec's one is the metric.
        // (At 4k rows PEHE need not beat the effects' SD; docs/treatment-effects.md gives the 50k-row figures.)
        var learners = sections["estimator-comparison"].GetProperty("learners").EnumerateArray().ToList();
        Assert.Equal(["dr-learner", "t-learner"], learners.Select(l => l.GetProperty("learner").GetString()).Order(StringComparer.Ordinal));
        Assert.All(learners, l => Assert.True(l.GetProperty("pehe").GetDouble() > 0));
        Assert.Equal(metrics.GetProperty("pehe").GetDouble(), learners.Single(l => l.GetProperty("chosen").GetBoolean()).GetProperty("pehe").GetDouble(), 12);
        Assert.Equal("known", sections["overlap"].GetProperty("propensitySource").GetString());

        using var predicted = await path.PredictAsync("benefit",
            """{"instances":[{"age":70,"sex":"F","stage":"IV","crp":40,"egfr":55,"bmi":27,"diabetes":true,"smoker":"never"},{"age":40,"sex":"M","stage":"I","crp":2,"egfr":95,"bmi":24,"diabetes":false,"smoker":"current"}]}""");
        var predictions = predicted.RootElement.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(2, predictions.Count);
        foreach (var p in predictions)
        {
            Assert.Equal("treatment-effect", p.GetProperty("task").GetString());
            var treated = p.GetProperty("outcomes").GetProperty("treated").GetDouble();
            var control = p.GetProperty("outcomes").GetProperty("control").GetDouble();
            Assert.InRange(treated, 0, 1);
            Assert.InRange(control, 0, 1);
            Assert.Equal(p.GetProperty("effect").GetDouble(), treated - control, tolerance: 2e-6);
            var interval = p.GetProperty("interval");
            Assert.True(interval.GetProperty("lower").GetDouble() <= interval.GetProperty("upper").GetDouble());
            Assert.Contains(leaves, l => l.GetProperty("rule").GetString() == p.GetProperty("subgroup").GetProperty("rule").GetString());
            var benefit = p.GetProperty("benefit").GetDouble();
            Assert.Equal(benefit > 0 ? "treated" : "control", p.GetProperty("recommendation").GetProperty("arm").GetString());
        }
    }

    [Fact]
    public async Task ConfoundedCohort_ObservationalDesign_EstimatesThePropensity_CountsTheTrimmedRows_AndCoversTheTrueEffect()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var path = new PublicPath(host);
        var (csv, cohort) = CohortCsv(4000, 42, TreatmentAssignment.Confounded);
        await path.PutAsync("/api/config/contracts/treatment-cohort", CohortContract());
        await path.PutAsync("/api/config/models/benefit-observed", CohortSpec("benefit-observed", "observational").ToJsonString());
        await path.UploadAsync("site-1/treatment-cohort/cohort.csv", csv, "treatment-cohort");

        using var retrain = await path.RetrainAsync("benefit-observed");
        var version = retrain.RootElement.GetProperty("version");
        var metrics = version.GetProperty("metrics");
        Assert.InRange(cohort.TrueAte, metrics.GetProperty("ateLower").GetDouble(), metrics.GetProperty("ateUpper").GetDouble());

        using var card = await path.CardAsync("benefit-observed", version.GetProperty("version").GetString()!);
        var sections = card.RootElement.GetProperty("sections").EnumerateArray().ToDictionary(s => s.GetProperty("kind").GetString()!);
        var overlap = sections["overlap"];
        Assert.Equal("model", overlap.GetProperty("propensitySource").GetString());
        Assert.True(overlap.GetProperty("sufficient").GetBoolean());
        var trimmed = overlap.GetProperty("trimmedTreated").GetInt32() + overlap.GetProperty("trimmedControl").GetInt32();
        var counts = sections["treatment-effect"].GetProperty("counts");
        Assert.Equal(counts.GetProperty("analysed").GetInt32(), overlap.GetProperty("keptRows").GetInt32() + trimmed);
        Assert.Equal(overlap.GetProperty("keptRows").GetInt32(), (int)metrics.GetProperty("keptRows").GetDouble());
        Assert.Equal(cohort.Rows, counts.GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task ObservationalDataWithoutOverlap_IsRefusedWithTheReason_NoChampion_NothingServed()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var path = new PublicPath(host);
        var (csv, _) = CohortCsv(3000, 43, TreatmentAssignment.NoOverlap);
        await path.PutAsync("/api/config/contracts/treatment-cohort", CohortContract());
        await path.PutAsync("/api/config/models/benefit-unsupported", CohortSpec("benefit-unsupported", "observational").ToJsonString());
        await path.UploadAsync("site-1/treatment-cohort/cohort.csv", csv, "treatment-cohort");

        using var retrain = await path.RetrainAsync("benefit-unsupported");
        Assert.False(retrain.RootElement.GetProperty("promoted").GetBoolean());
        Assert.StartsWith("Refused: poor overlap", retrain.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var version = retrain.RootElement.GetProperty("version");
        Assert.Equal("rejected", version.GetProperty("status").GetString(), ignoreCase: true);
        var id = version.GetProperty("version").GetString()!;

        using (var model = await host.GetJsonAsync("/api/models/benefit-unsupported", Ct))
        {
            Assert.Equal(JsonValueKind.Null, model.RootElement.GetProperty("championVersion").ValueKind);
        }

        using (var predict = await host.PostJsonAsync("/api/models/benefit-unsupported/predict", """{"age":70,"stage":"IV"}""", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, predict.StatusCode);
        }

        using (var promote = await host.Client.PostAsync(new Uri($"/api/models/benefit-unsupported/versions/{id}/promote", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, promote.StatusCode);
        }

        // The card reports the overlap that was found and why nothing was estimated.
        using var card = await path.CardAsync("benefit-unsupported", id);
        var sections = card.RootElement.GetProperty("sections").EnumerateArray().ToDictionary(s => s.GetProperty("kind").GetString()!);
        Assert.False(sections["overlap"].GetProperty("sufficient").GetBoolean());
        Assert.True(sections["overlap"].GetProperty("trimmedTreated").GetInt32() + sections["overlap"].GetProperty("trimmedControl").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Null, sections["treatment-effect"].GetProperty("ate").ValueKind);
        Assert.False(sections.ContainsKey("benefit-subgroups"));
    }

    [Fact]
    public async Task VeteranTrial_ThroughThePublicPath_ReportsTheAdjustedBesideTheUnadjustedEstimate_AndPredicts()
    {
        var corpus = Path.Combine(RepoRoot(), "tests", "corpora", "clinical");
        Assert.SkipWhen(!File.Exists(Path.Combine(corpus, "veteran.csv")), "clinical corpus (tests/corpora/clinical) not present");
        var trial = TrialExports.Export("veteran", corpus);
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var path = new PublicPath(host);
        await path.PutAsync($"/api/config/contracts/{trial.Dataset}", trial.ContractJson);
        await path.PutAsync($"/api/config/models/{trial.Model}", trial.SpecJson);
        await path.UploadAsync($"va-hospital/{trial.Dataset}/veteran.csv", trial.Csv, trial.Dataset);

        using var retrain = await path.RetrainAsync(trial.Model);
        var version = retrain.RootElement.GetProperty("version");
        var metrics = version.GetProperty("metrics");
        foreach (var metric in new[] { "ate", "ateLower", "ateUpper", "unadjustedAte", "qini", "kaplanMeierRiskDifference", "policyVsTreatAll" })
        {
            Assert.True(double.IsFinite(metrics.GetProperty(metric).GetDouble()), metric);
        }

        using var card = await path.CardAsync(trial.Model, version.GetProperty("version").GetString()!);
        var effect = card.RootElement.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "treatment-effect");
        var counts = effect.GetProperty("counts");
        Assert.Equal(137, counts.GetProperty("rows").GetInt32()); // every patient of the trial was curated
        Assert.Equal(134, counts.GetProperty("analysed").GetInt32()); // 3 censored alive before day 90
        Assert.Equal(3, counts.GetProperty("censoredBeforeHorizon").GetInt32());
        Assert.Equal("arm-share", card.RootElement.GetProperty("sections").EnumerateArray()
            .Single(s => s.GetProperty("kind").GetString() == "overlap").GetProperty("propensitySource").GetString());

        // Randomized: adjustment may sharpen the estimate, but the AIPW interval must overlap the trial's own comparison.
        var unadjusted = effect.GetProperty("unadjustedAte");
        Assert.True(metrics.GetProperty("ateLower").GetDouble() <= unadjusted.GetProperty("upper").GetDouble()
            && unadjusted.GetProperty("lower").GetDouble() <= metrics.GetProperty("ateUpper").GetDouble());

        if (retrain.RootElement.GetProperty("promoted").GetBoolean())
        {
            using var predicted = await path.PredictAsync(trial.Model, trial.Instance);
            var p = predicted.RootElement.GetProperty("predictions")[0];
            Assert.Equal("treatment-effect", p.GetProperty("task").GetString());
            Assert.False(string.IsNullOrEmpty(p.GetProperty("subgroup").GetProperty("rule").GetString()));
        }
    }

    /// <summary>The HTTP and storage steps of the public path, each checked.</summary>
    private sealed class PublicPath(ServingHost host)
    {
        public async Task PutAsync(string route, string json)
        {
            using var put = await host.Client.PutAsync(new Uri(route, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), Ct);
            Assert.True(put.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, route + ": " + await put.Content.ReadAsStringAsync(Ct));
        }

        public async Task UploadAsync(string blob, string csv, string dataset)
        {
            await host.Storage.UploadAsync(blob, Encoding.UTF8.GetBytes(csv));
            var (curated, waited) = await Wait.ForAsync(
                async () =>
                {
                    using var doc = await host.GetJsonAsync($"/api/uploads?dataset={dataset}&status=curated", Ct);
                    return doc.RootElement.GetProperty("count").GetInt32() == 1 ? "curated" : null;
                },
                TimeSpan.FromMinutes(2));
            Assert.True(curated is not null, $"the upload was not curated after {waited.TotalSeconds:F0} s");
        }

        public async Task<JsonDocument> RetrainAsync(string model)
        {
            using var retrain = await host.Client.PostAsync(new Uri($"/api/models/{model}/retrain", UriKind.Relative), null, Ct);
            var body = await retrain.Content.ReadAsStringAsync(Ct);
            Assert.True(retrain.StatusCode == HttpStatusCode.OK, body);
            var doc = JsonDocument.Parse(body);
            Assert.Equal("trained", doc.RootElement.GetProperty("status").GetString());
            return doc;
        }

        /// <summary>card.json of a version, from the model store (where an operator reads cards).</summary>
        public async Task<JsonDocument> CardAsync(string model, string version)
        {
            var blob = host.Storage.Blobs.GetBlobContainerClient(host.Storage.ModelsContainer).GetBlobClient($"{model}/{version}/card.json");
            return JsonDocument.Parse((await blob.DownloadContentAsync(Ct)).Value.Content.ToString());
        }

        /// <summary>POST predict until the new champion is loaded (the host re-reads the pointer every second).</summary>
        public async Task<JsonDocument> PredictAsync(string model, string body)
        {
            var (answer, waited) = await Wait.ForAsync(
                async () =>
                {
                    using var response = await host.PostJsonAsync($"/api/models/{model}/predict", body, Ct);
                    return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(Ct) : null;
                },
                TimeSpan.FromSeconds(30));
            Assert.True(answer is not null, $"no prediction after {waited.TotalSeconds:F0} s");
            return JsonDocument.Parse(answer);
        }
    }
}
