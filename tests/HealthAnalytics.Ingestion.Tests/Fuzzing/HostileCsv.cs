using System.IO.Compression;
using System.Text;
using CsCheck;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Fuzzing;

/// <summary>One generated upload: the bytes, the blob file name, the contract and limits it is cleaned with.</summary>
/// <param name="Shape">What the generator built (for the failure message), never used by the assertions.</param>
public sealed record FuzzUpload(byte[] Bytes, string FileName, string Shape, int Limits, string? DeclaredEncoding)
{
    public override string ToString()
    {
        var head = Encoding.Latin1.GetString(Bytes, 0, Math.Min(Bytes.Length, 300))
            .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
        return $"{Shape}, {FileName}, limits {Limits}, encoding {DeclaredEncoding ?? "sniffed"}, {Bytes.Length} bytes: {head}";
    }
}

/// <summary>
/// CsCheck generators of structured-but-hostile uploads for the encounters contract: header variants (canonical
/// names, aliases, accents, case, unknown, blank, duplicate, many columns), cells mixing valid values with
/// quotes, delimiters, CR/LF/CRLF, NUL, non-ASCII and long text, broken quoting, then an encoding layer
/// (UTF-8 with/without BOM, UTF-16 LE/BE, windows-1252, invalid UTF-8, gzip, truncated gzip, ZIP magic),
/// and pure random bytes. Inputs stay small (most under 1 KB; 1 in 61 has one 100-6,000 character cell) so
/// 100,000 of them run in the test suite.
/// </summary>
internal static class HostileCsv
{
    public static readonly DatasetContract Contract = Ingestion.CleanerHarness.Encounters;

    private static readonly string[] Canonical = [.. Contract.Columns.Select(c => c.Name)];

    private static readonly string[] Aliases = [.. Contract.Columns.SelectMany(c => c.Aliases).Concat(["glucose_mmol_l", "creatinine_umol_l"])];

    /// <summary>Header spellings that normalize to a contract column, and ones that do not.</summary>
    private static readonly string[] OddHeaders =
    [
        "Encounter ID", "PATIENT-ID", "Prénom", "Date de naissance", "date.naissance", "ＥＭＡＩＬ", "Sexe ", " birth_date",
        "Glycémie (mmol/L)", "extra", "comment", "notes", "", " ", "\"quoted\"", "a,b", "line\nbreak", "ß", "İ", "\u00A0", "\uFEFFencounter_id",
    ];

    /// <summary>Cell values: valid ones of every column kind and every rule's edge case.</summary>
    private static readonly string[] Values =
    [
        "E1", "E2", "E3", "P1", "P2", "p1 ", "E1\u0301", "Jeanne", "O'Brien", "jean.dupont@example.org", "+33 6 12 34 56 78",
        "1 85 05 78 006 084 36", "12 rue de la Paix, 75002 Paris",
        "1950-03-10", "10/03/1950", "19500310", "2024-01-05", "2024-01-10", "30/02/2024", "2099-01-01", "0000-00-00", "2024-13-01", "24-01-05",
        "F", "M", "U", "female", "Femme", "HOMME", "9", "x", "?",
        "75012", "2A004", "SW1A 1AA", "1", "ab", "75012-1234-5678-9",
        "emergency", "ER", "Urgences", "programmée", "transfer", "walk-in",
        "E11.9", "e11.9", "E119", "Z00", "11.9", "E11.99999",
        "0", "2", "-1", "+5", "101", "007", "1e2", "2.5", "9999999999999999999999",
        "7.1", "7,1", "64 mmol/mol", "6.1 mmol/L", "140 mg/dL", "12 furlongs", "88 µmol/L", "88 umol/L", "1.1", "1e309", "-1e309", "NaN", "Infinity", "-inf", "∞", "1,5e3", ".5", "5.", "--5", "1_000",
        "130 mmHg", "80 bpm", "27.5 kg/m2", "true", "false", "yes", "Non", "oui", "T", "2",
        "", " ", "  \t ", "NULL", "null", "N/A",
    ];

    /// <summary>Fragments a hostile partner (or a broken export) puts inside cells.</summary>
    private static readonly string[] Hostile =
    [
        "\"", "\"\"", "a\"b", ",", ";", "\t", "\r", "\n", "\r\n", "\0", "é", "\u0301", "\uFEFF", "\u200B", "𝔘", "\u2028", "\u0085", "\uFFFD", "\\", "'", "=cmd|' /C calc'!A0", "<script>", "\u202E",
    ];

