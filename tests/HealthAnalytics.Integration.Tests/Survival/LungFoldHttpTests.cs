using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Serving;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Integration.Tests.Survival;

/// <summary>
/// A real survival table through the public path (docs/survival.md, "Real tables"): the clinical suite's <c>lung</c>
/// table (tests/corpora/clinical), one committed fold. The training folds' rows are uploaded as the CSV has them (R's
/// <c>NA</c> tokens included: the contract's default missing-value tokens read them as missing), a contract and the
/// suite's lung-death spec are PUT over HTTP, the model is retrained (small data: cross-validated, then refit on every
/// uploaded row) and the held-out fold is predicted over HTTP; Harrell's C of those predictions is compared with R's
/// <c>coxph(ridge(theta = 1))</c> on the same fold (bench/reference/results/lung-death.json).
/// </summary>
public sealed class LungFoldHttpTests
{
    private const int Fold = 1;
    private const string Model = "lung-death";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The columns of the suite's task; <c>inst</c> (a site code) is left undeclared, so the cleaner drops it
    /// unread (docs/ingestion.md, "Header"). Dotted R names are matched by header normalization (<c>ph.ecog</c> → <c>ph_ecog</c>).</summary>
    private const string Contract = """
        {
          "name": "lung",
          "version": "1.0.0",
          "description": "NCCTG lung cancer survival (R survival::lung): days of follow-up, status 1 = censored, 2 = dead.",
          "dialect": { "delimiter": ",", "decimalSeparator": ".", "encoding": "utf-8", "dateFormats": [ "yyyy-MM-dd" ] },
          "primaryKey": [],
          "duplicates": "first-wins",
          "columns": [
            { "name": "time", "type": "integer", "unit": "days", "range": { "min": 0, "max": 100000 }, "required": true, "privacy": "sensitive" },
            { "name": "status", "type": "integer", "range": { "min": 1, "max": 2 }, "required": true, "privacy": "sensitive" },
            { "name": "age", "type": "integer", "unit": "years", "range": { "min": 0, "max": 120 }, "privacy": "quasi" },
            { "name": "sex", "type": "category", "privacy": "quasi", "categories": { "1": [], "2": [] } },
            { "name": "ph_ecog", "type": "integer", "privacy": "sensitive" },
            { "name": "ph_karno", "type": "integer", "privacy": "sensitive" },
            { "name": "pat_karno", "type": "integer", "privacy": "sensitive" },
            { "name": "meal_cal", "type": "number", "privacy": "sensitive" },
            { "name": "wt_loss", "type": "number", "privacy": "sensitive" }
          ]
        }
        """;

    /// <summary>The suite's lung-death task (tests/corpora/clinical/suite.json) as a spec: status 2 = dead, horizons
    /// 90/180/365 days, its seven features, Cox with Efron ties and L2 1.</summary>
    private const string Spec = """
        {
          "name": "lung-death",
          "task": "survival",
          "dataset": "lung",
          "features": [
            { "name": "age", "kind": "numeric" }, { "name": "sex", "kind": "categorical" }, { "name": "ph_ecog", "kind": "numeric" },
            { "name": "ph_karno", "kind": "numeric" }, { "name": "pat_karno", "kind": "numeric" }, { "name": "meal_cal", "kind": "numeric" },
            { "name": "wt_loss", "kind": "numeric" }
          ],
          "survival": { "time": "time", "event": { "column": "status", "values": [ 2 ] }, "horizons": [ 90, 180, 365 ] },
          "trainer": { "name": "cox", "ties": "efron", "l2Regularization": 1 },
          "promotion": { "metric": "cIndex" },
          "minimumRows": 50,
          "scheduleGroup": "manual"
        }
        """;

