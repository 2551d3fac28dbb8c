namespace HealthAnalytics.Synthetic;

/// <summary>File dialect of the generated CSV.</summary>
public enum CsvDialect
{
    /// <summary><c>,</c> delimiter, <c>.</c> decimals, ISO dates, English (canonical) headers.</summary>
    Default,

    /// <summary><c>;</c> delimiter, <c>,</c> decimals, dd/MM/yyyy dates, French header aliases.</summary>
    French,
}

/// <summary>What to generate. Same options (seed included) give byte-identical output.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Records after the header (every kind: clean, dirty, duplicate, blank). Equals the truth's rows read.</summary>
    public long Rows { get; init; } = 1000;

    public long Seed { get; init; } = 42;

    /// <summary>Latent patient subgroups K, 3–6.</summary>
    public int Subgroups { get; init; } = 4;

    public CsvDialect Dialect { get; init; } = CsvDialect.Default;

    /// <summary>Gzip the output (the cleaner detects it by its magic bytes).</summary>
    public bool Gzip { get; init; }

    /// <summary>Name the glucose column with its <c>headerUnits</c> alias (<c>glucose_mmol_l</c>, or
    /// <c>glycemie_mmol_l</c> in French) and write every glucose cell in mmol/L: each output row with a
    /// glucose value is then a fix.</summary>
    public bool GlucoseInMmolHeader { get; init; }

    /// <summary>Defect rates (each dirty row carries exactly one defect). <see cref="DirtRates.None"/> by default.</summary>
    public DirtRates Dirt { get; init; } = DirtRates.None;

    /// <summary>Latest admission or discharge date of a clean row. Fixed rather than "today" so output
    /// does not depend on the clock; must be before the day the file is ingested.</summary>
    public DateOnly LatestCleanDate { get; init; } = new(2025, 12, 31);

    /// <summary>Cap on planted PII values listed in the truth (memory stays bounded for benchmark
    /// files); <see cref="GenerationTruth.PiiTruncated"/> says when the cap was hit.</summary>
    public int MaxPiiValues { get; init; } = 200_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Rows is < 0 or > 10_000_000_000)
        {
            throw new ArgumentException($"Rows must be in [0, 1e10]; was {Rows}.", nameof(Rows));
        }

        if (Subgroups is < 3 or > 6)
        {
            throw new ArgumentException($"Subgroups must be in [3, 6]; was {Subgroups}.", nameof(Subgroups));
        }

        if (MaxPiiValues < 0)
        {
            throw new ArgumentException("MaxPiiValues must not be negative.", nameof(MaxPiiValues));
        }

        if (LatestCleanDate < new DateOnly(2020, 1, 1))
        {
            throw new ArgumentException("LatestCleanDate must be on or after 2020-01-01.", nameof(LatestCleanDate));
        }

        Dirt.Validate();
    }
}

/// <summary>Kinds of planted defects; a dirty row carries exactly one.</summary>
public enum DefectKind
{
    /// <summary>A clean row.</summary>
    None,

    /// <summary>An optional non-direct cell left empty: row kept, column <c>missing</c> +1.</summary>
    MissingOptional,

    /// <summary>A required cell empty or whitespace: quarantined, rule <c>required</c>.</summary>
    MissingRequired,

    /// <summary>Exact copy of an earlier output row: outcome <c>duplicate</c>.</summary>
    Duplicate,

    /// <summary>A lab/vital/count outside the contract range: quarantined, rule <c>range</c>.</summary>
    OutOfRange,

    /// <summary>Glucose in mmol/L, creatinine in umol/L or µmol/L, HbA1c in mmol/mol as a cell suffix: fixed.</summary>
    MixedUnits,

    /// <summary>Sex or admission type given by an alias (<c>femme</c>, <c>ER</c>): fixed.</summary>
    CategoryAlias,

    /// <summary>Diagnosis in lower case, upper-cased by the contract: fixed.</summary>
    LowerCaseDiagnosis,

    /// <summary>A canonical category in another case (<c>f</c>, <c>Emergency</c>): kept, not a fix.</summary>
    CanonicalCase,

    /// <summary>Record with too few fields: quarantined, rule <c>field-count</c>.</summary>
    TooFewFields,

    /// <summary>Record with one field too many: quarantined, rule <c>field-count</c>.</summary>
    TooManyFields,

    /// <summary><c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> or <c>1e309</c> in a number column: quarantined, rule <c>non-finite</c>.</summary>
    NonFinite,

    /// <summary>A date that is not a calendar day (30/02): quarantined, rule <c>type</c>.</summary>
    ImpossibleDate,

    /// <summary>A stay in the future (2036–2039): quarantined, <c>future-date</c> on both admission and discharge
    /// (two violations, one row: the discharge follows the admission so the length of stay stays valid).</summary>
    FutureAdmission,

    /// <summary>An empty or delimiters-only line: outcome <c>blank</c>.</summary>
    Blank,

