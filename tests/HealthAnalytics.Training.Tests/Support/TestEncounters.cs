using Parquet;
using Parquet.Schema;

namespace HealthAnalytics.Training.Tests.Support;

/// <summary>
/// Curated `encounters` rows with known ground truth (latent subgroup, true readmission probability), written
/// as curated Parquet with the cleaner's schema (docs/ingestion.md "Curated Parquet"). Stands in for
/// generator → cleaner until those land; seeded, so every run sees the same data.
/// </summary>
internal sealed class TestEncounters
{
    private static readonly string[] Sexes = ["F", "M", "U"];
    private static readonly string[] AdmissionTypes = ["emergency", "elective", "urgent", "transfer"];

    // Latent subgroups: means of (age, prior_admissions, medication_count, hba1c, glucose, creatinine, systolic_bp, heart_rate, bmi, length_of_stay_days).
    private static readonly double[][] GroupMeans =
    [
        [35, 0.5, 3, 5.3, 95, 0.8, 118, 72, 24, 2],
        [72, 3.0, 12, 6.0, 120, 1.9, 145, 80, 27, 8],
        [58, 1.5, 9, 8.9, 210, 1.0, 135, 86, 34, 4],
        [48, 5.0, 15, 5.6, 105, 3.4, 128, 96, 23, 12],
    ];

    private static readonly double[] Sds = [7, 0.6, 2.0, 0.45, 14, 0.25, 8, 5, 2.2, 1.6];
    private static readonly double[] GroupShares = [0.35, 0.25, 0.22, 0.18];

    public required int Rows { get; init; }
    public required string[] EncounterId { get; init; }
    public required string?[] Sex { get; init; }
    public required string?[] AdmissionType { get; init; }
    public required double[][] Numeric { get; init; }
    public required bool[] Readmitted { get; init; }
    public required double[] TrueProbability { get; init; }
    public required int[] Group { get; init; }
    public required DateOnly[] AdmissionDate { get; init; }

    public static int TrueK => GroupMeans.Length;

    public static TestEncounters Generate(int rows, int seed, string idPrefix = "e")
    {
        var random = new Random(seed);
        var numeric = GroupMeans[0].Select(_ => new double[rows]).ToArray();
        var sex = new string?[rows];
        var admission = new string?[rows];
        var readmitted = new bool[rows];
        var p = new double[rows];
        var group = new int[rows];
        var ids = new string[rows];
        var dates = new DateOnly[rows];
        for (var r = 0; r < rows; r++)
        {
            var u = random.NextDouble();
            var g = 0;
            while (g < GroupShares.Length - 1 && u > GroupShares[..(g + 1)].Sum())
            {
                g++;
            }

            group[r] = g;
            ids[r] = $"{idPrefix}{r:D8}";
            sex[r] = Sexes[random.NextDouble() < 0.49 ? 0 : random.NextDouble() < 0.98 ? 1 : 2];
            admission[r] = AdmissionTypes[random.Next(AdmissionTypes.Length)];
            dates[r] = new DateOnly(2024, 1, 1).AddDays(random.Next(700));
            for (var f = 0; f < numeric.Length; f++)
            {
                var value = GroupMeans[g][f] + (Sds[f] * Normal(random));
                numeric[f][r] = f is 1 or 2 or 6 or 7 or 9 || f == 0 ? Math.Max(0, Math.Round(value)) : Math.Round(Math.Max(0.1, value), 2);
            }

            // True risk: group baseline + smooth effects + an interaction the trees must find.
            var age = numeric[0][r];
            var prior = numeric[1][r];
            var logit = -2.2 + (g == 1 ? 0.3 : 0) + (0.35 * prior) + (0.025 * (age - 55)) + (0.45 * (numeric[5][r] - 1.2))
                        + (admission[r] == "emergency" ? 0.5 : 0) + (numeric[3][r] > 8 && numeric[9][r] > 5 ? 0.8 : 0) + (g == 3 ? 0.4 : 0);
            p[r] = 1 / (1 + Math.Exp(-logit));
            readmitted[r] = random.NextDouble() < p[r];

            // A few missing labs, as real curated data has.
            if (random.NextDouble() < 0.03)
            {
                numeric[3][r] = double.NaN;
            }
        }

        return new TestEncounters
        {
            Rows = rows,
            EncounterId = ids,
            Sex = sex,
            AdmissionType = admission,
            Numeric = numeric,
            Readmitted = readmitted,
            TrueProbability = p,
            Group = group,
            AdmissionDate = dates,
        };
    }

