using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Serving;

namespace HealthAnalytics.Integration.Tests.Survival;

/// <summary>The public path of a survival model, as an operator and a client use it: configuration over HTTP, an upload
/// into <c>uploads/</c>, retraining and prediction over HTTP.</summary>
internal static class SurvivalHttp
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string RepoRoot { get; } = FindRoot();

    public static string ReadRepoFile(params string[] parts) => File.ReadAllText(Path.Combine([RepoRoot, .. parts]));

    /// <summary>PUTs a contract or spec; fails the test unless it was stored (201 or 200).</summary>
    public static async Task PutAsync(ServingHost host, string path, string json)
    {
        using var put = await host.Client.PutAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        var body = await put.Content.ReadAsStringAsync(Ct);
        Assert.True(put.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"PUT {path}: {(int)put.StatusCode} {body}");
    }

    /// <summary>Uploads a CSV as a partner would and waits until the dataset has <paramref name="curated"/> curated uploads.</summary>
    public static async Task UploadAndWaitAsync(ServingHost host, string blobName, string dataset, byte[] csv, int curated = 1)
    {
        await host.Storage.UploadAsync(blobName, csv);
        var (done, waited) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await host.GetJsonAsync($"/api/uploads?dataset={dataset}&status=curated", Ct);
                return doc.RootElement.GetProperty("count").GetInt32() >= curated ? "curated" : null;
            },
            TimeSpan.FromMinutes(3));
        Assert.True(done is not null, $"the {dataset} upload was not curated after {waited.TotalSeconds:F0} s");
    }

    /// <summary>Retrains over HTTP and returns the answer; fails the test unless a version was trained and promoted.</summary>
    public static async Task<JsonElement> RetrainAsync(ServingHost host, string model)
    {
        using var retrain = await host.Client.PostAsync(new Uri($"/api/models/{model}/retrain", UriKind.Relative), null, Ct);
        var body = await retrain.Content.ReadAsStringAsync(Ct);
        Assert.True(retrain.StatusCode == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement.Clone();
        Assert.True(answer.GetProperty("promoted").GetBoolean(), body);
        return answer;
    }

    /// <summary>Predictions of every instance over HTTP, 1,000 per request, in order.</summary>
    public static async Task<List<JsonElement>> PredictAsync(ServingHost host, string model, IReadOnlyList<JsonObject> instances, string query = "")
    {
        var predictions = new List<JsonElement>(instances.Count);
        for (var from = 0; from < instances.Count; from += 1000)
        {
            var body = new JsonObject { ["instances"] = new JsonArray([.. instances.Skip(from).Take(1000).Select(i => (JsonNode)i.DeepClone())]) };
            using var response = await host.PostJsonAsync($"/api/models/{model}/predict{query}", body.ToJsonString(), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            using var doc = JsonDocument.Parse(text);
            predictions.AddRange(doc.RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.Clone()));
        }

        Assert.Equal(instances.Count, predictions.Count);
        return predictions;
    }

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("HA_REPO_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthAnalytics.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found: set HA_REPO_ROOT or run from inside the repository.");
    }
}
