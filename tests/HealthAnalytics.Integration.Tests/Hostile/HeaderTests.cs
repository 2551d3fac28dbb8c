using System.Text;
using System.Text.Json;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Integration.Tests.Privacy;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 2: a header is partner input like any cell. A file whose first line is patient data (the header was
/// left out) is rejected without echoing that line; an unknown column whose name looks like data is listed by position
/// only, as <c>column 7 (hidden: looks like data)</c>.
/// </summary>
public sealed class HeaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HeaderlessFile_FirstLineIsPatientData_IsRejectedWithoutEchoingIt()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        var (content, _) = Csv.Generate(40, seed: 1302);
        var lines = Encoding.UTF8.GetString(content).Split('\n');
        var firstLine = Rfc4180.Parse(lines[1], ',')[0];
        await storage.UploadAsync("clinic/encounters/export.csv", Encoding.UTF8.GetBytes(string.Join('\n', lines.Skip(1))));

        var entry = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60)));
        var outputs = await host.ReportOutputsAsync(entry);
        outputs.AddRange(await host.AllOutputsAsync());

        Assert.Equal("rejected", entry.GetString("Status"));
        Assert.Equal("header-looks-like-data", entry.GetString("RejectionRule"));
        using (var report = JsonDocument.Parse(outputs.First(o => o.Where.EndsWith(".json", StringComparison.Ordinal)).Text))
        {
            Assert.Equal(0, report.RootElement.GetProperty("unknownColumns").GetArrayLength());
        }

        // Every identifying cell of that line (ids, names, e-mail, phone, NIR, address, birth date), as written and as
        // the header normalizer would have shown it.
        var cells = firstLine.Take(9).Where(c => c.Length >= 4).ToList();
        Assert.Equal(9, cells.Count);
        var leaks = HostileHost.Leaks(outputs, cells, v => [HeaderNormalizer.Normalize(v)]);
        Assert.True(leaks.Count == 0, $"{leaks.Count} leaks of the first line: {string.Join(", ", leaks.Distinct())}");
    }

    [Fact]
    public async Task UnknownColumnNamedLikeData_IsListedByPositionOnly_PlainUnknownColumnByName()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        var (content, truth) = Csv.Generate(30, seed: 1303);
        var table = Rfc4180.Parse(Encoding.UTF8.GetString(content), ',');
        const string email = "zebulon.plantard@example.org";
        const string nir = "185057800608436";
        table[0].AddRange(["ward", email, nir]);
        foreach (var row in table.Skip(1))
        {
            row.AddRange(["B2", "x", "y"]);
        }

        await storage.UploadAsync("clinic/encounters/extra.csv", Encoding.UTF8.GetBytes(Rfc4180.Write(table, ',')));

        var entry = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60)));
        var outputs = await host.ReportOutputsAsync(entry);
        outputs.AddRange(await host.AllOutputsAsync());

        Assert.Equal("curated", entry.GetString("Status"));
        Assert.Equal(truth.Rows.Written, entry.GetInt64("RowsWritten"));
        using var report = JsonDocument.Parse(outputs.First(o => o.Where.EndsWith(".json", StringComparison.Ordinal)).Text);
        var unknown = report.RootElement.GetProperty("unknownColumns").EnumerateArray().ToList();
        Assert.Equal(3, unknown.Count);
        Assert.Equal("ward", unknown[0].GetProperty("normalizedName").GetString());
        var width = table[0].Count;
        Assert.Equal($"column {width - 1} (hidden: looks like data)", unknown[1].GetProperty("shown").GetString());
        Assert.Equal($"column {width} (hidden: looks like data)", unknown[2].GetProperty("shown").GetString());
        Assert.Contains($"column {width} (hidden: looks like data)", outputs.First(o => o.Where.EndsWith(".html", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        var leaks = HostileHost.Leaks(outputs, [email, nir], v => [HeaderNormalizer.Normalize(v)]);
        Assert.True(leaks.Count == 0, $"{leaks.Count} leaks of the header cells: {string.Join(", ", leaks.Distinct())}");
    }
}
