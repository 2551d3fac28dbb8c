using System.Diagnostics;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Serving;
using HealthAnalytics.Synthetic;
using HealthAnalytics.Training;
using Microsoft.Extensions.Options;
using HealthAnalytics.Config;

namespace HealthAnalytics.Bench.Serve;

/// <summary>Latency of one in-process prediction and throughput of a 1000-row batch, for one model.</summary>
public sealed record InProcessFigures
{
    public required string Model { get; init; }
    public int Iterations { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }

    /// <summary>1000 rows through the pooled predictor one by one (what the predict endpoint does per instance).</summary>
    public double BatchRowsPerSecond { get; init; }

    /// <summary>1000 rows through the model's vectorized scorer (ML.NET transform over a table).</summary>
    public double ScorerRowsPerSecond { get; init; }
}

/// <summary>
/// In-process serving: the real path generator → cleaner → curated Parquet → trainer, then the pooled
/// <see cref="ModelPredictor"/> over a bundle reloaded from its bytes (as the API loads a champion).
/// </summary>
public static class InProcessServe
{
    private const string BenchKey = "bench-serve-key-not-secret";
    private const int BatchRows = 1000;

    public static async Task<IReadOnlyList<InProcessFigures>> MeasureAsync(string repoRoot, int rows, int seed, int iterations, CancellationToken ct)
    {
        var schema = CuratedSchema.Of(ShippedConfig.Contract("encounters"));
        var readmission = ModelSpecReader.Parse(await File.ReadAllTextAsync(Path.Combine(repoRoot, "config", "models", "readmission-risk.json"), ct));
        var subgroups = ModelSpecReader.Parse(await File.ReadAllTextAsync(Path.Combine(repoRoot, "config", "models", "patient-subgroups.json"), ct));
        var table = await CuratedTableAsync(schema, [readmission, subgroups], rows, seed, ct);

        var now = DateTimeOffset.UtcNow;
        var clusters = Reload(ClusteringTrainer.Train(subgroups, schema, table, "bench", "bench", now).Bundle);
        var binary = Reload(BinaryTrainer.Train(readmission, schema, table, "bench", clusters, "bench", now).Bundle);

        var batchIndices = Enumerable.Range(0, Math.Min(BatchRows, table.RowCount)).ToArray();
        return
        [
            Measure(binary, table, batchIndices, iterations, (p, i) => p.Predict<BinaryPrediction>(i), (b, t) => ModelScorer.Probabilities(b, t).Length),
            Measure(clusters, table, batchIndices, iterations, (p, i) => p.Predict<ClusterPrediction>(i), (b, t) => ModelScorer.Subgroups(b, t).Length),
        ];
    }

    private static ModelBundle Reload(ModelBundle bundle) => ModelBundle.Load(new MemoryStream(bundle.ToBytes()));

    private static InProcessFigures Measure(
        ModelBundle bundle, TrainingTable table, int[] batchIndices, int iterations,
        Func<ModelPredictor, IReadOnlyDictionary<string, object?>, object> predict, Func<ModelBundle, TrainingTable, int> score)
    {
        var predictor = new ModelPredictor(bundle);
        var instances = batchIndices.Select(r => Instance(bundle, table, r)).ToArray();

        // Warm-up: JIT, the pool's first engines, tiered compilation's promotion of the hot path.
        for (var i = 0; i < Math.Max(2000, iterations / 5); i++)
        {
            predict(predictor, instances[i % instances.Length]);
        }

        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            predict(predictor, instances[i % instances.Length]);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);

        // Batch figures: the median of 7 rounds, so one GC pause does not set the number.
        var loop = new double[7];
        var scorer = new double[7];
        var batchTable = table.Select(batchIndices);
        score(bundle, batchTable);
        for (var round = 0; round < loop.Length; round++)
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var instance in instances)
            {
                predict(predictor, instance);
            }

            loop[round] = instances.Length / Stopwatch.GetElapsedTime(start).TotalSeconds;
            start = Stopwatch.GetTimestamp();
            var n = score(bundle, batchTable);
            scorer[round] = n / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return new InProcessFigures
        {
            Model = bundle.Manifest.Model,
            Iterations = iterations,
            P50Ms = Math.Round(Percentile(samples, 0.50), 4),
            P99Ms = Math.Round(Percentile(samples, 0.99), 4),
            MaxMs = Math.Round(samples[^1], 4),
            BatchRowsPerSecond = Math.Round(Median(loop)),
            ScorerRowsPerSecond = Math.Round(Median(scorer)),
        };
    }

    public static double Percentile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static double Median(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = values.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>One curated row as a prediction instance: the model's input features, missing values as null.</summary>
    private static Dictionary<string, object?> Instance(ModelBundle bundle, TrainingTable table, int row) =>
        bundle.Manifest.Featurizer.Features.ToDictionary(
            f => f.Name,
            f => f.Kind == FeatureKind.Categorical ? (object?)table.Categorical[f.Name][row]
                : double.IsFinite(table.Numeric[f.Name][row]) ? table.Numeric[f.Name][row] : null,
            StringComparer.Ordinal);

    private static async Task<TrainingTable> CuratedTableAsync(CuratedSchema schema, ModelSpec[] specs, int rows, int seed, CancellationToken ct)
    {
        using var csv = new MemoryStream();
        EncounterGenerator.Write(csv, new GeneratorOptions { Rows = rows, Seed = seed });
        var contract = ShippedConfig.Contract("encounters");

        var cleaner = new CsvUploadCleaner(Options.Create(new IngestionOptions()), new Pseudonymizer(BenchKey, "bench"), TimeProvider.System);
        using var parquet = new MemoryStream();
        csv.Position = 0;
        var report = await cleaner.CleanAsync(new UploadRequest("bench-serve", "bench", "encounters", "bench.csv", new string('0', 64), contract), csv, parquet, ct);
        if (report.Outcome != UploadOutcome.Curated)
        {
            throw new InvalidOperationException($"the generated upload was not curated: {report.Outcome}");
        }

        // The columns the training service reads: every spec's features, the label, the group-metric columns.
        var columns = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            foreach (var f in spec.Features)
            {
                columns[f.Name] = ModelSpecReader.KindOf(f, schema);
            }

            foreach (var (name, kind) in ModelTasks.Get(spec.Task).OutcomeColumns(spec, schema))
            {
                columns[name] = kind;
            }
        }

        columns.TryAdd("sex", FeatureKind.Categorical);
        columns.TryAdd("age", FeatureKind.Numeric);
        var bytes = parquet.ToArray();
        var (table, _) = await CuratedTableReader.ReadAsync([_ => Task.FromResult<Stream>(new MemoryStream(bytes))], columns, schema.PrimaryKey, ct);
        return table;
    }
}
