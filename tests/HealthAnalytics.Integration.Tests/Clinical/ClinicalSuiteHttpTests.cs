using HealthAnalytics.Bench.Clinical;
using HealthAnalytics.Integration.Tests.Serving;
using HealthAnalytics.Integration.Tests.Survival;

namespace HealthAnalytics.Integration.Tests.Clinical;

/// <summary>
/// The short version of <c>./dev clinical</c> (docs/clinical-suite.md), with the same harness: one small table per task
/// kind, one fold each, through exactly the public path of a real dev host over Azurite — contract inferred over HTTP,
/// adjusted with the table's committed adjustments, contract and spec PUT, the fold's training rows uploaded to
/// <c>uploads/</c>, retrained and the held-out rows predicted over HTTP — and compared with the committed reference on
/// the same fold. So CI proves the path stays open and stays equal to scikit-learn and R.
/// </summary>
public sealed class ClinicalSuiteHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("pima-diabetes", 0)] // binary, zeros that mean "not measured"
    [InlineData("birthwt-bwt", 0)] // regression, a code column that is a category
    [InlineData("lung-death", 0)] // survival, NA tokens in five feature columns
    public async Task TaskFold_ThroughThePublicPath_MatchesTheReferenceOnTheSameFold(string taskId, int fold)
    {
        var manifest = ClinicalManifest.Load(SurvivalHttp.RepoRoot);
        var task = manifest.Task(taskId);
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var harness = new ClinicalHarness(manifest, new ClinicalApi(host.Client, storage.Uploads)) { Boosted = false };

        var result = await harness.RunAsync(task, fold, Ct);

        var summary = ClinicalTaskSummary.Of(task, manifest.Reference(task), [result]);
        TestContext.Current.TestOutputHelper?.WriteLine(ClinicalTaskSummary.Markdown([summary]));
        Assert.Equal("curated", result.Quality.Status);
        Assert.Equal(result.TrainRows, result.Quality.RowsRead);
        Assert.Equal(0, result.Quality.RowsQuarantined);
        Assert.Equal(result.Quality.TokenCellsInFile, result.Quality.MissingTokenCells);
        Assert.Equal(result.TrainRows, result.Models[0].TrainRows);
        Assert.True(summary.Pass, $"{taskId} fold {fold}: {task.Metric} {summary.Ours} vs reference {summary.Reference} (tolerance {task.Tolerance} {task.ToleranceKind})");
    }
}
