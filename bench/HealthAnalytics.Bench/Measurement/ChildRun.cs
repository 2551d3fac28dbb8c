using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace HealthAnalytics.Bench.Measurement;

/// <summary>What a child process reports on its last stdout line (prefixed with <see cref="ChildRun.ResultMarker"/>).</summary>
public sealed record ChildReport
{
    public required string Engine { get; init; }
    public bool Ok { get; init; } = true;
    public string? Error { get; init; }

    /// <summary>Seconds spent in the engine call alone (process start and runtime load excluded).</summary>
    public double Seconds { get; init; }

    /// <summary>CPU seconds (user + system, all threads) of the child over the engine call.</summary>
    public double CpuSeconds { get; init; }
    public long RowsWritten { get; init; }
    public long OutputBytes { get; init; }

    /// <summary>The child's own VmHWM read just before it reported.</summary>
    public long? SelfPeakRssBytes { get; init; }
    public IDictionary<string, string> Details { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>A finished child: its report plus what the parent observed from outside.</summary>
public sealed record ChildOutcome(ChildReport Report, long PeakRssBytes, double WallSeconds, int ExitCode);

/// <summary>
/// Runs one engine in its own process (this executable re-invoked with the <c>child</c> sub-command)
/// so that each engine's peak memory is measured in isolation, without the parent's or a previous
/// engine's heap. Peak RSS = max(VmHWM polled by the parent, VmHWM the child reads at its end).
/// </summary>
public static class ChildRun
{
    public const string ResultMarker = "BENCH-RESULT ";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <param name="childArgs">Arguments after <c>child</c>.</param>
    /// <param name="timeout">The child is killed after it.</param>
    /// <param name="ct">Cancels (and kills) the child.</param>
    /// <param name="environment">Extra environment variables for the child.</param>
    /// <param name="benchAssembly">Path of HealthAnalytics.Bench.dll to run with <c>dotnet</c>; null = this process's own command.</param>
    public static async Task<ChildOutcome> RunAsync(IReadOnlyList<string> childArgs, TimeSpan timeout, CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null, string? benchAssembly = null)
    {
        IReadOnlyList<string> prefix;
        var psi = new ProcessStartInfo
        {
            FileName = benchAssembly is null ? SelfCommand(out prefix) : DotnetHost(benchAssembly, out prefix),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in prefix)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("child");
        foreach (var a in childArgs)
        {
            psi.ArgumentList.Add(a);
        }

        // The child must not inherit a server GC or a heap limit from the caller's environment by accident.
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var wall = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the child process");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);

        long peak = 0;
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        var exited = process.WaitForExitAsync(timeoutCts.Token);
        try
        {
            while (!exited.IsCompleted)
            {
                if (ProcStatus.PeakRssBytes(process.Id) is { } hwm && hwm > peak)
                {
                    peak = hwm;
                }

                await Task.WhenAny(exited, Task.Delay(PollInterval, timeoutCts.Token)).ConfigureAwait(false);
            }

            await exited.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"child '{string.Join(' ', childArgs.Take(1))}' did not finish within {timeout}");
        }

        wall.Stop();
        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);

        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(ResultMarker, StringComparison.Ordinal));
        ChildReport report;
        if (line is null)
        {
            report = new ChildReport
            {
                Engine = childArgs.Count > 0 ? childArgs[0] : "?",
                Ok = false,
                Error = $"no result line (exit {process.ExitCode}); stderr: {Tail(errors, 2000)}",
            };
        }
        else
        {
            report = JsonSerializer.Deserialize<ChildReport>(line[ResultMarker.Length..], Json.Options)
                ?? throw new InvalidOperationException("empty child report");
        }

        peak = Math.Max(peak, report.SelfPeakRssBytes ?? 0);
        return new ChildOutcome(report, peak, wall.Elapsed.TotalSeconds, process.ExitCode);
    }

    /// <summary>Writes the report line a parent looks for.</summary>
    public static void Emit(ChildReport report)
    {
        var withPeak = report with { SelfPeakRssBytes = ProcStatus.SelfPeakRssBytes() };
        Console.Out.WriteLine(ResultMarker + JsonSerializer.Serialize(withPeak, Json.CompactOptions));
        Console.Out.Flush();
    }

    private static string DotnetHost(string assembly, out IReadOnlyList<string> prefixArgs)
    {
        prefixArgs = [assembly];
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var candidate = root is null ? null : Path.Combine(root, "dotnet");
        return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
    }

    private static string SelfCommand(out IReadOnlyList<string> prefixArgs)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        var name = Path.GetFileNameWithoutExtension(path);
        if (string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started as `dotnet HealthAnalytics.Bench.dll`: re-invoke the same way.
            prefixArgs = [Assembly.GetEntryAssembly()!.Location];
            return path;
        }

        prefixArgs = [];
        return path;
    }

    private static string Tail(string s, int max) => s.Length <= max ? s.Trim() : s[^max..].Trim();
}
