using System.Security.Cryptography;
using System.Text;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>GET /api/console</c> and <c>GET /api/console/{file}</c>: the console's static page, script and style sheet,
/// embedded in this assembly and served the same by both hosts (docs/console.md). Anonymous: the files hold no data; the
/// page calls the API with the key the user types. A strict Content-Security-Policy goes with every answer: scripts and
/// styles from this origin only (plus, for the viewer frame, the constant style sheets of the report and the card, by
/// hash), fetches to this origin only, no inline script, no framing of the console.
/// </summary>
public sealed class ConsoleHandler
{
    /// <summary>The files <c>{file}</c> may name; anything else is 404.</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["console.js"] = "text/javascript; charset=utf-8",
        ["console.css"] = "text/css; charset=utf-8",
    };

    /// <summary>The policy sent with the console's files.</summary>
    public static string ContentSecurityPolicy { get; } =
        "default-src 'none'; script-src 'self'; " +
        $"style-src 'self' '{Hash(QualityReportFormat.StyleSheet)}' '{Hash(ModelCard.StyleSheet)}'; " +
        "img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Lazy<byte[]> Page = new(() => Read("console.html"));
    private static readonly Dictionary<string, Lazy<byte[]>> Assets = Files.Keys.ToDictionary(f => f, f => new Lazy<byte[]>(() => Read(f)), StringComparer.Ordinal);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Resolved from DI like every handler.")]
    public IResult GetPage(HttpResponse response)
    {
        Secure(response);
        return Results.Bytes(Page.Value, "text/html; charset=utf-8");
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Resolved from DI like every handler.")]
    public IResult GetFile(HttpResponse response, string? file)
    {
        // A fixed list, compared exactly: the route value never reaches a resource name or an answer.
        if (file is null || !Files.TryGetValue(file, out var contentType))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "The console has no such file.");
        }

        Secure(response);
        return Results.Bytes(Assets[file].Value, contentType);
    }

    private static void Secure(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-cache";
    }

    private static string Hash(string css) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)));

    private static byte[] Read(string name)
    {
        using var stream = typeof(ConsoleHandler).Assembly.GetManifestResourceStream("console/" + name)
            ?? throw new InvalidOperationException("The console resource is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
