using System.Globalization;
using HealthAnalytics.Bench.Measurement;
using HealthAnalytics.Curated;
using HealthAnalytics.Training;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Bench.Train;

/// <summary>
/// Ours: HealthAnalytics.Core training (ML.NET) of a shipped model spec, from curated Parquet that
/// our cleaner produced from the bench CSV, as the training service does minus storage and registry.
/// "load" = reading the curated table (key de-dup included); "train" = the trainer call (split,
/// featurizing, fit, holdout metrics, and for clustering the choice of k).
/// <paramref name="trainer"/> replaces the spec's trainer (the survival cohort's spec is run with cox and boosted-survival).
/// </summary>
public sealed class OursTrainEngine(string specPath, string contractPath, string? trainer = null) : ITrainEngine
{
    public string Name => "ours";

    public string Model { get; private set; } = Path.GetFileNameWithoutExtension(specPath);

    public async Task<ChildReport> RunAsync(string inputCsv, int threads, CancellationToken ct)
    {
        // For ours the input is the curated Parquet of that CSV (see TrainSuite.CuratedFor).
        var parquet = inputCsv;
        var spec = ModelSpecReader.Parse(await File.ReadAllTextAsync(specPath, ct));
        if (trainer is not null)
        {
            spec = spec with { Trainer = new TrainerSpec { Name = trainer } };
        }

        var contract = ContractLoader.Load(await File.ReadAllTextAsync(contractPath, ct)).Contract ?? throw new InvalidOperationException("the contract is invalid");
        var schema = CuratedSchema.Of(contract);
        Model = trainer is null ? spec.Name : $"{spec.Name} ({trainer})";

        // The columns the training service reads for this spec (features, label, group-metric columns).
        var columns = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        foreach (var f in spec.Features)
        {
            columns[f.Name] = ModelSpecReader.KindOf(f, schema);
        }

        var task = ModelTasks.Get(spec.Task);
        foreach (var (name, kind) in task.OutcomeColumns(spec, schema))
        {
            columns[name] = kind;
        }

        if (schema.Find("sex") is { Dropped: false })
        {
            columns.TryAdd("sex", FeatureKind.Categorical);
        }

        if (schema.Find("age") is { Dropped: false })
        {
            columns.TryAdd("age", FeatureKind.Numeric);
        }

        var load = EngineClock.Start();
        var (table, rowsRead) = await CuratedTableReader.ReadAsync(
            [c => Task.FromResult<Stream>(new FileStream(parquet, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous))],
            columns, schema.PrimaryKey, ct);
        var (loadSeconds, _) = load.Stop();

        var now = DateTimeOffset.UtcNow;
        var clock = EngineClock.Start();
        var trained = task.Train(new TrainingRequest(spec, schema, table, "bench", "bench", now));
        var (seconds, cpu) = clock.Stop();

        var ic = CultureInfo.InvariantCulture;
        var report = new ChildReport
        {
            Engine = Name,
            Seconds = seconds,
            CpuSeconds = cpu,
            RowsWritten = rowsRead,
            Details =
            {
                ["model"] = Model,
                ["loadSeconds"] = loadSeconds.ToString("F3", ic),
                ["trainRows"] = trained.TrainRows.ToString(ic),
                ["holdoutRows"] = trained.Holdout.RowCount.ToString(ic),
                ["trainer"] = spec.Trainer.Name,
            },
        };
        foreach (var (k, v) in trained.Metrics)
        {
            report.Details[k] = v.ToString("G4", ic);
        }

        return report;
    }
}
