using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 6 through the public path: a contract pattern built for catastrophic backtracking (<c>^(A+)+$</c>)
/// is stored over HTTP, and a partner uploads cells crafted against it. The cells are quarantined by the
/// <c>pattern</c> rule and the rest of the file is curated (the backtracking engine used to time out on one cell and
/// fail the whole upload, five times), and another partner's upload right behind it is curated too
/// (docs/ingestion.md, "Patterns").
/// </summary>
public sealed class PatternTests
{
    private const int Crafted = 150;
    private const int Plain = 50;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Upper-cased on read, so a crafted cell with a non-ASCII last letter takes the text path, where the Regex runs.
    private static readonly JsonObject Contract = new()
    {
        ["name"] = "lab-codes",
        ["version"] = "1.0.0",
        ["primaryKey"] = new JsonArray("sample_id"),
        ["columns"] = new JsonArray(
            new JsonObject { ["name"] = "sample_id", ["type"] = "string", ["required"] = true, ["privacy"] = "identifier" },
            new JsonObject { ["name"] = "code", ["type"] = "string", ["pattern"] = "^(A+)+$", ["upperCase"] = true },
            new JsonObject { ["name"] = "value", ["type"] = "number" }),
    };

    [Fact]
    public async Task CatastrophicPattern_CraftedCells_QuarantinedByThePatternRule_RestCurated_NextPartnerNotHeld()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        using (var put = await host.Client.PutAsync(new Uri("/api/config/contracts/lab-codes", UriKind.Relative),
            new StringContent(Contract.ToJsonString(), Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var attack = new StringBuilder("sample_id,code,value\n");
        var craftedCode = new string('a', 5_000) + "é";
        for (var i = 0; i < Crafted + Plain; i++)
        {
            attack.Append(CultureInfo.InvariantCulture, $"S{i},{(i < Crafted ? craftedCode : "aaaa")},{i}.5\n");
        }

        await storage.UploadAsync("lab-a/lab-codes/attack.csv", Encoding.UTF8.GetBytes(attack.ToString()));
        await storage.UploadAsync("lab-b/lab-codes/routine.csv", Encoding.UTF8.GetBytes("sample_id,code,value\nR1,AA,1\nR2,aaa,2\n"));

        var entries = await host.WaitForFinalEntriesAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("curated", e.GetString("Status")));

        var attacked = entries.Single(e => e.GetString("Partner") == "lab-a");
        using var response = await host.SendAsync(HttpMethod.Get, $"/api/uploads/{attacked.RowKey}");
        var body = await response.Content.ReadAsStringAsync(Ct);
        using var report = JsonDocument.Parse(body);
        var rows = report.RootElement.GetProperty("rows");
        Assert.Equal(Crafted + Plain, rows.GetProperty("read").GetInt64());
        Assert.Equal(Crafted, rows.GetProperty("quarantined").GetInt64());
        Assert.Equal(Plain, rows.GetProperty("written").GetInt64());
        Assert.Equal(Crafted, report.RootElement.GetProperty("violationsByRule").GetProperty("pattern").GetInt64());

        // The report names line, column and rule, never the crafted cell.
        Assert.DoesNotContain("aaaaaaaaaa", body, StringComparison.OrdinalIgnoreCase);
    }
}
