using System.Text;
using System.Text.Json;
using HealthAnalytics.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests.Serving;

/// <summary>The real dev host on a free loopback port over one test's Azurite storage, with a fast champion refresh.</summary>
public sealed class ServingHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServingHost(WebApplication app, HttpClient client, TestStorage storage)
    {
        this.app = app;
        Client = client;
        Storage = storage;
    }

    public HttpClient Client { get; }
    public TestStorage Storage { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<ServingHost> StartAsync(TestStorage storage, CancellationToken cancellationToken)
    {
        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(storage.Settings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Training:ChampionRefresh"] = "00:00:01" });
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ServingHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) }, storage);
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, CancellationToken cancellationToken)
        => Client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    public async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
        => JsonDocument.Parse(await Client.GetStringAsync(new Uri(path, UriKind.Relative), cancellationToken));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}

/// <summary>Rows of curated Parquet as prediction instances (the model features only), read with DuckDB.</summary>
public static class CuratedRows
{
    public static readonly string[] Features =
        ["age", "sex", "admission_type", "prior_admissions", "medication_count", "hba1c", "glucose", "creatinine", "systolic_bp", "heart_rate", "bmi", "length_of_stay_days"];

    public static List<Dictionary<string, object?>> Read(byte[] parquet, int limit)
        => Parquet.Query(parquet, file => $"SELECT {string.Join(", ", Features)} FROM read_parquet('{file}') ORDER BY age, bmi, glucose LIMIT {limit}", reader =>
        {
            var rows = new List<Dictionary<string, object?>>();
            while (reader.Read())
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < Features.Length; i++)
                {
                    row[Features[i]] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
                    {
                        string s => s,
                        double d => d,
                        float f => (double)f,
                        IConvertible c => Convert.ToInt64(c, System.Globalization.CultureInfo.InvariantCulture),
                        var other => other,
                    };
                }

                rows.Add(row);
            }

            return rows;
        });
}
