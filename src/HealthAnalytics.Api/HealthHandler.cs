using System.Reflection;
using HealthAnalytics.Serving;
using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary><c>GET /api/health</c>: liveness, the app version and the champion version each model serves now.</summary>
public sealed class HealthHandler(ChampionModels champions)
{
    private static readonly string Version =
        typeof(HealthHandler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public IResult Get() => Results.Json(
        new HealthResponse("ok", Version, champions.LoadedVersions),
        ApiJson.Options);
}

/// <param name="Status">"ok" when the host serves requests.</param>
/// <param name="Version">The app's informational version.</param>
/// <param name="Models">Champion version per model name, as loaded for serving in this instance.</param>
public sealed record HealthResponse(string Status, string Version, IReadOnlyDictionary<string, string> Models);
