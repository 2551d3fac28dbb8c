using HealthAnalytics.Curated;
using Microsoft.ML.Data;

namespace HealthAnalytics.Training;

/// <summary>Scores a whole table with a bundle of a single-vector model (its own featurizer), e.g. a champion on a candidate's holdout.</summary>
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
}
