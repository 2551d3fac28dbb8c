using System.Net;
using HealthAnalytics.Integration.Tests.Serving;

namespace HealthAnalytics.Integration.Tests.Abuse;

/// <summary>
/// One real dev host on loopback over its own Azurite storage, with a <c>readmission-risk</c> champion (so predict
/// requests reach field validation) and no <c>patient-subgroups</c> champion (503). Training is kept small with a
/// spec override (fewer boosting rounds); the abuse tests only read from this host.
/// </summary>
public sealed class AbuseFixture : IAsyncLifetime
{
    public const string Risk = "readmission-risk";
    public const string Subgroups = "patient-subgroups";

    private TestStorage? storage;

    public ServingHost Host { get; private set; } = null!;

    /// <summary>A version id of <see cref="Risk"/> that exists (the champion).</summary>
    public string Version { get; private set; } = "";

    /// <summary>An upload id that exists (its report can be read).</summary>
    public string UploadId { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        storage = new TestStorage();
        var config = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);
        await config.CreateIfNotExistsAsync(cancellationToken: ct);
        var spec = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "config", "models", Risk + ".json"), ct);
        await config.GetBlobClient($"models/{Risk}.json").UploadAsync(
            BinaryData.FromString(spec.Replace("\"numberOfIterations\": 150", "\"numberOfIterations\": 40", StringComparison.Ordinal)), ct);

        Host = await ServingHost.StartAsync(storage, ct);
        await storage.UploadAsync("demo-hospital/encounters/abuse.csv", Csv.Encounters(1500, seed: 90909));
        var (curated, elapsed) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await Host.GetJsonAsync("/api/uploads?status=curated", ct);
                return doc.RootElement.GetProperty("count").GetInt32() == 1 ? doc.RootElement.GetProperty("items")[0].GetProperty("uploadId").GetString() : null;
            },
            TimeSpan.FromMinutes(2));
        Assert.True(curated is not null, $"upload not curated after {elapsed.TotalSeconds:F0} s");
        UploadId = curated;

        using var retrain = await Host.PostJsonAsync($"/api/models/{Risk}/retrain", "", ct);
        Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);
        using var result = System.Text.Json.JsonDocument.Parse(await retrain.Content.ReadAsStringAsync(ct));
        Assert.True(result.RootElement.GetProperty("promoted").GetBoolean(), result.RootElement.GetProperty("reason").GetString());
        Version = result.RootElement.GetProperty("version").GetProperty("version").GetString()!;
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
