using HealthAnalytics.DevHost;
using HealthAnalytics.Storage;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace HealthAnalytics.Integration.Tests.Training;

/// <summary>
/// Real dev hosts (loopback Kestrel, upload poller, retrain scheduler) over ONE test's Azurite storage, sharing one
/// fake clock so the schedule ticks when the test says so: every minute at second 0, never by wall-clock waits.
/// </summary>
public sealed class TrainingHosts : IAsyncDisposable
{
    public const string Schedule = "0 * * * * *";
    public static readonly string[] Models = ["patient-subgroups", "readmission-risk"];

    private readonly List<WebApplication> apps = [];

    private TrainingHosts(TestStorage storage, FakeTimeProvider clock)
    {
        Storage = storage;
        Clock = clock;
        Runs = new TableTrainingRunLedger(storage.Tables.GetTableClient(storage.ModelsTable));
    }

    public TestStorage Storage { get; }
    public FakeTimeProvider Clock { get; }
    public TableTrainingRunLedger Runs { get; }
    public IReadOnlyList<IServiceProvider> Services => [.. apps.Select(a => a.Services)];
    public List<HttpClient> Clients { get; } = [];

    /// <param name="decorate">Per host index: wrap its registry (fault injection).</param>
    public static async Task<TrainingHosts> StartAsync(int count, Func<int, IModelRegistry, IModelRegistry>? decorate = null)
    {
        var storage = new TestStorage();

        // Half a minute before an occurrence, near real time so ingestion's date checks see a realistic "today".
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 30, TimeSpan.Zero));
        var hosts = new TrainingHosts(storage, clock) { FirstOccurrence = clock.GetUtcNow().AddSeconds(30) };
        for (var i = 0; i < count; i++)
        {
            var index = i;
            var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
            {
                builder.Configuration.AddInMemoryCollection(storage.Settings());
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Training:RetrainSchedule"] = Schedule,
                    ["Training:ChampionRefresh"] = "00:00:01",
                });
                builder.Services.RemoveAll<TimeProvider>();
                builder.Services.AddSingleton<TimeProvider>(clock);
                if (decorate is not null)
                {
                    var real = builder.Services.Single(d => d.ServiceType == typeof(IModelRegistry));
                    builder.Services.Remove(real);
                    builder.Services.AddSingleton(sp => decorate(index, (IModelRegistry)real.ImplementationFactory!(sp)));
                }
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            hosts.apps.Add(app);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            hosts.Clients.Add(new HttpClient { BaseAddress = new Uri(address) });
        }

        return hosts;
    }

    /// <summary>The first occurrence of <see cref="Schedule"/> after the clock's start; tick i is i minutes later.</summary>
    public DateTimeOffset FirstOccurrence { get; private set; }

    /// <summary>Uploads a generated CSV through the uploads container and waits until the pollers curated it.</summary>
    public async Task UploadAndCurateAsync(string file, int rows, int seed)
    {
        var before = await CuratedCountAsync();
        await Storage.UploadAsync($"demo-hospital/encounters/{file}", Csv.Encounters(rows, seed));
        var (done, elapsed) = await Wait.ForAsync(async () => await CuratedCountAsync() > before ? "done" : null, TimeSpan.FromMinutes(2));
        Assert.True(done is not null, $"{file} not curated after {elapsed.TotalSeconds:F0} s");
    }

    /// <summary>
    /// One schedule tick: waits until every host's scheduler waits for <paramref name="occurrence"/>, moves the
    /// shared clock there, then waits until each model's run record of that occurrence is finished.
    /// </summary>
    public async Task TickAsync(DateTimeOffset occurrence)
    {
        var schedulers = apps.Select(a => a.Services.GetServices<IHostedService>().OfType<RetrainScheduler>().Single()).ToList();
        var (ready, waited) = await Wait.ForAsync(() => Task.FromResult(schedulers.All(s => s.WaitingFor == occurrence) ? "ready" : null), TimeSpan.FromSeconds(60));
        Assert.True(ready is not null, $"not every scheduler waits for {occurrence:o} after {waited.TotalSeconds:F0} s: {string.Join(", ", schedulers.Select(s => s.WaitingFor?.ToString("o") ?? "busy"))}");

        Clock.SetUtcNow(occurrence);

        var (finished, elapsed) = await Wait.ForAsync(
            async () =>
            {
                foreach (var model in Models)
                {
                    var runs = await Runs.ListAsync(model, TestContext.Current.CancellationToken);
                    if (!runs.Any(r => r.Occurrence == occurrence && r.State == "finished"))
                    {
                        return null;
                    }
                }

                return "finished";
            },
            TimeSpan.FromMinutes(2));
        Assert.True(finished is not null, $"the runs of {occurrence:o} did not finish within {elapsed.TotalSeconds:F0} s");
    }

    private async Task<int> CuratedCountAsync()
        => (await Storage.LedgerEntitiesAsync()).Count(e => e.GetString("Status") == "curated");

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
        {
            client.Dispose();
        }

        foreach (var app in apps)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        await Storage.DisposeAsync();
    }
}
