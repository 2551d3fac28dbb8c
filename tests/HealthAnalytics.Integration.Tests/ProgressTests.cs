using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthAnalytics.DevHost;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Progress of long work (docs/console.md, "Progress"): an upload's bytes and rows while it is processed, and
/// a training run's stage, as the API shows them, on the real dev host over Azurite.</summary>
public sealed class ProgressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upload_ReportsBytesAndRows_ThatGrowAtLeastEveryFiveSeconds_UntilCurated()
    {
        // A smaller file and a shorter interval than production (5 s): the bar is "grows at least every 5 s".
        var interval = TimeSpan.FromMilliseconds(200);
        await using var storage = new TestStorage();
        await using var host = await StartAsync(storage, new() { ["Ingestion:ProgressInterval"] = interval.ToString() });
        var content = Csv.Encounters(120_000, seed: 77);

        await storage.UploadAsync("demo-hospital/encounters/big.csv", content);

        // Every distinct progress write the ledger shows while processing, then the final entry.
        var writes = new List<(DateTimeOffset At, long Bytes, long Rows)>();
        var accepted = 0;
        var (final, elapsed) = await Wait.ForAsync(async () =>
        {
            using var list = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/api/uploads", UriKind.Relative), Ct));
            if (list.RootElement.GetProperty("count").GetInt32() == 0)
            {
                return null;
            }

            var entry = list.RootElement.GetProperty("items")[0];
            if (entry.GetProperty("status").GetString() != "processing")
            {
                return entry.GetRawText();
            }

            if (entry.TryGetProperty("progressAt", out var at) && at.ValueKind == JsonValueKind.String)
            {
                var write = (at.GetDateTimeOffset(), entry.GetProperty("progressBytes").GetInt64(), entry.GetProperty("progressRows").GetInt64());
                if (writes.Count == 0 || writes[^1] != write)
                {
                    writes.Add(write);
                }
            }

            using var one = await host.Client.GetAsync(new Uri("/api/uploads/" + entry.GetProperty("uploadId").GetString(), UriKind.Relative), Ct);
            accepted += one.StatusCode == HttpStatusCode.Accepted ? 1 : 0;
            return null;
        }, TimeSpan.FromMinutes(4));

        Assert.True(final is not null, $"not final after {elapsed.TotalSeconds:F0} s");
        using var finalDoc = JsonDocument.Parse(final);
        var done = finalDoc.RootElement;
        Assert.Equal("curated", done.GetProperty("status").GetString());
        var received = done.GetProperty("receivedAt").GetDateTimeOffset();
        var curatedAt = done.GetProperty("updatedAt").GetDateTimeOffset();
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"{content.Length} bytes curated in {(curatedAt - received).TotalSeconds:F1} s; {writes.Count} progress writes seen, 202 answered {accepted} times"));

        Assert.True(writes.Count >= 3, $"only {writes.Count} progress writes seen");
        Assert.True(accepted > 0, "GET /api/uploads/{id} never answered 202 while processing");
        for (var i = 1; i < writes.Count; i++)
        {
            Assert.True(writes[i].Bytes > writes[i - 1].Bytes || writes[i].Rows > writes[i - 1].Rows, $"write {i} did not grow");
            Assert.True(writes[i].Bytes >= writes[i - 1].Bytes && writes[i].Rows >= writes[i - 1].Rows, $"write {i} went back");
        }

        // From the claim through every write to the curated entry, no gap reaches 5 s.
        List<DateTimeOffset> times = [received, .. writes.Select(w => w.At), curatedAt];
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Max() < TimeSpan.FromSeconds(5), "largest gap " + gaps.Max());
        Assert.All(writes, w => Assert.InRange(w.Bytes, 1, content.Length));
        Assert.Equal(content.Length, done.GetProperty("progressBytes").GetInt64());
        Assert.Equal(done.GetProperty("rowsRead").GetInt64(), done.GetProperty("progressRows").GetInt64());
    }

    [Fact]
    public async Task Training_ReportsItsStagesInOrder_AndGetModelShowsEachStageWhileTheRunHoldsTheLock()
    {
        await using var storage = new TestStorage();
        var shown = new List<string?>();
        HttpClient? client = null;
        await using var host = await StartAsync(storage, [], services =>
        {
            var real = services.Single(d => d.ServiceType == typeof(ITrainingLock));
            services.Remove(real);
            services.AddSingleton<ITrainingLock>(sp => new WatchedLock((ITrainingLock)real.ImplementationFactory!(sp), async stage =>
            {
                // Asked from inside the run, right after the stage was written: what a client sees now.
                using var doc = JsonDocument.Parse(await client!.GetStringAsync(new Uri("/api/models/patient-subgroups", UriKind.Relative), Ct));
                var training = doc.RootElement.GetProperty("training");
                shown.Add(training.ValueKind == JsonValueKind.Null ? null : training.GetProperty("stage").GetString());
            }));
        });
        client = host.Client;
        await storage.UploadAsync("demo-hospital/encounters/a.csv", Csv.Encounters(1_500, seed: 3));
        var (curated, _) = await Wait.ForAsync(async () =>
            (await host.Client.GetStringAsync(new Uri("/api/uploads?status=curated", UriKind.Relative), Ct)).Contains("\"count\":1", StringComparison.Ordinal) ? "yes" : null,
            TimeSpan.FromMinutes(2));
        Assert.NotNull(curated);

        using var idle = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/api/models/patient-subgroups", UriKind.Relative), Ct));
        Assert.Equal(JsonValueKind.Null, idle.RootElement.GetProperty("training").ValueKind);
        using var retrain = await host.Client.PostAsync(new Uri("/api/models/patient-subgroups/retrain", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);

        Assert.Equal([TrainingStages.Reading, TrainingStages.Training, TrainingStages.Evaluating, TrainingStages.Registering], shown);
        using var after = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/api/models/patient-subgroups", UriKind.Relative), Ct));
        Assert.Equal(JsonValueKind.Null, after.RootElement.GetProperty("training").ValueKind);
    }

    private static async Task<Host> StartAsync(TestStorage storage, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(storage.Settings());
            builder.Configuration.AddInMemoryCollection(settings);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Host(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) });
    }

    private sealed class Host(WebApplication app, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client { get; } = client;

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>The real lock, with a callback after each stage the run writes.</summary>
    private sealed class WatchedLock(ITrainingLock inner, Func<string, Task> afterStage) : ITrainingLock
    {
        public async Task<ITrainingLease?> TryAcquireAsync(string model, CancellationToken cancellationToken) =>
            await inner.TryAcquireAsync(model, cancellationToken) is { } lease ? new Watched(lease, afterStage) : null;

        public Task<TrainingProgress?> GetProgressAsync(string model, CancellationToken cancellationToken) => inner.GetProgressAsync(model, cancellationToken);

        private sealed class Watched(ITrainingLease inner, Func<string, Task> afterStage) : ITrainingLease
        {
            public async Task ReportStageAsync(string stage, CancellationToken cancellationToken)
            {
                await inner.ReportStageAsync(stage, cancellationToken);
                await afterStage(stage);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
