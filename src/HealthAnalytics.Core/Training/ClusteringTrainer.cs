using System.Diagnostics;
using HealthAnalytics.Curated;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace HealthAnalytics.Training;

/// <summary>
/// k-means (k-means++ init) on standardized features. k is chosen in the spec's range by the mean silhouette
/// on a seeded holdout sample (ties → smaller k); stability is the ARI between two seeds.
/// </summary>
public static class ClusteringTrainer
{
    public static TrainedModel Train(ModelSpec spec, CuratedSchema schema, TrainingTable table, string version, string codeVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(table);
        var clock = Stopwatch.StartNew();
        var options = spec.Clustering ?? new ClusteringSpec();
        var seed = spec.Validation.Seed;
        var (trainRows, holdoutRows) = Splitter.Split(table, spec.Validation, label: null);
        var train = table.Select(trainRows);
        var holdout = table.Select(holdoutRows);
        var featurizer = Featurizer.Fit(train, [.. spec.Features.Select(f => (f, ModelSpecReader.KindOf(f, schema), schema.Find(f.Name)))], standardize: true);
        var width = featurizer.Width;
        var matrix = featurizer.Transform(train);
        var selection = SampleRows(train.RowCount, options.SelectionRows, seed);
        var sample = featurizer.Transform(holdout.Select(SampleRows(holdout.RowCount, options.SampleSize, seed)));

        var scores = new SortedDictionary<int, double>();
        var bestK = options.KMin;
        ModelBundle? best = null;
        for (var k = options.KMin; k <= options.KMax; k++)
        {
            var candidate = FitBest(spec, featurizer, matrix, width, selection, k, seed, options.Restarts, version, codeVersion, now);
            var score = ClusteringMath.Silhouette(sample, width, ModelScorer.Subgroups(candidate, sample));
            scores[k] = score;
            if (best is null || score > scores[bestK] + 1e-9)
            {
                bestK = k;
                best = candidate;
            }
        }

        // Stability: the same k from other seeds should split the sample the same way.
        var other = FitBest(spec, featurizer, matrix, width, selection, bestK, seed + 7919, options.Restarts, version, codeVersion, now);
        var stability = ClusteringMath.AdjustedRandIndex(ModelScorer.Subgroups(best!, sample), ModelScorer.Subgroups(other, sample));

        // The centroids fitted on the selection rows are the model: a seeded sample of up to SelectionRows
        // estimates them as well as all rows do, and keeps 1M-row training within minutes.
        var final = best!;
        var assignments = ModelScorer.Subgroups(final, matrix);
        var profiles = Profiles(train, featurizer, assignments, bestK);
        final = new ModelBundle(final.Manifest with { Subgroups = profiles }, final.Ml, final.Transformer);
        var silhouette = ClusteringMath.Silhouette(sample, width, ModelScorer.Subgroups(final, sample));
        return new TrainedModel
        {
            Bundle = final,
            Metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
            {
                ["silhouette"] = silhouette,
                ["k"] = bestK,
                ["stability"] = stability,
                ["smallestSubgroupShare"] = profiles.Min(p => p.Share),
            },
            KScores = scores,
            Holdout = holdout,
            TrainRows = train.RowCount,
            TrainSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>A seeded sample of row indices (all rows, in order, when there are at most <paramref name="size"/>).</summary>
    public static int[] SampleRows(int rows, int size, int seed)
    {
        if (rows <= size)
        {
            return [.. Enumerable.Range(0, rows)];
        }

        var all = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(all);
        var picked = all[..size];
        Array.Sort(picked);
        return picked;
    }

    /// <summary>k-means++ from several seeds; keeps the fit with the smallest within-cluster squared distance.</summary>
    private static ModelBundle FitBest(ModelSpec spec, Featurizer featurizer, float[] matrix, int width, int[] rows, int k, int seed, int restarts, string version, string codeVersion, DateTimeOffset now)
    {
        ModelBundle? best = null;
        var bestInertia = double.PositiveInfinity;
        for (var r = 0; r < Math.Max(1, restarts); r++)
        {
            var fit = Fit(spec, featurizer, matrix, width, rows, k, seed + (r * 101), version, codeVersion, now);
            var view = fit.Transformer.Transform(ModelBundle.View(fit.Ml, matrix, width, null, rows));
            var inertia = view.GetColumn<float[]>("Score").Sum(d => (double)d.Min());
            if (inertia < bestInertia)
            {
                bestInertia = inertia;
                best = fit;
            }
        }

        return best!;
    }

    private static ModelBundle Fit(ModelSpec spec, Featurizer featurizer, float[] matrix, int width, int[]? rows, int k, int seed, string version, string codeVersion, DateTimeOffset now)
    {
        var ml = new MLContext(seed);
        var trainer = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
        {
            NumberOfClusters = k,
            InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
            MaximumNumberOfIterations = spec.Trainer.MaximumIterations ?? 100,
            OptimizationTolerance = 1e-7f,
            NumberOfThreads = 1, // single-threaded: the same seed gives the same partition
        });
        // k-means++ and every Lloyd iteration pass over the rows: cache them once rather than re-enumerate.
        var transformer = trainer.Fit(ml.Data.Cache(ModelBundle.View(ml, matrix, width, null, rows)));
        var manifest = new ModelManifest
        {
            Model = spec.Name,
            Version = version,
            Task = ModelTask.Clustering,
            Trainer = "kmeans",
            Featurizer = featurizer,
            TrainedAt = now,
            CodeVersion = codeVersion,
        };
        return new ModelBundle(manifest, ml, transformer);
    }

    private static List<SubgroupProfile> Profiles(TrainingTable train, Featurizer featurizer, int[] assignments, int k)
    {
        var sizes = new long[k];
        foreach (var a in assignments)
        {
            sizes[a]++;
        }

        var means = Enumerable.Range(0, k).Select(_ => new SortedDictionary<string, double>(StringComparer.Ordinal)).ToArray();
        var distinct = Enumerable.Range(0, k).Select(_ => new List<DistinctiveFeature>()).ToArray();
        foreach (var f in featurizer.Features)
        {
            if (f.Kind == FeatureKind.Categorical)
            {
                var values = train.Categorical[f.Name];
                foreach (var category in f.Categories)
                {
                    var name = f.Name + "=" + category;
                    Describe(name, [.. values.Select(v => v is null ? double.NaN : v == category ? 1.0 : 0.0)]);
                }

                continue;
            }

            Describe(f.Name, train.Numeric[f.Name]);
        }

        return [.. Enumerable.Range(0, k).Select(c => new SubgroupProfile(
            c + 1, sizes[c], (double)sizes[c] / assignments.Length, means[c],
            [.. distinct[c].OrderByDescending(d => Math.Abs(d.StandardizedDifference)).ThenBy(d => d.Feature, StringComparer.Ordinal).Take(3)])
        {
            Standardized = new SortedDictionary<string, double>(distinct[c].ToDictionary(d => d.Feature, d => d.StandardizedDifference), StringComparer.Ordinal),
        })];

        void Describe(string name, double[] values)
        {
            var sum = new double[k];
            var count = new long[k];
            double all = 0, allSq = 0;
            long allCount = 0;
            for (var i = 0; i < values.Length; i++)
            {
                if (double.IsFinite(values[i]))
                {
                    sum[assignments[i]] += values[i];
                    count[assignments[i]]++;
                    all += values[i];
                    allSq += values[i] * values[i];
                    allCount++;
                }
            }

            var mean = allCount == 0 ? 0 : all / allCount;
            var sd = allCount == 0 ? 0 : Math.Sqrt(Math.Max(0, (allSq / allCount) - (mean * mean)));
            for (var c = 0; c < k; c++)
            {
                var m = count[c] == 0 ? double.NaN : sum[c] / count[c];
                means[c][name] = Math.Round(m, 4);
                if (sd > 1e-12 && double.IsFinite(m))
                {
                    distinct[c].Add(new DistinctiveFeature(name, Math.Round((m - mean) / sd, 3)));
                }
            }
        }
    }
}
