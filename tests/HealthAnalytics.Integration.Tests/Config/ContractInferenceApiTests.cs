using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Integration.Tests.Serving;

namespace HealthAnalytics.Integration.Tests.Config;

/// <summary>
/// <c>POST /api/config/contracts/infer</c> over real HTTP on the dev host and Azurite: a real table goes through the public
/// path (infer, store the proposal, upload) and is curated with its missing-value tokens read as missing; what the route
/// refuses, it refuses without echoing the sample.
/// </summary>
public sealed class ContractInferenceApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] CorpusTable(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "corpora", "clinical", file);
            if (File.Exists(path))
            {
                return File.ReadAllBytes(path);
            }
        }

        throw new FileNotFoundException(file);
    }

    private static Task<HttpResponseMessage> InferAsync(ServingHost host, string query, HttpContent body)
        => host.Client.PostAsync(new Uri("/api/config/contracts/infer" + query, UriKind.Relative), body, Ct);

    private static ByteArrayContent Csv(byte[] bytes, string mediaType = "text/csv")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    [Fact]
    public async Task InferredContract_StoredAsIs_CuratesTheTableItCameFrom_WithQuestionMarksReadAsMissing()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var table = CorpusTable("biopsy.csv");

        JsonObject proposal;
        using (var infer = await InferAsync(host, "?dataset=biopsy", Csv(table)))
        {
            Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
            Assert.Equal("application/json", infer.Content.Headers.ContentType?.MediaType);
            proposal = JsonNode.Parse(await infer.Content.ReadAsStringAsync(Ct))!.AsObject();
        }

        Assert.Equal(699, proposal["sample"]!["rows"]!.GetValue<int>());
        Assert.Contains(proposal["columns"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "id" && c["privacy"]!.GetValue<string>() == "identifier");
        var contract = proposal["contract"]!.AsObject();
        using (var put = await host.Client.PutAsync(new Uri("/api/config/contracts/biopsy", UriKind.Relative), new StringContent(contract.ToJsonString(), Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        await storage.UploadAsync("site-1/biopsy/biopsy.csv", table);
        var (uploadId, waited) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await host.GetJsonAsync("/api/uploads?dataset=biopsy&status=curated", Ct);
                return doc.RootElement.GetProperty("count").GetInt32() == 1 ? doc.RootElement.GetProperty("items")[0].GetProperty("uploadId").GetString() : null;
            },
            TimeSpan.FromMinutes(2));
        Assert.True(uploadId is not null, $"the biopsy upload was not curated after {waited.TotalSeconds:F0} s");

        using var report = await host.GetJsonAsync($"/api/uploads/{uploadId}", Ct);
        var rows = report.RootElement.GetProperty("rows");
        Assert.Equal(699, rows.GetProperty("read").GetInt64());
        Assert.Equal(0, rows.GetProperty("quarantined").GetInt64());
        Assert.Equal(16, report.RootElement.GetProperty("missingByRule").GetProperty("missing-token").GetInt64());
    }

    [Fact]
    public async Task Infer_RefusesWhatItCannotTake_WithoutEchoingTheSample()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        var sample = Encoding.UTF8.GetBytes("name,email\nJeanne Dupont,jeanne.dupont@example.org\n");

        using (var noName = await InferAsync(host, "", Csv(sample)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        }

        using (var badName = await InferAsync(host, "?dataset=Jeanne%20Dupont", Csv(sample)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
            Assert.DoesNotContain("Jeanne", await badName.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var json = await InferAsync(host, "?dataset=x", Csv(sample, "application/json")))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }

        var tooLarge = new byte[(1024 * 1024) + 1];
        using (var declared = await InferAsync(host, "?dataset=x", Csv(tooLarge)))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        }

        // Chunked: no Content-Length to check first, the handler stops reading at the cap.
        var chunked = new StreamContent(new MemoryStream(tooLarge));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/config/contracts/infer?dataset=x", UriKind.Relative)) { Content = chunked })
        {
            request.Headers.TransferEncodingChunked = true;
            using var response = await host.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        using (var headerless = await InferAsync(host, "?dataset=x", Csv(Encoding.UTF8.GetBytes("Jeanne Dupont,jeanne.dupont@example.org\nJean Martin,jean.martin@example.org\n"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, headerless.StatusCode);
            var body = await headerless.Content.ReadAsStringAsync(Ct);
            Assert.Contains("header-looks-like-data", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Dupont", body, StringComparison.Ordinal);
            Assert.DoesNotContain("example.org", body, StringComparison.Ordinal);
        }

        using (var ok = await InferAsync(host, "?dataset=people", Csv(sample)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            var body = await ok.Content.ReadAsStringAsync(Ct);
            Assert.DoesNotContain("Dupont", body, StringComparison.Ordinal);
            Assert.DoesNotContain("example.org", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OpenApi_DescribesTheRoute_WithACsvBodyAndTheProposal()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        using var doc = await host.GetJsonAsync("/api/openapi.json", Ct);
        var post = doc.RootElement.GetProperty("paths").GetProperty("/api/config/contracts/infer").GetProperty("post");
        Assert.Equal("InferContract", post.GetProperty("operationId").GetString());
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("text/csv", out _));
        Assert.Contains(post.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "dataset");
        var schemas = doc.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("ContractProposal", out var proposal));
        Assert.Equal(JsonValueKind.Object, proposal.GetProperty("properties").GetProperty("contract").ValueKind);
    }
}
