using System.Text;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 items 1 and 8: blob names are hostile input. A name with dot segments (plain, percent-encoded, double
/// encoded or Unicode look-alikes), empty segments, control characters, backslashes or the wrong number of segments
/// is refused with a ledger entry and a report under a safe id, and never opened: the SDK and the service resolve dot
/// segments, so opening such a name reads another partner's upload or another container's blob.
/// </summary>
public sealed class BlobNameTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DotSegments_PointingAtAnotherPartnersUploadAndReport_AreRefusedUnderSafeIds_VictimBytesNeverCuratedAsTheAttackers()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        await storage.UploadAsync("demo-hospital/encounters/encounters-42.csv", Csv.Encounters(300, seed: 1301));
        var victim = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal("curated", victim.GetString("Status"));
        var victimReport = (await storage.Reports.GetBlobClient(victim.GetString("ReportPath")).DownloadContentAsync(Ct)).Value.Content.ToString();

        // Azurite decodes %2E into the stored name, as the issue's attacker did: the listing then holds "..".
        await HostileBlobs.PutRawAsync(storage.Uploads, "evil/encounters/%2E%2E/%2E%2E/demo-hospital/encounters/encounters-42.csv", Encoding.UTF8.GetBytes("evil"));
        await HostileBlobs.PutRawAsync(storage.Uploads, $"evil/encounters/%2E%2E/%2E%2E/%2E%2E/{storage.ReportsContainer}/{victim.GetString("ReportPath")}", Encoding.UTF8.GetBytes("evil"));
        Assert.Equal(2, (await HostileBlobs.NamesAsync(storage.Uploads)).Count(n => n.Contains("/../", StringComparison.Ordinal)));

        var entries = await host.WaitForFinalEntriesAsync(3, TimeSpan.FromSeconds(30));
        var attacks = entries.Where(e => e.RowKey != victim.RowKey).ToList();

        // Only the victim's own curated file; nothing curated for the attacker, nothing read from the victim.
        Assert.Equal([$"encounters/partner=demo-hospital/{victim.RowKey}.parquet"], await storage.CuratedBlobsAsync());
        Assert.Equal(2, attacks.Count);
        foreach (var attack in attacks)
        {
            Assert.Equal("rejected", attack.GetString("Status"));
            Assert.Equal("blob-name", attack.GetString("RejectionRule"));
            Assert.Null(attack.GetString("ContentSha256"));
            Assert.DoesNotContain("..", attack.GetString("FileName") ?? "", StringComparison.Ordinal);
            var outputs = await host.ReportOutputsAsync(attack);
            Assert.All(outputs, o => Assert.DoesNotContain(victim.RowKey, o.Text, StringComparison.Ordinal));
            Assert.All(outputs, o => Assert.DoesNotContain("demo-hospital", o.Text, StringComparison.Ordinal));
            Assert.Contains(outputs, o => o.Where.EndsWith(".json", StringComparison.Ordinal) && o.Text.Contains("\"blob-name\"", StringComparison.Ordinal));
        }

        // The victim's report is as it was.
        Assert.Equal(victimReport, (await storage.Reports.GetBlobClient(victim.GetString("ReportPath")).DownloadContentAsync(Ct)).Value.Content.ToString());
    }

    /// <summary>Each hostile name: how it is written (raw PUT path, or through the SDK) and why it must be refused.</summary>
    private static readonly (string Label, string Name, bool Raw)[] HostileNames =
    [
        ("single dot segment", "evil/encounters/%2E/x.csv", true),
        ("dot segment as the file", "evil/encounters/%2E%2E", true),
        ("double-encoded dot segment", "evil/encounters/%252E%252E/x.csv", true),
        ("encoded slash and dots", "evil/encounters/x%252F..%252Fy.csv", true),
        ("fullwidth dot segment", "evil/encounters/\uFF0E\uFF0E/x.csv", false),
        ("two-dot leader", "evil/\u2025/x.csv", false),
        ("empty segment", "evil//encounters/x.csv", false),
        ("segment ending with a dot", "evil/encounters./x.csv", false),
        ("too many segments", "evil/encounters/sub/x.csv", false),
        ("too few segments (uploads/x.csv)", "uploads/x.csv", false),
        ("one segment", "x.csv", false),
    ];

    [Fact]
    public async Task HostileNames_EachIsRefusedWithLedgerEntryAndReport_NoneCurated_NoNameInLogs()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        var cases = HostileNames;
        foreach (var (_, name, raw) in cases)
        {
            if (raw)
            {
                await HostileBlobs.PutRawAsync(storage.Uploads, name, Csv.Encounters(3, seed: 5));
            }
            else
            {
                await storage.UploadAsync(name, Csv.Encounters(3, seed: 5));
            }
        }

        var listed = await HostileBlobs.NamesAsync(storage.Uploads);
        var entries = await host.WaitForFinalEntriesAsync(listed.Count, TimeSpan.FromSeconds(30));

        var problems = new List<string>();
        if (entries.Count != listed.Count)
        {
            problems.Add($"{listed.Count} blobs listed, {entries.Count} ledger entries");
        }

        foreach (var entry in entries)
        {
            if (entry.GetString("Status") != "rejected" || entry.GetString("RejectionRule") != "blob-name")
            {
                problems.Add($"an entry ended {entry.GetString("Status")} ({entry.GetString("RejectionRule")}): {entry.GetString("Partner")}/{entry.GetString("Dataset")}/{entry.GetString("FileName")}");
            }
            else if (!(await storage.Reports.GetBlobClient(entry.GetString("ReportPath")).ExistsAsync(Ct)).Value)
            {
                problems.Add("a refused name has no report");
            }
        }

        var curated = await storage.CuratedBlobsAsync();
        if (curated.Count > 0)
        {
            problems.Add($"{curated.Count} curated blobs");
        }

        // No log line names a blob, or writes a template such as {{partner}} instead of a value.
        var names = listed.Select(n => n.Split('/').Last()).Where(n => n.Length >= 4).ToList();
        foreach (var line in host.Logs.Lines)
        {
            if (line.Contains("{partner}", StringComparison.Ordinal) || names.Any(n => line.Contains(n, StringComparison.Ordinal)))
            {
                problems.Add("log line: " + string.Join(" ", line.Split(' ').Take(3)));
            }
        }

        Assert.True(problems.Count == 0, $"{cases.Length} hostile names written ({listed.Count} listed): " + string.Join("; ", problems.Distinct()));
    }

    /// <summary>Names the dev host's listing cannot carry go the Function App's way: the Event Grid trigger hands the
    /// name to the same service. Azurite cannot list a container holding a blob named with a control character (its
    /// listing is not valid XML; Azure encodes such names), and it stores a backslash as <c>/</c>.</summary>
    [Theory]
    [InlineData("control character", "evil/encounters/x\u0001y.csv")]
    [InlineData("line separator", "evil/encounters/x\u2028y.csv")]
    [InlineData("right-to-left override", "evil/encounters/x\u202Evsc.exe")]
    [InlineData("backslash dot segments", "evil/encounters\\..\\..\\demo-hospital\\encounters\\x.csv")]
    public async Task NameDeliveredByTheBlobTrigger_IsRefusedWithLedgerEntryAndReport(string label, string name)
    {
        Assert.NotEmpty(label);
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        await storage.UploadAsync("demo-hospital/encounters/x.csv", Csv.Encounters(3, seed: 7));

        var result = await services.GetRequiredService<IngestionService>().IngestAsync(name, Ct);

        Assert.Equal(UploadStatus.Rejected, result.Status);
        var entry = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("blob-name", entry.GetString("RejectionRule"));
        Assert.True((await storage.Reports.GetBlobClient(entry.GetString("ReportPath")).ExistsAsync(Ct)).Value);
        Assert.Empty(await storage.CuratedBlobsAsync());
        Assert.StartsWith("hidden-", entry.GetString("FileName"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedName_RedeliveredAndRelisted_KeepsOneLedgerEntry()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        await HostileBlobs.PutRawAsync(storage.Uploads, "evil/encounters/%2E%2E/x.csv", Csv.Encounters(3, seed: 6));
        var first = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(30)));

        // The Function App's trigger would deliver the same name again; the id depends on the name only.
        var again = await host.Services.GetRequiredService<IngestionService>().IngestAsync("evil/encounters/../x.csv", Ct);

        Assert.Equal(first.RowKey, again.UploadId);
        Assert.Equal(IngestionDisposition.AlreadyProcessed, again.Disposition);
        Assert.Single(await storage.LedgerEntitiesAsync());
    }
}
