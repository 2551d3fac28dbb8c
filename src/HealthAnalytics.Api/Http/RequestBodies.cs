using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HealthAnalytics.Api;

/// <summary>Request bodies as every handler that reads one reads it: JSON only, and never more than its limit.</summary>
public static class RequestBodies
{
    /// <summary>The largest body of most routes (predictions: 1000 instances fit with room to spare).</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The largest body of the configuration routes (a contract or spec document, a CSV sample).</summary>
    public const int MaxConfigBytes = 1024 * 1024;

    /// <summary>The limit <see cref="ApiErrorPolicy"/> applies before any handler runs; each handler enforces its own
    /// (never larger) limit again while reading.</summary>
    public static int LimitFor(PathString path) => path.StartsWithSegments("/api/config", StringComparison.Ordinal) ? MaxConfigBytes : MaxBytes;

    public static bool IsJson(string? contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var media)
           && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
           && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body, or null when it is larger than <paramref name="maxBytes"/> (read no further than that; a
    /// chunked body has no Content-Length to check first).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