    public static readonly string[] NumericNames =
        ["age", "prior_admissions", "medication_count", "hba1c", "glucose", "creatinine", "systolic_bp", "heart_rate", "bmi", "length_of_stay_days"];

    private static readonly HashSet<string> IntegerColumns = ["age", "prior_admissions", "medication_count", "systolic_bp", "heart_rate", "length_of_stay_days"];

    /// <summary>Curated Parquet: contract order without direct/dropped columns, then derived age and length of stay.</summary>
    public async Task<byte[]> ToParquetAsync(int rowGroupSize = 50_000)
    {
        DataField[] fields =
        [
            new DataField<string>("encounter_id", true), new DataField<string>("patient_id", true), new DataField<string>("sex", true),
            new DataField<string>("postal_code", true), new DateTimeDataField("admission_date", DateTimeFormat.Date, isNullable: true),
            new DataField<string>("admission_type", true), new DataField<string>("primary_diagnosis", true),
            new DataField<int?>("prior_admissions", true), new DataField<int?>("medication_count", true), new DataField<double?>("hba1c", true),
            new DataField<double?>("glucose", true), new DataField<double?>("creatinine", true), new DataField<int?>("systolic_bp", true),
            new DataField<int?>("heart_rate", true), new DataField<double?>("bmi", true), new DataField<bool?>("readmitted_30d", true),
            new DataField<int?>("age", true), new DataField<int?>("length_of_stay_days", true),
        ];
        using var output = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, new ParquetOptions { UseDateOnlyTypeForDates = true }))
        {
            for (var start = 0; start < Rows; start += rowGroupSize)
            {
                var n = Math.Min(rowGroupSize, Rows - start);
                using var group = writer.CreateRowGroup();
                string?[] Slice(string?[] a) => a[start..(start + n)];
                await group.WriteAsync(fields[0], Slice(EncounterId));
                await group.WriteAsync(fields[1], Slice([.. EncounterId.Select(e => "p" + e)]));
                await group.WriteAsync(fields[2], Slice(Sex));
                await group.WriteAsync(fields[3], Slice([.. EncounterId.Select(_ => "750")]));
                await group.WriteAsync<DateTime>(fields[4], AdmissionDate[start..(start + n)].Select(d => (DateTime?)d.ToDateTime(TimeOnly.MinValue)).ToArray().AsMemory());
                await group.WriteAsync(fields[5], Slice(AdmissionType));
                await group.WriteAsync(fields[6], Slice([.. EncounterId.Select(_ => "I50.9")]));
                var i = 7;
                foreach (var name in new[] { "prior_admissions", "medication_count", "hba1c", "glucose", "creatinine", "systolic_bp", "heart_rate", "bmi" })
                {
                    await WriteNumber(group, fields[i++], name, start, n);
                }

                await group.WriteAsync<bool>(fields[15], Readmitted[start..(start + n)].Select(b => (bool?)b).ToArray().AsMemory());
                await WriteNumber(group, fields[16], "age", start, n);
                await WriteNumber(group, fields[17], "length_of_stay_days", start, n);
            }
        }

        return output.ToArray();
    }

    private async Task WriteNumber(ParquetRowGroupWriter group, DataField field, string name, int start, int n)
    {
        var values = Numeric[Array.IndexOf(NumericNames, name)][start..(start + n)];
        if (IntegerColumns.Contains(name))
        {
            await group.WriteAsync<int>(field, values.Select(v => double.IsFinite(v) ? (int?)v : null).ToArray().AsMemory());
        }
        else
        {
            await group.WriteAsync<double>(field, values.Select(v => double.IsFinite(v) ? (double?)v : null).ToArray().AsMemory());
        }
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
