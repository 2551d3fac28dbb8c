using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using HealthAnalytics.Training;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests.Training;

/// <summary>
/// Issue #6 item 6: training under concurrency. Three real dev hosts on one Azurite, a shared fake clock driving
/// the retrain schedule, run records and registry read back from Azurite.
/// </summary>
public sealed class ScheduledTrainingTests
{
    private const int Ticks = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeHosts_TenScheduleTicks_TrainEachModelExactlyTenTimes_NoTickTwiceNoTickLost()
    {
        var clock = Stopwatch.StartNew();
        await using var hosts = await TrainingHosts.StartAsync(3);
        await OverrideSpecsAsync(hosts.Storage, permissive: false);
        await hosts.UploadAndCurateAsync("base.csv", rows: 1500, seed: 6001);
        var occurrences = Enumerable.Range(0, Ticks).Select(i => hosts.FirstOccurrence.AddMinutes(i)).ToList();

        foreach (var (occurrence, i) in occurrences.Select((o, i) => (o, i)))
        {
            // New data before every tick, so every tick is a real training (not a "no new data" skip).
            await hosts.UploadAndCurateAsync($"tick-{i}.csv", rows: 150, seed: 7000 + i);
            await hosts.TickAsync(occurrences[i]);
        }

        // A host waking late for an occurrence already run (or the Functions runtime repeating it) trains nothing.
        var late = await hosts.Services[2].GetRequiredService<TrainingService>().TrainScheduledAsync("nightly", occurrences[3], Ct);
        Assert.All(late, r => Assert.Equal(TrainingRunStatus.AlreadyRun, r.Status));

        var owners = new Dictionary<string, int>();
        foreach (var model in TrainingHosts.Models)
        {
            var runs = await hosts.Runs.ListAsync(model, Ct);
            var registry = hosts.Services[0].GetRequiredService<IModelRegistry>();
            var versions = await registry.ListAsync(model, Ct);

            Assert.Equal(occurrences, runs.Select(r => r.Occurrence));
            Assert.All(runs, r => Assert.Equal(("finished", "trained"), (r.State, r.Outcome)));
            Assert.Equal(Ticks, versions.Count);
            Assert.Equal(Ticks, versions.Select(v => v.Lineage.DataFingerprint).Distinct().Count());
            Assert.Equal(versions.Select(v => v.Version).Order(StringComparer.Ordinal), runs.Select(r => r.Version!).Order(StringComparer.Ordinal));

            // Tick i trained on the base upload plus i + 1 tick uploads: every tick saw exactly its own new data.
            Assert.Equal(Enumerable.Range(2, Ticks), versions.Select(v => v.Lineage.Uploads.Count).Order());
            var champion = await registry.GetChampionAsync(model, Ct);
            Assert.NotNull(champion);
            Assert.Contains(versions, v => v.Version == champion && v.Status == ModelStatus.Champion);
            foreach (var r in runs)
            {
                owners[r.Owner] = owners.GetValueOrDefault(r.Owner) + 1;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"3 hosts, {Ticks} ticks x {TrainingHosts.Models.Length} models: runs per owner {string.Join(", ", owners.Values)}; {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Crash_AfterCandidateSaved_KeepsPreviousChampionServing_AndNextTickRecovers()
    {
        const string risk = "readmission-risk";
        const string subgroups = "patient-subgroups";
        FaultInjector? faults = null;
        await using var hosts = await TrainingHosts.StartAsync(1, (_, real) => faults = new FaultInjector(real));
        await OverrideSpecsAsync(hosts.Storage, permissive: true);
        await hosts.UploadAndCurateAsync("base.csv", rows: 1500, seed: 6101);
        var tick = hosts.FirstOccurrence;
        await hosts.TickAsync(tick);
        var v1 = await ChampionAsync(hosts, risk);
        var s1 = await ChampionAsync(hosts, subgroups);
        Assert.Equal(v1, await PredictedVersionAsync(hosts));

        // Tick 2 dies: readmission after its candidate is registered, subgroups after artifacts, before registration.
        faults!.Arm(risk, CrashPoint.AfterRegistration);
        faults.Arm(subgroups, CrashPoint.BeforeRegistration);
        await hosts.UploadAndCurateAsync("more.csv", rows: 500, seed: 6102);
        tick = tick.AddMinutes(1);
        await hosts.TickAsync(tick);

        Assert.Equal("failed", (await hosts.Runs.ListAsync(risk, Ct)).Single(r => r.Occurrence == tick).Outcome);
        Assert.Equal("failed", (await hosts.Runs.ListAsync(subgroups, Ct)).Single(r => r.Occurrence == tick).Outcome);
        Assert.Equal(v1, await ChampionAsync(hosts, risk));
        Assert.Equal(s1, await ChampionAsync(hosts, subgroups));
        var stranded = (await Registry(hosts).ListAsync(risk, Ct)).Single(v => v.Version != v1);
        Assert.Equal(ModelStatus.Candidate, stranded.Status);
        Assert.Single(await Registry(hosts).ListAsync(subgroups, Ct));
        Assert.Equal(v1, await PredictedVersionAsync(hosts)); // the previous champion still serves

        // Tick 3, no new data: the stranded candidate is promoted, the unregistered subgroup run is retrained.
        tick = tick.AddMinutes(1);
        await hosts.TickAsync(tick);

        Assert.Equal(stranded.Version, await ChampionAsync(hosts, risk));
        var subgroupVersions = await Registry(hosts).ListAsync(subgroups, Ct);
        Assert.Equal(2, subgroupVersions.Count);
        Assert.Equal(subgroupVersions[0].Version, await ChampionAsync(hosts, subgroups));
        Assert.Equal(2, (await Registry(hosts).ListAsync(risk, Ct)).Count);
        Assert.Equal(stranded.Version, await PredictedVersionAsync(hosts));
    }

    private static IModelRegistry Registry(TrainingHosts hosts) => hosts.Services[0].GetRequiredService<IModelRegistry>();

    /// <summary>The pointer, checked: it names a registered version with a model.zip, the only one reading as champion.</summary>
    private static async Task<string> ChampionAsync(TrainingHosts hosts, string model)
    {
        var pointer = await Registry(hosts).GetChampionAsync(model, Ct);
        Assert.NotNull(pointer);
        var artifacts = hosts.Services[0].GetRequiredService<IModelArtifactStore>();
        Assert.NotNull(await artifacts.ReadModelAsync(model, pointer, Ct));
        var versions = await Registry(hosts).ListAsync(model, Ct);
        Assert.Equal(pointer, Assert.Single(versions, v => v.Status == ModelStatus.Champion).Version);
        return pointer;
    }

    private static async Task<string> PredictedVersionAsync(TrainingHosts hosts)
    {
        // Serving re-reads the champion pointer once Training:ChampionRefresh (1 s) has passed on the host's clock.
        hosts.Clock.Advance(TimeSpan.FromSeconds(2));
        const string body = """{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4}""";
        using var response = await hosts.Clients[0].PostAsync(
            new Uri("/api/models/readmission-risk/predict", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("version").GetString()!;
    }

    /// <summary>
    /// Spec overrides (the product's blob override feature) that keep the models' kind but make training cheap on
    /// this shared 2-core machine (fewer k values, restarts and boosting rounds); <paramref name="permissive"/> also
    /// lets every candidate pass its rule, so an injected crash (not the metric) decides its fate.
    /// </summary>
    private static async Task OverrideSpecsAsync(TestStorage storage, bool permissive)
    {
        var config = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);
        await config.CreateIfNotExistsAsync(cancellationToken: Ct);
        var edits = new Dictionary<string, (string From, string To)[]>
        {
            ["readmission-risk"] = [("\"numberOfIterations\": 150", "\"numberOfIterations\": 40")],
            ["patient-subgroups"] = [("\"kMax\": 8", "\"kMax\": 4"), ("\"sampleSize\": 2000", "\"sampleSize\": 600"), ("\"restarts\": 3", "\"restarts\": 1")],
        };
        if (permissive)
        {
            edits["readmission-risk"] = [.. edits["readmission-risk"], ("\"minimum\": 0.6", "\"minimum\": 0.0"), ("\"maxDropVsChampion\": 0.01", "\"maxDropVsChampion\": 1.0")];
            edits["patient-subgroups"] = [.. edits["patient-subgroups"], ("\"minimum\": 0.1", "\"minimum\": -1.0"), ("\"maxDropVsChampion\": 0.05", "\"maxDropVsChampion\": 2.0")];
        }

        foreach (var (model, changes) in edits)
        {
            var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "config", "models", model + ".json"), Ct);
            foreach (var (from, to) in changes)
            {
                Assert.Contains(from, json, StringComparison.Ordinal);
                json = json.Replace(from, to, StringComparison.Ordinal);
            }

            await config.GetBlobClient($"models/{model}.json").UploadAsync(BinaryData.FromString(json), overwrite: true, Ct);
        }
    }
}
