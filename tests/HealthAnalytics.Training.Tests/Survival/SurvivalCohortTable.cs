using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>
/// The synthetic survival cohort as training reads it: its shipped contract and spec
/// (<c>src/HealthAnalytics.Synthetic/Cohorts/survival-cohort.*.json</c>) and a training table of its columns as curated
/// data holds them, plus <c>true_lp</c> (the truth, carried along by row selection; never a feature).
/// </summary>
internal sealed record SurvivalCohortTable(SurvivalCohort Cohort, TrainingTable Table)
{
    public static string CohortFolder { get; } = Path.Combine(Path.GetDirectoryName(Repo.ConfigDirectory)!, "src", "HealthAnalytics.Synthetic", "Cohorts");

    public static DatasetContract Contract { get; } = ContractLoader.Load(File.ReadAllText(Path.Combine(CohortFolder, "survival-cohort.contract.json"))).Contract
        ?? throw new InvalidOperationException("The survival cohort contract does not load.");

    public static CuratedSchema Schema { get; } = CuratedSchema.Of(Contract);

    public static string SpecJson { get; } = File.ReadAllText(Path.Combine(CohortFolder, "survival-cohort.spec.json"));

    public static ModelSpec Spec { get; } = ModelSpecReader.Parse(SpecJson);

    /// <summary>The shipped spec's JSON, changed by <paramref name="edit"/>.</summary>
    public static string EditedSpec(Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(SpecJson)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    public static SurvivalCohortTable Generate(int rows, ulong seed)
    {
        var c = SurvivalCohort.Generate(new SurvivalCohortOptions { Rows = rows, Seed = seed });
        var table = new TrainingTable(
            c.Rows,
            new Dictionary<string, double[]>(StringComparer.Ordinal)
            {
                ["age"] = (double[])c.Age.Clone(),
                ["bmi"] = (double[])c.Bmi.Clone(),
                ["sbp"] = (double[])c.Sbp.Clone(),
                ["smoker"] = [.. c.Smoker.Select(s => s ? 1.0 : 0.0)],
                ["creatinine"] = (double[])c.Creatinine.Clone(),
                ["time_days"] = (double[])c.TimeDays.Clone(),
                ["status"] = [.. c.Event.Select(e => e ? 2.0 : 1.0)],
                ["true_lp"] = (double[])c.TrueLinearPredictor.Clone(),
            },
            new Dictionary<string, string?[]>(StringComparer.Ordinal) { ["sex"] = (string?[])c.Sex.Clone(), ["stage"] = (string?[])c.Stage.Clone() });
        return new SurvivalCohortTable(c, table);
    }

    public TrainingRequest Request(ModelSpec? spec = null, string version = "v1") =>
        new(spec ?? Spec, Schema, Table, version, "test", DateTimeOffset.UnixEpoch);

    /// <summary>The model's feature values of one row, as a prediction request would give them.</summary>
    public static Dictionary<string, object?> Instance(TrainingTable table, int row) => new(StringComparer.Ordinal)
    {
        ["age"] = table.Numeric["age"][row],
        ["sex"] = table.Categorical["sex"][row],
        ["bmi"] = double.IsFinite(table.Numeric["bmi"][row]) ? table.Numeric["bmi"][row] : null,
        ["sbp"] = table.Numeric["sbp"][row],
        ["stage"] = table.Categorical["stage"][row],
        ["smoker"] = table.Numeric["smoker"][row] > 0.5,
        ["creatinine"] = table.Numeric["creatinine"][row],
    };
}
