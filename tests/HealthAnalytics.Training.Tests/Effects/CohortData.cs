using HealthAnalytics.Curated;
using HealthAnalytics.Training;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects;

/// <summary>A generated treatment cohort as the effect core's input, featurized the product's way.</summary>
internal static class CohortData
{
    public static readonly IReadOnlyList<(string Name, FeatureKind Kind, string? Unit)> Features =
    [
        ("age", FeatureKind.Numeric, "years"), ("sex", FeatureKind.Categorical, null), ("stage", FeatureKind.Categorical, null),
        ("crp", FeatureKind.Numeric, "mg/L"), ("egfr", FeatureKind.Numeric, "mL/min/1.73m2"), ("bmi", FeatureKind.Numeric, "kg/m2"),
        ("diabetes", FeatureKind.Categorical, null), ("smoker", FeatureKind.Categorical, null),
    ];

    public static TreatmentCohort Generate(int rows, long seed, TreatmentAssignment assignment) =>
        TreatmentCohortGenerator.Generate(new TreatmentCohortOptions { Rows = rows, Seed = seed, Assignment = assignment });

    public static EffectData From(TreatmentCohort c, bool withTruth = true)
    {
        var table = new TrainingTable(c.Rows,
            new Dictionary<string, double[]> { ["age"] = c.Age, ["crp"] = c.Crp, ["egfr"] = c.Egfr, ["bmi"] = c.Bmi },
            new Dictionary<string, string?[]> { ["sex"] = c.Sex, ["stage"] = c.Stage, ["diabetes"] = c.Diabetes, ["smoker"] = c.Smoker });
        var (data, _) = EffectData.FromTable(table, Features, c.Treated, c.Event);
        return withTruth ? data with { TrueEffects = c.TrueEffect } : data;
    }

    public static EffectOptions Options(TreatmentAssignment assignment, EffectLearner learner = EffectLearner.DRLearner) => new()
    {
        Learner = learner,
        Design = assignment == TreatmentAssignment.Randomized ? EffectDesign.Randomized : EffectDesign.Observational,
        KnownPropensity = assignment == TreatmentAssignment.Randomized ? 0.5 : null,
        Outcome = OutcomeKind.Binary,
        Direction = OutcomeDirection.LowerIsBetter,
    };
}
