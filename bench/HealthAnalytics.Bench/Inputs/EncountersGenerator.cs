using System.Globalization;
using System.Text;

namespace HealthAnalytics.Bench.Inputs;

/// <summary>Writes a synthetic <c>encounters</c> CSV of about a given size, deterministically from a seed.</summary>
public interface IEncountersGenerator
{
    /// <summary>Name and version: part of the cache key, so a changed generator never reuses stale inputs.</summary>
    string Id { get; }

    /// <summary>
    /// Writes rows until at least <paramref name="targetBytes"/> bytes or exactly <paramref name="maxRows"/>
    /// rows are written, whichever comes first; returns the data rows written.
    /// </summary>
    long Write(Stream output, long targetBytes, long maxRows, int seed, CancellationToken ct);
}

/// <summary>
/// The bench's own writer for the 24-column <c>encounters</c> contract. Clean-ish on purpose: about 1 %
/// of rows need a fix (category alias, lower-case diagnosis) and about 0.6 % are quarantined (range,
/// missing required value, duplicate key). Every dirty value still has the column's physical type, so a
/// type-inferring reader (DuckDB's sniffer) reads the whole file without errors: the comparison is about
/// throughput, not about who rejects what. Addresses are sometimes quoted and contain the delimiter.
/// </summary>
public sealed class BenchEncountersGenerator : IEncountersGenerator
{
    public const string Header =
        "encounter_id,patient_id,first_name,last_name,email,phone,nir,address,birth_date,sex,postal_code," +
        "admission_date,discharge_date,admission_type,primary_diagnosis,prior_admissions,medication_count," +
        "hba1c,glucose,creatinine,systolic_bp,heart_rate,bmi,readmitted_30d";

