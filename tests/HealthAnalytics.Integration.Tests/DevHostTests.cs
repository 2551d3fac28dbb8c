using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HealthAnalytics.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests;

/// <summary>The real dev host (Kestrel on a free loopback port) over this test's Azurite storage.</summary>
public sealed class DevHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DevHost_NewUpload_IsPickedUpByThePoller_AndServedOverHttp()
    {
        await using var storage = new TestStorage();
        await using var host = await RunningHost.StartAsync(storage);
        var (content, truth) = Csv.Generate(500, seed: 11, dirty: true);

        await storage.UploadAsync("demo-hospital/encounters/upload.csv", content);

        // Picked up = the poller has claimed it in the ledger (any status); cleaning then takes its own time.
        var (claimed, pickUp) = await Wait.ForAsync(() => FirstItemAsync(host, "/api/uploads"), TimeSpan.FromSeconds(10));
        var (listed, done) = await Wait.ForAsync(() => FirstItemAsync(host, "/api/uploads?status=curated"), TimeSpan.FromSeconds(30));

        Assert.NotNull(claimed);
        // The pick-up latency is a figure (≤ 1 s poll interval, validated at start-up; ~0.5 s measured on a quiet
        // machine, docs/architecture.md), not a timed assertion: a busy CI machine must not fail this test.
        Assert.NotNull(listed);
        TestContext.Current.SendDiagnosticMessage($"dev host: picked up after {pickUp.TotalMilliseconds:F0} ms, curated after {done.TotalMilliseconds:F0} ms more");
        using var item = JsonDocument.Parse(listed);
        var uploadId = item.RootElement.GetProperty("uploadId").GetString()!;
        Assert.Equal("curated", item.RootElement.GetProperty("status").GetString());
        Assert.Equal("demo-hospital", item.RootElement.GetProperty("partner").GetString());
        Assert.Equal(truth.Rows.Written, item.RootElement.GetProperty("rowsWritten").GetInt64());

        using var json = await host.Client.GetAsync(new Uri($"/api/uploads/{uploadId}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        using var report = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct));
        Assert.Equal(uploadId, report.RootElement.GetProperty("uploadId").GetString());
        Assert.Equal("curated", report.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(truth.Rows.Quarantined, report.RootElement.GetProperty("rows").GetProperty("quarantined").GetInt64());

        using var htmlRequest = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/uploads/{uploadId}", UriKind.Relative));
        htmlRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var html = await host.Client.SendAsync(htmlRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await html.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DevHost_Health_IsAnonymousOk()
    {
        await using var storage = new TestStorage();
        await using var host = await RunningHost.StartAsync(storage);

        using var doc = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/api/health", UriKind.Relative), Ct));

        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, doc.RootElement.GetProperty("models").ValueKind);
    }

    [Theory]
    [InlineData("/api/uploads/NOT-AN-ID", HttpStatusCode.BadRequest)]
    [InlineData("/api/uploads/%7B%7D..%25", HttpStatusCode.BadRequest)]
    [InlineData("/api/uploads/abcdefghijklmnopqrstuvwxyz", HttpStatusCode.NotFound)]
    [InlineData("/api/uploads?status=exploded", HttpStatusCode.BadRequest)]
    [InlineData("/api/nothing-here", HttpStatusCode.NotFound)]
    public async Task DevHost_BadRequests_AnswerProblemDetailsWithoutEchoingInput(string path, HttpStatusCode expected)
    {
        await using var storage = new TestStorage();
        await using var host = await RunningHost.StartAsync(storage);

        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("NOT-AN-ID", body, StringComparison.Ordinal);
        Assert.DoesNotContain("exploded", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    private static async Task<string?> FirstItemAsync(RunningHost host, string path)
    {
        using var doc = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri(path, UriKind.Relative), Ct));
        return doc.RootElement.GetProperty("count").GetInt32() == 1 ? doc.RootElement.GetProperty("items")[0].GetRawText() : null;
    }

    /// <summary>A started dev host on 127.0.0.1 with a free port, its own storage and the test cleaner.</summary>
    private sealed class RunningHost : IAsyncDisposable
    {
        private readonly WebApplication app;

        private RunningHost(WebApplication app, HttpClient client)
        {
            this.app = app;
            Client = client;
        }

        public HttpClient Client { get; }

        public static async Task<RunningHost> StartAsync(TestStorage storage)
        {
            var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
            {
                builder.Configuration.AddInMemoryCollection(storage.Settings());
            });
            await app.StartAsync(Ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new RunningHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
