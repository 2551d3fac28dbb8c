using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Contracts;

/// <summary>
/// Proposes a dataset contract from a CSV sample (docs/contracts.md, "From a sample to a contract"): encoding, delimiter
/// and decimal separator, a type per column, categories and their levels, missing-value tokens, date formats, observed
/// ranges, and the privacy role of columns that look like identifiers, direct identifiers or quasi-identifiers by their
/// name or their values. Types are decided by the same <see cref="ColumnNormalizer"/> ingestion uses, so every value of
/// the sample that is not missing is valid under the proposal. A proposal never carries a value of an identifying
/// column, and is always accepted by <see cref="ContractLoader.Load"/> as it is.
/// </summary>
public static partial class ContractInference
{
    /// <summary>The largest sample read (the first lines of a file are enough to propose a contract).</summary>
    public const int MaxSampleBytes = 1024 * 1024;

    /// <summary>Most levels a column may have to be proposed as a category.</summary>
    public const int MaxCategoryLevels = 20;

    /// <summary>
    /// Cells read as missing in the sample (exact match after trimming). Wider than <see cref="MissingValueRules.DefaultTokens"/>:
    /// the ones seen are proposed explicitly. <c>none</c> is not among them: it is a common category level.
    /// </summary>
    public static IReadOnlyList<string> CandidateTokens { get; } = ["NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "Null", "?", ".", "-", "--", "#N/A"];

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd/MM/yyyy", "MM/dd/yyyy", "yyyy/MM/dd", "dd.MM.yyyy", "dd-MM-yyyy", "yyyyMMdd"];
    private static readonly HashSet<string> TrueWords = new(StringComparer.Ordinal) { "true", "yes", "y", "t", "oui" };
    private static readonly HashSet<string> FalseWords = new(StringComparer.Ordinal) { "false", "no", "n", "f", "non" };
    private static readonly HashSet<string> DateWords = new(StringComparer.Ordinal) { "date", "dt", "day", "dob", "jour", "birth", "naissance", "admission", "discharge", "visit", "death", "deces" };
    private static readonly double[] HighSentinels = [99, 999, 9999, 99999, 999999];
    private static readonly double[] LowSentinels = [-1, -9, -99, -999, -9999];
    private static readonly DateOnly ProbeDay = new(2000, 1, 1);

    /// <summary>Proposes a contract named <paramref name="dataset"/> for the CSV <paramref name="sample"/> (at most <see cref="MaxSampleBytes"/>).</summary>
    /// <exception cref="ContractInferenceException">The sample cannot be read as a CSV with a header line.</exception>
    public static ContractProposal Infer(ReadOnlySpan<byte> sample, string dataset)
    {
        if (!ConfigNames.IsValid(dataset))
        {
            throw new ArgumentException("The dataset name must be " + ConfigNames.Rule + ".", nameof(dataset));
        }

        if (sample.Length > MaxSampleBytes)
        {
            throw new ContractInferenceException("sample-too-large", $"the sample is larger than {MaxSampleBytes / 1024} KB: send the first lines of the file");
        }

        var (utf8, encoding, bom, cutCharacter) = Decode(sample);
        var lastLineCut = cutCharacter || (utf8.Length > 0 && utf8[^1] is not ((byte)'\n' or (byte)'\r'));
        var delimiter = SniffDelimiter(utf8);
        var (records, cutInQuote) = Parse(utf8, delimiter, lastLineCut);
        if (records.Count == 0)
        {
            throw new ContractInferenceException("empty-file", "the sample has no header line");
        }

        var header = records[0];
        CheckHeader(header);
        var notes = new List<InferenceNote>();
        var rows = new List<string[]>(records.Count);
        var ignored = 0;
        var lastDropped = lastLineCut && !cutInQuote && records.Count > 2;
        for (var r = 1; r < records.Count - (lastDropped ? 1 : 0); r++)
        {
            var record = records[r];
            if (record.All(string.IsNullOrWhiteSpace))
            {
                continue; // blank line: ingestion skips it too
            }

            if (record.Length != header.Length)
            {
                ignored++;
                continue;
            }

            rows.Add(record);
        }

        var decimalSeparator = DecimalSeparator(rows, header.Length, (char)delimiter);
        var names = ColumnNames(header);
        var columns = new List<ColumnSpec>(header.Length);
        var profiles = new List<ColumnProfile>(header.Length);
        var dateFormats = new List<string>();
        var tokensSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            var observed = Observe(rows, i);
            foreach (var (token, n) in observed.Tokens)
            {
                tokensSeen[token] = tokensSeen.GetValueOrDefault(token) + n;
            }

            var (column, profile) = InferColumn(i, header[i], names[i], observed, decimalSeparator, notes);
            if (column.Type == ColumnType.Date && observed.DateFormat is { } format && !dateFormats.Contains(format))
            {
                dateFormats.Add(format);
            }

            columns.Add(column);
            profiles.Add(profile);
        }

        var tokens = CandidateTokens.Where(tokensSeen.ContainsKey).ToList();
        if (tokens.Count > 0)
        {
            notes.Insert(0, new InferenceNote(null, "missing-tokens",
                $"Read as missing in this sample and proposed as dialect.missingValues (every column, strings included): {string.Join(", ", tokens.Select(t => $"'{t}' ({tokensSeen[t]} cells)"))}. Remove one that is a real value in some column, or give that column its own missingValues."));
        }

        if (ignored > 0)
        {
            notes.Add(new InferenceNote(null, "rows-ignored", $"{ignored} rows have a field count different from the header's: they were not profiled, and ingestion would quarantine them (rule field-count)."));
        }

        if (lastDropped || cutInQuote)
        {
            notes.Add(new InferenceNote(null, "last-line-ignored", "The sample does not end with a line break, so its last line may be cut: it was not profiled."));
        }

        notes.Add(new InferenceNote(null, "review", "Nothing is proposed as required, no range and no primary key: a sample cannot prove them. Mark required the columns your data guarantees (an outcome, an identifier), add plausible ranges (the observed minimum and maximum are in columns[]), and set primaryKey if a column identifies rows."));

        var contract = new DatasetContract
        {
            Name = dataset,
            Version = "0.1.0",
            Description = $"Proposed by contract inference from a sample of {rows.Count} rows; review it before use (docs/contracts.md, \"From a sample to a contract\").",
            Dialect = new DialectSpec
            {
                Delimiter = ((char)delimiter).ToString(),
                DecimalSeparator = decimalSeparator,
                Encoding = encoding,
                DateFormats = dateFormats.Count > 0 ? dateFormats : ["yyyy-MM-dd"],
                MissingValues = tokens.Count > 0 ? tokens : null,
            },
            Columns = columns,
        };

        var check = ContractLoader.Validate(contract);
        if (check.Count > 0)
        {
            // A bug here, never the sample's fault: say which rule paths, cut before any member named after a value.
            throw new InvalidOperationException("The proposed contract is invalid at " + string.Join(", ", check.Select(e => e.Path.Split(".categories")[0])));
        }

        return new ContractProposal(contract, new SampleProfile(sample.Length, rows.Count, header.Length, encoding, bom, ((char)delimiter).ToString(), ignored, lastDropped || cutInQuote), profiles, notes);
    }

