using HealthAnalytics.Curated;
using HealthAnalytics.Training;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>A generated cohort split into training and held-out halves, featurized by the product's <see cref="Featurizer"/>.</summary>
internal sealed record SyntheticSplit(SurvivalCohort Cohort, SurvivalData Train, SurvivalData Holdout, int[] HoldoutRows)
{
    public static SyntheticSplit Create(SurvivalCohortOptions options)
    {
        var cohort = SurvivalCohort.Generate(options);
        var table = new TrainingTable(
            cohort.Rows,
            new Dictionary<string, double[]>(StringComparer.Ordinal)
            {
                ["age"] = cohort.Age, ["bmi"] = cohort.Bmi, ["sbp"] = cohort.Sbp,
                ["smoker"] = [.. cohort.Smoker.Select(s => s ? 1.0 : 0.0)], ["creatinine"] = cohort.Creatinine,
            },
            new Dictionary<string, string?[]>(StringComparer.Ordinal) { ["sex"] = cohort.Sex, ["stage"] = cohort.Stage });

        // Rows are independent draws: even rows train, odd rows are held out.
        var trainRows = Enumerable.Range(0, cohort.Rows).Where(i => i % 2 == 0).ToArray();
        var holdoutRows = Enumerable.Range(0, cohort.Rows).Where(i => i % 2 == 1).ToArray();
        var train = table.Select(trainRows);
        var features = new (FeatureSpec, FeatureKind, CuratedColumn?)[]
        {
            (new FeatureSpec("age"), FeatureKind.Numeric, null), (new FeatureSpec("sex"), FeatureKind.Categorical, null),
            (new FeatureSpec("bmi"), FeatureKind.Numeric, null), (new FeatureSpec("sbp"), FeatureKind.Numeric, null),
            (new FeatureSpec("stage"), FeatureKind.Categorical, null), (new FeatureSpec("smoker"), FeatureKind.Boolean, null),
            (new FeatureSpec("creatinine"), FeatureKind.Numeric, null),
        };
        var featurizer = Featurizer.Fit(train, features, standardize: false);
        return new SyntheticSplit(cohort, Data(featurizer, train, cohort, trainRows), Data(featurizer, table.Select(holdoutRows), cohort, holdoutRows), holdoutRows);
    }

    private static SurvivalData Data(Featurizer featurizer, TrainingTable rows, SurvivalCohort cohort, int[] indices) =>
        new(featurizer.Transform(rows), featurizer.Width, featurizer.SlotNames, [.. indices.Select(i => cohort.TimeDays[i])], [.. indices.Select(i => cohort.Event[i])]);
}
