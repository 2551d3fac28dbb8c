using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace HealthAnalytics.Bench.Serve;

/// <summary>
/// The dev host (real Kestrel, loopback) as its own process over Azurite: <c>dotnet HealthAnalytics.DevHost.dll</c>
/// from its Release output, so a cold start is the host's own start-up, not <c>dotnet run</c>'s build check.
/// </summary>
public sealed class DevHostProcess : IAsyncDisposable
{
    public const string PredictBody = """{"instances":[{"age":72,"sex":"female","admission_type":"emergency","prior_admissions":3,"medication_count":14,"hba1c":"64 mmol/mol","glucose":180,"length_of_stay_days":7}]}""";

    private readonly Process _process;

    private DevHostProcess(Process process, Uri baseAddress, long startedAt)
    {
        _process = process;
        BaseAddress = baseAddress;
        StartedAt = startedAt;
    }

    public Uri BaseAddress { get; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> just before the process was started.</summary>
    public long StartedAt { get; }

    public static DevHostProcess Start(string hostDll, string storageConnection)
    {
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet", [hostDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(hostDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["DataStorage"] = storageConnection;

        // A retrained champion is picked up within a second instead of the 30 s default.
        psi.Environment["Training__ChampionRefresh"] = "00:00:01";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("the dev host did not start");

        // Drained, never parsed: a full pipe would block the host.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new DevHostProcess(process, new Uri($"http://127.0.0.1:{port}"), startedAt);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Polls <paramref name="path"/> until it answers 2xx; returns seconds since the process start.</summary>
    public async Task<double> WaitForAsync(HttpClient client, HttpMethod method, string path, string? body, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the dev host exited with code {_process.ExitCode}");
            }

            try
            {
                using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path));
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request, ct);
                if (response.IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(StartedAt).TotalSeconds;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{method} {path} did not succeed within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(15, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
