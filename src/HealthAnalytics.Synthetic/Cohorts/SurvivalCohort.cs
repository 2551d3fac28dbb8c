using System.Globalization;

namespace HealthAnalytics.Synthetic.Cohorts;

/// <summary>
/// Settings of the synthetic time-to-event cohort (docs/survival.md, "Synthetic truth"). The true model is a
/// Weibull proportional-hazards model, H(t|x) = (t / WeibullScaleDays)^WeibullShape · exp(lp(x)), with
/// independent censoring: administrative end of study uniform on [AdministrativeMinDays, AdministrativeMaxDays]
/// and loss to follow-up at a constant yearly rate.
/// </summary>
public sealed record SurvivalCohortOptions
{
    public int Rows { get; init; } = 20_000;
    public ulong Seed { get; init; } = 14;
    public double WeibullShape { get; init; } = 1.3;
    public double WeibullScaleDays { get; init; } = 2500;
    public double AdministrativeMinDays { get; init; } = 365;
    public double AdministrativeMaxDays { get; init; } = 3650;
    public double LossToFollowUpPerYear { get; init; } = 0.04;

    /// <summary>Share of missing bmi cells (a weak covariate).</summary>
    public double BmiMissingRate { get; init; } = 0.08;

    /// <summary>Share of missing stage cells (a strong covariate: a missing stage hides up to 1.6 of log-hazard).</summary>
    public double StageMissingRate { get; init; } = 0.02;

    /// <summary>Horizons (days) at which the truth file gives S(t|x).</summary>
    public IReadOnlyList<double> HorizonsDays { get; init; } = [365, 730, 1825];
}

/// <summary>The true log-hazard ratios of the cohort's covariates (per unit, around the reference values).</summary>
public static class SurvivalCohortTruth
{
    public const double AgePerYear = 0.04;
    public const double AgeReference = 60;
    public const double Male = 0.3;
    public const double BmiPerUnit = 0.03;
    public const double BmiReference = 27;
    public const double SbpPerMmHg = 0.008;
    public const double SbpReference = 135;
    public const double Smoker = 0.35;
    public const double CreatininePerMgDl = 0.6;
    public const double CreatinineReference = 1;
    public static readonly IReadOnlyDictionary<string, double> Stage = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["I"] = 0, ["II"] = 0.4, ["III"] = 0.9, ["IV"] = 1.6,
    };

    /// <summary>lp(x) of one row, from the values as written (so the truth is exact for the file).</summary>
    public static double LinearPredictor(double age, string sex, double bmi, double sbp, string stage, bool smoker, double creatinine) =>
        (AgePerYear * (age - AgeReference)) + (sex == "M" ? Male : 0) + (BmiPerUnit * (bmi - BmiReference)) + (SbpPerMmHg * (sbp - SbpReference))
        + Stage[stage] + (smoker ? Smoker : 0) + (CreatininePerMgDl * (creatinine - CreatinineReference));

    /// <summary>True S(t|x) = exp(−(t/scale)^shape · exp(lp)).</summary>
    public static double Survival(double linearPredictor, double days, SurvivalCohortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return days <= 0 ? 1 : Math.Exp(-Math.Pow(days / options.WeibullScaleDays, options.WeibullShape) * Math.Exp(linearPredictor));
    }
}

/// <summary>
/// A generated cohort: covariates as written to the CSV (NaN / null where missing), the observed outcome
/// (whole days, event or censored) and the truth (true linear predictor, latent event and censoring times,
/// true S(t|x) at the horizons). A missing cell hides a value the truth still used.
/// </summary>
public sealed class SurvivalCohort
{
    private static readonly string[] Stages = ["I", "II", "III", "IV"];
    private static readonly double[] StageWeights = [0.3, 0.6, 0.85, 1.0];

    private SurvivalCohort(SurvivalCohortOptions options, int n)
    {
        Options = options;
        PatientIds = new string[n];
        Age = new double[n];
        Sex = new string[n];
        Bmi = new double[n];
        Sbp = new double[n];
        Stage = new string?[n];
        Smoker = new bool[n];
        Creatinine = new double[n];
        TimeDays = new double[n];
        Event = new bool[n];
        TrueLinearPredictor = new double[n];
        LatentEventDays = new double[n];
        LatentCensoringDays = new double[n];
        TrueSurvival = [.. options.HorizonsDays.Select(_ => new double[n])];
    }

    public SurvivalCohortOptions Options { get; }
    public int Rows => PatientIds.Length;
    public string[] PatientIds { get; }
    public double[] Age { get; }
    public string[] Sex { get; }
    public double[] Bmi { get; }
    public double[] Sbp { get; }
    public string?[] Stage { get; }
    public bool[] Smoker { get; }
    public double[] Creatinine { get; }

