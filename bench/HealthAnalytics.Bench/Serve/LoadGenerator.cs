using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HealthAnalytics.Bench.Serve;

public sealed record LoadFigures(string Endpoint, string Tool, int Connections, double Seconds, long Requests, long Errors, double RequestsPerSecond, double P50Ms, double P99Ms);

/// <summary>
/// Closed-loop HTTP load against one endpoint: <c>wrk</c> when installed (POST body through a Lua script), else
/// N concurrent HttpClient tasks in this process. Both share the 2 cores with the host, equally for every endpoint.
/// </summary>
public static partial class LoadGenerator
{
    public static bool WrkAvailable()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("wrk", ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            p!.WaitForExit();
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static async Task<LoadFigures> RunAsync(bool useWrk, Uri url, string? postBody, int connections, TimeSpan duration, string workDir, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        return useWrk ? await WrkAsync(url, postBody, connections, duration, workDir, ct) : await ClientAsync(url, postBody, connections, duration, ct);
    }

    private static async Task<LoadFigures> WrkAsync(Uri url, string? postBody, int connections, TimeSpan duration, string workDir, CancellationToken ct)
    {
        var args = new List<string> { "-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency" };
        if (postBody is not null)
        {
            Directory.CreateDirectory(workDir);
            var script = Path.Combine(workDir, "post.lua");
            var lua = new StringBuilder()
                .AppendLine("wrk.method = \"POST\"")
                .AppendLine("wrk.headers[\"Content-Type\"] = \"application/json\"")
                .Append("wrk.body = [[").Append(postBody).AppendLine("]]")
                .ToString();
            await File.WriteAllTextAsync(script, lua, ct);
            args.AddRange(["-s", script]);
        }

        args.Add(url.ToString());
        var psi = new ProcessStartInfo("wrk", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("wrk did not start");
        var stdout = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("wrk failed: " + await p.StandardError.ReadToEndAsync(ct));
        }

        var ic = CultureInfo.InvariantCulture;
        var requests = long.Parse(WrkRequests().Match(stdout).Groups[1].Value, ic);
        var non2xx = WrkNon2xx().Match(stdout) is { Success: true } m ? long.Parse(m.Groups[1].Value, ic) : 0;
        var socketErrors = WrkSocketErrors().Match(stdout) is { Success: true } s
            ? s.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, ic)) : 0;
        var rps = double.Parse(WrkRps().Match(stdout).Groups[1].Value, ic);
        return new LoadFigures(url.AbsolutePath, "wrk", connections, duration.TotalSeconds, requests, non2xx + socketErrors, Math.Round(rps, 1), WrkLatency(stdout, "50%"), WrkLatency(stdout, "99%"));
    }

    private static double WrkLatency(string stdout, string label)
    {
        var m = Regex.Match(stdout, @"^\s*" + Regex.Escape(label) + @"\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        if (!m.Success)
        {
            return double.NaN;
        }

        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return Math.Round(m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v }, 3);
    }

    private static async Task<LoadFigures> ClientAsync(Uri url, string? postBody, int connections, TimeSpan duration, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler);
        var bodyBytes = postBody is null ? null : Encoding.UTF8.GetBytes(postBody);
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[connections];
        long errors = 0;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            var mine = latencies[c] = [];
            while (Stopwatch.GetTimestamp() < end && !ct.IsCancellationRequested)
            {
                var t = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(bodyBytes is null ? HttpMethod.Get : HttpMethod.Post, url);
                if (bodyBytes is not null)
                {
                    request.Content = new ByteArrayContent(bodyBytes);
                    request.Content.Headers.ContentType = new("application/json");
                }

                using var response = await client.SendAsync(request, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }

                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadFigures(url.AbsolutePath, "dotnet-httpclient", connections, Math.Round(seconds, 2), all.Length, errors, Math.Round(all.Length / seconds, 1),
            Math.Round(InProcessServe.Percentile(all, 0.5), 3), Math.Round(InProcessServe.Percentile(all, 0.99), 3));
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex WrkRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex WrkNon2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex WrkSocketErrors();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex WrkRps();
}
