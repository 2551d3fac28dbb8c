using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

public sealed class RegistryTests
{
    private static ModelVersion Version(string model, int i) => new()
    {
        Model = model,
        Version = $"20260101T0000{i:D2}000Z-{i:x4}",
        Status = ModelStatus.Candidate,
        Task = "binary-classification",
        CreatedAt = DateTimeOffset.UnixEpoch.AddMinutes(i),
        Metrics = new Dictionary<string, double> { ["auc"] = 0.7 + (i / 1000.0) },
        Lineage = new Lineage([new LineageUpload("u" + i, "p", "h")], 100, 100, 80, 20, "1.0.0", "spec", "code", "fp" + i),
    };

    [Fact]
    public async Task Promote_TwentyConcurrentPromotions_LeaveExactlyOneChampionAndNoDanglingPointer()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        const string model = "readmission-risk";
        var versions = Enumerable.Range(1, 20).Select(i => Version(model, i)).ToList();
        foreach (var v in versions)
        {
            await azurite.Registry.CreateAsync(v, TestContext.Current.CancellationToken);
        }

        foreach (var round in new[] { 1, 2 })
        {
            var before = await azurite.Registry.GetChampionAsync(model, TestContext.Current.CancellationToken);
            var candidates = versions.Where(v => v.Version != before).Take(20).ToList();
            var results = await Task.WhenAll(candidates.Select(v => Task.Run(() => azurite.Registry.PromoteAsync(model, v.Version, before, CancellationToken.None))));

            Assert.Equal(1, results.Count(r => r == PromotionResult.Promoted));
            Assert.Equal(candidates.Count - 1, results.Count(r => r == PromotionResult.Conflict));
            var winner = candidates[Array.IndexOf(results, PromotionResult.Promoted)].Version;
            Assert.Equal(winner, await azurite.Registry.GetChampionAsync(model, TestContext.Current.CancellationToken));
            var listed = await azurite.Registry.ListAsync(model, TestContext.Current.CancellationToken);
            Assert.Equal(winner, Assert.Single(listed, v => v.Status == ModelStatus.Champion).Version);
            Assert.NotNull(await azurite.Registry.GetAsync(model, winner, TestContext.Current.CancellationToken));
            Assert.True(round == 1 || listed.Single(v => v.Version == before).Status == ModelStatus.Archived);
        }
    }

    [Fact]
    public async Task Promote_UnknownVersion_IsNotFoundAndPointerUnchanged()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        Assert.Equal(PromotionResult.NotFound, await azurite.Registry.PromoteAsync("m-x", "20990101T000000000Z-0000", null, TestContext.Current.CancellationToken));
        Assert.Null(await azurite.Registry.GetChampionAsync("m-x", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Versions_ListNewestFirst_WithMetricsAndLineageRoundTripped()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.Registry.CreateAsync(Version("m", 1), TestContext.Current.CancellationToken);
        await azurite.Registry.CreateAsync(Version("m", 2), TestContext.Current.CancellationToken);
        var listed = await azurite.Registry.ListAsync("m", TestContext.Current.CancellationToken);
        Assert.Equal(["20260101T000002000Z-0002", "20260101T000001000Z-0001"], listed.Select(v => v.Version));
        Assert.Equal(0.702, listed[0].Metrics["auc"], 12);
        Assert.Equal("u2", listed[0].Lineage.Uploads[0].UploadId);
    }

    [Fact]
    public async Task TrainingLock_WhileHeld_SecondAcquireFails_AndAfterReleaseSucceeds()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        var first = await azurite.Lock.TryAcquireAsync("m", TestContext.Current.CancellationToken);
        Assert.NotNull(first);
        Assert.Null(await azurite.Lock.TryAcquireAsync("m", TestContext.Current.CancellationToken));
        await first.DisposeAsync();
        await using var again = await azurite.Lock.TryAcquireAsync("m", TestContext.Current.CancellationToken);
        Assert.NotNull(again);
    }
}
