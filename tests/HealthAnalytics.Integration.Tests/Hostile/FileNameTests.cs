using System.Text.Json;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 3: a file name can carry patient data (<c>Plantard-Zebulon-185057800608436.csv</c>). The ledger and
/// both reports show the upload id and a screened or hashed file name; the raw name stays in the upload blob only.
/// </summary>
public sealed class FileNameTests
{
    [Fact]
    public async Task IdentifyingFileName_ReachesNoLedgerReportApiAnswerOrLog_PlainNameIsKept()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        const string identifying = "Plantard-Zebulon-185057800608436.csv";
        await storage.UploadAsync($"clinic/encounters/{identifying}", Csv.Encounters(20, seed: 1304));
        await storage.UploadAsync("clinic/encounters/march-2024.csv", Csv.Encounters(20, seed: 1305));

        var entries = await host.WaitForFinalEntriesAsync(2, TimeSpan.FromSeconds(60));
        var outputs = await host.AllOutputsAsync();
        foreach (var entry in entries)
        {
            outputs.AddRange(await host.ReportOutputsAsync(entry));
        }

        Assert.Equal(2, entries.Count(e => e.GetString("Status") == "curated"));
        var names = entries.Select(e => e.GetString("FileName")).ToList();
        Assert.Contains("march-2024.csv", names);
        var hidden = Assert.Single(names, n => n != "march-2024.csv");
        Assert.Matches("^hidden-[0-9a-f]{12}\\.csv$", hidden);
        using (var list = await host.GetJsonAsync("/api/uploads"))
        {
            Assert.Contains(list.RootElement.GetProperty("items").EnumerateArray(), i => i.GetProperty("fileName").GetString() == hidden);
        }

        var leaks = HostileHost.Leaks(outputs, [identifying, "Plantard", "Zebulon", "185057800608436", "Plantard-Zebulon"]);
        Assert.True(leaks.Count == 0, $"{leaks.Count} leaks of the file name: {string.Join(", ", leaks.Distinct())}");
    }
}
