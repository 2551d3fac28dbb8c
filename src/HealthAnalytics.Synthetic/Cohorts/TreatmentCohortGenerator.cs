using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HealthAnalytics.Synthetic.Cohorts;

/// <summary>One benefit subgroup of the generator: a rule a depth-2 tree expresses, and the risk difference it adds.</summary>
/// <param name="Effect">Added to the patient's control risk (which stays in [0.30, 0.85]); negative = fewer events = benefit.</param>
public sealed record TreatmentSubgroup(int Index, string Name, string Rule, double Effect);

/// <summary>A generated cohort in memory: the covariates as written (NaN / null for missing) and the truth per row.</summary>
public sealed class TreatmentCohort
{
    public required TreatmentCohortOptions Options { get; init; }
    public required string[] PatientId { get; init; }
    public required double[] Age { get; init; }
    public required string[] Sex { get; init; }
    public required string[] Stage { get; init; }
    public required double[] Crp { get; init; }
    public required double[] Egfr { get; init; }
    public required double[] Bmi { get; init; }
    public required string[] Diabetes { get; init; }
    public required string[] Smoker { get; init; }

    /// <summary>The new treatment (trt = 2, or 1 under <see cref="TreatmentCoding.ZeroOne"/>).</summary>
    public required bool[] Treated { get; init; }

    /// <summary>The outcome: an event within one year (1) or not (0). Lower is better.</summary>
    public required double[] Event { get; init; }

    /// <summary>True per-patient effect: P(event | treated) − P(event | control) for this patient.</summary>
    public required double[] TrueEffect { get; init; }

    /// <summary>Index into <see cref="TreatmentCohortGenerator.Subgroups"/>, from the covariates' true (unmasked) values.</summary>
    public required int[] TrueSubgroup { get; init; }
    public required double[] ControlRisk { get; init; }
    public required double[] TreatedRisk { get; init; }
    public required double[] Propensity { get; init; }

    public int Rows => PatientId.Length;

    /// <summary>Mean of the true effects: the sample average treatment effect (risk difference).</summary>
    public double TrueAte => TrueEffect.Average();
}

/// <summary>What the truth JSON holds besides the per-row file.</summary>
public sealed record TreatmentCohortSummary(
    TreatmentCohortOptions Options, IReadOnlyList<string> Header, double TrueAte, double TrueEffectSd,
    IReadOnlyList<TreatmentSubgroupTruth> Subgroups, long TreatedRows, long Events, double MinPropensity, double MaxPropensity);

public sealed record TreatmentSubgroupTruth(int Index, string Name, string Rule, double NominalEffect, long Rows, double MeanTrueEffect);

/// <summary>
/// A synthetic two-arm cohort with a known effect per patient (docs/treatment-effects.md, "Synthetic truth"):
/// covariates with missing values, a treatment coded as trials code it (<c>trt</c> 1/2 or 0/1), randomized or
/// confounded, and a binary one-year event. The effect depends only on the benefit subgroup, defined by rules on
/// stage, CRP and age that a depth-2 tree can express, so a subgroup tree can be scored against the truth.
/// Deterministic for a seed (own xoshiro256** generator, never the clock).
/// </summary>
public static class TreatmentCohortGenerator
{
    public static readonly IReadOnlyList<string> Header =
        ["patient_id", "age", "sex", "stage", "crp", "egfr", "bmi", "diabetes", "smoker", "trt", "event_1y"];

    public static readonly IReadOnlyList<TreatmentSubgroup> Subgroups =
    [
        new(0, "advanced, inflamed", "stage in {III, IV} and crp >= 10 mg/L", -0.25),
        new(1, "advanced, not inflamed", "stage in {III, IV} and crp < 10 mg/L", -0.10),
        new(2, "early, under 65", "stage in {I, II} and age < 65 years", 0.0),
        new(3, "early, 65 and over", "stage in {I, II} and age >= 65 years", 0.10),
    ];

