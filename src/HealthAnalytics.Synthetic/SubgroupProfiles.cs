namespace HealthAnalytics.Synthetic;

/// <summary>The numeric features the clustering model uses, in this order everywhere.</summary>
internal static class Feature
{
    public const int Age = 0;
    public const int LengthOfStay = 1;
    public const int PriorAdmissions = 2;
    public const int MedicationCount = 3;
    public const int Hba1c = 4;
    public const int Glucose = 5;
    public const int Creatinine = 6;
    public const int SystolicBp = 7;
    public const int HeartRate = 8;
    public const int Bmi = 9;
    public const int Count = 10;

    public static readonly string[] Names =
    [
        "age", "length_of_stay_days", "prior_admissions", "medication_count", "hba1c", "glucose",
        "creatinine", "systolic_bp", "heart_rate", "bmi",
    ];

    /// <summary>Clean values are clamped to these bounds, strictly inside the contract ranges, so
    /// rounding or a unit round-trip can never push a clean value out of range.</summary>
    public static readonly double[] Min = [18, 0, 0, 0, 3.6, 40, 0.25, 70, 35, 14];
    public static readonly double[] Max = [98, 90, 40, 45, 18, 900, 20, 240, 200, 70];

    /// <summary>Population reference used by the readmission logit (fixed constants, so a row's
    /// probability never depends on other rows and generation stays streaming).</summary>
    public static readonly double[] ReferenceMean = [62, 6, 2.5, 8, 6.8, 150, 1.7, 132, 88, 27];
    public static readonly double[] ReferenceSd = [18, 4, 2, 4, 2, 80, 1.6, 20, 18, 6];

    /// <summary>Readmission log-odds per reference standard deviation.</summary>
    public static readonly double[] LogitWeight = [0.30, 0.35, 0.45, 0.20, 0.15, 0.10, 0.25, 0.0, 0.10, 0.05];
}

/// <summary>One latent patient subgroup: its share of patients and its own distributions.</summary>
internal sealed record SubgroupProfile(
    string Name,
    double Weight,
    double[] Mean,
    double[] Sd,
    double FemaleShare,
    double[] AdmissionTypeWeights,
    string[] Diagnoses,
    double LogitEffect)
{
    /// <summary>Canonical admission types, in the order of <see cref="AdmissionTypeWeights"/>.</summary>
    public static readonly string[] AdmissionTypes = ["emergency", "elective", "urgent", "transfer"];

    /// <summary>
    /// Six clinically plausible profiles; K subgroups use the first K. Means sit several
    /// within-group standard deviations apart on at least two features each, so k-means on
    /// standardized features recovers them (tested: adjusted Rand index ≥ 0.8).
    /// Feature order: age, LOS, prior admissions, medications, HbA1c %, glucose mg/dL,
    /// creatinine mg/dL, systolic BP, heart rate, BMI.
    /// </summary>
    public static readonly SubgroupProfile[] All =
    [
        new("young-elective-surgery", 0.30,
            [34, 2, 0.2, 2, 5.2, 92, 0.85, 118, 70, 24],
            [8, 1, 0.4, 1.2, 0.3, 9, 0.12, 8, 7, 2.5],
            0.5, [0.10, 0.85, 0.05, 0.0], ["K40.9", "K80.20", "M17.1", "M16.1", "K35.80", "N20.0", "S83.2"], -0.9),
        new("elderly-frail-multimorbid", 0.25,
            [84, 11, 5, 13, 6.0, 112, 1.25, 136, 78, 22],
            [4, 3, 1.5, 2, 0.4, 14, 0.2, 12, 8, 2.5],
            0.62, [0.70, 0.05, 0.10, 0.15], ["J18.9", "N39.0", "S72.00", "R26.8", "F03", "E86"], 0.4),
        new("diabetic-poorly-controlled", 0.20,
            [55, 5, 2, 8, 10.5, 290, 1.05, 140, 92, 35],
            [9, 1.6, 1, 2, 1.0, 45, 0.15, 10, 8, 4],
            0.45, [0.50, 0.15, 0.35, 0.0], ["E11.65", "E11.9", "E10.10", "E11.52", "E11.621"], 0.3),
        new("renal-chronic-kidney-disease", 0.15,
            [66, 7, 3, 10, 6.4, 125, 5.0, 160, 76, 27],
            [8, 2, 1, 2, 0.5, 14, 1.0, 12, 7, 3],
            0.4, [0.30, 0.40, 0.25, 0.05], ["N18.5", "N18.4", "N17.9", "I12.0"], 0.35),
        new("cardiac-heart-failure", 0.15,
            [72, 6, 2, 9, 5.9, 108, 1.3, 100, 118, 29],
            [7, 2, 1, 2, 0.4, 12, 0.2, 10, 10, 3],
            0.4, [0.75, 0.05, 0.15, 0.05], ["I50.9", "I48.91", "I21.4", "I11.0"], 0.3),
        new("respiratory-copd", 0.15,
            [66, 8, 3, 6, 5.8, 135, 0.9, 126, 104, 19],
            [8, 2, 1, 1.5, 0.4, 12, 0.12, 8, 7, 1.8],
            0.45, [0.70, 0.05, 0.20, 0.05], ["J44.1", "J44.0", "J96.01", "J18.1"], 0.25),
    ];
}
