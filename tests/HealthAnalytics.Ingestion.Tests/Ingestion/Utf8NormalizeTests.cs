using System.Text;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// The cleaner normalizes cells from UTF-8 bytes (a byte fast path for common ASCII shapes, the text path for the
/// rest); the prediction API normalizes text. A model must see the same values either way, so for every column of the
/// shipped contract, in both dialects, the two paths must agree on status, rule, fix flag, value and text.
/// </summary>
public class Utf8NormalizeTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    // Characters that reach every branch: digits, signs, separators, exponents, unit suffixes, letters of the
    // category aliases and booleans, white space to trim, and non-ASCII (accents, µ, NBSP, a 3-byte and a 4-byte character).
    private const string Alphabet = "0123456789012345678901234567890123456789+-.,.,eE /%mmolLgdLuµnaNiInftyrueTRUEFALSEoOhHsSxXwWfFmMER-AZ ";
    private static readonly string[] Rare = ["é", "\u00A0", "µ", "€", "😀", "\t", "ı"];

    private static readonly string[] Seeds =
    [
        "", " ", "0", "-0", "+7", "12", "12.5", "12,5", "12.", ".5", ".", "1e3", "1E-2", "NaN", "Infinity", "inf", "∞",
        "1234567890123456", "123456789012345", "5.5 mmol/L", "48 mmol/mol", "80 µmol/L", "7,1 %", "140mmHg", "12 kg/m2",
        "2024-02-29", "2023-02-29", "2024-13-01", "29/02/2024", "20240229", "2025-06-16", "2025-06-15", "0000-01-01",
        "true", "FALSE", "Oui", "non", "y", "2", "F", "female", "Femme", " homme ", "ER", "urgence", "Programmée",
        "emergency room", "e11.9", "E11.9", "Z99", "j45.90x", "75012", "SW1A 1AA", "1", "ab", "75-01", "2024-01-05T10:00:00Z",
    ];

    public static TheoryData<string> Columns() => [.. CleanerHarness.Encounters.Columns.Where(c => c.Privacy != PrivacyRole.Direct).Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Columns))]
    public void Utf8Path_AgreesWithTextPath_OnSeededRandomCells(string column)
    {
        var spec = CleanerHarness.Encounters.Columns.Single(c => c.Name == column);
        DialectSpec[] dialects =
        [
            CleanerHarness.Encounters.Dialect,
            CleanerHarness.Encounters.Dialect with { DecimalSeparator = "," },
        ];
        var random = new Random(20261201);
        foreach (var dialect in dialects)
        {
            var normalizer = new ColumnNormalizer(spec, dialect, ',', Today);
            string?[] units = [null, .. spec.HeaderUnits?.Values ?? []];
            var inputs = Seeds.Concat(Enumerable.Range(0, 4000).Select(_ => RandomCell(random)));
            foreach (var input in inputs)
            {
                foreach (var unit in units)
                {
                    AssertSamePaths(normalizer, spec, input, unit);
                }
            }
        }
    }

    [Fact]
    public void Utf8Path_DateTimeColumn_AgreesWithTextPath()
    {
        var spec = new ColumnSpec { Name = "measured_at", Type = ColumnType.DateTime, NotAfterToday = true };
        var normalizer = new ColumnNormalizer(spec, new DialectSpec(), ',', Today);
        foreach (var input in new[] { "2024-01-05T10:00:00Z", "2024-01-05 10:00", "2030-01-01T00:00:00Z", "x", "", "2024-01-05T10:00:00+02:00" })
        {
            AssertSamePaths(normalizer, spec, input, null);
        }
    }

    internal static void AssertSamePaths(ColumnNormalizer normalizer, ColumnSpec spec, string input, string? unit)
    {
        var expected = normalizer.Normalize(input, unit);
        var utf8 = Encoding.UTF8.GetBytes(input);
        var text = new byte[ColumnNormalizer.Utf8TextRoom(utf8.Length)];
        var cell = normalizer.Normalize(utf8, text, unit);
        var because = $"column {spec.Name}, input '{input}', unit {unit ?? "-"}";
        Assert.True(expected.Status == cell.Status, because + $": status {expected.Status} vs {cell.Status}");
        Assert.True(expected.Rule == cell.Rule, because + $": rule {expected.Rule} vs {cell.Rule}");
        if (cell.Status != CellStatus.Value)
        {
            return;
        }

        Assert.True(expected.Fixed == cell.Fixed, because + ": fixed flag");
        object actual = spec.Type switch
        {
            ColumnType.Integer => (int)cell.Bits,
            ColumnType.Number => cell.Number,
            ColumnType.Boolean => cell.Bits != 0,
            ColumnType.Date => cell.Date,
            ColumnType.DateTime => cell.DateTime,
            ColumnType.Category => normalizer.Canonicals[cell.Bits],
            _ => Encoding.UTF8.GetString(text, 0, cell.TextLength),
        };
        Assert.True(Equals(expected.Value, actual), because + $": value {expected.Value} vs {actual}");
    }

    internal static string RandomCell(Random random)
    {
        // Half well-formed values of every shape (where the fast path must be exact), half noise (where it must decline or agree).
        if (random.Next(2) == 0)
        {
            var pad = random.Next(4) == 0 ? " " : "";
            var date = new DateOnly(1900, 1, 1).AddDays(random.Next(0, 50_000));
            var shaped = random.Next(6) switch
            {
                0 => random.Next(-300, 3000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                1 => (random.NextDouble() * Math.Pow(10, random.Next(-3, 6))).ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture),
                2 => (random.NextDouble() * 1000).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture).Replace('.', ','),
                3 => date.ToString(random.Next(3) switch { 0 => "yyyy-MM-dd", 1 => "dd/MM/yyyy", _ => "yyyyMMdd" }, System.Globalization.CultureInfo.InvariantCulture),
                4 => $"{(char)('A' + random.Next(26))}{random.Next(100):00}.{random.Next(10)}",
                _ => random.Next(10000, 99999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            return pad + shaped + pad;
        }

        var length = random.Next(0, 14);
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(random.Next(40) == 0 ? Rare[random.Next(Rare.Length)] : Alphabet[random.Next(Alphabet.Length)].ToString());
        }

        return sb.ToString();
    }
}