    private static readonly string[] Stages = ["I", "II", "III", "IV"];
    private static readonly double[] StageCumulative = [0.30, 0.60, 0.85, 1.0];
    private static readonly double[] StageLogit = [0, 0.4, 1.0, 1.6];
    private static readonly string[] Smoking = ["never", "former", "current"];
    private static readonly double[] SmokingCumulative = [0.5, 0.8, 1.0];

    public static TreatmentCohort Generate(TreatmentCohortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var n = options.Rows;
        var rng = new Rng((ulong)options.Seed ^ 0x7EA7C0u);
        var c = new TreatmentCohort
        {
            Options = options,
            PatientId = new string[n], Age = new double[n], Sex = new string[n], Stage = new string[n], Crp = new double[n],
            Egfr = new double[n], Bmi = new double[n], Diabetes = new string[n], Smoker = new string[n], Treated = new bool[n],
            Event = new double[n], TrueEffect = new double[n], TrueSubgroup = new int[n], ControlRisk = new double[n],
            TreatedRisk = new double[n], Propensity = new double[n],
        };
        var m = options.MissingScale;
        for (var i = 0; i < n; i++)
        {
            var age = Math.Round(Math.Clamp(62 + (12 * rng.Normal()), 18, 95));
            var female = rng.Chance(0.5);
            var stage = rng.Pick(StageCumulative);
            var crp = Math.Round(Math.Clamp(Math.Exp(Math.Log(6) + rng.Normal()), 0.2, 300), 1);
            var egfr = Math.Round(Math.Clamp(75 + (20 * rng.Normal()), 10, 130));
            var bmi = Math.Round(Math.Clamp(27 + (5 * rng.Normal()), 15, 55), 1);
            var diabetes = rng.Chance(0.2);
            var smoker = rng.Pick(SmokingCumulative);

            var advanced = stage >= 2;
            var subgroup = advanced ? (crp >= 10 ? 0 : 1) : (age < 65 ? 2 : 3);
            var logit = -1.2 + (0.03 * (age - 60)) + StageLogit[stage] + (0.25 * Math.Log(crp / 6)) + (0.012 * (75 - egfr))
                + (diabetes ? 0.3 : 0) + (smoker == 2 ? 0.2 : 0) + (0.02 * (bmi - 27)) + (female ? -0.1 : 0);
            // The control risk stays in [0.30, 0.85], so adding any subgroup's effect stays inside [0.05, 0.95]: no clipping,
            // and every patient of a subgroup has exactly its effect (clipping would make the effect vary inside a subgroup).
            var p0 = 0.30 + (0.55 * Logistic(logit));
            var p1 = p0 + Subgroups[subgroup].Effect;
            var propensity = options.Assignment switch
            {
                TreatmentAssignment.Confounded => Logistic(-0.3 + (advanced ? 0.8 : 0) + (0.3 * Math.Log(crp / 6)) - (0.025 * (age - 60))),
                TreatmentAssignment.NoOverlap => age >= 70 ? 0.999 : 0.3,
                _ => options.TreatedShare,
            };
            var treated = rng.Chance(propensity);
            var outcome = rng.Chance(treated ? p1 : p0);

            c.PatientId[i] = "P" + (i + 1).ToString("D7", CultureInfo.InvariantCulture);
            c.Age[i] = age;
            c.Sex[i] = female ? "F" : "M";
            c.Stage[i] = Stages[stage];
            // Missing completely at random, drawn after the truth so the rates do not change the cohort.
            c.Crp[i] = rng.Chance(0.06 * m) ? double.NaN : crp;
            c.Egfr[i] = rng.Chance(0.04 * m) ? double.NaN : egfr;
            c.Bmi[i] = rng.Chance(0.08 * m) ? double.NaN : bmi;
            c.Diabetes[i] = diabetes ? "yes" : "no";
            c.Smoker[i] = Smoking[smoker];
            c.Treated[i] = treated;
            c.Event[i] = outcome ? 1 : 0;
            c.TrueEffect[i] = p1 - p0;
            c.TrueSubgroup[i] = subgroup;
            c.ControlRisk[i] = p0;
            c.TreatedRisk[i] = p1;
            c.Propensity[i] = propensity;
        }

        return c;
    }

