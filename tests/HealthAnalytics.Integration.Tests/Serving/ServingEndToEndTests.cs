using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HealthAnalytics.Serving;
using HealthAnalytics.Storage;
using HealthAnalytics.Training;

namespace HealthAnalytics.Integration.Tests.Serving;

/// <summary>Predictions over HTTP on the dev host: parity with in-process, validation and abuse, hot swap.</summary>
public sealed class ServingEndToEndTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ServingHost Host => fixture.Host;

    [Fact]
    public void Predict_BeforeAnyChampion_Answers503Problem()
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, fixture.BeforeChampion);
        Assert.Equal("application/problem+json", fixture.BeforeChampionContentType);
    }

    [Fact]
    public async Task Predict_Readmission_OverHttp_EqualsInProcessPredictionsOfTheSameCuratedRows()
    {
        TestContext.Current.SendDiagnosticMessage(string.Join("; ", fixture.Timings.Select(t => $"{t.Key}: {t.Value}")));
        var rows = await CuratedRowsAsync(300);
        var body = JsonSerializer.Serialize(new { instances = rows });

        using var response = await Host.PostJsonAsync($"/api/models/{ServingFixture.Risk}/predict", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        var version = doc.RootElement.GetProperty("version").GetString()!;
        Assert.Equal(ServingFixture.Risk, doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(await DataFingerprintAsync(ServingFixture.Risk, version), doc.RootElement.GetProperty("trainingDataHash").GetString());

        var predictor = await InProcessAsync(ServingFixture.Risk, version);
        var predictions = doc.RootElement.GetProperty("predictions");
        Assert.Equal(rows.Count, predictions.GetArrayLength());
        for (var i = 0; i < rows.Count; i++)
        {
            var expected = predictor.Predict<BinaryPrediction>(rows[i]);
            var actual = predictions[i];
            Assert.Equal(expected.Probability, actual.GetProperty("probability").GetDouble(), 12);
            Assert.Equal(expected.Label, actual.GetProperty("label").GetBoolean());
            var contributions = actual.GetProperty("contributions").EnumerateArray().Select(c => c.GetProperty("feature").GetString()!).ToList();
            Assert.Equal(expected.Contributions.Select(c => c.Feature).ToList(), contributions);
            Assert.InRange(contributions.Count, 1, 5);
            Assert.All(contributions, f => Assert.Contains(f, CuratedRows.Features));
        }

        var labels = predictions.EnumerateArray().Select(p => p.GetProperty("label").GetBoolean()).ToList();
        TestContext.Current.SendDiagnosticMessage($"{rows.Count} rows: {labels.Count(l => l)} predicted readmitted, version {version}");
    }

    [Fact]
    public async Task Predict_Subgroups_OverHttp_EqualsInProcess_AndCarriesProfile()
    {
        var features = (await InProcessAsync(ServingFixture.Subgroups, null)).InputSchema.Features.Select(f => f.Name).ToHashSet();
        var rows = (await CuratedRowsAsync(100)).Select(r => r.Where(p => features.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value)).ToList();

        using var response = await Host.PostJsonAsync($"/api/models/{ServingFixture.Subgroups}/predict", JsonSerializer.Serialize(new { instances = rows }), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        var predictor = await InProcessAsync(ServingFixture.Subgroups, doc.RootElement.GetProperty("version").GetString());
        for (var i = 0; i < rows.Count; i++)
        {
            var expected = predictor.Predict<ClusterPrediction>(rows[i]);
            var actual = doc.RootElement.GetProperty("predictions")[i];
            Assert.Equal(expected.Subgroup, actual.GetProperty("subgroup").GetInt32());
            Assert.Equal(expected.Distance, actual.GetProperty("distance").GetDouble(), 9);
            Assert.Equal(expected.Subgroup, actual.GetProperty("profile").GetProperty("subgroup").GetInt32());
        }
    }

    [Fact]
    public async Task Predict_UnitsAndCategoryAliases_AreNormalizedLikeIngestion()
    {
        // The contract's own conversions: glucose mmol/L × 18.0182 = mg/dL; sex "female" is F; admission "ER" is emergency.
        const string canonical = """{"age":70,"sex":"F","admission_type":"emergency","prior_admissions":3,"medication_count":12,"glucose":126.1274,"length_of_stay_days":6}""";
        const string aliased = """{"age":70,"sex":"female","admission_type":"ER","prior_admissions":3,"medication_count":12,"glucose":"7 mmol/L","length_of_stay_days":6}""";

        var a = await ProbabilityAsync(canonical);
        var b = await ProbabilityAsync(aliased);

        Assert.Equal(a, b);
    }

    [Fact]
    public async Task Predict_FieldErrors_AreKeyedByInstanceAndField_WithoutEchoingValues()
    {
        const string body = """
            {"instances":[
              {"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"first_name":"Jane Secretname"},
              {"age":"seventy-seven","sex":"F","admission_type":"emergency","length_of_stay_days":4},
              {"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"hba1c":99.123},
              {"age":70,"admission_type":"emergency","length_of_stay_days":4},
              {"age":70,"sex":"Q-unknown-Q","admission_type":"emergency","length_of_stay_days":4,"glucose":"5 furlongs"}
            ]}
            """;

        var (status, problem, text) = await PostAsync(ServingFixture.Risk, body, "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors");
        Assert.Contains("Not an input", errors.GetProperty("instances[0].first_name")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("instances[1].age", out _));
        Assert.Contains("between 3 and 20", errors.GetProperty("instances[2].hba1c")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("Required.", errors.GetProperty("instances[3].sex")[0].GetString());
        Assert.True(errors.TryGetProperty("instances[4].sex", out _));
        Assert.Contains("Unknown unit", errors.GetProperty("instances[4].glucose")[0].GetString(), StringComparison.Ordinal);
        foreach (var secret in new[] { "Secretname", "seventy", "99.123", "Q-unknown-Q", "furlongs" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, string, HttpStatusCode> AbuseCases() => new()
    {
        { "1001 instances", ServingFixture.Risk, Instances(1001), HttpStatusCode.BadRequest },
        { "0 instances", ServingFixture.Risk, """{"instances":[]}""", HttpStatusCode.BadRequest },
        { "257 KB body", ServingFixture.Risk, "{\"instances\":[{\"age\":70,\"pad\":\"" + new string('x', 257 * 1024) + "\"}]}", HttpStatusCode.RequestEntityTooLarge },
        { "deeply nested", ServingFixture.Risk, "{\"instances\":[{\"age\":" + new string('[', 64) + "1" + new string(']', 64) + "}]}", HttpStatusCode.BadRequest },
        { "not JSON", ServingFixture.Risk, "{\"instances\":[{\"age\":70,", HttpStatusCode.BadRequest },
        { "array root", ServingFixture.Risk, "[1,2,3]", HttpStatusCode.BadRequest },
        { "unknown model", "no-such-model", Instances(1), HttpStatusCode.NotFound },
        { "path traversal", "..%2F..%2Fmodels", Instances(1), HttpStatusCode.NotFound },
        { "upper-case name", "Readmission-Risk", Instances(1), HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(AbuseCases))]
    public async Task Predict_AbuseCase_AnswersDocumented4xxProblem_WithoutStackTraceOrEcho(string label, string model, string body, HttpStatusCode expected)
    {
        var (status, _, text) = await PostAsync(model, body, "application/json");

        Assert.True(status == expected, $"{label}: {(int)status} {text[..Math.Min(300, text.Length)]}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxx", text, StringComparison.Ordinal);
        Assert.DoesNotContain("..", text.Replace("...", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task Predict_WrongContentType_Answers415Problem(string contentType)
    {
        var (status, _, _) = await PostAsync(ServingFixture.Risk, Instances(1), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Fact]
    public async Task Predict_ChunkedBodyOver256KB_Answers413WithoutContentLength()
    {
        var payload = Encoding.UTF8.GetBytes("{\"instances\":[{\"age\":70,\"pad\":\"" + new string('x', 300 * 1024) + "\"}]}");
        using var content = new StreamContent(new NoLengthStream(payload));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/models/{ServingFixture.Risk}/predict", UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Host.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_ReportsTheLoadedChampionVersions()
    {
        var registry = Registry();
        var expected = new Dictionary<string, string>
        {
            [ServingFixture.Risk] = (await registry.GetChampionAsync(ServingFixture.Risk, Ct))!,
            [ServingFixture.Subgroups] = (await registry.GetChampionAsync(ServingFixture.Subgroups, Ct))!,
        };

        var (models, _) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await Host.GetJsonAsync("/api/health", Ct);
                var loaded = doc.RootElement.GetProperty("models").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
                return expected.All(e => loaded.GetValueOrDefault(e.Key) == e.Value) ? loaded : null;
            },
            TimeSpan.FromSeconds(15));

        Assert.NotNull(models);
    }

    [Fact]
    public async Task Champion_PromotedByAnotherInstance_IsServedWithin30s_WithoutFailingInFlightRequests()
    {
        // A second version from a second upload; then the registry is changed directly, as another instance
        // (or the training timer) would, so only the background refresh can notice it.
        await fixture.Host.Storage.UploadAsync("demo-hospital/encounters/second.csv", Csv.Encounters(3_000, seed: 7));
        await fixture.WaitCuratedAsync(2, Ct);
        using (var retrain = await Host.PostJsonAsync($"/api/models/{ServingFixture.Risk}/retrain", "", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);
        }

        var registry = Registry();
        var champion = await registry.GetChampionAsync(ServingFixture.Risk, Ct);
        // Whichever version is not the champion (the new one may have been kept back by the quality gate: the swap is what counts here).
        var target = (await registry.ListAsync(ServingFixture.Risk, Ct)).Single(v => v.Version != champion).Version;
        Assert.Equal(champion, await ServedVersionAsync());

        Assert.Equal(PromotionResult.Promoted, await registry.PromoteAsync(ServingFixture.Risk, target, champion, Ct));
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<HttpStatusCode>();
        var served = new ConcurrentBag<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await Host.PostJsonAsync($"/api/models/{ServingFixture.Risk}/predict", Instances(20), CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add(response.StatusCode);
                    continue;
                }

                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
                var version = doc.RootElement.GetProperty("version").GetString()!;
                served.Add(version);
                if (version == target)
                {
                    await stop.CancelAsync();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        TestContext.Current.SendDiagnosticMessage($"swap served after {clock.Elapsed.TotalSeconds:F1} s over {served.Count} requests");
        Assert.Empty(failures);
        Assert.Contains(target, served);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"swap took {clock.Elapsed.TotalSeconds:F1} s");
    }

    private async Task<string> ServedVersionAsync()
    {
        using var response = await Host.PostJsonAsync($"/api/models/{ServingFixture.Risk}/predict", Instances(1), Ct);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return doc.RootElement.GetProperty("version").GetString()!;
    }

    private async Task<double> ProbabilityAsync(string instance)
    {
        var (status, doc, text) = await PostAsync(ServingFixture.Risk, instance, "application/json");
        Assert.True(status == HttpStatusCode.OK, text);
        return doc.GetProperty("predictions")[0].GetProperty("probability").GetDouble();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> PostAsync(string model, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await Host.Client.PostAsync(new Uri($"/api/models/{model}/predict", UriKind.Relative), content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var doc = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return (response.StatusCode, doc.RootElement.Clone(), text);
    }

    private static string Instances(int count)
    {
        var random = new Random(count);
        var instances = Enumerable.Range(0, count).Select(_ => new Dictionary<string, object?>
        {
            ["age"] = random.Next(18, 95),
            ["sex"] = random.Next(2) == 0 ? "F" : "M",
            ["admission_type"] = "emergency",
            ["prior_admissions"] = random.Next(0, 6),
            ["length_of_stay_days"] = random.Next(0, 20),
            ["bmi"] = Math.Round(18 + (random.NextDouble() * 20), 1),
        });
        return JsonSerializer.Serialize(new { instances });
    }

    private async Task<List<Dictionary<string, object?>>> CuratedRowsAsync(int limit)
    {
        var rows = new List<Dictionary<string, object?>>();
        await foreach (var blob in Host.Storage.Curated.GetBlobsAsync(cancellationToken: Ct))
        {
            var bytes = (await Host.Storage.Curated.GetBlobClient(blob.Name).DownloadContentAsync(Ct)).Value.Content.ToArray();
            rows.AddRange(CuratedRows.Read(bytes, limit - rows.Count));
            if (rows.Count >= limit)
            {
                break;
            }
        }

        return rows;
    }

    private TableModelRegistry Registry() => new(Host.Storage.Tables.GetTableClient(Host.Storage.ModelsTable));

    private async Task<string> DataFingerprintAsync(string model, string version)
        => (await Registry().GetAsync(model, version, Ct))!.Lineage.DataFingerprint;

    /// <summary>The in-process predictor of a version (null: the current champion), loaded from the same blob.</summary>
    private async Task<ModelPredictor> InProcessAsync(string model, string? version)
    {
        version ??= await Registry().GetChampionAsync(model, Ct);
        var bytes = await new BlobModelArtifactStore(Host.Storage.Blobs.GetBlobContainerClient(Host.Storage.ModelsContainer)).ReadModelAsync(model, version!, Ct);
        using var stream = new MemoryStream(bytes!);
        return new ModelPredictor(ModelBundle.Load(stream));
    }

    /// <summary>A body stream that does not tell its length, so the client sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