    private static readonly string[] Delimiters = [",", ";", "\t", "|"];

    private static readonly string[] LineEnds = ["\n", "\r\n", "\r"];

    /// <summary>A cell's raw text: a valid value, a hostile fragment, a mix, or random text.</summary>
    private static readonly Gen<string> Cell = Gen.Frequency(
        (12, Gen.OneOf(Values)),
        (3, Gen.OneOf(Hostile)),
        (3, Gen.Select(Gen.OneOf(Values), Gen.OneOf(Hostile), Gen.OneOf(Values), (a, h, b) => a + h + b)),
        (2, Gen.String[Gen.Char["\"\r\n,;\t x0.-E1é\0/:"], 0, 12]),
        (1, Gen.String[0, 20]));

    /// <summary>How a cell is written: plain, quoted RFC-style, or broken quoting.</summary>
    private static readonly Gen<string> Field = Gen.Select(Cell, Gen.Int[0, 19], (cell, q) => q switch
    {
        < 13 => cell,
        < 17 => "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
        17 => "\"" + cell,
        18 => "\"" + cell + "\"tail",
        _ => cell + "\"" + cell,
    });

    private static readonly Gen<string> HeaderCell = Gen.Frequency(
        (10, Gen.OneOf(Canonical)),
        (4, Gen.OneOf(Aliases)),
        (2, Gen.OneOf(OddHeaders)),
        (1, Gen.String[0, 10]));

    private static readonly Gen<string[]> Header = Gen.Frequency(
        (8, Gen.Select(Gen.Int, Gen.Frequency((6, Gen.Const(0)), (1, Gen.Int[1, 3])), (seed, drop) => Shuffled(seed)[drop..])),
        (4, Gen.Select(Gen.Int, HeaderCell.Array[0, 4], (seed, extra) => Shuffled(seed).Concat(extra).ToArray())),
        (2, HeaderCell.Array[0, 30]),
        (1, HeaderCell.Array[500, 530]));

    /// <summary>A CSV text: header, delimiter, rows of fields around the header's width, per-row line endings.</summary>
    private static readonly Gen<string> Text =
        from header in Header
        from delimiter in Gen.OneOf(Delimiters)
        from rowCount in Gen.Frequency((9, Gen.Int[0, 6]), (1, Gen.Int[7, 30]))
        from widthDelta in Gen.Int[-1, 1].Array[rowCount]
        from seed in Gen.Int.Array[rowCount]
        from ends in Gen.OneOf(LineEnds).Array[rowCount + 1]
        from finalNewline in Gen.Bool
        from cells in Field.Array[0, 1 + (header.Length + 1) * Math.Min(rowCount, 3)]
        from longCell in Gen.Frequency((60, Gen.Const(0)), (1, Gen.Int[100, 6000]))
        select Compose(header, delimiter, rowCount, widthDelta, seed, ends, finalNewline, longCell > 0 && cells.Length > 0 ? [new string('x', longCell), .. cells[1..]] : cells);