    /// <summary>CSV column → the contract's (and spec's) name.</summary>
    private static readonly Dictionary<string, string> Inputs = new(StringComparer.Ordinal)
    {
        ["age"] = "age", ["sex"] = "sex", ["ph.ecog"] = "ph_ecog", ["ph.karno"] = "ph_karno", ["pat.karno"] = "pat_karno", ["meal.cal"] = "meal_cal", ["wt.loss"] = "wt_loss",
    };

    [Fact]
    public async Task LungFold_ThroughConfigUploadAndHttp_CoxCIndexWithin001OfR()
    {
        var lines = SurvivalHttp.ReadRepoFile("tests", "corpora", "clinical", "lung.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var folds = SurvivalHttp.ReadRepoFile("tests", "corpora", "clinical", "folds", "lung-death.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray();
        Assert.Equal(lines.Length - 1, folds.Length);
        var train = Enumerable.Range(0, folds.Length).Where(i => folds[i] != Fold && folds[i] != -1).ToArray();
        var test = Enumerable.Range(0, folds.Length).Where(i => folds[i] == Fold).ToArray();

        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        await SurvivalHttp.PutAsync(host, "/api/config/contracts/lung", Contract);
        await SurvivalHttp.PutAsync(host, $"/api/config/models/{Model}", Spec);

        // The training folds' rows exactly as the table has them (same header, same order, NA tokens and all).
        var upload = string.Join('\n', [lines[0], .. train.Select(i => lines[1 + i])]) + "\n";
        await SurvivalHttp.UploadAndWaitAsync(host, "suite/lung/lung-train.csv", "lung", Encoding.UTF8.GetBytes(upload));
        var retrain = await SurvivalHttp.RetrainAsync(host, Model);
        var version = retrain.GetProperty("version");
        Assert.Equal(train.Length, version.GetProperty("lineage").GetProperty("trainRows").GetInt32());
        Assert.Equal("cross-validation", version.GetProperty("evaluation").GetProperty("kind").GetString());

        // The held-out fold, predicted over HTTP: an NA cell is sent as null (missing), as a client would.
        var header = Cells(lines[0]);
        var rows = test.Select(i => Cells(lines[1 + i])).ToArray();
        var instances = rows.Select(r =>
        {
            var instance = new JsonObject();
            foreach (var (csvName, name) in Inputs)
            {
                var cell = r[Array.IndexOf(header, csvName)];
                instance[name] = cell == "NA" ? null : name == "sex" ? JsonValue.Create(cell) : JsonValue.Create(double.Parse(cell, CultureInfo.InvariantCulture));
            }

            return instance;
        }).ToList();
        var predictions = await SurvivalHttp.PredictAsync(host, Model, instances);
        var c = Concordance.Harrell(
            [.. rows.Select(r => double.Parse(r[Array.IndexOf(header, "time")], CultureInfo.InvariantCulture))],
            [.. rows.Select(r => r[Array.IndexOf(header, "status")] == "2")],
            [.. predictions.Select(p => p.GetProperty("risk").GetDouble())]).Index;

        var reference = Reference(Fold);
        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant($"lung fold {Fold}: C over HTTP {c:0.0000}, R coxph ridge {reference:0.0000}"));
        Assert.True(Math.Abs(c - reference) <= 0.01, FormattableString.Invariant($"C-index {c:0.0000} vs R {reference:0.0000}"));
    }

    /// <summary>R's Harrell's C on the fold (coxph-ridge, the product's featurization, scope "all": the Cox penalty's
    /// variance scaling makes the product's fit the fit on fully standardized slots, docs/survival.md).</summary>
    private static double Reference(int fold)
    {
        var json = JsonNode.Parse(SurvivalHttp.ReadRepoFile("bench", "reference", "results", "lung-death.json"))!;
        return json["models"]!["coxph-ridge"]!["folds"]!.AsArray().Single(f => f!["fold"]!.GetValue<int>() == fold)!["harrellC"]!.GetValue<double>();
    }

    private static string[] Cells(string line) => [.. line.TrimEnd('\r').Split(',').Select(c => c.Trim('"'))];
}
