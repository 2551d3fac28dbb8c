using HealthAnalytics.Bench.Measurement;

namespace HealthAnalytics.Bench.Train;

/// <summary>
/// One model trainer run inside a child process (<c>child train ENGINE --input CSV --threads N</c>).
/// <see cref="ChildReport.Seconds"/> is the training wall time (data already in memory);
/// <c>Details["loadSeconds"]</c> is the time to read and featurize the input before it.
/// </summary>
public interface ITrainEngine
{
    /// <summary>Engine id on the command line and in results.</summary>
    string Name { get; }

    /// <summary>The model it trains (a config/models name).</summary>
    string Model { get; }

    Task<ChildReport> RunAsync(string inputCsv, int threads, CancellationToken ct);
}