    /// <summary>The cohort CSV (comma, '.', LF, empty cell = missing) and the per-row truth CSV
    /// (<c>patient_id,true_effect,true_subgroup,control_risk,treated_risk,propensity</c>).</summary>
    public static void Write(TreatmentCohort cohort, TextWriter csv, TextWriter truth)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(truth);
        var ci = CultureInfo.InvariantCulture;
        csv.Write(string.Join(',', Header) + "\n");
        truth.Write("patient_id,true_effect,true_subgroup,control_risk,treated_risk,propensity\n");
        var line = new StringBuilder(128);
        for (var i = 0; i < cohort.Rows; i++)
        {
            var code = cohort.Options.Coding == TreatmentCoding.OneTwo ? (cohort.Treated[i] ? "2" : "1") : (cohort.Treated[i] ? "1" : "0");
            line.Clear().Append(cohort.PatientId[i]).Append(',').Append(cohort.Age[i].ToString(ci)).Append(',').Append(cohort.Sex[i])
                .Append(',').Append(cohort.Stage[i]).Append(',').Append(Cell(cohort.Crp[i])).Append(',').Append(Cell(cohort.Egfr[i]))
                .Append(',').Append(Cell(cohort.Bmi[i])).Append(',').Append(cohort.Diabetes[i]).Append(',').Append(cohort.Smoker[i])
                .Append(',').Append(code).Append(',').Append(cohort.Event[i].ToString(ci)).Append('\n');
            csv.Write(line);
            line.Clear().Append(cohort.PatientId[i]).Append(',').Append(cohort.TrueEffect[i].ToString("R", ci)).Append(',')
                .Append(cohort.TrueSubgroup[i].ToString(ci)).Append(',').Append(cohort.ControlRisk[i].ToString("R", ci)).Append(',')
                .Append(cohort.TreatedRisk[i].ToString("R", ci)).Append(',').Append(cohort.Propensity[i].ToString("R", ci)).Append('\n');
            truth.Write(line);
        }
    }

    /// <summary>Writes <paramref name="csvPath"/>, <c>{base}.truth.csv</c> and <c>{base}.truth.json</c>; returns the summary.</summary>
    public static TreatmentCohortSummary WriteFiles(string csvPath, TreatmentCohortOptions options)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        var cohort = Generate(options);
        var directory = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, Path.GetFileNameWithoutExtension(csvPath));
        using (var csv = new StreamWriter(csvPath, false, new UTF8Encoding(false)))
        using (var truth = new StreamWriter(stem + ".truth.csv", false, new UTF8Encoding(false)))
        {
            Write(cohort, csv, truth);
        }

        var summary = Summarize(cohort);
        File.WriteAllText(stem + ".truth.json", JsonSerializer.Serialize(summary, GenerationTruth.JsonOptions));
        return summary;
    }

    public static TreatmentCohortSummary Summarize(TreatmentCohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var mean = cohort.TrueAte;
        var sd = Math.Sqrt(cohort.TrueEffect.Sum(t => (t - mean) * (t - mean)) / cohort.Rows);
        var groups = Subgroups.Select(g =>
        {
            var rows = Enumerable.Range(0, cohort.Rows).Where(i => cohort.TrueSubgroup[i] == g.Index).ToArray();
            return new TreatmentSubgroupTruth(g.Index, g.Name, g.Rule, g.Effect, rows.Length, rows.Length == 0 ? double.NaN : rows.Average(i => cohort.TrueEffect[i]));
        }).ToList();
        return new TreatmentCohortSummary(cohort.Options, Header, mean, sd, groups, cohort.Treated.LongCount(t => t),
            cohort.Event.LongCount(e => e > 0.5), cohort.Propensity.Min(), cohort.Propensity.Max());
    }

    private static string Cell(double value) => double.IsFinite(value) ? value.ToString(CultureInfo.InvariantCulture) : "";

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));
}
