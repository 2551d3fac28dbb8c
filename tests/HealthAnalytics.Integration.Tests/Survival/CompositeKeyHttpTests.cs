using System.Globalization;
using System.Text;
using HealthAnalytics.Integration.Tests.Serving;

namespace HealthAnalytics.Integration.Tests.Survival;

/// <summary>
/// A primary key of an identifier and an integer column, as R's <c>survival::retinopathy</c> needs (two rows per
/// patient, one per eye, told apart by <c>trt</c>): found by the second "from the docs alone" check
/// (docs/clinical-suite.md). Training read every key column as text, and an integer key column made
/// <c>POST /retrain</c> answer 500. Two uploads of the same partner repeat ten keys: the later rows are the ones kept.
/// </summary>
public sealed class CompositeKeyHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Contract = """
        {
          "name": "eyes",
          "version": "1.0.0",
          "dialect": { "delimiter": ",", "decimalSeparator": ".", "encoding": "utf-8" },
          "primaryKey": [ "id", "trt" ],
          "columns": [
            { "name": "id", "type": "string", "privacy": "identifier", "required": true },
            { "name": "trt", "type": "integer", "required": true },
            { "name": "risk", "type": "integer" },
            { "name": "futime", "type": "number", "unit": "months", "required": true },
            { "name": "status", "type": "integer", "required": true }
          ]
        }
        """;

    private const string Spec = """
        {
          "name": "eyes-vision-loss", "task": "survival", "dataset": "eyes",
          "features": [ { "name": "trt" }, { "name": "risk" } ],
          "survival": { "time": "futime", "event": { "column": "status", "values": [ 1 ] }, "horizons": [ 12, 36 ] },
          "minimumRows": 50, "scheduleGroup": "manual"
        }
        """;

    [Fact]
    public async Task IdentifierAndIntegerKey_TrainsOnePerKey_TheLatestUploadWinning()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        await SurvivalHttp.PutAsync(host, "/api/config/contracts/eyes", Contract);
        await SurvivalHttp.PutAsync(host, "/api/config/models/eyes-vision-loss", Spec);

        await SurvivalHttp.UploadAndWaitAsync(host, "clinic/eyes/first.csv", "eyes", Csv(patients: 40, from: 0));
        await SurvivalHttp.UploadAndWaitAsync(host, "clinic/eyes/second.csv", "eyes", Csv(patients: 10, from: 35), curated: 2);
        var retrain = await SurvivalHttp.RetrainAsync(host, "eyes-vision-loss");

        var lineage = retrain.GetProperty("version").GetProperty("lineage");
        Assert.Equal(100, lineage.GetProperty("rowsRead").GetInt32());
        Assert.Equal(90, lineage.GetProperty("rows").GetInt32()); // 45 patients × 2 eyes; patients 35-39 sent twice
    }

    /// <summary>Two rows per patient (trt 1 = the treated eye, 0 = the other), a deterministic follow-up and status.</summary>
    private static byte[] Csv(int patients, int from)
    {
        var csv = new StringBuilder("\"id\",\"trt\",\"risk\",\"futime\",\"status\"\n");
        for (var p = from; p < from + patients; p++)
        {
            foreach (var trt in (int[])[1, 0])
            {
                var risk = 6 + (p % 7);
                var status = (p * 3 + trt + risk) % 4 == 0 ? 1 : 0;
                var futime = 1.5 + (((p * 37) + (trt * 11)) % 70) + (0.01 * (p % 9));
                csv.Append(CultureInfo.InvariantCulture, $"{100 + p},{trt},{risk},{futime.ToString("0.00", CultureInfo.InvariantCulture)},{status}\n");
            }
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }
}
