using System.Globalization;
using nietras.SeparatedValues;

namespace HealthAnalytics.Bench.Train;

/// <summary>
/// The <c>readmission-risk</c> features (config/models/readmission-risk.json) as a dense row-major float
/// matrix, read straight from a bench CSV for the native LightGBM peer. Same encoding as the Modeling
/// featurizer: numbers as they are, <c>sex</c> and <c>admission_type</c> one-hot; a missing number is NaN,
/// which LightGBM handles natively (the featurizer imputes the median and adds an indicator instead).
/// Rows the cleaner would quarantine in the bench input (no patient id, implausible blood pressure)
/// are left out, so both engines learn from about the same rows.
/// </summary>
internal sealed class FeatureMatrix
{
    private static readonly string[] SexLevels = ["F", "M", "U"];
    private static readonly string[] AdmissionLevels = ["emergency", "elective", "urgent", "transfer"];

    public static readonly string[] FeatureNames =
    [
        "age", "sex=F", "sex=M", "sex=U", "admission_type=emergency", "admission_type=elective", "admission_type=urgent",
        "admission_type=transfer", "prior_admissions", "medication_count", "hba1c", "glucose", "creatinine", "systolic_bp",
        "heart_rate", "bmi", "length_of_stay_days",
    ];

    private FeatureMatrix(float[] values, float[] labels, int rows)
    {
        Values = values;
        Labels = labels;
        Rows = rows;
    }

    public static int Columns => FeatureNames.Length;
    public float[] Values { get; }
    public float[] Labels { get; }
    public int Rows { get; }

    public static FeatureMatrix Load(string csvPath)
    {
        var values = new List<float>(1 << 20);
        var labels = new List<float>(1 << 16);
        using var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(csvPath);
        var h = reader.Header;
        int I(string name) => h.IndexOf(name);
        int patient = I("patient_id"), birth = I("birth_date"), sex = I("sex"), admission = I("admission_date"),
            discharge = I("discharge_date"), type = I("admission_type"), prior = I("prior_admissions"), meds = I("medication_count"),
            hba1c = I("hba1c"), glucose = I("glucose"), creatinine = I("creatinine"), sbp = I("systolic_bp"), hr = I("heart_rate"),
            bmi = I("bmi"), label = I("readmitted_30d");
        Span<float> row = stackalloc float[FeatureNames.Length];
        foreach (var r in reader)
        {
            var bp = Number(r[sbp].Span);
            if (r[patient].Span.IsEmpty || bp is < 50 or > 260)
            {
                continue;
            }

            var admitted = Date(r[admission].Span);
            var born = Date(r[birth].Span);
            var age = admitted.Year - born.Year - (admitted.DayOfYear < born.DayOfYear ? 1 : 0);
            row.Clear();
            row[0] = Math.Min(age, 90);
            row[1 + Level(SexLevels, Sex(r[sex].Span))] = 1;
            row[4 + Level(AdmissionLevels, Admission(r[type].Span))] = 1;
            row[8] = Number(r[prior].Span);
            row[9] = Number(r[meds].Span);
            row[10] = Number(r[hba1c].Span);
            row[11] = Number(r[glucose].Span);
            row[12] = Number(r[creatinine].Span);
            row[13] = bp;
            row[14] = Number(r[hr].Span);
            row[15] = Number(r[bmi].Span);
            row[16] = Date(r[discharge].Span).DayNumber - admitted.DayNumber;
            foreach (var v in row)
            {
                values.Add(v);
            }

            labels.Add(r[label].Span.SequenceEqual("true") ? 1f : 0f);
        }

        return new FeatureMatrix([.. values], [.. labels], labels.Count);
    }

    /// <summary>Seeded split: row indices of the training part and of the holdout.</summary>
    public (int[] Train, int[] Holdout) Split(double holdoutFraction, int seed)
    {
        var rng = new Random(seed);
        var train = new List<int>(Rows);
        var holdout = new List<int>((int)(Rows * holdoutFraction) + 1);
        for (var i = 0; i < Rows; i++)
        {
            (rng.NextDouble() < holdoutFraction ? holdout : train).Add(i);
        }

        return ([.. train], [.. holdout]);
    }

    public (float[] Values, float[] Labels) Take(int[] rows)
    {
        var v = new float[rows.Length * Columns];
        var l = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            Array.Copy(Values, rows[i] * Columns, v, i * Columns, Columns);
            l[i] = Labels[rows[i]];
        }

        return (v, l);
    }

    private static float Number(ReadOnlySpan<char> s) =>
        s.IsEmpty ? float.NaN : float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static DateOnly Date(ReadOnlySpan<char> s) => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int Level(string[] levels, string value) => Math.Max(0, Array.IndexOf(levels, value));

    private static string Sex(ReadOnlySpan<char> s) => s switch
    {
        "F" or "female" => "F",
        "M" or "homme" => "M",
        _ => "U",
    };

    private static string Admission(ReadOnlySpan<char> s) => s switch
    {
        "ER" or "urgences" => "emergency",
        "planned" => "elective",
        "transfert" => "transfer",
        _ => s.ToString(),
    };
}
