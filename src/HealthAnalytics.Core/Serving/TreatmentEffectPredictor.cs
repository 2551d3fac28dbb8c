using HealthAnalytics.Training;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Serving;

/// <summary>
/// One patient's treatment-effect prediction (docs/treatment-effects.md, "Prediction"): the expected outcome under each
/// arm (<c>treated</c>, <c>control</c>; probabilities for a binary outcome), their difference (treated − control, in outcome
/// units) and the benefit (the difference signed so that positive is better), the patient's benefit subgroup, the
/// interval, and the arm the policy recommends.
/// </summary>
/// <param name="Interval">The honest 95% interval of the average effect in the patient's benefit subgroup: no method can
/// give an interval for one patient's own effect from one outcome per patient.</param>
public sealed record TreatmentEffectPrediction(
    IReadOnlyDictionary<string, double> Outcomes, double Effect, double Benefit, EffectInterval Interval, BenefitSubgroup Subgroup,
    TreatmentRecommendation Recommendation) : Prediction;

/// <param name="Scope">What the interval is for: <c>subgroup-average-effect</c>.</param>
public sealed record EffectInterval(double Lower, double Upper, string Scope);

/// <summary>The leaf of the benefit-subgroup tree the patient falls in: its rule in the contract's columns and units, its
/// estimated average effect (from rows that chose no split) and its verdict (<c>benefit</c>, <c>harm</c>, <c>no clear effect</c>).</summary>
public sealed record BenefitSubgroup(int Leaf, string Rule, double Effect, double Lower, double Upper, int Rows, string Verdict);

/// <summary>The arm the policy "treat when the estimated benefit exceeds <see cref="Threshold"/>" recommends.</summary>
/// <param name="Arm"><c>treated</c> or <c>control</c>.</param>
/// <param name="Definition">The arm in the contract's terms, e.g. <c>trt in {2}</c>.</param>
public sealed record TreatmentRecommendation(string Arm, string Definition, double Threshold);

/// <summary>Serves a treatment-effect bundle: μ0, μ1 (and τ for the DR-learner) through pooled engines, the tree from its parameters.</summary>
internal sealed class TreatmentEffectPredictor : ITaskPredictor
{
    private readonly Featurizer _featurizer;
    private readonly EffectModel _model;
    private readonly EffectDefinition _definition;
    private readonly HashSet<string> _booleans;

    public TreatmentEffectPredictor(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var parameters = bundle.Manifest.ParametersAs<TreatmentEffectParameters>() ?? throw new InvalidDataException("The treatment-effect bundle has no parameters.");
        if (parameters.Model is null)
        {
            // A refused version is registered as rejected and cannot be promoted; this guards a bundle altered by hand.
            throw new InvalidDataException("This version's estimate was refused: it has no model to serve.");
        }

        _featurizer = bundle.Manifest.Featurizer;
        _model = EffectModel.FromBundle(parameters.Model, bundle.Ml, bundle.Models);
        _definition = parameters.Definition;
        _booleans = _featurizer.Features.Where(f => f.Kind == FeatureKind.Boolean).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
    }

    public bool HasContributions => false;

    public Prediction Predict(IReadOnlyDictionary<string, object?> instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var features = new float[_featurizer.Width];
        _featurizer.Transform(instance, features);

        // The rules read booleans as the categories true/false (as the tree was grown); numbers and categories as given.
        var raw = instance.ToDictionary(p => p.Key, p => _booleans.Contains(p.Key) && p.Value is bool b ? (object?)(b ? "true" : "false") : p.Value, StringComparer.Ordinal);
        var p = _model.Predict(features, raw);
        var leaf = _model.Parameters.Tree.Leaves.First(l => l.Id == p.Subgroup);
        return new TreatmentEffectPrediction(
            new Dictionary<string, double>(StringComparer.Ordinal) { ["treated"] = Round(p.TreatedOutcome), ["control"] = Round(p.ControlOutcome) },
            Round(p.Effect), Round(p.Benefit),
            new EffectInterval(Round(p.Interval.Lower), Round(p.Interval.Upper), "subgroup-average-effect"),
            new BenefitSubgroup(leaf.Id, leaf.Rule, Round(leaf.Effect.Value), Round(leaf.Effect.Lower), Round(leaf.Effect.Upper), leaf.GrowRows + leaf.EstimateRows, leaf.Verdict),
            new TreatmentRecommendation(p.RecommendTreatment ? "treated" : "control", p.RecommendTreatment ? _definition.Treated : _definition.Control, p.PolicyThreshold));
    }

    private static double Round(double value) => Math.Round(value, 6);
}