    /// <summary>The sample as UTF-8, and how it was encoded: a BOM decides, else valid UTF-8 is UTF-8, else windows-1252.
    /// <c>Cut</c>: the sample ends inside a character (its last line is then cut too).</summary>
    private static (byte[] Utf8, string Encoding, bool Bom, bool Cut) Decode(ReadOnlySpan<byte> sample)
    {
        if (sample.IsEmpty)
        {
            throw new ContractInferenceException("empty-file", "the sample is empty");
        }

        if ((sample.Length >= 2 && sample[0] == 0x1F && sample[1] == 0x8B) || sample.StartsWith("PK\x03\x04"u8))
        {
            throw new ContractInferenceException("unsupported-format", "the sample is compressed: send the first lines of the uncompressed CSV");
        }

        if (sample.StartsWith("\xEF\xBB\xBF"u8))
        {
            var rest = sample[3..];
            var tail = CsvInput.IncompleteTail(rest);
            return (rest[..(rest.Length - tail)].ToArray(), "utf-8", true, tail > 0);
        }

        if (sample.Length >= 2 && ((sample[0] == 0xFF && sample[1] == 0xFE) || (sample[0] == 0xFE && sample[1] == 0xFF)))
        {
            // A sample cut in the middle of a character loses it; that last line is not profiled anyway.
            var utf16 = new UnicodeEncoding(bigEndian: sample[0] == 0xFE, byteOrderMark: false, throwOnInvalidBytes: false);
            var body = sample[2..];
            var text = utf16.GetString(body[..(body.Length & ~1)]);
            return (Encoding.UTF8.GetBytes(text), "utf-16", true, (body.Length & 1) == 1 || (text.Length > 0 && char.IsHighSurrogate(text[^1])));
        }

        var incomplete = CsvInput.IncompleteTail(sample);
        var complete = sample[..(sample.Length - incomplete)];
        if (System.Text.Unicode.Utf8.IsValid(complete))
        {
            return (complete.ToArray(), "utf-8", false, incomplete > 0);
        }

        // Decoded as ingestion decodes a declared windows-1252 file, so a proposal never names an encoding that fails there.
        var cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)!;
        try
        {
            return (Encoding.UTF8.GetBytes(cp1252.GetString(sample)), "windows-1252", false, false);
        }
        catch (DecoderFallbackException)
        {
            throw new ContractInferenceException("encoding", "the sample is neither UTF-8 nor windows-1252");
        }
    }

    /// <summary>The most frequent of <c>,</c> <c>;</c> tab <c>|</c> outside quotes on the header line (ties prefer the earlier).</summary>
    private static byte SniffDelimiter(ReadOnlySpan<byte> utf8)
    {
        ReadOnlySpan<byte> candidates = ",;\t|"u8;
        Span<int> counts = stackalloc int[4];
        var quoted = false;
        foreach (var b in utf8)
        {
            if (b == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && b is (byte)'\r' or (byte)'\n')
            {
                break;
            }
            else if (!quoted && candidates.IndexOf(b) is var at and >= 0)
            {
                counts[at]++;
            }
        }

        var best = 0;
        for (var i = 1; i < 4; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return candidates[best];
    }

    /// <summary>Every record's fields as text, with the reader ingestion uses (RFC 4180, limits and all).</summary>
    /// <returns>The records, and whether the sample ended inside a quoted field (that last record is not among them).</returns>
    private static (List<string[]> Records, bool CutInQuote) Parse(byte[] utf8, byte delimiter, bool lastLineCut)
    {
        var parser = new CsvRecordParser(delimiter, new IngestionOptions(), new RowBatch());
        var cutInQuote = false;
        try
        {
            parser.Parse(utf8);
            parser.Complete();
        }
        catch (FileRejectedException ex) when (!(lastLineCut && ex.Rejection.Rule == "unterminated-quote"))
        {
            throw new ContractInferenceException(ex.Rejection.Rule, ex.Rejection.Message);
        }
        catch (FileRejectedException)
        {
            cutInQuote = true; // the sample was cut inside a quoted field: the records before it are complete
        }

        var batch = parser.Batch;
        var records = new List<string[]>(batch.RecordCount);
        for (var r = 0; r < batch.RecordCount; r++)
        {
            var first = batch.RecordFirstField[r];
            var count = batch.RecordFieldCount[r];
            var stored = Math.Min(count, batch.FieldTotal - first);
            var fields = new string[count];
            for (var f = 0; f < count; f++)
            {
                fields[f] = f < stored ? Encoding.UTF8.GetString(batch.Field(first + f)) : string.Empty;
            }

            records.Add(fields);
        }

        return (records, cutInQuote);
    }

    /// <summary>The header must be one ingestion accepts: no blank cell, no two cells naming one column, and not a data line.</summary>
    private static void CheckHeader(string[] header)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var dataLike = 0;
        for (var i = 0; i < header.Length; i++)
        {
            var normalized = HeaderNormalizer.Normalize(header[i]);
            if (normalized.Length == 0)
            {
                throw new ContractInferenceException("blank-header", $"header cell {i + 1} is blank: ingestion rejects such a file (docs/ingestion.md, \"Header\")");
            }

            if (!seen.TryAdd(normalized, i))
            {
                throw new ContractInferenceException("duplicate-header", $"header cells {seen[normalized] + 1} and {i + 1} name the same column after normalization (docs/ingestion.md, \"Header\")");
            }

            var cell = header[i].Trim();
            if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || DataLike().IsMatch(cell) || PrivacyHeuristics.IsContactValue(cell))
            {
                dataLike++;
            }
        }

        if (dataLike * 2 >= header.Length)
        {
            throw new ContractInferenceException("header-looks-like-data", "the first line looks like data, not a header: ingestion needs a header line naming the columns (docs/ingestion.md, \"Header\")");
        }
    }

    /// <summary>Snake-case names from the header (accents removed, lower case), unique; <c>column_N</c> when nothing is left.</summary>
    private static string[] ColumnNames(string[] header)
    {
        var names = new string[header.Length];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            var words = PrivacyHeuristics.Words(header[i]);
            var name = words.Count == 0 ? $"column_{i + 1}" : string.Join('_', words);
            if (name.Length > 63)
            {
                name = name[..63].TrimEnd('_');
            }

            var unique = name;
            for (var n = 2; !used.Add(unique) || HeaderClash(unique, header, i); n++)
            {
                used.Remove(unique);
                unique = $"{name}_{n}";
            }

            names[i] = unique;
        }

        return names;
    }

    /// <summary>Whether a name would also match another header cell (ingestion matches headers after normalization).</summary>
    private static bool HeaderClash(string name, string[] header, int own)
    {
        var normalized = HeaderNormalizer.Normalize(name);
        for (var j = 0; j < header.Length; j++)
        {
            if (j != own && HeaderNormalizer.Normalize(header[j]) == normalized)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The decimal separator numbers use: <c>.</c> when the delimiter is a comma; else whichever decimals show, null for both.</summary>
    private static string? DecimalSeparator(List<string[]> rows, int columns, char delimiter)
    {
        if (delimiter == ',')
        {
            return ".";
        }

        int comma = 0, dot = 0;
        foreach (var row in rows)
        {
            for (var i = 0; i < columns; i++)
            {
                var cell = row[i].AsSpan().Trim();
                if (CommaDecimal().IsMatch(cell))
                {
                    comma++;
                }
                else if (DotDecimal().IsMatch(cell))
                {
                    dot++;
                }
            }
        }

        return comma > 0 && dot > 0 ? null : comma > 0 ? "," : ".";
    }

    private sealed class Observed
    {
        public int Empty;
        public readonly Dictionary<string, int> Tokens = new(StringComparer.Ordinal);
        public readonly List<string> Values = [];
        public readonly Dictionary<string, int> Distinct = new(StringComparer.Ordinal);
        public string? DateFormat;
    }

    private static Observed Observe(List<string[]> rows, int column)
    {
        var o = new Observed();
        foreach (var row in rows)
        {
            var cell = row[column].Trim();
            if (cell.Length == 0)
            {
                o.Empty++;
            }
            else if (CandidateTokens.Contains(cell, StringComparer.Ordinal))
            {
                o.Tokens[cell] = o.Tokens.GetValueOrDefault(cell) + 1;
            }
            else
            {
                o.Values.Add(cell);
                o.Distinct[cell] = o.Distinct.GetValueOrDefault(cell) + 1;
            }
        }

        return o;
    }

    private static (ColumnSpec Column, ColumnProfile Profile) InferColumn(int index, string header, string name, Observed o, string? decimalSeparator, List<InferenceNote> notes)
    {
        var words = PrivacyHeuristics.Words(header);
        var normalized = HeaderNormalizer.Normalize(header);
        var (type, categories) = InferType(name, words, o, decimalSeparator, notes);
        var distinctCount = type == ColumnType.Category ? categories!.Count : o.Distinct.Count;

        // Privacy: a direct identifier by name or by value first, then the other roles by name, then by value.
        var byName = PrivacyHeuristics.ByName(words, normalized);
        var isText = type is ColumnType.String or ColumnType.Category;
        var role = PrivacyRole.None;
        string? why = null;
        if (byName is { Role: PrivacyRole.Direct } d)
        {
            (role, why) = d;
        }
        else if (isText && PrivacyHeuristics.DirectByValue(o.Values, personNames: type == ColumnType.String) is { } kind)
        {
            (role, why) = (PrivacyRole.Direct, $"most values look like {kind}");
        }
        else if (type == ColumnType.String && PrivacyHeuristics.LooksLikeFreeText(o.Values))
        {
            (role, why) = (PrivacyRole.Direct, "free text, which may hold names or other identifiers");
        }
        else if (byName is { } other)
        {
            (role, why) = other;
        }
        else if (type is ColumnType.Date or ColumnType.DateTime)
        {
            (role, why) = (PrivacyRole.Quasi, "a date: any date element other than the year can identify someone");
        }
        else if (isText && PrivacyHeuristics.LooksLikePostalCodes(o.Values))
        {
            (role, why) = (PrivacyRole.Quasi, "most values look like postal codes");
        }
        else if ((type == ColumnType.String && PrivacyHeuristics.LooksLikeCodes(o.Values, o.Distinct.Count)) || (type == ColumnType.Integer && IsRowNumber(o)))
        {
            (role, why) = (PrivacyRole.Identifier, "every value is distinct and looks like a code or a record number");
        }

        var column = new ColumnSpec { Name = name, Type = type, Categories = categories };
        if (HeaderNormalizer.Normalize(name) != normalized)
        {
            column = column with { Aliases = [header.Trim()] };
        }

        column = role switch
        {
            PrivacyRole.Direct => column with { Type = ColumnType.String, Categories = null, Privacy = role },
            PrivacyRole.Identifier => column with { Type = ColumnType.String, Categories = null, Privacy = role },
            PrivacyRole.Quasi => Quasi(column, words, o, notes),
            _ => column,
        };

        var identifying = role is not PrivacyRole.None;
        AddRoleNotes(column, why, o, notes);
        if (!identifying && column.Type is ColumnType.Integer or ColumnType.Number)
        {
            NumericNotes(column.Name, o, decimalSeparator, notes);
        }

        var (min, max) = !identifying && column.Type is ColumnType.Integer or ColumnType.Number ? Range(o, decimalSeparator) : (null, null);
        var profile = new ColumnProfile(
            index + 1, name, Json(column.Type), Json(column.Privacy), why, o.Values.Count, o.Empty,
            new SortedDictionary<string, int>(o.Tokens, StringComparer.Ordinal), distinctCount, min, max);
        return (column, profile);
    }

    /// <summary>The type every non-missing value of the sample is valid as, checked with ingestion's own normalizer.</summary>
    private static (ColumnType Type, IReadOnlyDictionary<string, IReadOnlyList<string>>? Categories) InferType(
        string name, IReadOnlyList<string> words, Observed o, string? decimalSeparator, List<InferenceNote> notes)
    {
        var values = o.Distinct.Keys.ToList();
        if (values.Count == 0)
        {
            notes.Add(new InferenceNote(name, "no-values", "No value in this sample (every cell empty or a missing-value token): proposed as a string; set its type."));
            return (ColumnType.String, null);
        }

        var lower = values.Select(v => v.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        if (lower.All(v => TrueWords.Contains(v) || FalseWords.Contains(v)) && lower.Any(TrueWords.Contains) && lower.Any(FalseWords.Contains))
        {
            return (ColumnType.Boolean, null);
        }

        var dateName = words.Any(DateWords.Contains);
        if (dateName && values.All(v => v.Length == 8 && v.All(char.IsAsciiDigit)) && AllValid(values, ColumnType.Date, decimalSeparator, "yyyyMMdd"))
        {
            o.DateFormat = "yyyyMMdd";
            return (ColumnType.Date, null);
        }

        if (values.All(v => Digits().IsMatch(v)) && values.Any(v => LeadingZero().IsMatch(v) || v.TrimStart('+', '-').Length > 9))
        {
            // A postal code, a phone or social security number, an account: an integer column would lose the leading
            // zeros or overflow.
            notes.Add(new InferenceNote(name, "digit-codes", "Digits with leading zeros or more than 9 of them: a code, not a quantity, so proposed as a string."));
            return (ColumnType.String, null);
        }

        if (AllValid(values, ColumnType.Integer, decimalSeparator))
        {
            return (ColumnType.Integer, null);
        }

        if (AllValid(values, ColumnType.Number, decimalSeparator))
        {
            return (ColumnType.Number, null);
        }

        var formats = DateFormats.Where(f => AllValid(values, ColumnType.Date, decimalSeparator, f)).ToList();
        if (formats.Count > 0)
        {
            o.DateFormat = formats[0];
            if (formats.Contains("dd/MM/yyyy") && formats.Contains("MM/dd/yyyy"))
            {
                notes.Add(new InferenceNote(name, "date-order-ambiguous", "Every date of the sample reads as day/month and as month/day: proposed as dd/MM/yyyy; change dialect.dateFormats if the file is month first."));
            }

            return (ColumnType.Date, null);
        }

        if (values.All(v => DateTimeShape().IsMatch(v)) && AllValid(values, ColumnType.DateTime, decimalSeparator))
        {
            return (ColumnType.DateTime, null);
        }

        // A category: few levels, each seen more than once on average; spellings that differ only in case or accents are
        // one level (ingestion matches categories that way), named by the most frequent spelling.
        var levels = o.Distinct
            .GroupBy(kv => CategoryFolding.Fold(kv.Key), StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key)
            .ToList();
        if (levels.Count <= MaxCategoryLevels && levels.Count * 3 <= Math.Max(o.Values.Count, 6) && values.All(v => v.Length <= 64 && CategoryFolding.Fold(v).Length > 0))
        {
            var ordered = o.Values.Select(v => CategoryFolding.Fold(v)).Distinct(StringComparer.Ordinal)
                .Select(f => levels.First(l => CategoryFolding.Fold(l) == f)).ToList();
            return (ColumnType.Category, ordered.ToDictionary(l => l, _ => (IReadOnlyList<string>)[], StringComparer.Ordinal));
        }

        return (ColumnType.String, null);
    }

    private static bool AllValid(List<string> values, ColumnType type, string? decimalSeparator, string? dateFormat = null)
    {
        var dialect = new DialectSpec { DecimalSeparator = decimalSeparator, DateFormats = [dateFormat ?? "yyyy-MM-dd"], MissingValues = [] };
        var normalizer = new ColumnNormalizer(new ColumnSpec { Name = "probe", Type = type }, dialect, decimalSeparator == "." ? ',' : ';', ProbeDay);
        return values.All(v => normalizer.Normalize(v).Status == CellStatus.Value);
    }

    /// <summary>A quasi-identifier is generalized as the contract requires of dates and strings, and never shows its values.</summary>
    private static ColumnSpec Quasi(ColumnSpec column, IReadOnlyList<string> words, Observed o, List<InferenceNote> notes)
    {
        column = column with { Privacy = PrivacyRole.Quasi };
        switch (column.Type)
        {
            case ColumnType.Date:
                return column with { Generalize = new GeneralizeSpec { Kind = GeneralizeKind.Year } };
            case ColumnType.DateTime:
                notes.Add(new InferenceNote(column.Name, "quasi-generalized", "A date-time quasi-identifier can only be dropped (year generalization applies to date columns): proposed with generalize drop."));
                return column with { Generalize = new GeneralizeSpec { Kind = GeneralizeKind.Drop } };
            case ColumnType.String or ColumnType.Category when PrivacyHeuristics.IsPostalName(words) || PrivacyHeuristics.LooksLikePostalCodes(o.Values):
                notes.Add(new InferenceNote(column.Name, "quasi-generalized", "A postal code keeps its first 3 characters (generalize prefix 3)."));
                return column with { Type = ColumnType.String, Categories = null, Generalize = new GeneralizeSpec { Kind = GeneralizeKind.Prefix, Length = 3 } };
            case ColumnType.String or ColumnType.Category when PrivacyHeuristics.IsSexName(words) || o.Distinct.Count <= 5:
                notes.Add(new InferenceNote(column.Name, "quasi-generalized",
                    "A quasi-identifier's levels are never part of a proposal: proposed as a string generalized to its first character (prefix 1). Make it a category and list its levels (e.g. F and M with their aliases) to keep its values and check them."));
                return column with { Type = ColumnType.String, Categories = null, Generalize = new GeneralizeSpec { Kind = GeneralizeKind.Prefix, Length = 1 } };
            case ColumnType.String or ColumnType.Category:
                notes.Add(new InferenceNote(column.Name, "quasi-generalized", "A quasi-identifier text with many values is proposed with generalize drop; choose prefix N to keep a coarser form."));
                return column with { Type = ColumnType.String, Categories = null, Generalize = new GeneralizeSpec { Kind = GeneralizeKind.Drop } };
            default:
                return column; // numbers, integers and booleans are kept and counted in k-anonymity
        }
    }

    private static void AddRoleNotes(ColumnSpec column, string? why, Observed o, List<InferenceNote> notes)
    {
        switch (column.Privacy)
        {
            case PrivacyRole.Direct:
                notes.Add(new InferenceNote(column.Name, "direct-identifier", $"Proposed as a direct identifier ({why}): dropped at ingestion and never parsed. If it is not one, give it its type and privacy none."));
                break;
            case PrivacyRole.Identifier:
                var unique = o.Distinct.Count == o.Values.Count && o.Empty + o.Tokens.Values.Sum() == 0;
                notes.Add(new InferenceNote(column.Name, "identifier",
                    $"Proposed as an identifier ({why}): stored as a keyed pseudonym, never used as a feature." +
                    (unique ? " Every value of the sample is distinct: it may be the primaryKey (then mark it required)." : "")));
                break;
            case PrivacyRole.Quasi:
                notes.Add(new InferenceNote(column.Name, "quasi-identifier", $"Proposed as a quasi-identifier ({why}): counted in k-anonymity; the report shows counts only, never its values."));
                break;
            default:
                break;
        }
    }

    /// <summary>Values that look like "not measured": zeros far below every other value, and 9-filled or negative codes.</summary>
    private static void NumericNotes(string name, Observed o, string? decimalSeparator, List<InferenceNote> notes)
    {
        var numbers = Numbers(o, decimalSeparator);
        if (numbers.Count == 0)
        {
            return;
        }

        var distinct = numbers.Distinct().Order().ToList();
        var zeros = numbers.Count(x => x == 0);
        var positive = distinct.Where(x => x > 0).ToList();
        if (zeros >= 2 && distinct[0] >= 0 && positive.Count >= 5)
        {
            // The gap from 0 to the smallest other value against the usual gap between the smallest values: a lab value
            // measured from 44 up with steps of 1 does not have a real 0; a count 0, 1, 2, ... does.
            var gaps = positive.Take(20).Zip(positive.Skip(1).Take(19), (a, b) => b - a).Order().ToList();
            var usual = gaps.Count > 0 ? gaps[gaps.Count / 2] : positive[0];
            if (positive[0] >= 5 * usual)
            {
                notes.Add(new InferenceNote(name, "zero-as-missing", string.Create(CultureInfo.InvariantCulture,
                    $"{zeros} zeros while every other value is at least {positive[0]}: 0 may mean \"not measured\". If so, add \"missingWhen\": [0].")));
            }
        }

        var max = distinct[^1];
        if (distinct.Count >= 3 && HighSentinels.Contains(max) && max >= 3 * distinct[^2])
        {
            notes.Add(new InferenceNote(name, "code-as-missing", string.Create(CultureInfo.InvariantCulture,
                $"{numbers.Count(x => x == max)} cells hold {max}, far above every other value: a code for \"unknown\"? If so, add \"missingWhen\": [{max}].")));
        }

        var min = distinct[0];
        if (distinct.Count >= 3 && LowSentinels.Contains(min) && distinct[1] >= 0)
        {
            notes.Add(new InferenceNote(name, "code-as-missing", string.Create(CultureInfo.InvariantCulture,
                $"{numbers.Count(x => x == min)} cells hold {min} while every other value is 0 or more: a code for \"unknown\"? If so, add \"missingWhen\": [{min}].")));
        }
    }

    private static List<double> Numbers(Observed o, string? decimalSeparator)
    {
        var list = new List<double>(o.Values.Count);
        foreach (var v in o.Values)
        {
            var text = decimalSeparator == "," || (decimalSeparator is null && v.Contains(',', StringComparison.Ordinal)) ? v.Replace(',', '.') : v;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
            {
                list.Add(x);
            }
        }

        return list;
    }

    private static (double? Min, double? Max) Range(Observed o, string? decimalSeparator)
    {
        var numbers = Numbers(o, decimalSeparator);
        return numbers.Count == 0 ? (null, null) : (numbers.Min(), numbers.Max());
    }

    /// <summary>A row or record number: integers from 0 or 1, strictly increasing down the file, with few gaps (an
    /// export's row names). A measurement is neither sorted nor starting at 1.</summary>
    private static bool IsRowNumber(Observed o)
    {
        if (o.Values.Count < 20 || o.Distinct.Count != o.Values.Count)
        {
            return false;
        }

        var numbers = o.Values.Select(v => long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ToList();
        var increasing = numbers.Zip(numbers.Skip(1), (a, b) => b > a).All(x => x);
        return increasing && numbers[0] is 0 or 1 && numbers[^1] - numbers[0] + 1 <= numbers.Count * 3 / 2;
    }

    private static string Json(ColumnType type) => type switch
    {
        ColumnType.DateTime => "datetime",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string Json(PrivacyRole role) => role.ToString().ToLowerInvariant();

    [GeneratedRegex(@"^[+-]?0[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingZero();

    [GeneratedRegex(@"^[+-]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

    [GeneratedRegex(@"^[+-]?[0-9]*,[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex CommaDecimal();

    [GeneratedRegex(@"^[+-]?[0-9]*\.[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DotDecimal();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeShape();

    [GeneratedRegex(@"^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex DataLike();
}
