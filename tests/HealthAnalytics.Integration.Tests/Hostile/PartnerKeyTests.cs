using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Privacy;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 7: partner B sends encounter ids that partner A already sent (local ids collide, or on purpose).
/// By default primary keys are scoped by partner: training keeps both partners' rows and counts the collision in the
/// lineage and model card; a contract may declare a cross-partner key (<c>"keyScope": "dataset"</c>), and then the
/// latest upload wins, still counted, never silently. Also item 8: a rejected prediction logs at Debug.
/// </summary>
public sealed class PartnerKeyTests(PartnerKeyTests.TwoPartners fixture) : IClassFixture<PartnerKeyTests.TwoPartners>
{
    private const int RowsPerPartner = 700;
    private const int Shared = 300;
    private const string Risk = "readmission-risk";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void DefaultScope_SameEncounterIdsFromTwoPartners_BothPartnersRowsTrained_CollisionsCountedInLineageAndCard()
    {
        var lineage = fixture.Version.GetProperty("lineage");
        Assert.Equal(2 * RowsPerPartner, lineage.GetProperty("rows").GetInt64());
        Assert.Equal(2 * RowsPerPartner, lineage.GetProperty("rowsRead").GetInt64());
        Assert.Equal("partner", lineage.GetProperty("keyScope").GetString());
        Assert.Equal(Shared, lineage.GetProperty("crossPartnerKeyCollisions").GetInt64());
        using var card = JsonDocument.Parse(fixture.CardJson);
        Assert.Equal(Shared, card.RootElement.GetProperty("lineage").GetProperty("crossPartnerKeyCollisions").GetInt64());
        Assert.Contains("cross-partner key collisions", fixture.CardHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatasetScope_DeclaredCrossPartnerKey_LatestUploadWins_CollisionsStillCounted()
    {
        await using var storage = new TestStorage();
        await TwoPartners.FastSpecAsync(storage);
        await using var host = await HostileHost.StartAsync(storage);
        var contract = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "config", "contracts", "encounters.json")))!.AsObject();
        contract["version"] = "1.0.1-dataset-key";
        contract["keyScope"] = "dataset";
        using (var put = await host.Client.PutAsync(new Uri("/api/config/contracts/encounters", UriKind.Relative),
            new StringContent(contract.ToJsonString(), Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode); // a stored override of the shipped contract
        }

        var version = await TwoPartners.UploadAndTrainAsync(host, seed: 1320);
        var lineage = version.GetProperty("lineage");

        Assert.Equal(2 * RowsPerPartner, lineage.GetProperty("rowsRead").GetInt64());
        Assert.Equal((2 * RowsPerPartner) - Shared, lineage.GetProperty("rows").GetInt64());
        Assert.Equal("dataset", lineage.GetProperty("keyScope").GetString());
        Assert.Equal(Shared, lineage.GetProperty("crossPartnerKeyCollisions").GetInt64());
    }

    [Fact]
    public async Task RejectedPrediction_LogsAtDebug_NotInformation()
    {
        var before = fixture.Host.Logs.Lines.Count;
        using var response = await fixture.Host.SendAsync(HttpMethod.Post, $"/api/models/{Risk}/predict", """{"instances":[{"age":"old","bmi":"heavy"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var line = Assert.Single(fixture.Host.Logs.Lines.Skip(before), l => l.Contains(" 4101 ", StringComparison.Ordinal));
        Assert.Contains(" Debug 4101 ", line, StringComparison.Ordinal);
    }

    /// <summary>One dev host where partners A and B each sent 700 encounters, 300 of B's ids being A's, and
    /// <c>readmission-risk</c> was trained over HTTP (40 boosting rounds).</summary>
    public sealed class TwoPartners : IAsyncLifetime
    {
        private TestStorage? storage;

        public HostileHost Host { get; private set; } = null!;

        public JsonElement Version { get; private set; }

        public string CardJson { get; private set; } = "";

        public string CardHtml { get; private set; } = "";

        public static async Task FastSpecAsync(TestStorage storage)
        {
            var config = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);
            await config.CreateIfNotExistsAsync(cancellationToken: Ct);
            var spec = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "config", "models", Risk + ".json"), Ct);
            await config.GetBlobClient($"models/{Risk}.json").UploadAsync(
                BinaryData.FromString(spec.Replace("\"numberOfIterations\": 150", "\"numberOfIterations\": 40", StringComparison.Ordinal)), Ct);
        }

        /// <summary>Partner A's file, then B's file with A's first 300 encounter ids; waits for both, retrains, returns the version.</summary>
        public static async Task<JsonElement> UploadAndTrainAsync(HostileHost host, int seed)
        {
            var a = Csv.Encounters(RowsPerPartner, seed);
            var b = Rfc4180.Parse(Encoding.UTF8.GetString(Csv.Encounters(RowsPerPartner, seed + 1)), ',');
            var aIds = Rfc4180.Parse(Encoding.UTF8.GetString(a), ',').Skip(1).Select(r => r[0]).ToList();
            Assert.Equal("encounter_id", b[0][0]);
            for (var i = 0; i < Shared; i++)
            {
                b[i + 1][0] = aIds[i];
            }

            await host.Storage.UploadAsync("hospital-a/encounters/a.csv", a);
            Assert.Equal("curated", Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60))).GetString("Status"));
            await host.Storage.UploadAsync("hospital-b/encounters/b.csv", Encoding.UTF8.GetBytes(Rfc4180.Write(b, ',')));
            var entries = await host.WaitForFinalEntriesAsync(2, TimeSpan.FromSeconds(60));
            Assert.All(entries, e => Assert.Equal(RowsPerPartner, e.GetInt64("RowsWritten")));

            using var retrain = await host.SendAsync(HttpMethod.Post, $"/api/models/{Risk}/retrain", string.Empty);
            var body = await retrain.Content.ReadAsStringAsync(Ct);
            Assert.True(retrain.StatusCode == HttpStatusCode.OK, body);
            using var doc = JsonDocument.Parse(body);
            Assert.Equal("trained", doc.RootElement.GetProperty("status").GetString());
            return doc.RootElement.GetProperty("version").Clone();
        }

        public async ValueTask InitializeAsync()
        {
            storage = new TestStorage();
            await FastSpecAsync(storage);
            Host = await HostileHost.StartAsync(storage);
            Version = await UploadAndTrainAsync(Host, seed: 1310);
            var models = storage.Blobs.GetBlobContainerClient(storage.ModelsContainer);
            var id = Version.GetProperty("version").GetString();
            CardJson = (await models.GetBlobClient($"{Risk}/{id}/card.json").DownloadContentAsync(Ct)).Value.Content.ToString();
            CardHtml = (await models.GetBlobClient($"{Risk}/{id}/card.html").DownloadContentAsync(Ct)).Value.Content.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            if (Host is not null)
            {
                await Host.DisposeAsync();
            }

            if (storage is not null)
            {
                await storage.DisposeAsync();
            }
        }
    }
}