    /// <summary>Observed follow-up: min(event, censoring) rounded up to whole days.</summary>
    public double[] TimeDays { get; }
    public bool[] Event { get; }
    public double[] TrueLinearPredictor { get; }
    public double[] LatentEventDays { get; }
    public double[] LatentCensoringDays { get; }

    /// <summary>TrueSurvival[h][i] = S(HorizonsDays[h] | row i).</summary>
    public double[][] TrueSurvival { get; }

    public static SurvivalCohort Generate(SurvivalCohortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Rows);
        var rng = new Rng(options.Seed);
        var c = new SurvivalCohort(options, options.Rows);
        var lossPerDay = options.LossToFollowUpPerYear / 365.25;
        for (var i = 0; i < options.Rows; i++)
        {
            c.PatientIds[i] = "S" + (i + 1).ToString("D7", CultureInfo.InvariantCulture);
            var age = Math.Round(Math.Clamp(62 + (11 * rng.Normal()), 20, 95), 1);
            var sex = rng.Chance(0.5) ? "M" : "F";
            var bmi = Math.Round(Math.Clamp(27 + (5 * rng.Normal()), 15, 55), 1);
            var sbp = Math.Round(Math.Clamp(135 + (18 * rng.Normal()), 85, 220));
            var stage = Stages[rng.Pick(StageWeights)];
            var smoker = rng.Chance(0.25);
            var creatinine = Math.Round(Math.Exp(0.3 * rng.Normal()), 2);
            var lp = SurvivalCohortTruth.LinearPredictor(age, sex, bmi, sbp, stage, smoker, creatinine);

            // Inverse transform: H(T|x) = E ~ Exp(1).
            var e = -Math.Log(1 - rng.NextDouble());
            var eventDays = options.WeibullScaleDays * Math.Pow(e * Math.Exp(-lp), 1 / options.WeibullShape);
            var administrative = options.AdministrativeMinDays + ((options.AdministrativeMaxDays - options.AdministrativeMinDays) * rng.NextDouble());
            var loss = lossPerDay > 0 ? -Math.Log(1 - rng.NextDouble()) / lossPerDay : double.PositiveInfinity;
            var censorDays = Math.Min(administrative, loss);

            c.Age[i] = age;
            c.Sex[i] = sex;
            c.Bmi[i] = rng.Chance(options.BmiMissingRate) ? double.NaN : bmi;
            c.Sbp[i] = sbp;
            c.Stage[i] = rng.Chance(options.StageMissingRate) ? null : stage;
            c.Smoker[i] = smoker;
            c.Creatinine[i] = creatinine;
            c.Event[i] = eventDays <= censorDays;
            c.TimeDays[i] = Math.Max(1, Math.Ceiling(Math.Min(eventDays, censorDays)));
            c.TrueLinearPredictor[i] = lp;
            c.LatentEventDays[i] = eventDays;
            c.LatentCensoringDays[i] = censorDays;
            for (var h = 0; h < options.HorizonsDays.Count; h++)
            {
                c.TrueSurvival[h][i] = SurvivalCohortTruth.Survival(lp, options.HorizonsDays[h], options);
            }
        }

        return c;
    }

    /// <summary>
    /// The cohort as a partner would send it: <c>patient_id,age,sex,bmi,sbp,stage,smoker,creatinine,time_days,status</c>,
    /// missing cells empty, status coded as in R exports (1 = censored, 2 = event).
    /// </summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("patient_id,age,sex,bmi,sbp,stage,smoker,creatinine,time_days,status\n");
        for (var i = 0; i < Rows; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"{PatientIds[i]},{Age[i]:0.0},{Sex[i]},{(double.IsNaN(Bmi[i]) ? "" : Bmi[i].ToString("0.0", CultureInfo.InvariantCulture))},{Sbp[i]:0},{Stage[i]},{(Smoker[i] ? 1 : 0)},{Creatinine[i]:0.00},{TimeDays[i]:0},{(Event[i] ? 2 : 1)}\n"));
        }
    }

    /// <summary>The truth per row: <c>patient_id,true_lp,event_days,censoring_days,s_{h}...</c> (latent times unrounded).</summary>
    public void WriteTruthCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("patient_id,true_lp,event_days,censoring_days");
        foreach (var h in Options.HorizonsDays)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $",s_{h:0.###}"));
        }

        writer.Write('\n');
        for (var i = 0; i < Rows; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{PatientIds[i]},{TrueLinearPredictor[i]:R},{LatentEventDays[i]:0.###},{LatentCensoringDays[i]:0.###}"));
            for (var h = 0; h < TrueSurvival.Length; h++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $",{TrueSurvival[h][i]:R}"));
            }

            writer.Write('\n');
        }
    }
}