    private static readonly string[] FirstNames = ["Marie", "Jean", "Camille", "Lucas", "Léa", "Hugo", "Chloé", "Louis", "Inès", "Gabriel", "Manon", "Jules", "Zoé", "Adam", "Aïcha", "Noah", "Sofia", "Élodie", "Karim", "Anaïs"];
    private static readonly string[] LastNames = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "N'Diaye", "Nguyen", "Fontaine", "Chevalier", "Rousseau"];
    private static readonly string[] Streets = ["rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "place de la République", "chemin des Vignes", "allée des Tilleuls", "rue du Moulin", "impasse des Lilas"];
    private static readonly string[] Cities = ["Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Nantes", "Bordeaux", "Rennes", "Strasbourg", "Montpellier"];
    private static readonly string[] Diagnoses = ["E11.9", "I10", "I50.9", "J44.1", "N18.3", "I21.4", "J18.9", "K80.2", "E66.0", "F32.1", "I48", "S72.0", "C34.9", "A41.9", "N39.0", "E10.65"];
    private static readonly string[] AdmissionTypes = ["emergency", "elective", "urgent", "transfer"];
    private static readonly string[] AdmissionAliases = ["ER", "planned", "urgences", "transfert"];
    private static readonly string[] Sexes = ["F", "M", "U"];
    private static readonly string[] SexAliases = ["female", "homme", "unknown"];
    private static readonly DateOnly AdmissionStart = new(2019, 1, 1);

    public string Id => "bench-encounters-v2";

    public long Write(Stream output, long targetBytes, long maxRows, int seed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rng = new Random(seed);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        using var writer = new StreamWriter(output, utf8, bufferSize: 1 << 20, leaveOpen: true) { NewLine = "\n" };
        var counting = new CountingBytes(output);
        writer.WriteLine(Header);

        // Patients repeat across encounters, as in a real extract (about 3 stays per patient).
        var expectedRows = Math.Min(maxRows, targetBytes / 230);
        var patients = (int)Math.Clamp(expectedRows / 3, 1000, int.MaxValue);
        var row = new StringBuilder(512);
        long rows = 0;
        while (rows < maxRows)
        {
            if ((rows & 0x3FFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
                writer.Flush();
                if (counting.Written >= targetBytes)
                {
                    break;
                }
            }

            row.Clear();
            AppendRow(row, rng, rows, patients);
            writer.WriteLine(row);
            rows++;
        }

        writer.Flush();
        return rows;
    }

    private static void AppendRow(StringBuilder b, Random rng, long index, int patients)
    {
        var ic = CultureInfo.InvariantCulture;
        var dirty = rng.Next(1000);
        var p = rng.Next(patients);

        // encounter_id: 0.1 % repeat an earlier id (duplicate).
        var encounter = dirty == 0 && index > 0 ? index - 1 - rng.Next((int)Math.Min(index, 1000)) : index;
        b.Append('E').Append(encounter.ToString("D10", ic)).Append(',');

        // patient_id: 0.2 % missing (required).
        if (dirty is 1 or 2)
        {
            b.Append(',');
        }
        else
        {
            b.Append('P').Append(p.ToString("D8", ic)).Append(',');
        }

        var first = FirstNames[p % FirstNames.Length];
        var last = LastNames[(p / FirstNames.Length) % LastNames.Length];
        b.Append(first).Append(',').Append(last).Append(',');
        b.Append(Ascii(first)).Append('.').Append(Ascii(last)).Append(p % 100).Append("@example.org,");
        b.Append("+33 6 ").Append((p % 100).ToString("D2", ic)).Append(' ').Append(rng.Next(100).ToString("D2", ic))
            .Append(' ').Append(rng.Next(100).ToString("D2", ic)).Append(' ').Append(rng.Next(100).ToString("D2", ic)).Append(',');
        var sexIndex = p % 41 == 0 ? 2 : p % 2;
        var birth = new DateOnly(1930, 1, 1).AddDays(p % 27000);
        b.Append(sexIndex == 1 ? '1' : '2').Append(' ').Append((birth.Year % 100).ToString("D2", ic)).Append(' ')
            .Append(birth.Month.ToString("D2", ic)).Append(' ').Append((p % 95 + 1).ToString("D2", ic)).Append(" 123 456 ")
            .Append((p % 97).ToString("D2", ic)).Append(',');
        var postal = (1000 + (p % 94000)).ToString("D5", ic);
        var street = Streets[p % Streets.Length];
        var city = Cities[p % Cities.Length];
        if (p % 3 == 0)
        {
            // Quoted field holding the delimiter (RFC 4180).
            b.Append('"').Append(p % 120 + 1).Append(", ").Append(street).Append(", ").Append(postal).Append(' ').Append(city).Append("\",");
        }
        else
        {
            b.Append(p % 120 + 1).Append(' ').Append(street).Append(' ').Append(postal).Append(' ').Append(city).Append(',');
        }

        AppendDate(b, birth).Append(',');
        b.Append(dirty == 3 ? SexAliases[sexIndex] : Sexes[sexIndex]).Append(',');
        b.Append(postal).Append(',');

        var admission = AdmissionStart.AddDays(rng.Next(365 * 5));
        var stay = rng.Next(100) < 90 ? rng.Next(15) : rng.Next(15, 90);
        AppendDate(b, admission).Append(',');
        AppendDate(b, admission.AddDays(stay)).Append(',');

        var type = rng.Next(AdmissionTypes.Length);
        b.Append(dirty is 4 or 5 ? AdmissionAliases[type] : AdmissionTypes[type]).Append(',');
        var diagnosis = Diagnoses[rng.Next(Diagnoses.Length)];
        b.Append(dirty is 6 or 7 ? diagnosis.ToLowerInvariant() : diagnosis).Append(',');

        var prior = rng.Next(100) < 60 ? 0 : rng.Next(1, 12);
        var hba1c = 4.5 + rng.NextDouble() * 7.5;
        b.Append(prior).Append(',');
        b.Append(rng.Next(0, 35)).Append(',');
        AppendNumber(b, hba1c, 1).Append(',');
        if (rng.Next(20) == 0)
        {
            b.Append(',');
        }
        else
        {
            AppendNumber(b, 70 + rng.NextDouble() * 250, 1).Append(',');
        }

        AppendNumber(b, 0.5 + rng.NextDouble() * 2.5, 2).Append(',');

        // systolic_bp: 0.3 % outside the plausible range (quarantined).
        b.Append(dirty is 8 or 9 or 10 ? 300 + rng.Next(50) : 95 + rng.Next(90)).Append(',');
        b.Append(50 + rng.Next(80)).Append(',');
        AppendNumber(b, 17 + rng.NextDouble() * 25, 1).Append(',');
        // readmitted_30d carries signal (prior stays, HbA1c, age, length of stay) so that a trained model's
        // AUC is a sanity check on both training engines, not noise around 0.5.
        var age = admission.Year - birth.Year;
        var logit = -2.6 + 0.25 * prior + 0.15 * (hba1c - 7) + 0.02 * (age - 60) + 0.03 * stay;
        b.Append(rng.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? "true" : "false");
    }

    private static StringBuilder AppendDate(StringBuilder b, DateOnly d)
    {
        Span<char> buf = stackalloc char[10];
        d.TryFormat(buf, out var n, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return b.Append(buf[..n]);
    }

    private static StringBuilder AppendNumber(StringBuilder b, double value, int decimals)
    {
        Span<char> buf = stackalloc char[32];
        value.TryFormat(buf, out var n, decimals == 1 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        return b.Append(buf[..n]);
    }

    private static string Ascii(string name) => name switch
    {
        "Léa" => "lea",
        "Chloé" => "chloe",
        "Inès" => "ines",
        "Zoé" => "zoe",
        "Aïcha" => "aicha",
        "Élodie" => "elodie",
        "Lefèvre" => "lefevre",
        "N'Diaye" => "ndiaye",
        _ => name.ToLowerInvariant(),
    };

    /// <summary>Bytes reached the stream so far: its position, since the stream is a fresh file.</summary>
    private sealed class CountingBytes(Stream s)
    {
        public long Written => s.Position;
    }
}
