using System.Text;
using HealthAnalytics.Config;
using HealthAnalytics.Contracts;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>GET /api/config</c>, <c>PUT /api/config/contracts/{dataset}</c> and <c>PUT /api/config/models/{name}</c>: what is in
/// force, what is refused and why, and writes that are validated before anything is stored (a 400 lists every error by
/// JSON path; a refused document never replaces the one in force).
/// </summary>
public sealed class ConfigHandler(ConfigCatalog catalog)
{
    public async Task<IResult> GetAsync(CancellationToken cancellationToken)
    {
        var s = await catalog.CurrentAsync(cancellationToken);
        return Results.Json(
            new ConfigView(
                s.RefreshedAt,
                [.. s.Contracts.Values.Select(c => new ContractInForce(c.Value.Name, c.Value.Version, c.Source, c.Version, c.Value.Columns.Count))],
                [.. s.Specs.Values.Select(m => new ModelSpecInForce(m.Value.Name, m.Value.Dataset, m.Value.Task.Name(), m.Source, m.Version, m.Value.Hash))],
                [.. s.Refused.Select(r => new RefusedDocument(
                    r.Kind == ConfigKind.Contract ? "contract" : "modelSpec", r.Key, r.Source, r.Version, r.PreviousInForce,
                    [.. r.Errors.Select(e => new DocumentError(e.Path, e.Message))]))]),
            ApiJson.Options);
    }

    public Task<IResult> PutContractAsync(HttpRequest request, string? dataset, CancellationToken cancellationToken)
        => PutAsync(request, ConfigKind.Contract, dataset, cancellationToken);

    public Task<IResult> PutModelSpecAsync(HttpRequest request, string? name, CancellationToken cancellationToken)
        => PutAsync(request, ConfigKind.ModelSpec, name, cancellationToken);

    private async Task<IResult> PutAsync(HttpRequest request, ConfigKind kind, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var field = kind == ConfigKind.Contract ? "dataset" : "name";
        if (!ConfigNames.IsValid(name))
        {
            // The route value is never echoed: a caller may have typed anything there.
            return Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = ["Must be " + ConfigNames.Rule + "."] });
        }

        if (!RequestBodies.IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType("Send the document as application/json.");
        }

        var body = await RequestBodies.ReadAsync(request, catalog.MaxDocumentBytes, cancellationToken);
        if (body is null)
        {
            return Problems.TooLarge(catalog.MaxDocumentBytes);
        }

        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["$"] = ["The body is not valid UTF-8."] });
        }

        var result = await catalog.PutAsync(kind, name!, json, cancellationToken);
        if (!result.Stored)
        {
            var errors = result.Errors
                .GroupBy(e => e.Path, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
            return Results.ValidationProblem(errors, title: "The document is refused", detail: "Nothing was stored; the version in force is unchanged.");
        }

        var answer = new ConfigWritten(kind == ConfigKind.Contract ? "contract" : "modelSpec", name!, result.Created);
        return result.Created ? Results.Json(answer, ApiJson.Options, statusCode: StatusCodes.Status201Created) : Results.Json(answer, ApiJson.Options);
    }
}

/// <param name="RefreshedAt">When the configuration store was last read by this instance.</param>
public sealed record ConfigView(DateTimeOffset RefreshedAt, IReadOnlyList<ContractInForce> Contracts, IReadOnlyList<ModelSpecInForce> Models, IReadOnlyList<RefusedDocument> Refused);

/// <param name="Source"><c>shipped</c> (in the app) or <c>store</c> (the <c>config</c> container).</param>
/// <param name="StoredVersion"><c>shipped</c>, or the stored document's version (ETag).</param>
public sealed record ContractInForce(string Dataset, string Version, string Source, string StoredVersion, int Columns);

public sealed record ModelSpecInForce(string Name, string Dataset, string Task, string Source, string StoredVersion, string SpecHash);

/// <param name="Name">The document's name, or <c>hidden-…</c> (a hash) when the stored name breaks the naming rule.</param>
/// <param name="PreviousInForce">Whether an earlier valid version (stored or shipped) of this name stays in force.</param>
public sealed record RefusedDocument(string Kind, string Name, string Source, string StoredVersion, bool PreviousInForce, IReadOnlyList<DocumentError> Errors);

/// <param name="Path">JSON path of the member (<c>$.columns[3].type</c>).</param>
public sealed record DocumentError(string Path, string Message);

public sealed record ConfigWritten(string Kind, string Name, bool Created);
