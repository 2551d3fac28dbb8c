using Azure.Data.Tables;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

/// <summary>
/// Issue #6 item 6 (single instance): a run that dies at any registry step leaves no pointer to a missing or
/// unpromoted version and the previous champion in place; the next run on the same data ends with a champion
/// trained on all the data.
/// </summary>
public sealed class TrainingCrashTests
{
    private const string Readmission = "readmission-risk";

    [Theory]
    [InlineData(CrashPoint.BeforeRegistration)]
    [InlineData(CrashPoint.AfterRegistration)]
    [InlineData(CrashPoint.AfterPromotion)]
    public async Task Crash_DuringRegistryStep_LeavesConsistentChampion_AndNextRunRecovers(CrashPoint point)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azurite = await AzuriteModels.CreateAsync();
        await PermissivePromotionAsync(azurite);
        await azurite.AddUploadAsync("upload-a", await TestEncounters.Generate(3000, 21, "a").ToParquetAsync());
        var v1 = await azurite.Training.TrainAsync(Readmission, ct);
        Assert.True(v1.Promoted, v1.Reason);

        await azurite.AddUploadAsync("upload-b", await TestEncounters.Generate(1500, 22, "b").ToParquetAsync());
        var faulty = new FaultyRegistry(azurite.Registry) { Crash = point };
        await Assert.ThrowsAsync<InjectedCrashException>(() => azurite.NewTraining(faulty).TrainAsync(Readmission, ct));

        await AssertConsistentAsync(azurite, ct);
        var champion = await azurite.Registry.GetChampionAsync(Readmission, ct);
        var expectedAfterCrash = point == CrashPoint.AfterPromotion ? (await azurite.Registry.ListAsync(Readmission, ct))[0].Version : v1.Version!.Version;
        Assert.Equal(expectedAfterCrash, champion);
        Assert.NotNull(await azurite.Training.LoadChampionAsync(Readmission, ct));

        var next = await azurite.Training.TrainAsync(Readmission, ct);

        await AssertConsistentAsync(azurite, ct);
        var versions = await azurite.Registry.ListAsync(Readmission, ct);
        var final = versions.Single(v => v.Status == ModelStatus.Champion);
        Assert.Equal(2, final.Lineage.Uploads.Count);
        Assert.Equal(2, versions.Count); // a recovery promotes the stranded candidate or retrains once, never twice
        Assert.Equal(point == CrashPoint.AfterPromotion ? TrainingRunStatus.Skipped : TrainingRunStatus.Trained, next.Status);
    }

    [Fact]
    public async Task ScheduledRun_SameOccurrenceTwice_SecondInstanceTrainsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.AddUploadAsync("upload-a", await TestEncounters.Generate(2000, 31, "a").ToParquetAsync());
        var occurrence = new DateTimeOffset(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

        var first = await azurite.Training.TrainScheduledAsync("nightly", occurrence, ct);
        var late = await azurite.NewTraining(azurite.Registry).TrainScheduledAsync("nightly", occurrence, ct);

        Assert.All(first, r => Assert.Equal(TrainingRunStatus.Trained, r.Status));
        Assert.All(late, r => Assert.Equal(TrainingRunStatus.AlreadyRun, r.Status));
        var runs = await azurite.Runs.ListAsync(Readmission, ct);
        var run = Assert.Single(runs);
        Assert.Equal(("finished", "trained", occurrence), (run.State, run.Outcome, run.Occurrence));
        Assert.Equal(azurite.Training.InstanceId, run.Owner);
        Assert.Single(await azurite.Registry.ListAsync(Readmission, ct));
    }

    /// <summary>The champion pointer names a registered version whose model.zip exists, exactly one version reads
    /// as champion, and no other version's stored status says champion unless the pointer moved past it.</summary>
    internal static async Task AssertConsistentAsync(AzuriteModels azurite, CancellationToken ct)
    {
        var pointer = await azurite.Registry.GetChampionAsync(Readmission, ct);
        Assert.NotNull(pointer);
        Assert.NotNull(await azurite.Registry.GetAsync(Readmission, pointer, ct));
        Assert.NotNull(await azurite.Artifacts.ReadModelAsync(Readmission, pointer, ct));
        var versions = await azurite.Registry.ListAsync(Readmission, ct);
        Assert.Equal(pointer, Assert.Single(versions, v => v.Status == ModelStatus.Champion).Version);

        var storedChampions = new List<string>();
        await foreach (var e in azurite.Table.QueryAsync<TableEntity>(e => e.PartitionKey == Readmission, cancellationToken: ct))
        {
            if (e.GetString("Status") == nameof(ModelStatus.Champion))
            {
                storedChampions.Add(e.RowKey);
            }
        }

        Assert.Equal([pointer], storedChampions);
    }

    /// <summary>Every candidate passes, so the crash (not the metric) decides what happens to it.</summary>
    private static async Task PermissivePromotionAsync(AzuriteModels azurite)
    {
        var shipped = await File.ReadAllTextAsync(Path.Combine(Repo.ConfigDirectory, "models", "readmission-risk.json"), TestContext.Current.CancellationToken);
        var permissive = shipped
            .Replace("\"minimum\": 0.6", "\"minimum\": 0.0", StringComparison.Ordinal)
            .Replace("\"maxDropVsChampion\": 0.01", "\"maxDropVsChampion\": 1.0", StringComparison.Ordinal);
        Assert.NotEqual(shipped, permissive);
        await azurite.Config.GetBlobClient("models/readmission-risk.json").UploadAsync(BinaryData.FromString(permissive), TestContext.Current.CancellationToken);
        Assert.Equal("store", (await azurite.Catalog.RefreshAsync(TestContext.Current.CancellationToken)).Specs["readmission-risk"].Source);
    }
}
