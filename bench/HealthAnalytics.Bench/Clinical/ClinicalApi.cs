using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// The public path as a user and a partner use it: the HTTP API of a running host (<see cref="HttpClient.BaseAddress"/>)
/// and the uploads container a partner drops files into. Nothing else of the product is reached.
/// </summary>
public sealed class ClinicalApi(HttpClient http, BlobContainerClient uploads)
{
    /// <summary>Longest wait for an upload to leave <c>processing</c>.</summary>
    public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>POST /api/config/contracts/infer?dataset=</c> with the CSV as the body: the proposal.</summary>
    public async Task<JsonObject> InferAsync(string dataset, byte[] csv, CancellationToken ct)
    {
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await http.PostAsync(new Uri($"/api/config/contracts/infer?dataset={dataset}", UriKind.Relative), content, ct);
        return (await ReadAsync(response, "infer", ct)).AsObject();
    }

    /// <summary><c>PUT</c> a contract or a spec; throws with the problem details unless stored (200 or 201).</summary>
    public async Task PutAsync(string path, JsonObject document, CancellationToken ct)
    {
        using var content = new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PutAsync(new Uri(path, UriKind.Relative), content, ct);
        await ReadAsync(response, "PUT " + path, ct);
    }

    /// <summary>Drops a file into <c>uploads/{partner}/{dataset}/{file}</c> and waits until ingestion has finished with
    /// it (<c>GET /api/uploads</c>); returns the ledger entry and the quality report.</summary>
    public async Task<(JsonObject Entry, JsonObject Report)> UploadAsync(string partner, string dataset, string file, byte[] csv, CancellationToken ct)
    {
        await uploads.GetBlobClient($"{partner}/{dataset}/{file}").UploadAsync(new BinaryData(csv), overwrite: false, ct);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync(new Uri($"/api/uploads?dataset={dataset}&partner={partner}", UriKind.Relative), ct);
            var list = await ReadAsync(response, "GET /api/uploads", ct);
            var entry = list["items"]!.AsArray().Select(i => i!.AsObject()).FirstOrDefault(i => i["fileName"]?.GetValue<string>() == file);
            var status = entry?["status"]?.GetValue<string>();
            if (entry is not null && status is not null && !status.Equals("processing", StringComparison.OrdinalIgnoreCase))
            {
                var id = entry["uploadId"]!.GetValue<string>();
                using var report = await http.GetAsync(new Uri($"/api/uploads/{id}", UriKind.Relative), ct);
                return (entry, (await ReadAsync(report, "GET /api/uploads/{id}", ct)).AsObject());
            }

            if (clock.Elapsed > UploadTimeout)
            {
                throw new TimeoutException($"upload of dataset {dataset} not processed after {UploadTimeout.TotalSeconds:F0} s");
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary><c>POST /api/models/{name}/retrain</c>: the answer (status, promoted, reason, version).</summary>
    public async Task<JsonObject> RetrainAsync(string model, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri($"/api/models/{model}/retrain", UriKind.Relative), null, ct);
        return (await ReadAsync(response, "retrain", ct)).AsObject();
    }

    /// <summary>
    /// <c>POST /api/models/{name}/predict</c> in batches of at most 1,000 instances; the predictions in order. Every
    /// answer must come from <paramref name="version"/> (a champion swap is picked up within the host's
    /// <c>Training:ChampionRefresh</c>; until then the previous champion, or none, answers, so the call is retried).
    /// </summary>
    public async Task<List<JsonObject>> PredictAsync(string model, string version, IReadOnlyList<JsonObject> instances, CancellationToken ct)
    {
        var predictions = new List<JsonObject>(instances.Count);
        for (var from = 0; from < instances.Count; from += 1000)
        {
            var body = new JsonObject { ["instances"] = new JsonArray([.. instances.Skip(from).Take(1000).Select(i => (JsonNode)i.DeepClone())]) }.ToJsonString();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(new Uri($"/api/models/{model}/predict", UriKind.Relative), content, ct);
                if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(250, ct);
                    continue;
                }

                var answer = await ReadAsync(response, "predict", ct);
                if (answer["version"]?.GetValue<string>() != version)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        throw new InvalidOperationException($"{model}: predictions still come from another version than {version} after 60 s");
                    }

                    await Task.Delay(250, ct);
                    continue;
                }

                predictions.AddRange(answer["predictions"]!.AsArray().Select(p => p!.DeepClone().AsObject()));
                break;
            }
        }

        return predictions.Count == instances.Count
            ? predictions
            : throw new InvalidOperationException($"{model}: {predictions.Count} predictions for {instances.Count} instances");
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            // Problem details name JSON paths and rules, never data (docs/contracts.md): safe to show.
            throw new ClinicalApiException($"{what}: {(int)response.StatusCode} {body}");
        }

        return JsonNode.Parse(body) ?? throw new ClinicalApiException($"{what}: empty answer");
    }
}

public sealed class ClinicalApiException(string message) : Exception(message);

/// <summary>Reads JSON answers leniently (numbers may arrive as any JSON number form).</summary>
internal static class JsonNodes
{
    public static double Number(JsonNode? node) => node is null ? double.NaN : node.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<double>(),
        _ => double.NaN,
    };
}
