using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 5: an operator cannot switch pseudonymization off silently. A contract that marks a column whose
/// name looks like a direct identifier as <c>none</c>/<c>sensitive</c> is refused (errors by JSON path) unless the
/// column carries a <c>privacyWaiver</c>; a waiver is logged once per contract version and stated in every report;
/// a column whose values look like identifiers fails the upload (<c>privacy-floor</c>) whatever its name.
/// </summary>
public sealed class PrivacyFloorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject Shipped() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "config", "contracts", "encounters.json")))!.AsObject();

    private static JsonObject Column(JsonObject contract, string name) =>
        contract["columns"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string?)c["name"] == name);

    private static int IndexOf(JsonObject contract, string name) =>
        contract["columns"]!.AsArray().Select((c, i) => ((string?)c!["name"], i)).Single(p => p.Item1 == name).i;

    private static readonly string[] Identifying = ["patient_id", "first_name", "last_name", "email", "phone", "nir", "address", "birth_date"];

    [Fact]
    public async Task ContractOverride_TurningPseudonymizationOff_IsRefusedByPath_AndNeverInForce()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        var contract = Shipped();
        contract["version"] = "9.9.9";
        foreach (var name in Identifying)
        {
            var column = Column(contract, name);
            column["privacy"] = "none";
            column.Remove("generalize");
        }

        // Through the API: 400 with one error per column, by JSON path, quoting nothing.
        using var put = await host.Client.PutAsync(new Uri("/api/config/contracts/encounters", UriKind.Relative),
            new StringContent(contract.ToJsonString(), Encoding.UTF8, "application/json"), Ct);
        var body = await put.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        using (var problem = JsonDocument.Parse(body))
        {
            var paths = problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
            Assert.All(Identifying, name => Assert.Contains($"$.columns[{IndexOf(contract, name)}].privacy", paths));
        }

        Assert.All(Identifying.Where(n => n.Length > 3), name => Assert.DoesNotContain(name, body, StringComparison.Ordinal));

        // Dropped into the config container instead: refused, and uploads keep the pseudonymizing contract in force.
        var config = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);
        await config.CreateIfNotExistsAsync(cancellationToken: Ct);
        await config.GetBlobClient("contracts/encounters.json").UploadAsync(BinaryData.FromString(contract.ToJsonString()), Ct);
        var (refused, _) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await host.GetJsonAsync("/api/config");
                return doc.RootElement.GetProperty("refused").EnumerateArray().Any(r => r.GetProperty("source").GetString() == "store" && r.GetProperty("name").GetString() == "encounters") ? "refused" : null;
            },
            TimeSpan.FromSeconds(20));
        Assert.NotNull(refused);

        var (content, truth) = Csv.Generate(30, seed: 1305);
        await storage.UploadAsync("clinic/encounters/jan.csv", content);
        var entry = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal("curated", entry.GetString("Status"));
        var outputs = await host.AllOutputsAsync();
        var values = truth.Pii.PatientIds.Concat(truth.Pii.Emails).Concat(truth.Pii.Nirs).Concat(truth.Pii.Phones).ToList();
        var leaks = HostileHost.Leaks(outputs, values);
        Assert.True(leaks.Count == 0, $"{leaks.Count} identifiers reached the outputs: {string.Join(", ", leaks.Distinct())}");
    }

    [Fact]
    public async Task InnocentlyNamedColumn_HoldingIdentifiers_FailsTheUploadWithPrivacyFloor_WithoutEcho()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        var contract = new JsonObject
        {
            ["name"] = "referrals",
            ["version"] = "1.0.0",
            ["primaryKey"] = new JsonArray("referral_id"),
            ["columns"] = new JsonArray(
                new JsonObject { ["name"] = "referral_id", ["type"] = "string", ["required"] = true, ["privacy"] = "identifier" },
                new JsonObject { ["name"] = "ref_code", ["type"] = "string", ["privacy"] = "sensitive" },
                new JsonObject { ["name"] = "contact", ["type"] = "string", ["privacy"] = "none" },
                new JsonObject { ["name"] = "score", ["type"] = "number", ["privacy"] = "sensitive" }),
        };
        using (var put = await host.Client.PutAsync(new Uri("/api/config/contracts/referrals", UriKind.Relative),
            new StringContent(contract.ToJsonString(), Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var random = new Random(1306);
        var nirs = Enumerable.Range(0, 40).Select(_ => $"{random.Next(1, 3)}{random.Next(10, 99)}{random.Next(1, 13):00}{random.Next(10, 96)}{random.Next(100, 999)}{random.Next(100, 999)}{random.Next(10, 97)}").ToList();
        var emails = Enumerable.Range(0, 40).Select(i => $"patient{random.Next(1000, 9999)}.{i}@example.net").ToList();
        var csv = new StringBuilder("referral_id,ref_code,contact,score\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"R{i:0000},{nirs[i]},{(i % 2 == 0 ? "ward B" : emails[i])},{i * 0.5}\n");
        }

        await storage.UploadAsync("clinic/referrals/r.csv", Encoding.UTF8.GetBytes(csv.ToString()));
        var entry = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60)));
        var outputs = await host.ReportOutputsAsync(entry);
        outputs.AddRange(await host.AllOutputsAsync());

        Assert.Equal("rejected", entry.GetString("Status"));
        Assert.Equal("privacy-floor", entry.GetString("RejectionRule"));
        Assert.Empty(await storage.CuratedBlobsAsync());
        var leaks = HostileHost.Leaks(outputs, nirs.Concat(emails));
        Assert.True(leaks.Count == 0, $"{leaks.Count} identifiers reached the outputs: {string.Join(", ", leaks.Distinct())}");
    }

    [Fact]
    public async Task Waiver_IsAccepted_LoggedOncePerContractVersion_AndStatedInEveryReport()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        var contract = Shipped();
        contract["version"] = "1.1.0-waiver";
        var email = Column(contract, "email");
        email["privacy"] = "sensitive";
        email["privacyWaiver"] = new JsonObject { ["reason"] = "Study SEC-42 contacts consenting patients", ["approvedBy"] = "DPO office" };
        using (var put = await host.Client.PutAsync(new Uri("/api/config/contracts/encounters", UriKind.Relative),
            new StringContent(contract.ToJsonString(), Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode); // a stored override of the shipped contract
        }

        var (first, truth) = Csv.Generate(25, seed: 1307);
        await storage.UploadAsync("clinic/encounters/a.csv", first);
        await storage.UploadAsync("clinic/encounters/b.csv", Csv.Encounters(25, seed: 1308));
        var entries = await host.WaitForFinalEntriesAsync(2, TimeSpan.FromSeconds(60));

        Assert.All(entries, e => Assert.Equal("curated", e.GetString("Status")));
        var index = IndexOf(contract, "email");
        foreach (var entry in entries)
        {
            using var response = await host.SendAsync(HttpMethod.Get, $"/api/uploads/{entry.RowKey}");
            using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            var roles = report.RootElement.GetProperty("privacy").GetProperty("roles").EnumerateArray().ToList();
            Assert.Equal(contract["columns"]!.AsArray().Count + contract["derived"]!.AsArray().Count, roles.Count);
            var role = roles.Single(r => r.GetProperty("column").GetString() == "email");
            Assert.Equal("sensitive", role.GetProperty("privacy").GetString());
            Assert.Equal("DPO office", role.GetProperty("waiver").GetProperty("approvedBy").GetString());
            Assert.Equal("identifier", roles.Single(r => r.GetProperty("column").GetString() == "patient_id").GetProperty("privacy").GetString());

            using var html = await host.SendAsync(HttpMethod.Get, $"/api/uploads/{entry.RowKey}", accept: "text/html");
            Assert.Contains("Study SEC-42 contacts consenting patients", await html.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // Logged once for this contract version, by path, without the waiver's text or any value.
        var waiverLines = host.Logs.Lines.Where(l => l.Contains(" 1030 ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(waiverLines);
        Assert.Contains($"$.columns[{index}]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("SEC-42", line, StringComparison.Ordinal);
        var leaks = HostileHost.Leaks([("logs", string.Join("\n", host.Logs.Lines))], truth.Pii.Emails);
        Assert.Empty(leaks);
    }
}
