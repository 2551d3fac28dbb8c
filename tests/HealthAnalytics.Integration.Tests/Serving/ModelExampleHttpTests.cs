using System.Net;
using System.Text;
using System.Text.Json;
using HealthAnalytics.Integration.Tests.Survival;

namespace HealthAnalytics.Integration.Tests.Serving;

/// <summary>
/// <c>GET /api/models/{name}</c>'s <c>example</c> is "an instance a client can post to predict as-is" (docs/models.md).
/// Found by the second "from the docs alone" check (docs/clinical-suite.md): the example gave an integer feature its
/// training median, 0.5 for retinopathy's 0/1 <c>trt</c> and 32.5 for gbsg's <c>pgr</c>, and predicting the example
/// answered 400 ("Must be an integer, or null.").
/// </summary>
public sealed class ModelExampleHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Contract = """
        {
          "name": "arms",
          "version": "1.0.0",
          "dialect": { "delimiter": ",", "decimalSeparator": ".", "encoding": "utf-8" },
          "columns": [
            { "name": "trt", "type": "integer" },
            { "name": "dose", "type": "number" },
            { "name": "futime", "type": "number", "unit": "months", "required": true },
            { "name": "status", "type": "integer", "required": true }
          ]
        }
        """;

    private const string Spec = """
        {
          "name": "arms-event", "task": "survival", "dataset": "arms",
          "features": [ { "name": "trt" }, { "name": "dose" } ],
          "survival": { "time": "futime", "event": { "column": "status", "values": [ 1 ] }, "horizons": [ 12 ] },
          "minimumRows": 50, "scheduleGroup": "manual"
        }
        """;

    [Fact]
    public async Task Example_OfAnIntegerFeatureWithAHalfwayMedian_IsAWholeNumber_AndPredictsAsIs()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        await SurvivalHttp.PutAsync(host, "/api/config/contracts/arms", Contract);
        await SurvivalHttp.PutAsync(host, "/api/config/models/arms-event", Spec);

        // 60 rows, half of them trt 1: the median of trt is 0.5.
        var csv = new StringBuilder("trt,dose,futime,status\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(FormattableString.Invariant($"{i % 2},{1.25 + (i % 5)},{1 + ((i * 7) % 30)},{(i % 3 == 0 ? 1 : 0)}\n"));
        }

        await SurvivalHttp.UploadAndWaitAsync(host, "clinic/arms/arms.csv", "arms", Encoding.UTF8.GetBytes(csv.ToString()));
        await SurvivalHttp.RetrainAsync(host, "arms-event");

        using var detail = await host.GetJsonAsync("/api/models/arms-event", Ct);
        var example = detail.RootElement.GetProperty("example");
        var trt = example.GetProperty("trt").GetDouble();
        Assert.Equal(Math.Round(trt), trt);
        using var response = await host.PostJsonAsync("/api/models/arms-event/predict", example.GetRawText(), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("survival", JsonDocument.Parse(body).RootElement.GetProperty("predictions")[0].GetProperty("task").GetString());
    }
}
