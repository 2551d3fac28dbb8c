using HealthAnalytics.Curated;
using Microsoft.ML.Data;

namespace HealthAnalytics.Training;

/// <summary>Scores a whole table with a bundle (its own featurizer), e.g. a champion on a candidate's holdout.</summary>
public static class ModelScorer
{
    public static float[] Probabilities(ModelBundle bundle, TrainingTable table)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var matrix = bundle.Manifest.Featurizer.Transform(table);
        var view = ModelBundle.View(bundle.Ml, matrix, bundle.Manifest.Featurizer.Width, null);
        return [.. bundle.Transformer.Transform(view).GetColumn<float>("Probability")];
    }

    /// <summary>0-based subgroup of each row.</summary>
    public static int[] Subgroups(ModelBundle bundle, TrainingTable table) => Subgroups(bundle, bundle.Manifest.Featurizer.Transform(table));

    internal static int[] Subgroups(ModelBundle bundle, float[] matrix)
    {
        var view = ModelBundle.View(bundle.Ml, matrix, bundle.Manifest.Featurizer.Width, null);
        return [.. bundle.Transformer.Transform(view).GetColumn<uint>("PredictedLabel").Select(k => (int)k - 1)];
    }

    /// <summary>The promotion metric of <paramref name="bundle"/> on <paramref name="holdout"/>.</summary>
    public static double Score(ModelBundle bundle, TrainingTable holdout, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(spec);
        if (bundle.Manifest.Task == ModelTask.Clustering)
        {
            var sample = ClusteringTrainer.SampleRows(holdout.RowCount, (spec.Clustering ?? new ClusteringSpec()).SampleSize, spec.Validation.Seed);
            var table = holdout.Select(sample);
            var matrix = bundle.Manifest.Featurizer.Transform(table);
            return ClusteringMath.Silhouette(matrix, bundle.Manifest.Featurizer.Width, Subgroups(bundle, matrix));
        }

        var labels = holdout.Numeric[spec.Label!].Select(v => v > 0.5).ToArray();
        var metrics = BinaryMetrics.Compute(Probabilities(bundle, holdout), labels, bundle.Manifest.Threshold).ToDictionary();
        return metrics.TryGetValue(spec.Promotion.Metric, out var m) ? m : double.NaN;
    }
}
