using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace HealthAnalytics.Bench.Effects;

/// <summary>The two configuration and upload steps both effect benches take over HTTP, in one place.</summary>
internal static class EffectHttp
{
    /// <summary><c>PUT</c> a contract or spec; throws with the answer unless it was stored (200 or 201).</summary>
    public static async Task PutAsync(HttpClient client, Uri uri, string json, CancellationToken ct)
    {
        using var put = await client.PutAsync(uri, new StringContent(json, Encoding.UTF8, "application/json"), ct);
        if (put.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"PUT {uri.AbsolutePath} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Polls <paramref name="uploads"/> (<c>GET /api/uploads?dataset=</c>) until the newest upload is curated;
    /// throws at once when it was rejected or failed, and after <paramref name="timeout"/>.</summary>
    public static async Task WaitCuratedAsync(HttpClient client, Uri uploads, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var items = JsonNode.Parse(await client.GetStringAsync(uploads, ct))!["items"]!.AsArray();
            var status = items.Count == 0 ? null : items[0]!["status"]!.GetValue<string>();
            if (status == "curated")
            {
                return;
            }

            if (status is "rejected" or "failed")
            {
                throw new InvalidOperationException($"the upload was {status} (see GET /api/uploads/{items[0]!["uploadId"]})");
            }

            await Task.Delay(250, ct);
        }

        throw new TimeoutException($"the upload was not curated within {timeout.TotalSeconds:F0} s");
    }
}
