namespace HealthAnalytics.Bench.Suites;

/// <summary>
/// One benchmark family (<c>ingest</c>, <c>train</c>, <c>serve</c>). The extension point: a new suite
/// implements this, registers in <c>Program.cs</c>, and writes its run through <see cref="Results.ResultStore"/>.
/// </summary>
public interface IBenchSuite
{
    string Name { get; }

    /// <summary>Runs the suite; returns 0 on success, non-zero when an engine failed.</summary>
    Task<int> RunAsync(BenchOptions options, CancellationToken ct);
}
