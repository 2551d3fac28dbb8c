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
    /// <summary>
    /// Trains and evaluates (docs/models.md, "Evaluation"): rows whose label cell is missing are left out; a holdout on
    /// large data, repeated stratified k-fold cross-validation and a refit on all rows on small data.
    /// </summary>
    public static TrainedModel Train(ModelSpec spec, CuratedSchema schema, TrainingTable table, string version, ModelBundle? subgroupModel, string codeVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(table);
        var clock = Stopwatch.StartNew();
        var (rows, y, missing) = Labelled(spec, schema, table);
        var positives = y.LongCount(v => v > 0.5);
        var events = Math.Min(positives, y.Length - positives);
        var strata = y.Select(v => v > 0.5 ? 1 : 0).ToArray();
        return SupervisedEvaluation.Run(
            spec, rows, y, strata, events, Learner(spec, schema, version, codeVersion, now), subgroupModel, missing,
            (p, labels) => Metrics(p, labels, spec.Threshold), clock,
            (p, labels, evaluated, model) => [BinaryCurvesSection.Compute([.. p.Select(x => (float)x)], [.. labels.Select(v => v > 0.5)], model, evaluated, spec.Validation.Seed)]);
    }

    /// <summary>The rows with a label, their label as 0/1, and how many rows had none.</summary>
    internal static (TrainingTable Rows, double[] Y, int Missing) Labelled(ModelSpec spec, CuratedSchema schema, TrainingTable table)
    {
        var labels = Outcomes.Binary(spec.Label ?? throw new ModelSpecException("A binary spec needs a label."), schema, table);
        var kept = Enumerable.Range(0, labels.Length).Where(i => labels[i] is not null).ToArray();
        var rows = kept.Length == table.RowCount ? table : table.Select(kept);
        return (rows, [.. kept.Select(i => labels[i] == true ? 1.0 : 0.0)], table.RowCount - kept.Length);
    }

    /// <summary>The learner of <paramref name="spec"/>: featurizer and trainer fitted on any rows (folds, refit, the reference tests).</summary>
    internal static ISupervisedLearner Learner(ModelSpec spec, CuratedSchema schema, string version, string codeVersion, DateTimeOffset now) =>
        new BinaryLearner(spec, schema, version, codeVersion, now);

    internal static IReadOnlyDictionary<string, double> Metrics(double[] probabilities, double[] y, double threshold) =>
        BinaryMetrics.Compute([.. probabilities.Select(p => (float)p)], [.. y.Select(v => v > 0.5)], threshold).ToDictionary();

    private sealed class BinaryLearner(ModelSpec spec, CuratedSchema schema, string version, string codeVersion, DateTimeOffset now) : ISupervisedLearner
    {
        public ModelBundle Fit(TrainingTable rows, double[] y)
        {
            // Trees split on raw values; the linear model needs standardized inputs.
            var standardize = spec.Trainer.Name == "logistic-regression";
            var featurizer = Featurizer.Fit(rows, [.. spec.Features.Select(f => (f, ModelSpecReader.KindOf(f, schema), schema.Find(f.Name)))], standardize);
            var matrix = featurizer.Transform(rows);
            var labels = y.Select(v => v > 0.5).ToArray();

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
                    // ML.NET's defaults would add an L1 penalty of 1 (an elastic net); the documented model is L2 only:
                    // sum of log-losses + L2/2 · ‖w‖², i.e. scikit-learn's C = 1 / L2 (docs/models.md).
                    L2Regularization = (float)(t.L2Regularization ?? 1.0),
                    L1Regularization = (float)(t.L1Regularization ?? 0.0),
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
                Spec = ModelManifest.SpecElement(spec),
            };
            return new ModelBundle(manifest, ml, transformer);
        }

        public double[] Predict(ModelBundle model, TrainingTable rows) => [.. ModelScorer.Probabilities(model, rows).Select(p => (double)p)];

        public IReadOnlyDictionary<string, double> Metrics(double[] predictions, double[] y) => BinaryTrainer.Metrics(predictions, y, spec.Threshold);
    }
}
