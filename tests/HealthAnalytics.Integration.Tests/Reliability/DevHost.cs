using HealthAnalytics.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>The real dev host (its upload poller included) over a test's storage, with a services hook.</summary>
public sealed class DevHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private DevHost(WebApplication app) => this.app = app;

    public IServiceProvider Services => app.Services;

    public static async Task<DevHost> StartAsync(TestStorage storage, Action<WebApplicationBuilder>? configure = null)
    {
        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(storage.Settings());
            configure?.Invoke(builder);
        });
        await app.StartAsync(Harness.Ct);
        return new DevHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
