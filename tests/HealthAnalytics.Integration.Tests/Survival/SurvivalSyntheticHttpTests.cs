using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Serving;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Integration.Tests.Survival;

/// <summary>
/// Synthetic truth through the public path (docs/survival.md, "Synthetic truth through HTTP"): the cohort's contract and
/// spec PUT over HTTP, its CSV dropped into <c>uploads/</c>, the model retrained and its held-out rows predicted over HTTP,
/// then compared with the true hazard the generator drew from.
/// </summary>
public sealed class SurvivalSyntheticHttpTests
{
    private const string Model = "survival-cohort-risk";
    private const int Rows = 20_000;
    private const int Uploaded = 15_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SyntheticCohort_UploadedAndPredictedOverHttp_MatchesTheOracleCIndexAndTheTrueSurvival()
    {
        var clock = Stopwatch.StartNew();
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        await SurvivalHttp.PutAsync(host, "/api/config/contracts/survival-cohort", SurvivalHttp.ReadRepoFile("src", "HealthAnalytics.Synthetic", "Cohorts", "survival-cohort.contract.json"));
        await SurvivalHttp.PutAsync(host, $"/api/config/models/{Model}", SurvivalHttp.ReadRepoFile("src", "HealthAnalytics.Synthetic", "Cohorts", "survival-cohort.spec.json"));

        // The first 15,000 rows are the partner's upload; the last 5,000 are never uploaded: they are predicted.
        var cohort = SurvivalCohort.Generate(new SurvivalCohortOptions { Rows = Rows, Seed = 14 });
        using var csv = new StringWriter(CultureInfo.InvariantCulture);
        cohort.WriteCsv(csv);
        var lines = csv.ToString().Split('\n');
        var upload = string.Join('\n', lines.Take(1 + Uploaded)) + "\n";
        await SurvivalHttp.UploadAndWaitAsync(host, "site-1/survival-cohort/cohort.csv", "survival-cohort", Encoding.UTF8.GetBytes(upload));
        var curated = clock.Elapsed;

        var retrain = await SurvivalHttp.RetrainAsync(host, Model);
        var version = retrain.GetProperty("version");
        Assert.Equal("survival", version.GetProperty("task").GetString());
        Assert.Equal("holdout", version.GetProperty("evaluation").GetProperty("kind").GetString());
        var trained = clock.Elapsed;

        var heldOut = Enumerable.Range(Uploaded, Rows - Uploaded).ToArray();
        var predictions = await SurvivalHttp.PredictAsync(host, Model, [.. heldOut.Select(i => Instance(cohort, i))]);
        var predicted = clock.Elapsed;

        var times = heldOut.Select(i => cohort.TimeDays[i]).ToArray();
        var events = heldOut.Select(i => cohort.Event[i]).ToArray();
        var risk = predictions.Select(p => p.GetProperty("risk").GetDouble()).ToArray();
        var c = Concordance.Harrell(times, events, risk).Index;
        var oracle = Concordance.Harrell(times, events, [.. heldOut.Select(i => cohort.TrueLinearPredictor[i])]).Index;
        var line = new StringBuilder(FormattableString.Invariant($"synthetic over HTTP: C {c:0.0000}, oracle {oracle:0.0000}"));
        Assert.All(predictions, p => Assert.Equal("survival", p.GetProperty("task").GetString()));
        Assert.True(Math.Abs(c - oracle) <= 0.01, FormattableString.Invariant($"C-index {c:0.0000} vs oracle {oracle:0.0000}"));

        var horizons = cohort.Options.HorizonsDays;
        for (var h = 0; h < horizons.Count; h++)
        {
            var error = Enumerable.Range(0, heldOut.Length).Average(k =>
            {
                var point = predictions[k].GetProperty("survival")[h];
                Assert.Equal(horizons[h], point.GetProperty("time").GetDouble());
                return Math.Abs(point.GetProperty("probability").GetDouble() - cohort.TrueSurvival[h][heldOut[k]]);
            });
            line.Append(CultureInfo.InvariantCulture, $", mean |S - S_true| at {horizons[h]} d {error:0.0000}");
            Assert.True(error <= 0.02, FormattableString.Invariant($"mean |predicted S - true S| at {horizons[h]} days is {error:0.0000}"));
        }

        line.Append(CultureInfo.InvariantCulture, $"; curated {curated.TotalSeconds:0.0} s, trained {(trained - curated).TotalSeconds:0.0} s, predicted {heldOut.Length} rows in {(predicted - trained).TotalSeconds:0.0} s");
        TestContext.Current.TestOutputHelper?.WriteLine(line.ToString());

        // The card of the version holds the survival sections (Kaplan–Meier by group, calibration at the horizons).
        var card = await storage.Blobs.GetBlobContainerClient(storage.ModelsContainer).GetBlobClient($"{Model}/{version.GetProperty("version").GetString()}/card.json").DownloadContentAsync(Ct);
        using var cardJson = JsonDocument.Parse(card.Value.Content.ToString());
        var kinds = cardJson.RootElement.GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["survival-outcome", "survival-calibration", "kaplan-meier"], kinds);
    }

    [Fact]
    public async Task Predict_TakesHorizonsFromTheQuery_AndRefusesBadOnesWithoutEchoingThem()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        await SurvivalHttp.PutAsync(host, "/api/config/contracts/survival-cohort", SurvivalHttp.ReadRepoFile("src", "HealthAnalytics.Synthetic", "Cohorts", "survival-cohort.contract.json"));
        await SurvivalHttp.PutAsync(host, $"/api/config/models/{Model}", SurvivalHttp.ReadRepoFile("src", "HealthAnalytics.Synthetic", "Cohorts", "survival-cohort.spec.json"));
        var cohort = SurvivalCohort.Generate(new SurvivalCohortOptions { Rows = 1200, Seed = 21 });
        using var csv = new StringWriter(CultureInfo.InvariantCulture);
        cohort.WriteCsv(csv);
        await SurvivalHttp.UploadAndWaitAsync(host, "site-1/survival-cohort/small.csv", "survival-cohort", Encoding.UTF8.GetBytes(csv.ToString()));
        var retrain = await SurvivalHttp.RetrainAsync(host, Model);
        Assert.Equal("cross-validation", retrain.GetProperty("version").GetProperty("evaluation").GetProperty("kind").GetString());

        var instance = Instance(cohort, 0);
        var own = (await SurvivalHttp.PredictAsync(host, Model, [instance], "?horizons=1000,100,3000.5"))[0];
        Assert.Equal([1000.0, 100, 3000.5], own.GetProperty("survival").EnumerateArray().Select(p => p.GetProperty("time").GetDouble()));
        Assert.Equal("days", own.GetProperty("timeUnit").GetString());
        var byDefault = (await SurvivalHttp.PredictAsync(host, Model, [instance]))[0];
        Assert.Equal([365.0, 730, 1825], byDefault.GetProperty("survival").EnumerateArray().Select(p => p.GetProperty("time").GetDouble()));
        Assert.Equal(byDefault.GetProperty("risk").GetDouble(), own.GetProperty("risk").GetDouble());

        foreach (var bad in new[] { "?horizons=zz-planted-zz", "?horizons=-5", "?horizons=", "?horizons=1&horizons=2", "?horizons=" + string.Join(',', Enumerable.Range(1, 21)) })
        {
            using var response = await host.PostJsonAsync($"/api/models/{Model}/predict{bad}", new JsonObject { ["instances"] = new JsonArray(instance.DeepClone()) }.ToJsonString(), Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(body);
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("horizons", out _), body);
            Assert.DoesNotContain("zz-planted-zz", body, StringComparison.Ordinal);
        }
    }

    /// <summary>The model's inputs of one cohort row, as a client sends them (missing cells null).</summary>
    private static JsonObject Instance(SurvivalCohort cohort, int i) => new()
    {
        ["age"] = cohort.Age[i],
        ["sex"] = cohort.Sex[i],
        ["bmi"] = double.IsNaN(cohort.Bmi[i]) ? null : cohort.Bmi[i],
        ["sbp"] = cohort.Sbp[i],
        ["stage"] = cohort.Stage[i],
        ["smoker"] = cohort.Smoker[i],
        ["creatinine"] = cohort.Creatinine[i],
    };
}
