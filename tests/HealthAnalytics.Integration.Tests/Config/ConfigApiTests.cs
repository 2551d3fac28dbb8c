using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Serving;

namespace HealthAnalytics.Integration.Tests.Config;

/// <summary>
/// Configuration as an operator sees it, over real HTTP on the dev host and Azurite: one catalog in force everywhere,
/// every error of a refused document visible (JSON path + message), and a refused document never replacing the valid one.
/// </summary>
public sealed class ConfigApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A small contract of a new dataset: an id, two numbers, a category and a boolean outcome.</summary>
    private static JsonObject TrialContract(string version = "1.0.0") => new()
    {
        ["name"] = "trial",
        ["version"] = version,
        ["primaryKey"] = new JsonArray("visit_id"),
        ["columns"] = new JsonArray(
            new JsonObject { ["name"] = "visit_id", ["type"] = "string", ["required"] = true, ["privacy"] = "identifier" },
            new JsonObject { ["name"] = "age", ["type"] = "integer", ["range"] = new JsonObject { ["min"] = 0, ["max"] = 120 } },
            new JsonObject { ["name"] = "marker", ["type"] = "number" },
            new JsonObject { ["name"] = "arm", ["type"] = "category", ["categories"] = new JsonObject { ["a"] = new JsonArray(), ["b"] = new JsonArray() } },
            new JsonObject { ["name"] = "response", ["type"] = "boolean", ["required"] = true }),
    };

    private static JsonObject TrialSpec() => new()
    {
        ["name"] = "trial_response",
        ["task"] = "binary-classification",
        ["dataset"] = "trial",
        ["label"] = "response",
        ["features"] = new JsonArray(new JsonObject { ["name"] = "age" }, new JsonObject { ["name"] = "marker" }, new JsonObject { ["name"] = "arm" }),
        ["trainer"] = new JsonObject { ["name"] = "logistic-regression" },
        ["promotion"] = new JsonObject { ["metric"] = "auc", ["minimum"] = 0.55 },
        ["minimumRows"] = 200,
        ["scheduleGroup"] = "manual",
    };

    [Fact]
    public async Task NewDataset_ContractAndSpecPut_UploadRetrainPredict_WorksWithNoRedeploy()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);

        using (var put = await PutAsync(host, "/api/config/contracts/trial", TrialContract()))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var put = await PutAsync(host, "/api/config/models/trial_response", TrialSpec()))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var config = await host.GetJsonAsync("/api/config", Ct))
        {
            Assert.Contains(config.RootElement.GetProperty("contracts").EnumerateArray(), c => c.GetProperty("dataset").GetString() == "trial" && c.GetProperty("source").GetString() == "store");
            Assert.Contains(config.RootElement.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "trial_response");
        }

        // Ingestion uses the stored contract: the upload of the new dataset is curated.
        await storage.UploadAsync("site-1/trial/visits.csv", TrialCsv(600, seed: 5));
        var (curated, waited) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await host.GetJsonAsync("/api/uploads?dataset=trial&status=curated", Ct);
                return doc.RootElement.GetProperty("count").GetInt32() == 1 ? "curated" : null;
            },
            TimeSpan.FromMinutes(2));
        Assert.True(curated is not null, $"the trial upload was not curated after {waited.TotalSeconds:F0} s");

        // Training and serving use the stored spec and contract.
        using (var retrain = await host.Client.PostAsync(new Uri("/api/models/trial_response/retrain", UriKind.Relative), null, Ct))
        {
            var body = await retrain.Content.ReadAsStringAsync(Ct);
            Assert.True(retrain.StatusCode == HttpStatusCode.OK, body);
            using var doc = JsonDocument.Parse(body);
            Assert.Equal("trained", doc.RootElement.GetProperty("status").GetString());
            Assert.True(doc.RootElement.GetProperty("promoted").GetBoolean(), body);
        }

        var (predicted, _) = await Wait.ForAsync(
            async () =>
            {
                using var response = await host.PostJsonAsync("/api/models/trial_response/predict", "{\"instances\":[{\"age\":70,\"marker\":2.5,\"arm\":\"b\"}]}", Ct);
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(Ct) : null;
            },
            TimeSpan.FromSeconds(30));
        Assert.NotNull(predicted);
        using var prediction = JsonDocument.Parse(predicted);
        var probability = prediction.RootElement.GetProperty("predictions")[0].GetProperty("probability").GetDouble();
        Assert.InRange(probability, 0, 1);
    }

    [Fact]
    public async Task PutInvalidContract_Answers400WithEveryErrorByPath_AndThePreviousVersionStaysInForce()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        using (var put = await PutAsync(host, "/api/config/contracts/trial", TrialContract("1.0.0")))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var invalid = TrialContract("2.0.0");
        invalid["columns"]![1]!["type"] = "money";
        var semanticallyInvalid = TrialContract("2.0.0");
        semanticallyInvalid["primaryKey"] = new JsonArray("no_such_column");
        semanticallyInvalid["columns"]![1]!["range"] = new JsonObject { ["min"] = 10, ["max"] = 1 };
        semanticallyInvalid["columns"]![3]!["pattern"] = "^x$";

        using (var put = await PutAsync(host, "/api/config/contracts/trial", invalid))
        {
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
            Assert.Contains("$.columns[1].type", await ErrorPathsAsync(put));
        }

        using (var put = await PutAsync(host, "/api/config/contracts/trial", semanticallyInvalid))
        {
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
            var paths = await ErrorPathsAsync(put);
            Assert.Contains("$.primaryKey[0]", paths);
            Assert.Contains("$.columns[1].range", paths);
            Assert.Contains("$.columns[3].pattern", paths);
        }

        using var config = await host.GetJsonAsync("/api/config", Ct);
        var trial = config.RootElement.GetProperty("contracts").EnumerateArray().Single(c => c.GetProperty("dataset").GetString() == "trial");
        Assert.Equal("1.0.0", trial.GetProperty("version").GetString());
    }

    [Fact]
    public async Task InvalidDocumentsDroppedIntoTheContainer_AreListedWithEveryError_AndNeverReplaceTheValidOnes()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var container = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);

        // A valid stored version first, then an invalid one over it.
        await container.GetBlobClient("contracts/trial.json").UploadAsync(BinaryData.FromString(TrialContract("1.0.0").ToJsonString()), overwrite: true, Ct);
        await container.GetBlobClient("models/trial_response.json").UploadAsync(BinaryData.FromString(TrialSpec().ToJsonString()), overwrite: true, Ct);
        using (var first = await RefreshedConfigAsync(host, doc => doc.RootElement.GetProperty("models").EnumerateArray().Any(m => m.GetProperty("name").GetString() == "trial_response")))
        {
            Assert.NotNull(first);
        }

        var broken = TrialContract("2.0.0");
        broken["columns"]![0]!["privacy"] = "direct"; // the primary key may not be a direct identifier
        broken["columns"]![2]!["type"] = "integer";
        broken["columns"]![2]!["categories"] = new JsonObject { ["x"] = new JsonArray() }; // categories only on category columns
        await container.GetBlobClient("contracts/trial.json").UploadAsync(BinaryData.FromString(broken.ToJsonString()), overwrite: true, Ct);
        var badSpec = TrialSpec();
        badSpec["features"] = new JsonArray(new JsonObject { ["name"] = "visit_id" }, new JsonObject { ["name"] = "nothing_here" });
        await container.GetBlobClient("models/trial_response.json").UploadAsync(BinaryData.FromString(badSpec.ToJsonString()), overwrite: true, Ct);
        await container.GetBlobClient("models/encounters.json").UploadAsync(BinaryData.FromString("{ not json"), overwrite: true, Ct);
        await container.GetBlobClient("models/Bad Name!.json").UploadAsync(BinaryData.FromString(TrialSpec().ToJsonString()), overwrite: true, Ct);

        using var config = await RefreshedConfigAsync(host, doc => doc.RootElement.GetProperty("refused").GetArrayLength() >= 4);
        Assert.NotNull(config);
        var refused = config.RootElement.GetProperty("refused").EnumerateArray().ToList();

        var contract = refused.Single(r => r.GetProperty("kind").GetString() == "contract" && r.GetProperty("name").GetString() == "trial");
        var contractPaths = contract.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Contains("$.primaryKey[0]", contractPaths);
        Assert.Contains("$.columns[2].categories", contractPaths);
        Assert.True(contract.GetProperty("previousInForce").GetBoolean());
        Assert.Equal("store", contract.GetProperty("source").GetString());

        var spec = refused.Single(r => r.GetProperty("kind").GetString() == "modelSpec" && r.GetProperty("name").GetString() == "trial_response");
        var specPaths = spec.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Contains("$.features[0].name", specPaths);
        Assert.Contains("$.features[1].name", specPaths);
        Assert.True(spec.GetProperty("previousInForce").GetBoolean());

        Assert.Contains(refused, r => r.GetProperty("name").GetString() == "encounters" && r.GetProperty("kind").GetString() == "modelSpec");
        var hidden = refused.Single(r => r.GetProperty("name").GetString()!.StartsWith("hidden-", StringComparison.Ordinal));
        Assert.DoesNotContain("Bad Name", config.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("$", hidden.GetProperty("errors")[0].GetProperty("path").GetString());

        // The valid versions stay in force for every consumer.
        var trial = config.RootElement.GetProperty("contracts").EnumerateArray().Single(c => c.GetProperty("dataset").GetString() == "trial");
        Assert.Equal("1.0.0", trial.GetProperty("version").GetString());
        using var model = await host.GetJsonAsync("/api/models/trial_response", Ct);
        Assert.Equal("trial", model.RootElement.GetProperty("dataset").GetString());
    }

    [Fact]
    public async Task OversizedStoredSpec_IsRefusedFromItsSize_AndAnOversizedPutIs413()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var container = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);
        var padding = new string(' ', 1024 * 1024 + 10);
        await container.GetBlobClient("models/huge.json").UploadAsync(BinaryData.FromString("{" + padding + "}"), overwrite: true, Ct);

        using var config = await RefreshedConfigAsync(host, doc => doc.RootElement.GetProperty("refused").EnumerateArray().Any(r => r.GetProperty("name").GetString() == "huge"));
        Assert.NotNull(config);
        var huge = config.RootElement.GetProperty("refused").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "huge");
        Assert.Contains("limit", huge.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);

        using var put = await host.Client.PutAsync(
            new Uri("/api/config/models/huge", UriKind.Relative), new StringContent("{" + padding + "}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, put.StatusCode);
    }

    private static Task<HttpResponseMessage> PutAsync(ServingHost host, string path, JsonObject document)
        => host.Client.PutAsync(new Uri(path, UriKind.Relative), new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"), Ct);

    private static async Task<List<string>> ErrorPathsAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name)];
    }

    /// <summary>GET /api/config until <paramref name="ready"/> holds (the catalog re-lists the store every second in tests).</summary>
    private static async Task<JsonDocument?> RefreshedConfigAsync(ServingHost host, Func<JsonDocument, bool> ready)
    {
        var (doc, _) = await Wait.ForAsync(
            async () =>
            {
                var d = await host.GetJsonAsync("/api/config", Ct);
                if (ready(d))
                {
                    return d;
                }

                d.Dispose();
                return null;
            },
            TimeSpan.FromSeconds(30));
        return doc;
    }

    /// <summary>A seeded CSV of the trial dataset where the response depends on the marker and the arm.</summary>
    private static byte[] TrialCsv(int rows, int seed)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("visit_id,age,marker,arm,response\n");
        for (var i = 0; i < rows; i++)
        {
            var marker = Math.Round(random.NextDouble() * 4, 2);
            var arm = random.Next(2) == 0 ? "a" : "b";
            var logit = -2 + marker + (arm == "b" ? 0.8 : 0);
            var response = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"V{i:D5},{random.Next(18, 90)},{marker},{arm},{(response ? "true" : "false")}\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }
}
