using HealthAnalytics.Training;

namespace HealthAnalytics.Serving;

public sealed record ClusterPrediction(int Subgroup, double Distance, SubgroupProfile? Profile) : Prediction;

/// <summary>Clustering: the nearest subgroup, the distance to its centroid (standardized space) and its profile.</summary>
internal sealed class ClusterPredictor(ModelBundle bundle) : ITaskPredictor
{
    private readonly EnginePool<FeatureRow, ClusterScore> _engines = new(() =>
        bundle.Ml.Model.CreatePredictionEngine<FeatureRow, ClusterScore>(bundle.Transformer, inputSchemaDefinition: ModelBundle.RowSchema(bundle.Manifest.Featurizer.Width)));

    public bool HasContributions => false;

    public Prediction Predict(IReadOnlyDictionary<string, object?> instance)
    {
        var score = _engines.Predict(ModelPredictor.Row(bundle.Manifest.Featurizer, instance));
        var subgroup = (int)score.ClusterId;
        var distance = Math.Sqrt(Math.Max(0, score.Distances[subgroup - 1]));
        return new ClusterPrediction(subgroup, Math.Round(distance, 6), bundle.Manifest.Subgroups.FirstOrDefault(p => p.Subgroup == subgroup));
    }
}
