using System.Diagnostics;
using HealthAnalytics.Curated;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace HealthAnalytics.Training;

/// <summary>Binary classification: LightGBM (default), FastTree or logistic regression, with calibrated probabilities.</summary>
public static class BinaryTrainer
{
    /// <summary>Age bands used for per-band metrics (years, lower bound inclusive).</summary>
    public static readonly (string Name, double Min, double Max)[] AgeBands =
        [("0-17", 0, 18), ("18-44", 18, 45), ("45-64", 45, 65), ("65-79", 65, 80), ("80+", 80, double.PositiveInfinity)];

    private const int MinGroupRows = 30;

    public static TrainedModel Train(ModelSpec spec, CuratedSchema schema, TrainingTable table, string version, ModelBundle? subgroupModel, string codeVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(table);
        var clock = Stopwatch.StartNew();
        var (trainRows, holdoutRows) = Splitter.Split(table, spec.Validation, spec.Label);
        var train = table.Select(trainRows);
        var holdout = table.Select(holdoutRows);

        // Trees split on raw values; the linear model needs standardized inputs.
        var standardize = spec.Trainer.Name == "logistic-regression";
        var featurizer = Featurizer.Fit(train, [.. spec.Features.Select(f => (f, ModelSpecReader.KindOf(f, schema), schema.Find(f.Name)))], standardize);
        var matrix = featurizer.Transform(train);
        var labels = train.Numeric[spec.Label!].Select(v => v > 0.5).ToArray();

        var ml = new MLContext(spec.Validation.Seed);
        var data = ModelBundle.View(ml, matrix, featurizer.Width, labels);
        var t = spec.Trainer;
        IEstimator<ITransformer> trainer = t.Name switch
        {
            "fasttree" => ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfLeaves = t.NumberOfLeaves ?? 20,
                NumberOfTrees = t.NumberOfIterations ?? 100,
                LearningRate = t.LearningRate ?? 0.1,
                MinimumExampleCountPerLeaf = t.MinimumExampleCountPerLeaf ?? 20,
                NumberOfThreads = 1, // single-threaded: bit-identical retrains
                Seed = spec.Validation.Seed,
            }),
            "logistic-regression" => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                L2Regularization = (float)(t.L2Regularization ?? 1.0),
                NumberOfThreads = 1,
                MaximumNumberOfIterations = t.MaximumIterations ?? 100,
            }),
            _ => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                NumberOfLeaves = t.NumberOfLeaves ?? 31,
                NumberOfIterations = t.NumberOfIterations ?? 100,
                LearningRate = t.LearningRate ?? 0.05,
                MinimumExampleCountPerLeaf = t.MinimumExampleCountPerLeaf ?? 20,
                Seed = spec.Validation.Seed,
                Deterministic = true,
                NumberOfThreads = t.NumberOfThreads ?? 1,
                Silent = true,
                Verbose = false,
            }),
        };

        var transformer = trainer.Fit(data);
        var manifest = new ModelManifest
        {
            Model = spec.Name,
            Version = version,
            Task = ModelTask.BinaryClassification,
            Trainer = t.Name,
            Featurizer = featurizer,
            Threshold = spec.Threshold,
            TrainedAt = now,
            CodeVersion = codeVersion,
        };
        var bundle = new ModelBundle(manifest, ml, transformer);

        var probabilities = ModelScorer.Probabilities(bundle, holdout);
        var holdoutLabels = holdout.Numeric[spec.Label!].Select(v => v > 0.5).ToArray();
        var headline = BinaryMetrics.Compute(probabilities, holdoutLabels, spec.Threshold);
        var groups = GroupMetricsFor(holdout, probabilities, holdoutLabels, spec.Threshold, subgroupModel);
        return new TrainedModel
        {
            Bundle = bundle,
            Metrics = headline.ToDictionary(),
            GroupMetrics = groups,
            Gaps = Gaps(groups),
            CardSections = [BinaryCurvesSection.Compute(bundle, holdout, probabilities, holdoutLabels, spec.Validation.Seed)],
            Holdout = holdout,
            TrainRows = train.RowCount,
            TrainSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    internal static List<GroupMetrics> GroupMetricsFor(TrainingTable holdout, float[] probabilities, bool[] labels, double threshold, ModelBundle? subgroupModel)
    {
        var dimensions = new List<(string Dimension, string?[] Groups)>();
        if (holdout.Categorical.TryGetValue("sex", out var sex))
        {
            dimensions.Add(("sex", sex));
        }

        if (holdout.Numeric.TryGetValue("age", out var age))
        {
            dimensions.Add(("ageBand", [.. age.Select(a => double.IsFinite(a) ? AgeBands.First(b => a >= b.Min && a < b.Max || b.Max == double.PositiveInfinity).Name : null)]));
        }

        if (subgroupModel is not null)
        {
            var subgroups = ModelScorer.Subgroups(subgroupModel, holdout);
            dimensions.Add(("subgroup", [.. subgroups.Select(s => (s + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))]));
        }

        var result = new List<GroupMetrics>();
        foreach (var (dimension, groups) in dimensions)
        {
            foreach (var group in groups.Where(g => g is not null).Distinct().Order(StringComparer.Ordinal))
            {
                var rows = Enumerable.Range(0, groups.Length).Where(i => groups[i] == group).ToArray();
                if (rows.Length < MinGroupRows)
                {
                    continue; // too few rows for a stable metric, and a small group is a re-identification risk in a card
                }

                var m = BinaryMetrics.Compute(rows.Select(i => probabilities[i]).ToArray(), rows.Select(i => labels[i]).ToArray(), threshold);
                result.Add(new GroupMetrics(dimension, group!, m.ToDictionary(), rows.Length));
            }
        }

        return result;
    }

    internal static List<MetricGap> Gaps(IReadOnlyList<GroupMetrics> groups)
    {
        var gaps = new List<MetricGap>();
        foreach (var dimension in groups.GroupBy(g => g.Dimension))
        {
            foreach (var metric in dimension.SelectMany(g => g.Metrics.Keys).Distinct().Order(StringComparer.Ordinal))
            {
                var values = dimension.Where(g => double.IsFinite(g.Metrics[metric])).OrderBy(g => g.Metrics[metric]).ToList();
                if (values.Count >= 2)
                {
                    gaps.Add(new MetricGap(dimension.Key, metric, values[^1].Metrics[metric] - values[0].Metrics[metric], values[0].Group, values[^1].Group));
                }
            }
        }

        return gaps;
    }
}
