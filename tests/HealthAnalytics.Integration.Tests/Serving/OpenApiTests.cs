using System.Reflection;
using System.Text.Json;
using HealthAnalytics.Api;
using HealthAnalytics.Functions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests.Serving;

public sealed class OpenApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenApi_ServedAnonymously_IsOpenApi3_CoversEveryDevHostRoute_AndEveryRefResolves()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);

        using var response = await host.Client.GetAsync(new Uri("/api/openapi.json", UriKind.Relative), Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = doc.RootElement;

        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("info").GetProperty("title").GetString()));
        var paths = root.GetProperty("paths");
        var routes = DevHostRoutes(host.Services);
        Assert.NotEmpty(routes);
        foreach (var (method, route, auth) in routes)
        {
            Assert.True(paths.TryGetProperty(route, out var path), $"{route} missing");
            Assert.True(path.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {route} missing");
            Assert.Equal(auth, operation.GetProperty("x-auth-level").GetString());
            Assert.True(operation.GetProperty("responses").TryGetProperty("200", out var ok), $"{method} {route} has no 200");
            Assert.NotEmpty(ok.GetProperty("content").EnumerateObject());
            Assert.All(ok.GetProperty("content").EnumerateObject(), media => Assert.True(media.Value.TryGetProperty("schema", out _), $"{method} {route} {media.Name} has no schema"));
        }

        // No documented route the hosts do not serve.
        Assert.Equal(routes.Count, paths.EnumerateObject().Sum(p => p.Value.EnumerateObject().Count()));
        Assert.True(paths.GetProperty("/api/models/{name}/predict").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));

        var schemas = root.GetProperty("components").GetProperty("schemas");
        var refs = new List<string>();
        Collect(root, refs);
        Assert.NotEmpty(refs);
        foreach (var reference in refs)
        {
            Assert.StartsWith("#/components/schemas/", reference, StringComparison.Ordinal);
            Assert.True(schemas.TryGetProperty(reference["#/components/schemas/".Length..], out _), $"{reference} does not resolve");
        }
    }

    [Fact]
    public void OpenApi_FunctionAppAndDevHost_ServeTheSameBuilder_AndOnlyHealthOpenApiAndConsoleAreAnonymous()
    {
        var anonymous = typeof(IngestUpload).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
            .OfType<HttpTriggerAttribute>()
            .Where(t => t.AuthLevel == AuthorizationLevel.Anonymous)
            .Select(t => t.Route)
            .Order(StringComparer.Ordinal);

        // The console's static files hold no data (docs/console.md): anonymous like health and the document.
        Assert.Equal(["console", "console/{file}", "health", "openapi.json"], anonymous);
        Assert.Equal(
            ["/api/console", "/api/console/{file}", "/api/health", "/api/openapi.json"],
            ApiRoutes.All.Where(r => r.Auth == AuthLevel.Anonymous).Select(r => r.Path).Order(StringComparer.Ordinal));
    }

    private static List<(string Method, string Route, string Auth)> DevHostRoutes(IServiceProvider services)
        => [.. services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), e.Metadata.GetMetadata<AuthLevel>()!.Level)))
            .Distinct()];

    private static void Collect(JsonElement element, List<string> refs)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name == "$ref")
                    {
                        refs.Add(p.Value.GetString()!);
                    }
                    else
                    {
                        Collect(p.Value, refs);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, refs);
                }

                break;
        }
    }
}
