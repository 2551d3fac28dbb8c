using HealthAnalytics.Curated;
using HealthAnalytics.Serving;

namespace HealthAnalytics.Training;

/// <summary>Clustering (docs/models.md): k-means subgroups, k by silhouette; other tasks' per-group metrics use its champion.</summary>
internal sealed class ClusteringTask : IModelTask
{
    public ModelTask Task => ModelTask.Clustering;

    public IReadOnlyList<string> Trainers { get; } = ["kmeans"];

    public IReadOnlyDictionary<string, bool> PromotionMetrics { get; } = new Dictionary<string, bool>(StringComparer.Ordinal) { ["silhouette"] = true };

    public bool ProvidesSubgroups => true;

    public Type PredictionType => typeof(ClusterPrediction);

    public void Validate(ModelSpec spec, CuratedSchema? schema, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        var k = spec.Clustering ?? new ClusteringSpec();
        if (k.KMin < 2 || k.KMax < k.KMin || k.KMax > 30)
        {
            error("$.clustering", "needs 2 <= kMin <= kMax <= 30");
        }

        if (spec.Label is not null)
        {
            error("$.label", "is not used by clustering");
        }

        if (spec.Validation.Kind == "cross-validation")
        {
            error("$.validation.kind", "clustering is evaluated on a holdout sample (silhouette), not by cross-validation");
        }
    }

    public IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema) => new Dictionary<string, FeatureKind>();

    public TrainedModel Train(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ClusteringTrainer.Train(request.Spec, request.Schema, request.Table, request.Version, request.CodeVersion, request.Now);
    }

    /// <summary>The champion's mean silhouette on the same seeded sample of the candidate's holdout.</summary>
    public ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidate);
        if (champion.Manifest.Task != Task)
        {
            return null;
        }

        var spec = request.Spec;
        var holdout = candidate.Holdout;
        var sample = holdout.Select(ClusteringTrainer.SampleRows(holdout.RowCount, (spec.Clustering ?? new ClusteringSpec()).SampleSize, spec.Validation.Seed));
        var matrix = champion.Manifest.Featurizer.Transform(sample);
        return new ChampionScore(ClusteringMath.Silhouette(matrix, champion.Manifest.Featurizer.Width, ModelScorer.Subgroups(champion, matrix)));
    }

    public ITaskPredictor CreatePredictor(ModelBundle bundle) => new ClusterPredictor(bundle);
}
