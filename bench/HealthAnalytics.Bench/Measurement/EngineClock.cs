using System.Diagnostics;

namespace HealthAnalytics.Bench.Measurement;

/// <summary>
/// Wall time and this process's CPU time (user + system, all threads) over one engine call. CPU time is
/// kept beside wall time because build machines are shared: under load, wall time stretches while CPU
/// time stays close to the work done.
/// </summary>
public sealed class EngineClock
{
    private readonly Stopwatch wall = Stopwatch.StartNew();
    private readonly TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;

    public static EngineClock Start() => new();

    public (double WallSeconds, double CpuSeconds) Stop()
    {
        wall.Stop();
        using var self = Process.GetCurrentProcess();
        return (wall.Elapsed.TotalSeconds, (self.TotalProcessorTime - cpuStart).TotalSeconds);
    }
}
