using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

public sealed class TrainingServiceTests
{
    private const string Readmission = "readmission-risk";

    [Fact]
    public async Task Retrain_SameDataTwice_IdenticalMetricsAndSecondRunMakesNoVersion()
    {
        var parquet = await TestEncounters.Generate(6000, 11).ToParquetAsync();
        await using var first = await AzuriteModels.CreateAsync();
        await using var second = await AzuriteModels.CreateAsync();
        await first.AddUploadAsync("upload-a", parquet);
        await second.AddUploadAsync("upload-a", parquet);

        var run1 = await first.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);
        var again = await first.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);
        var elsewhere = await second.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);

        Assert.Equal(TrainingRunStatus.Trained, run1.Status);
        Assert.True(run1.Promoted, run1.Reason);
        Assert.Equal(TrainingRunStatus.Skipped, again.Status);
        Assert.Equal(run1.Version!.Version, again.Version!.Version);
        Assert.Single(await first.Registry.ListAsync(Readmission, TestContext.Current.CancellationToken));
        Assert.Equal(run1.Version.Metrics, elsewhere.Version!.Metrics);
    }

    [Fact]
    public async Task Rollback_PromoteEarlierVersion_RestoresItsPredictionsBitForBit()
    {
        var probe = await Repo.ReadAsync(await TestEncounters.Generate(500, 99, "probe").ToParquetAsync());
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.AddUploadAsync("upload-a", await TestEncounters.Generate(5000, 1, "a").ToParquetAsync());
        var v1 = await azurite.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);
        var before = ModelScorer.Probabilities((await azurite.Training.LoadChampionAsync(Readmission, TestContext.Current.CancellationToken))!, probe);

        await azurite.AddUploadAsync("upload-b", await TestEncounters.Generate(5000, 2, "b").ToParquetAsync());
        var v2 = await azurite.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);
        Assert.Equal(TrainingRunStatus.Trained, v2.Status);
        if (!v2.Promoted)
        {
            Assert.Equal(PromotionResult.Promoted, (await azurite.Training.PromoteAsync(Readmission, v2.Version!.Version, TestContext.Current.CancellationToken)).Result);
        }

        var during = ModelScorer.Probabilities((await azurite.Training.LoadChampionAsync(Readmission, TestContext.Current.CancellationToken))!, probe);
        Assert.NotEqual(before, during);

        var (result, restored) = await azurite.Training.PromoteAsync(Readmission, v1.Version!.Version, TestContext.Current.CancellationToken);
        Assert.Equal(PromotionResult.Promoted, result);
        Assert.Equal(ModelStatus.Champion, restored!.Status);
        var after = ModelScorer.Probabilities((await azurite.Training.LoadChampionAsync(Readmission, TestContext.Current.CancellationToken))!, probe);
        Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), after.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public async Task Retrain_LaterUploadRepeatsKeys_LatestRowWinsAndLineageListsBothUploads()
    {
        var original = TestEncounters.Generate(3000, 5);
        var resent = TestEncounters.Generate(3000, 6); // the same encounter ids with other values
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.AddUploadAsync("upload-1", await original.ToParquetAsync());
        await azurite.AddUploadAsync("upload-2", await resent.ToParquetAsync());
        var run = await azurite.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);

        Assert.Equal(6000, run.Version!.Lineage.RowsRead);
        Assert.Equal(3000, run.Version.Lineage.Rows);
        Assert.Equal(["upload-1", "upload-2"], run.Version.Lineage.Uploads.Select(u => u.UploadId).Order());
        var table = await Repo.ReadAsync(await original.ToParquetAsync(), await resent.ToParquetAsync());
        Assert.Equal(resent.Numeric[0], table.Numeric["age"]);
    }

    [Fact]
    public async Task Retrain_TooFewRows_MakesNoVersion()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.AddUploadAsync("small", await TestEncounters.Generate(200, 3).ToParquetAsync());
        var run = await azurite.Training.TrainAsync(Readmission, TestContext.Current.CancellationToken);
        Assert.Equal(TrainingRunStatus.InsufficientData, run.Status);
        Assert.Empty(await azurite.Registry.ListAsync(Readmission, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Catalog_BlobOverride_ReplacesShippedSpec()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        var shipped = await File.ReadAllTextAsync(Path.Combine(Repo.ConfigDirectory, "models", "readmission-risk.json"), TestContext.Current.CancellationToken);
        await azurite.Config.GetBlobClient("models/readmission-risk.json").UploadAsync(BinaryData.FromString(shipped.Replace("\"minimumRows\": 1000", "\"minimumRows\": 100", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        var spec = (await azurite.Catalog.RefreshAsync(TestContext.Current.CancellationToken)).Specs[Readmission];
        Assert.Equal(100, spec.Value.MinimumRows);
        Assert.Equal("store", spec.Source);
    }
}
