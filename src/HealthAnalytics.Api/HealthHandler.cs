using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary><c>GET /api/health</c>: liveness plus the app version.</summary>
public sealed class HealthHandler
{
    private static readonly string Version =
        typeof(HealthHandler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Resolved from DI like every handler; the model registry's champions join here.")]
    public IResult Get() => Results.Json(
        new HealthResponse("ok", Version, new Dictionary<string, string>(StringComparer.Ordinal)),
        ApiJson.Options);
}

/// <param name="Status">"ok" when the host serves requests.</param>
/// <param name="Version">The app's informational version.</param>
/// <param name="Models">Champion version per model name (filled by the model registry).</param>
public sealed record HealthResponse(string Status, string Version, IReadOnlyDictionary<string, string> Models);
