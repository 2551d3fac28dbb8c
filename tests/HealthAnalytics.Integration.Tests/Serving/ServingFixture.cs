using System.Net;
using System.Text.Json;

namespace HealthAnalytics.Integration.Tests.Serving;

/// <summary>
/// One dev host over its own storage, taken through the whole flow once (shared by the tests of
/// <see cref="ServingEndToEndTests"/>, which only read from it or promote versions it trained): a generated
/// 20k-row upload, curated, then both models retrained over HTTP.
/// </summary>
public sealed class ServingFixture : IAsyncLifetime
{
    public const string Risk = "readmission-risk";
    public const string Subgroups = "patient-subgroups";

    private TestStorage? storage;

    public ServingHost Host { get; private set; } = null!;

    /// <summary>Status of a prediction request made before any model was trained.</summary>
    public HttpStatusCode BeforeChampion { get; private set; }

    public string? BeforeChampionContentType { get; private set; }

    public Dictionary<string, string> Timings { get; } = [];

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        storage = new TestStorage();
        Host = await ServingHost.StartAsync(storage, ct);

        using (var early = await Host.PostJsonAsync($"/api/models/{Risk}/predict", """{"age":60}""", ct))
        {
            BeforeChampion = early.StatusCode;
            BeforeChampionContentType = early.Content.Headers.ContentType?.MediaType;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await storage.UploadAsync("demo-hospital/encounters/first.csv", Csv.Encounters(20_000, seed: 20261201));
        await WaitCuratedAsync(1, ct);
        Timings["curated 20k rows"] = $"{clock.Elapsed.TotalSeconds:F1} s";

        foreach (var model in new[] { Risk, Subgroups })
        {
            clock.Restart();
            using var retrain = await Host.PostJsonAsync($"/api/models/{model}/retrain", "", ct);
            Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);
            using var doc = JsonDocument.Parse(await retrain.Content.ReadAsStringAsync(ct));
            Assert.True(doc.RootElement.GetProperty("promoted").GetBoolean(), $"{model} was not promoted: {doc.RootElement.GetProperty("reason").GetString()}");
            Timings[$"retrain {model}"] = $"{clock.Elapsed.TotalSeconds:F1} s";
        }
    }

    public async Task WaitCuratedAsync(int count, CancellationToken ct)
    {
        var (done, elapsed) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await Host.GetJsonAsync("/api/uploads?status=curated", ct);
                return doc.RootElement.GetProperty("count").GetInt32() >= count ? "done" : null;
            },
            TimeSpan.FromMinutes(3));
        Assert.True(done is not null, $"{count} upload(s) not curated after {elapsed.TotalSeconds:F0} s");
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (storage is not null)
        {
            await storage.DisposeAsync();
        }
    }
}