    /// <summary>Discharge before admission: quarantined, rule <c>range</c> on <c>length_of_stay_days</c>.</summary>
    DischargeBeforeAdmission,

    /// <summary>Stay of 366–400 days: quarantined, rule <c>range</c> on <c>length_of_stay_days</c>.</summary>
    StayTooLong,

    /// <summary>Exact copy of the last quarantined row: quarantined again (same violations), not a duplicate,
    /// because the duplicate rule only looks at rows that were output.</summary>
    CopyOfQuarantined,

    /// <summary>A valid new row reusing the key of the last quarantined row: output (kept), since no row with
    /// that key was output before it.</summary>
    ReusedQuarantinedKey,
}

/// <summary>Per-record probability of each defect kind (their sum must stay ≤ 0.9).</summary>
public sealed record DirtRates
{
    public double MissingOptional { get; init; }
    public double MissingRequired { get; init; }
    public double Duplicate { get; init; }
    public double OutOfRange { get; init; }
    public double MixedUnits { get; init; }
    public double CategoryAlias { get; init; }
    public double LowerCaseDiagnosis { get; init; }
    public double CanonicalCase { get; init; }
    public double TooFewFields { get; init; }
    public double TooManyFields { get; init; }
    public double NonFinite { get; init; }
    public double ImpossibleDate { get; init; }
    public double FutureAdmission { get; init; }
    public double Blank { get; init; }
    public double DischargeBeforeAdmission { get; init; }
    public double StayTooLong { get; init; }
    public double CopyOfQuarantined { get; init; }
    public double ReusedQuarantinedKey { get; init; }

    /// <summary>No defects at all.</summary>
    public static DirtRates None { get; } = new();

    /// <summary>About 16% dirty rows, every kind present in a few thousand rows (<c>--dirty</c>).</summary>
    public static DirtRates Typical { get; } = new()
    {
        MissingOptional = 0.03,
        MissingRequired = 0.01,
        Duplicate = 0.015,
        OutOfRange = 0.01,
        MixedUnits = 0.015,
        CategoryAlias = 0.015,
        LowerCaseDiagnosis = 0.005,
        CanonicalCase = 0.005,
        TooFewFields = 0.005,
        TooManyFields = 0.005,
        NonFinite = 0.008,
        ImpossibleDate = 0.008,
        FutureAdmission = 0.006,
        Blank = 0.008,
        DischargeBeforeAdmission = 0.006,
        StayTooLong = 0.004,
        CopyOfQuarantined = 0.004,
        ReusedQuarantinedKey = 0.004,
    };

    /// <summary>Rates indexed by <see cref="DefectKind"/> (index 0, <see cref="DefectKind.None"/>, is the clean remainder).</summary>
    internal double[] ByKind()
    {
        double[] r = new double[Enum.GetValues<DefectKind>().Length];
        r[(int)DefectKind.MissingOptional] = MissingOptional;
        r[(int)DefectKind.MissingRequired] = MissingRequired;
        r[(int)DefectKind.Duplicate] = Duplicate;
        r[(int)DefectKind.OutOfRange] = OutOfRange;
        r[(int)DefectKind.MixedUnits] = MixedUnits;
        r[(int)DefectKind.CategoryAlias] = CategoryAlias;
        r[(int)DefectKind.LowerCaseDiagnosis] = LowerCaseDiagnosis;
        r[(int)DefectKind.CanonicalCase] = CanonicalCase;
        r[(int)DefectKind.TooFewFields] = TooFewFields;
        r[(int)DefectKind.TooManyFields] = TooManyFields;
        r[(int)DefectKind.NonFinite] = NonFinite;
        r[(int)DefectKind.ImpossibleDate] = ImpossibleDate;
        r[(int)DefectKind.FutureAdmission] = FutureAdmission;
        r[(int)DefectKind.Blank] = Blank;
        r[(int)DefectKind.DischargeBeforeAdmission] = DischargeBeforeAdmission;
        r[(int)DefectKind.StayTooLong] = StayTooLong;
        r[(int)DefectKind.CopyOfQuarantined] = CopyOfQuarantined;
        r[(int)DefectKind.ReusedQuarantinedKey] = ReusedQuarantinedKey;
        r[0] = 1 - r.Sum();
        return r;
    }

    internal void Validate()
    {
        double[] r = ByKind();
        for (int i = 1; i < r.Length; i++)
        {
            if (r[i] is < 0 or > 1 || double.IsNaN(r[i]))
            {
                throw new ArgumentException($"Dirt rate {(DefectKind)i} must be in [0, 1]; was {r[i]}.", nameof(GeneratorOptions.Dirt));
            }
        }

        if (r[0] < 0.1)
        {
            throw new ArgumentException("Dirt rates must sum to at most 0.9.", nameof(GeneratorOptions.Dirt));
        }
    }
}