    /// <summary>Mostly the default limits; the tight ones make small inputs reach the size rules.</summary>
    private static readonly Gen<int> Limits = Gen.Frequency((10, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)));

    /// <summary>The bytes of a text after an encoding and compression layer.</summary>
    public static readonly Gen<FuzzUpload> Structured =
        from text in Text
        from layer in Gen.Int[0, 20]
        from position in Gen.Int[0, int.MaxValue]
        from limits in Limits
        select Layer(text, layer, position, limits);

    /// <summary>Pure random bytes, alone or behind a valid header (so they reach the row parser).</summary>
    public static readonly Gen<FuzzUpload> RandomBytes =
        from bytes in Gen.Byte.Array[0, 1024]
        from behindHeader in Gen.Bool
        from limits in Limits
        select new FuzzUpload(
            behindHeader ? [.. Encoding.UTF8.GetBytes(string.Join(",", Canonical) + "\n"), .. bytes] : bytes,
            "upload.csv",
            behindHeader ? "header + random bytes" : "random bytes",
            limits,
            null);

    public static readonly Gen<FuzzUpload> Any = Gen.Frequency((6, Structured), (1, RandomBytes));

    /// <summary>Limits per <see cref="FuzzUpload.Limits"/>: the defaults, or tight ones that small inputs can exceed.</summary>
    public static IngestionOptions Options(int limits) => limits switch
    {
        0 => new IngestionOptions { RowGroupSize = 1_000 },
        1 => new IngestionOptions { RowGroupSize = 1_000, MaxFieldBytes = 64, MaxRecordBytes = 512, MaxColumns = 24 },
        2 => new IngestionOptions { RowGroupSize = 1_000, MaxDecompressedBytes = 700, MaxCompressionRatio = 2, CompressionRatioGraceBytes = 100 },
        _ => new IngestionOptions { RowGroupSize = 1_000, MaxFieldBytes = 2_000, MaxRecordBytes = 4_000 },
    };

    /// <summary>The canonical header in an order fixed by <paramref name="seed"/> (the contract does not fix one).</summary>
    private static string[] Shuffled(int seed)
    {
        var columns = (string[])Canonical.Clone();
        new Random(seed).Shuffle(columns);
        return columns;
    }

    private static string Compose(string[] header, string delimiter, int rowCount, int[] widthDelta, int[] seed, string[] ends, bool finalNewline, string[] cells)
    {
        var text = new StringBuilder();
        text.AppendJoin(delimiter, header.Select(h => h.Contains(delimiter, StringComparison.Ordinal) || h.Contains('\n', StringComparison.Ordinal) ? "\"" + h.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : h));
        for (var r = 0; r < rowCount; r++)
        {
            text.Append(ends[r]);
            var width = Math.Max(0, header.Length + widthDelta[r]);
            for (var c = 0; c < width; c++)
            {
                if (c > 0)
                {
                    text.Append(delimiter);
                }

                // Cells are drawn from a pool so rows stay cheap to generate; the row's seed picks them, and
                // the first column (the primary key) often repeats to make duplicates.
                if (cells.Length > 0)
                {
                    text.Append(cells[(int)((uint)(seed[r] + (c * 7919)) % (uint)cells.Length)]);
                }
            }
        }

        if (finalNewline)
        {
            text.Append(ends[rowCount]);
        }

        return text.ToString();
    }

    private static FuzzUpload Layer(string text, int layer, int position, int limits)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        int At(int length) => length == 0 ? 0 : position % length;
        return layer switch
        {
            <= 11 => new FuzzUpload(utf8, "upload.csv", "utf-8", limits, null),
            12 => new FuzzUpload([0xEF, 0xBB, 0xBF, .. utf8], "upload.csv", "utf-8 BOM", limits, null),
            13 => new FuzzUpload([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)], "upload.csv", "utf-16le BOM", limits, null),
            14 => new FuzzUpload([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)], "upload.csv", "utf-16be BOM", limits, position % 2 == 0 ? "utf-16" : null),
            15 => new FuzzUpload(Encoding.Latin1.GetBytes(text), "upload.csv", "latin-1 bytes", limits, position % 2 == 0 ? "windows-1252" : null),
            16 => new FuzzUpload(Insert(utf8, At(utf8.Length + 1), (byte)(0x80 + (position % 0x80))), "upload.csv", "invalid utf-8 byte", limits, null),
            17 => new FuzzUpload(Gzip(utf8), "upload.csv.gz", "gzip", limits, null),
            18 => new FuzzUpload(Truncated(Gzip(utf8), position), "upload.csv.gz", "truncated gzip", limits, null),
            19 => new FuzzUpload([0x1F, 0x8B, .. utf8], position % 2 == 0 ? "upload.csv.gz" : "upload.csv", "gzip magic then text", limits, null),
            _ => new FuzzUpload([(byte)'P', (byte)'K', 3, 4, .. utf8], position % 2 == 0 ? "upload.zip" : "upload.csv.gz", "zip magic", limits, null),
        };
    }

    // GZipStream writes nothing at all for an empty input, so the "compressed" bytes may be empty.
    private static byte[] Truncated(byte[] bytes, int position) => bytes.Length == 0 ? bytes : bytes[..(position % bytes.Length)];

    private static byte[] Insert(byte[] bytes, int at, byte value) => [.. bytes.AsSpan(0, at), value, .. bytes.AsSpan(at)];

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
