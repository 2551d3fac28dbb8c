using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Synthetic;

/// <summary>
/// <c>./dev upload</c>: the documented way to put a new dataset's CSV where ingestion reads it on a laptop
/// (docs/contracts.md, "A new dataset on `./dev run`").
/// </summary>
public sealed class UploadCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ha-upload-" + Guid.NewGuid().ToString("N"));

    public UploadCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Upload_PutsTheFileAtUploadsPartnerDatasetFileName()
    {
        string connection = UploadsContainer.Connection();
        // A fixed name: a random one can look like data to the name screen (a run of digits) and be refused.
        string partner = "upload-command-test";
        string file = Path.Combine(_dir, "myeloid.csv");
        await File.WriteAllTextAsync(file, "\"id\",\"trt\",\"futime\",\"death\"\n1,\"B\",235,1\n", TestContext.Current.CancellationToken);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        int code = await UploadCommand.RunAsync([file, "--partner", partner, "--dataset", "myeloid", "--connection", connection], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(code == 0, $"exit code {code}: {stderr}");
        string blobName = $"{partner}/myeloid/myeloid.csv";
        Assert.Equal($"uploads/{blobName}", stdout.ToString().Trim());
        await UploadsContainer.AssertHoldsThenDeleteAsync(connection, blobName, file);
    }

    [Theory]
    [InlineData("--dataset", "Not A Name")]
    [InlineData("--partner", "..")]
    public async Task Upload_ANameIngestionWouldRefuse_IsAUsageErrorThatQuotesNothing(string option, string value)
    {
        string file = Path.Combine(_dir, "t.csv");
        await File.WriteAllTextAsync(file, "a\n1\n", TestContext.Current.CancellationToken);
        string[] args = option == "--dataset"
            ? [file, "--partner", "p1", "--dataset", value, "--connection", "UseDevelopmentStorage=true"]
            : [file, "--partner", value, "--dataset", "d1", "--connection", "UseDevelopmentStorage=true"];
        using var stderr = new StringWriter();

        Assert.Equal(2, await UploadCommand.RunAsync(args, TextWriter.Null, stderr, TestContext.Current.CancellationToken));
        Assert.DoesNotContain(value, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WithoutPartnerOrConnection_PrintsUsage()
    {
        using var stderr = new StringWriter();
        Assert.Equal(2, await UploadCommand.RunAsync(["x.csv", "--dataset", "d1"], TextWriter.Null, stderr, TestContext.Current.CancellationToken));
        Assert.Contains("usage:", stderr.ToString(), StringComparison.Ordinal);
    }
}
