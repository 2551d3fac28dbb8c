using System.Reflection;
using System.Text.Json;
using HealthAnalytics.Api;
using HealthAnalytics.DevHost;
using HealthAnalytics.Functions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Two hosts, one app: the Function App's HTTP surface equals the dev host's, and each of its blob and
/// timer functions has a dev-host background service standing in for it.</summary>
public sealed class ParityTests
{
    [Fact]
    public async Task DevHostEndpoints_EqualFunctionsMetadata_AndTheRouteTable_InNamesRoutesMethodsAndAuthLevels()
    {
        var functions = FunctionsHttpSurface();
        var devHost = await DevHostHttpSurface();
        var table = new SortedSet<string>(
            ApiRoutes.All.Select(r => Key(r.OperationId, r.Path["/api/".Length..], r.Method, r.Auth.Level)), StringComparer.Ordinal);

        Assert.NotEmpty(functions);
        Assert.Equal(table, functions);
        Assert.Equal(table, devHost);
    }

    [Fact]
    public async Task FunctionApp_Composition_BuildsWithValidation_AndResolvesEveryFunctionClass()
    {
        var builder = Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new TestStorage().Settings());
        builder.ConfigureHealthAnalytics();
        await using var services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var functionClasses = typeof(IngestUpload).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToList();
        Assert.True(functionClasses.Count >= 6, $"only {functionClasses.Count} function classes found");
        foreach (var type in functionClasses)
        {
            // The worker activates function classes from the container the same way.
            Assert.NotNull(ActivatorUtilities.CreateInstance(services, type));
        }
    }

    /// <summary>Each non-HTTP function and the dev-host background service that stands in for it.</summary>
    private static readonly Dictionary<string, (string Trigger, Type DevHostTwin)> BackgroundTwins = new(StringComparer.Ordinal)
    {
        ["IngestUpload"] = ("blobTrigger", typeof(UploadPoller)),
        // The queue-delivered path of a private app (docs/deploy.md "Upload events"): the same poller stands in.
        ["IngestQueuedUpload"] = ("queueTrigger", typeof(UploadPoller)),
        ["RetrainModels"] = ("timerTrigger", typeof(HealthAnalytics.DevHost.RetrainScheduler)),
        ["RecoverStalledUploads"] = ("timerTrigger", typeof(StalledUploadSweeper)),
    };

    [Fact]
    public async Task EveryBlobAndTimerFunction_HasItsDevHostTwinRunning()
    {
        var functions = FunctionsBackgroundTriggers();
        Assert.Equal(BackgroundTwins.ToDictionary(t => t.Key, t => t.Value.Trigger).OrderBy(t => t.Key), functions.OrderBy(t => t.Key));

        await using var storage = new TestStorage();
        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(storage.Settings()));
        await using (app)
        {
            var running = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().Select(s => s.GetType()).ToHashSet();
            foreach (var (function, (_, twin)) in BackgroundTwins)
            {
                Assert.True(running.Contains(twin), $"the dev host runs no {twin.Name} for the function {function}");
            }
        }
    }

    [Fact]
    public void HttpFunctions_AreFunctionOrAdminLevel_ExceptHealthOpenApiAndConsole()
    {
        var triggers = typeof(IngestUpload).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
            .OfType<HttpTriggerAttribute>()
            .ToList();

        Assert.NotEmpty(triggers);
        foreach (var trigger in triggers)
        {
            var open = trigger.Route is "health" or "openapi.json" or "console" or "console/{file}";
            Assert.True(
                open || trigger.AuthLevel is AuthorizationLevel.Function or AuthorizationLevel.Admin,
                $"route '{trigger.Route}' is {trigger.AuthLevel}");
        }
    }

    /// <summary>
    /// The Function App, the dev host and the bench (whose children measure ingestion and training as the hosts run
    /// them) start the runtime alike: quick JIT off (docs/decisions/0004-quick-jit-off.md), the same GC mode. Read from
    /// the runtimeconfig.json each build writes, copied next to this test's own.
    /// </summary>
    [Theory]
    [InlineData("HealthAnalytics.Functions")]
    [InlineData("HealthAnalytics.DevHost")]
    [InlineData("HealthAnalytics.Bench")]
    public void Host_RuntimeConfig_TurnsQuickJitOff_AndKeepsWorkstationGc(string host)
    {
        var path = Path.Combine(AppContext.BaseDirectory, $"{host}.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} not found: the test project references the host, so its build copies it");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.QuickJit", out var quickJit), $"{host} leaves quick JIT on");
        Assert.False(quickJit.GetBoolean());
        Assert.False(properties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean(), $"{host} runs the server GC");
    }

    /// <summary>
    /// With quick JIT off, a cold instance would compile the app and its packages optimized at its first request; the
    /// Function App is therefore published ReadyToRun for linux-x64, and only published so (builds stay portable).
    /// </summary>
    [Fact]
    public void FunctionApp_PublishesReadyToRunForLinuxX64_OnlyWhenPublishing()
    {
        var project = System.Xml.Linq.XDocument.Load(Path.Combine(RepoRoot(), "functions", "HealthAnalytics.Functions.csproj"));
        string? Condition(string property, string value) => project.Descendants(property)
            .SingleOrDefault(e => e.Value == value)?.Attribute("Condition")?.Value;

        Assert.Equal("'$(_IsPublishing)' == 'true'", Condition("PublishReadyToRun", "true"));
        Assert.Equal("'$(_IsPublishing)' == 'true'", Condition("RuntimeIdentifier", "linux-x64"));
        Assert.Equal("'$(_IsPublishing)' == 'true'", Condition("SelfContained", "false"));
    }

    /// <summary>(route without the api/ prefix, method, auth level) of every httpTrigger in the build output.</summary>
    private static SortedSet<string> FunctionsHttpSurface()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(MetadataPath()));
        var surface = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var function in doc.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray())
            {
                if (binding.GetProperty("type").GetString() != "httpTrigger")
                {
                    continue;
                }

                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    surface.Add(Key(function.GetProperty("name").GetString()!, binding.GetProperty("route").GetString()!, method.GetString()!, binding.GetProperty("authLevel").GetString()!));
                }
            }
        }

        return surface;
    }

    /// <summary>Function name → trigger type of every function in the build output whose trigger is not HTTP.</summary>
    private static Dictionary<string, string> FunctionsBackgroundTriggers()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(MetadataPath()));
        var triggers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var function in doc.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray())
            {
                var type = binding.GetProperty("type").GetString()!;
                if (type.EndsWith("Trigger", StringComparison.Ordinal) && type != "httpTrigger")
                {
                    triggers.Add(function.GetProperty("name").GetString()!, type);
                }
            }
        }

        return triggers;
    }

    private static string MetadataPath()
    {
        // The Function App built in the same configuration as this test (./dev test builds both).
        var configuration = typeof(ParityTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BuildConfiguration").Value!;
        var metadata = Path.Combine(RepoRoot(), "functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(metadata), $"functions.metadata not found at {metadata}: build functions/ first (./dev test does).");
        return metadata;
    }

    private static async Task<SortedSet<string>> DevHostHttpSurface()
    {
        await using var storage = new TestStorage();
        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(storage.Settings()));
        await using (app)
        {
            var surface = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                         .Concat(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
                         .DistinctBy(e => e.RoutePattern.RawText))
            {
                var route = endpoint.RoutePattern.RawText!.TrimStart('/');
                Assert.StartsWith("api/", route, StringComparison.Ordinal);
                var auth = endpoint.Metadata.GetMetadata<AuthLevel>();
                Assert.NotNull(auth);
                var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "(unnamed)";
                foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods)
                {
                    surface.Add(Key(name, route["api/".Length..], method, auth.Level));
                }
            }

            return surface;
        }
    }

    private static string Key(string name, string route, string method, string authLevel)
        => $"{method.ToUpperInvariant()} {route} {authLevel.ToLowerInvariant()} {name}";

    private static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("HA_REPO_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthAnalytics.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found: set HA_REPO_ROOT or run from inside the repository.");
    }
}
