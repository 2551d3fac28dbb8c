namespace HealthAnalytics.Synthetic.Cohorts;

/// <summary>How the generator assigns the treatment (docs/treatment-effects.md, "Synthetic truth").</summary>
public enum TreatmentAssignment
{
    /// <summary>Coin flip with probability <see cref="TreatmentCohortOptions.TreatedShare"/>, independent of the covariates.</summary>
    Randomized,

    /// <summary>Sicker patients (stage III–IV, high CRP, younger) are treated more often; every patient keeps a
    /// propensity inside about [0.15, 0.87], so the overlap is good and the naive comparison is biased.</summary>
    Confounded,

    /// <summary>Everyone aged 70 or more is treated and almost nobody younger than 70 is: no overlap in that region.</summary>
    NoOverlap,
}

/// <summary>How the treatment column is written, as real trials code it.</summary>
public enum TreatmentCoding
{
    /// <summary><c>trt</c> = 1 (standard care, control) or 2 (new treatment), as in the VA lung cancer trial.</summary>
    OneTwo,

    /// <summary><c>trt</c> = 0 (placebo, control) or 1 (treatment).</summary>
    ZeroOne,
}

/// <summary>Options of <see cref="TreatmentCohortGenerator"/>.</summary>
public sealed record TreatmentCohortOptions
{
    public int Rows { get; init; } = 50_000;
    public long Seed { get; init; } = 1;
    public TreatmentAssignment Assignment { get; init; } = TreatmentAssignment.Randomized;
    public TreatmentCoding Coding { get; init; } = TreatmentCoding.OneTwo;

    /// <summary>Probability of the new treatment under <see cref="TreatmentAssignment.Randomized"/>.</summary>
    public double TreatedShare { get; init; } = 0.5;

    /// <summary>Multiplies every covariate's missing rate (0 = no missing values).</summary>
    public double MissingScale { get; init; } = 1;

    public void Validate()
    {
        if (Rows is < 1 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Rows), "rows must be in 1..10,000,000");
        }

        if (TreatedShare is <= 0 or >= 1 || !double.IsFinite(TreatedShare))
        {
            throw new ArgumentOutOfRangeException(nameof(TreatedShare), "treated share must be in (0, 1)");
        }

        if (MissingScale is < 0 or > 5 || !double.IsFinite(MissingScale))
        {
            throw new ArgumentOutOfRangeException(nameof(MissingScale), "missing scale must be in [0, 5]");
        }
    }
}
