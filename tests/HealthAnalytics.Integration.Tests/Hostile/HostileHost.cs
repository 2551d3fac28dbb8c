using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using HealthAnalytics.DevHost;
using HealthAnalytics.Integration.Tests.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// The real dev host (poller, sweeper, HTTP on loopback) over one test's Azurite storage, with every log line
/// captured from Trace, optional settings and a services hook: the public path a hostile partner or a careless
/// operator reaches (issue #13).
/// </summary>
public sealed class HostileHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private bool disposed;

    private HostileHost(WebApplication app, HttpClient client, TestStorage storage, CapturingLoggerProvider logs)
    {
        this.app = app;
        Client = client;
        Storage = storage;
        Logs = logs;
    }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public HttpClient Client { get; }
    public TestStorage Storage { get; }
    public CapturingLoggerProvider Logs { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<HostileHost> StartAsync(
        TestStorage storage,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        CapturingLoggerProvider? logs = null)
    {
        logs ??= new CapturingLoggerProvider();
        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(storage.Settings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Training:ChampionRefresh"] = "00:00:01",
                ["Logging:LogLevel:Default"] = "Trace",
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new HostileHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) }, storage, logs);
    }

    public async Task<JsonDocument> GetJsonAsync(string path)
        => JsonDocument.Parse(await Client.GetStringAsync(new Uri(path, UriKind.Relative), Ct));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return await Client.SendAsync(request, Ct);
    }

    /// <summary>Polls the ledger (read straight from the table) until <paramref name="count"/> entries are final
    /// (curated, rejected or failed); returns them, or what exists after <paramref name="timeout"/>.</summary>
    public async Task<List<TableEntity>> WaitForFinalEntriesAsync(int count, TimeSpan timeout)
    {
        List<TableEntity> last = [];
        var (done, _) = await Wait.ForAsync(
            async () =>
            {
                try
                {
                    last = await Storage.LedgerEntitiesAsync();
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                    return null; // the table is created at start-up; not yet
                }

                return last.Count(e => e.GetString("Status") is "curated" or "rejected" or "failed") >= count ? last : null;
            },
            timeout);
        return done ?? last;
    }

    /// <summary>The stored JSON and HTML reports of a ledger entry, and the API's answers for both.</summary>
    public async Task<List<(string Where, string Text)>> ReportOutputsAsync(TableEntity entry)
    {
        var outputs = new List<(string Where, string Text)>();
        foreach (var property in new[] { "ReportPath", "HtmlReportPath" })
        {
            if (entry.GetString(property) is { } path)
            {
                var blob = Storage.Reports.GetBlobClient(path);
                outputs.Add(($"reports/{path}", (await blob.DownloadContentAsync(Ct)).Value.Content.ToString()));
            }
        }

        foreach (var accept in new[] { "application/json", "text/html" })
        {
            using var response = await SendAsync(HttpMethod.Get, $"/api/uploads/{entry.RowKey}", accept: accept);
            outputs.Add(($"GET /api/uploads/{{id}} ({accept}) → {(int)response.StatusCode}", $"{response.Headers}\n{await response.Content.ReadAsStringAsync(Ct)}"));
        }

        return outputs;
    }

    /// <summary>Everything the ingestion side wrote: ledger entities, every report blob, curated Parquet as rows, the
    /// upload list over HTTP, every log line.</summary>
    public async Task<List<(string Where, string Text)>> AllOutputsAsync()
    {
        var outputs = new List<(string Where, string Text)>();
        var ledger = new StringBuilder();
        foreach (var e in await Storage.LedgerEntitiesAsync())
        {
            ledger.AppendJoin("\n", e.Select(kv => $"{kv.Key}={kv.Value}")).Append('\n');
        }

        outputs.Add(("ledger", ledger.ToString()));
        await foreach (var blob in Storage.Reports.GetBlobsAsync(cancellationToken: Ct))
        {
            outputs.Add(($"reports/{blob.Name}", (await Storage.Reports.GetBlobClient(blob.Name).DownloadContentAsync(Ct)).Value.Content.ToString()));
        }

        await foreach (var blob in Storage.Curated.GetBlobsAsync(cancellationToken: Ct))
        {
            outputs.Add(($"curated/{blob.Name}", LeakScan.DumpParquet((await Storage.Curated.GetBlobClient(blob.Name).DownloadContentAsync(Ct)).Value.Content.ToArray())));
        }

        using (var list = await SendAsync(HttpMethod.Get, "/api/uploads"))
        {
            outputs.Add(("GET /api/uploads", await list.Content.ReadAsStringAsync(Ct)));
        }

        outputs.Add(("logs", string.Join("\n", Logs.Lines)));
        return outputs;
    }

    /// <summary>Where any form of any value occurs (as a whole token), as "kind in where" lines.</summary>
    public static List<string> Leaks(IEnumerable<(string Where, string Text)> outputs, IEnumerable<string> values, Func<string, IEnumerable<string>>? moreForms = null)
    {
        var leaks = new List<string>();
        foreach (var value in values)
        {
            var forms = LeakScan.Forms(value).Concat(moreForms?.Invoke(value) ?? []).Where(f => f.Length >= 4).Distinct(StringComparer.Ordinal).ToList();
            foreach (var (where, text) in outputs)
            {
                if (forms.Any(f => LeakScan.Contains(text, f)))
                {
                    leaks.Add(where);
                }
            }
        }

        return leaks;
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Client.Dispose();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}

/// <summary>Blobs as a hostile partner writes them: a raw HTTP PUT with a container SAS, so the request path is
/// exactly what the partner typed (percent-encoded dot segments, encoded separators), which the SDK would not send.</summary>
public static class HostileBlobs
{
    /// <summary>PUTs a block blob at <paramref name="rawPath"/> (already URL-encoded as it should go on the wire)
    /// and returns the status line.</summary>
    public static async Task<string> PutRawAsync(BlobContainerClient container, string rawPath, byte[] content)
    {
        var ct = TestContext.Current.CancellationToken;
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var sas = container.GenerateSasUri(BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write, DateTimeOffset.UtcNow.AddHours(1));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(sas.Host, sas.Port, ct);
        await using var stream = tcp.GetStream();
        var head = $"PUT {sas.AbsolutePath}/{rawPath}{sas.Query} HTTP/1.1\r\nHost: {sas.Host}:{sas.Port}\r\nx-ms-blob-type: BlockBlob\r\n" +
                   $"x-ms-version: 2025-01-05\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.WriteAsync(content, ct);
        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync(ct) ?? string.Empty;
        Assert.True(status.Contains(" 201 ", StringComparison.Ordinal), $"the hostile blob was not created: {status}");
        return status;
    }

    /// <summary>Names of every blob in the container, as the service lists them.</summary>
    public static async Task<List<string>> NamesAsync(BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            names.Add(item.Name);
        }

        return names;
    }
}
