using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Synthetic;

public sealed class SeedCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ha-seed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Seed_WithOut_WritesFileTruthAndGroundTruthAndPrintsOneSummaryLine()
    {
        string file = Path.Combine(_dir, "enc.csv.gz");
        using var stdout = new StringWriter();
        int code = await SeedCommand.RunAsync(["--rows", "500", "--seed", "5", "--dirty", "--gzip", "--french", "--subgroups", "5", "--out", file], stdout, TextWriter.Null, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        Assert.True(File.Exists(file));
        Assert.True(File.Exists(Path.Combine(_dir, "enc.truth.json")));
        Assert.True(File.Exists(Path.Combine(_dir, "enc.groundtruth.csv")));
        string line = Assert.Single(stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("read 500", line, StringComparison.Ordinal);
        Assert.Contains("K=5", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_UnknownOptionOrBadSubgroups_ExitsWithUsageError()
    {
        using var stderr = new StringWriter();
        Assert.Equal(2, await SeedCommand.RunAsync(["--bogus"], TextWriter.Null, stderr, TestContext.Current.CancellationToken));
        Assert.Equal(2, await SeedCommand.RunAsync(["--subgroups", "9"], TextWriter.Null, stderr, TestContext.Current.CancellationToken));
        Assert.Contains("usage:", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_WithUpload_PutsTheFileAtUploadsPartnerDatasetFileName()
    {
        string connection = UploadsContainer.Connection();
        // A fixed name: a random one can look like data to the name screen (a run of digits) and be refused.
        string partner = "seed-command-test";
        string file = Path.Combine(_dir, "upload.csv");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await SeedCommand.RunAsync(["--rows", "300", "--dirty", "--out", file, "--upload", connection, "--partner", partner], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(code == 0, $"exit code {code}: {stderr}");
        string blobName = $"{partner}/encounters/upload.csv";
        Assert.Contains($"uploads/{blobName}", stdout.ToString(), StringComparison.Ordinal);
        await UploadsContainer.AssertHoldsThenDeleteAsync(connection, blobName, file);
    }
}
