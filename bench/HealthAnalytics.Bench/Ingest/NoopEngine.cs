using HealthAnalytics.Bench.Measurement;

namespace HealthAnalytics.Bench.Ingest;

/// <summary>Does nothing: its peak RSS is the floor every child pays for the .NET runtime itself.</summary>
public sealed class NoopEngine : IIngestEngine
{
    public string Name => "baseline";

    public Task<ChildReport> RunAsync(string inputCsv, string outputParquet, int threads, CancellationToken ct) =>
        Task.FromResult(new ChildReport { Engine = Name });
}
