using System.Text;
using System.Text.RegularExpressions;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthAnalytics.Integration.Tests.Privacy;

/// <summary>
/// Issue #6 item 8, the key: one key gives the same pseudonym for the same patient across partners and files
/// (docs/ingestion.md: HMAC-SHA256 over the NFC value, checked against an independent HMAC); two keys give pseudonyms with
/// nothing in common, so outputs made under different keys cannot be linked.
/// </summary>
public sealed class PseudonymKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ingest_OneKeyTwoPartnersTwoFiles_SamePseudonymPerPatient_TwoKeys_NoCommonPseudonym()
    {
        var keyA = "key-A-" + Guid.NewGuid().ToString("N");
        var keyB = "key-B-" + Guid.NewGuid().ToString("N");
        var (first, truth) = Csv.Generate(rows: 400, seed: 4242);
        var delimiter = truth.Delimiter[0];
        var table = Rfc4180.Parse(Encoding.UTF8.GetString(first).TrimStart('\uFEFF'), delimiter);
        var patientColumn = table[0].FindIndex(h => h is "patient_id" or "mrn" or "ipp" or "id_patient" or "patient" or "medical_record_number");
        var encounterColumn = table[0].FindIndex(h => h is "encounter_id" or "stay_id" or "id_sejour" or "sejour" or "encounter");
        Assert.True(patientColumn >= 0 && encounterColumn >= 0, "generated header has no patient/encounter column");

        // A second file from another partner: the same patients, new encounters (other ids, so other bytes).
        var second = table.Select((row, i) => i == 0 ? row : row.Select((cell, c) => c == encounterColumn ? cell + "-B" : cell).ToList()).ToList();
        var patients = table.Skip(1).Select(r => r[patientColumn].Trim()).Where(p => p.Length > 0).ToHashSet(StringComparer.Ordinal);

        var underA = await IngestAsync(keyA, ("hospital-north/encounters/jan.csv", first), ("lab-south/encounters/feb.csv", Encoding.UTF8.GetBytes(Rfc4180.Write(second, delimiter))));
        var underB = await IngestAsync(keyB, ("hospital-north/encounters/jan.csv", first));

        // One key: every patient's pseudonym is HMAC(keyA, id), the same in both partners' files.
        Assert.Equal(2, underA.Count);
        var expectedA = patients.Select(p => SafeHarborLeakTests.Pseudonym(keyA, p)).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, text) in underA)
        {
            var found = Pseudonyms(text);
            Assert.True(expectedA.IsSubsetOf(found), $"{name}: {expectedA.Count(e => !found.Contains(e))} of {expectedA.Count} patients lack their keyed pseudonym");
            Assert.DoesNotContain(patients, p => text.Contains(p, StringComparison.Ordinal) && Regex.IsMatch(text, $"(?<![0-9A-Za-z]){Regex.Escape(p)}(?![0-9A-Za-z])"));
        }

        // Two keys: no 32-hex value in common between the same file's outputs under key A and key B.
        var a = Pseudonyms(underA[0].Text);
        var b = Pseudonyms(Assert.Single(underB).Text);
        Assert.True(b.Count >= patients.Count, $"only {b.Count} pseudonyms under key B");
        var common = a.Intersect(b).Count();
        var figure = $"pseudonyms: {patients.Count} patients, each with HMAC(key A, id) in both partners' files; {a.Count} vs {b.Count} distinct pseudonyms under keys A and B, {common} in common";
        TestContext.Current.SendDiagnosticMessage(figure);
        if (Environment.GetEnvironmentVariable("HA_PRIVACY_SUMMARY") is { Length: > 0 } summary)
        {
            await File.AppendAllTextAsync(summary, figure + "\n", Ct);
        }
        Assert.Equal(0, common);
    }

    private static HashSet<string> Pseudonyms(string text) =>
        Regex.Matches(text, "(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The Function App's services (real cleaner) over fresh storage with <paramref name="key"/>; the curated files as text.</summary>
    private static async Task<List<(string Name, string Text)>> IngestAsync(string key, params (string Name, byte[] Content)[] uploads)
    {
        await using var storage = new TestStorage();
        var settings = storage.Settings();
        settings["Pseudonymization:Key"] = key;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddHealthAnalyticsApp(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(Ct);
        }

        var ingestion = provider.GetRequiredService<IngestionService>();
        foreach (var (name, content) in uploads)
        {
            await storage.UploadAsync(name, content);
            await ingestion.IngestAsync(name, Ct);
        }

        var curated = new List<(string, string)>();
        foreach (var blob in (await storage.CuratedBlobsAsync()).Order(StringComparer.Ordinal))
        {
            curated.Add((blob, LeakScan.DumpParquet((await storage.Curated.GetBlobClient(blob).DownloadContentAsync(Ct)).Value.Content.ToArray())));
        }

        return curated;
    }
}
