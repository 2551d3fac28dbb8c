using HealthAnalytics.Ingestion;
using HealthAnalytics.Synthetic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Integration.Tests.Privacy;

/// <summary>
/// The privacy rules of docs/ingestion.md end to end: the generator plants names, e-mails, phones, NIRs, addresses, exact birth dates,
/// full postal codes and raw ids; after a real ingestion on Azurite none of them may appear in the curated
/// Parquet (read back by DuckDB), the JSON/HTML reports, the ledger entity or any captured log line.
/// </summary>
public sealed class PrivacyLeakTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ingest_PlantedIdentifiers_NeverAppearInCuratedReportsLedgerOrLogs()
    {
        await using var storage = new TestStorage();
        var logs = new CapturingLoggerProvider();
        await using var services = await storage.StartServicesAsync(configure: s => s.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        var (content, truth) = Csv.Generate(rows: 3000, seed: 606, dirty: true);
        var planted = PlantedValues(truth.Pii);
        Assert.True(planted.Count >= 500, $"the generator planted only {planted.Count} identifying values");
        await storage.UploadAsync("clinic-pii/encounters/patients.csv", content);

        var result = await services.GetRequiredService<IngestionService>().IngestAsync("clinic-pii/encounters/patients.csv", Ct);

        var curatedName = Assert.Single(await storage.CuratedBlobsAsync());
        var outputs = new Dictionary<string, string>
        {
            ["curated parquet (DuckDB)"] = LeakScan.DumpParquet((await storage.Curated.GetBlobClient(curatedName).DownloadContentAsync(Ct)).Value.Content.ToArray()),
            ["report json"] = (await storage.Reports.GetBlobClient($"encounters/{result.UploadId}.json").DownloadContentAsync(Ct)).Value.Content.ToString(),
            ["report html"] = (await storage.Reports.GetBlobClient($"encounters/{result.UploadId}.html").DownloadContentAsync(Ct)).Value.Content.ToString(),
            ["ledger"] = string.Join("\n", (await storage.LedgerEntitiesAsync()).SelectMany(e => e.Select(p => $"{p.Key}={p.Value}"))),
            ["logs"] = string.Join("\n", logs.Lines),
        };
        Assert.False(logs.Lines.IsEmpty, "no log line was captured: the capture is not wired");
        Assert.Contains("kept", outputs["report json"], StringComparison.Ordinal);

        var leaks = new List<string>();
        foreach (var (where, text) in outputs)
        {
            foreach (var (kind, value) in planted)
            {
                if (LeakScan.Contains(text, value))
                {
                    leaks.Add($"{kind} in {where}");
                }
            }
        }

        Assert.True(leaks.Count == 0, $"{leaks.Count} leaks: {string.Join(", ", leaks.Distinct().Take(20))}");
    }

    private static List<(string Kind, string Value)> PlantedValues(TruthPii pii)
    {
        var all = new List<(string, string)>();
        void Add(string kind, IEnumerable<string> values) => all.AddRange(values.Where(v => v.Trim().Length >= 4).Select(v => (kind, v.Trim())));
        Add("encounter id", pii.EncounterIds);
        Add("patient id", pii.PatientIds);
        Add("first name", pii.FirstNames);
        Add("last name", pii.LastNames);
        Add("e-mail", pii.Emails);
        Add("phone", pii.Phones);
        Add("NIR", pii.Nirs);
        Add("address", pii.Addresses);
        Add("birth date", pii.BirthDates);
        Add("postal code", pii.PostalCodes);
        return all.Distinct().ToList();
    }
}
