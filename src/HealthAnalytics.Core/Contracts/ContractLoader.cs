using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Contracts;

/// <summary>Either a valid contract or the list of everything wrong with it.</summary>
public sealed record ContractLoadResult(DatasetContract? Contract, IReadOnlyList<ConfigError> Errors)
{
    public bool IsValid => Contract is not null && Errors.Count == 0;
}

/// <summary>
/// Parses a contract's JSON and checks it: shape (unknown members, types) first, then meaning
/// (names, references between columns, ranges, generalization, units). A contract with any error is
/// never returned, so callers cannot half-apply one.
/// </summary>
public static class ContractLoader
{
    private static readonly string[] Encodings = ["utf-8", "utf-16", "windows-1252"];
    private static readonly string[] Delimiters = [",", ";", "\t", "|"];

    /// <summary>Options that read contract JSON: camelCase, strict about unknown members, comments allowed.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static ContractLoadResult Load(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        DatasetContract? contract;
        try
        {
            contract = JsonSerializer.Deserialize<DatasetContract>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            // The serializer's message names the member and the offending JSON token, never more.
            return new(null, [new ConfigError(ex.Path ?? "$", Trim(ex.Message))]);
        }

        if (contract is null)
        {
            return new(null, [new ConfigError("$", "the contract is null")]);
        }

        var errors = Validate(contract);
        return errors.Count == 0 ? new(contract, errors) : new(null, errors);
    }

    private static string Trim(string message)
    {
        // System.Text.Json appends " Path: $.x | LineNumber: ..." which duplicates the path we report.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>Semantic checks of an already parsed contract.</summary>
    public static IReadOnlyList<ConfigError> Validate(DatasetContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var errors = new List<ConfigError>();
        void Add(string path, string message) => errors.Add(new ConfigError(path, message));

        if (!ConfigNames.IsValid(contract.Name))
        {
            Add("$.name", "must be " + ConfigNames.Rule);
        }

        if (string.IsNullOrWhiteSpace(contract.Version))
        {
            Add("$.version", "is required");
        }

        ValidateDialect(contract.Dialect, Add);

        if (contract.Duplicates != "first-wins")
        {
            Add("$.duplicates", "only 'first-wins' is supported");
        }

        if (contract.Columns.Count == 0)
        {
            Add("$.columns", "at least one column is required");
        }

        var byName = new Dictionary<string, ColumnSpec>(StringComparer.Ordinal);
        var headerNames = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < contract.Columns.Count; i++)
        {
            var c = contract.Columns[i];
            var p = $"$.columns[{i}]";
            if (c is null)
            {
                Add(p, "is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(c.Name))
            {
                Add($"{p}.name", "is required");
                continue;
            }

            if (!byName.TryAdd(c.Name, c))
            {
                Add($"{p}.name", $"column '{c.Name}' is declared twice");
            }

            foreach (var header in c.Aliases.Prepend(c.Name).Concat(c.HeaderUnits?.Keys ?? Enumerable.Empty<string>()))
            {
                var n = HeaderNormalizer.Normalize(header);
                if (n.Length == 0)
                {
                    Add($"{p}.aliases", "a blank alias is not allowed");
                }
                else if (headerNames.TryGetValue(n, out var owner) && owner != c.Name)
                {
                    Add($"{p}.aliases", $"header '{header}' also names column '{owner}'");
                }
                else
                {
                    headerNames[n] = c.Name;
                }
            }

            ValidateColumn(c, p, contract.Dialect, Add);
        }

        MissingValueRules.Validate(contract, Add);

        for (var i = 0; i < contract.PrimaryKey.Count; i++)
        {
            var key = contract.PrimaryKey[i];
            if (!byName.TryGetValue(key, out var col))
            {
                Add($"$.primaryKey[{i}]", $"column '{key}' does not exist");
            }
            else if (col.Privacy == PrivacyRole.Direct)
            {
                Add($"$.primaryKey[{i}]", $"column '{key}' is a direct identifier, which is never parsed");
            }
            else if (!col.Required)
            {
                Add($"$.primaryKey[{i}]", $"column '{key}' must be required");
            }
        }

        for (var i = 0; i < contract.Derived.Count; i++)
        {
            var d = contract.Derived[i];
            var p = $"$.derived[{i}]";
            if (d is null)
            {
                Add(p, "is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(d.Name) || byName.ContainsKey(d.Name) || headerNames.ContainsKey(HeaderNormalizer.Normalize(d.Name)))
            {
                Add($"{p}.name", $"derived column '{d.Name}' is blank or collides with a column");
            }

            if (d.Type != ColumnType.Integer)
            {
                Add($"{p}.type", "derived functions produce integers");
            }

            if (d.From.Count != 2)
            {
                Add($"{p}.from", "needs exactly two date columns (start, end)");
            }

            for (var j = 0; j < d.From.Count; j++)
            {
                if (!byName.TryGetValue(d.From[j], out var src))
                {
                    Add($"{p}.from[{j}]", $"column '{d.From[j]}' does not exist");
                }
                else if (src.Type != ColumnType.Date)
                {
                    Add($"{p}.from[{j}]", $"column '{d.From[j]}' is not a date");
                }
                else if (src.Privacy == PrivacyRole.Direct)
                {
                    Add($"{p}.from[{j}]", $"column '{d.From[j]}' is a direct identifier, which is never parsed");
                }
            }

            ValidateRange(d.Range, $"{p}.range", Add);
            if (d.Privacy is PrivacyRole.Identifier or PrivacyRole.Direct)
            {
                Add($"{p}.privacy", "a derived column can be none, sensitive or quasi");
            }

            if (d.TopCode is { } top && d.Range is { Min: { } min } && top < min)
            {
                Add($"{p}.topCode", "is below the range minimum");
            }
        }

        return errors;
    }

    private static void ValidateDialect(DialectSpec? dialect, Action<string, string> add)
    {
        if (dialect is null)
        {
            add("$.dialect", "is null");
            return;
        }

        if (dialect.Delimiter is not null && !Delimiters.Contains(dialect.Delimiter))
        {
            add("$.dialect.delimiter", "must be one of ',', ';', tab, '|' or null (sniffed)");
        }

        if (dialect.DecimalSeparator is not null and not "." and not ",")
        {
            add("$.dialect.decimalSeparator", "must be '.', ',' or null");
        }

        if (dialect.Delimiter == "," && dialect.DecimalSeparator == ",")
        {
            add("$.dialect.decimalSeparator", "cannot be ',' when the delimiter is ','");
        }

        if (dialect.Encoding is not null && !Encodings.Contains(dialect.Encoding, StringComparer.OrdinalIgnoreCase))
        {
            add("$.dialect.encoding", "must be utf-8, utf-16, windows-1252 or null");
        }

        if (dialect.DateFormats.Count == 0)
        {
            add("$.dialect.dateFormats", "at least one format is required");
        }

        for (var i = 0; i < dialect.DateFormats.Count; i++)
        {
            if (!DateFormat.TryCreate(dialect.DateFormats[i], out _))
            {
                add($"$.dialect.dateFormats[{i}]", "must contain yyyy, MM and dd once each, other characters being non-letter separators");
            }
        }
    }

    private static void ValidateColumn(ColumnSpec c, string p, DialectSpec dialect, Action<string, string> add)
    {
        var isNumeric = c.Type is ColumnType.Integer or ColumnType.Number;
        if (c.Type == ColumnType.Category)
        {
            if (c.Categories is null || c.Categories.Count == 0)
            {
                add($"{p}.categories", "a category column needs at least one category");
            }
            else
            {
                var seen = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (canonical, aliases) in c.Categories)
                {
                    foreach (var v in (aliases ?? []).Prepend(canonical))
                    {
                        var folded = CategoryFolding.Fold(v);
                        if (folded.Length == 0)
                        {
                            add($"{p}.categories.{canonical}", "a blank category or alias is not allowed");
                        }
                        else if (seen.TryGetValue(folded, out var other) && other != canonical)
                        {
                            add($"{p}.categories.{canonical}", $"'{v}' also belongs to category '{other}'");
                        }
                        else
                        {
                            seen[folded] = canonical;
                        }
                    }
                }
            }
        }
        else if (c.Categories is not null)
        {
            add($"{p}.categories", "only category columns have categories");
        }

        if (c.Pattern is not null)
        {
            if (c.Type != ColumnType.String)
            {
                add($"{p}.pattern", "only string columns have a pattern");
            }

            try
            {
                _ = new Regex(c.Pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                add($"{p}.pattern", "is not a valid regular expression");
            }
            catch (NotSupportedException)
            {
                // Patterns run on the non-backtracking engine (linear time per cell): docs/contracts.md.
                add($"{p}.pattern", "uses a construct the non-backtracking engine cannot run (backreference, lookaround, atomic group or conditional); rewrite it without one");
            }
        }

        if (c.UpperCase && c.Type != ColumnType.String)
        {
            add($"{p}.upperCase", "only string columns can be upper-cased");
        }

        if ((c.Unit is not null || c.Units is not null || c.HeaderUnits is not null) && !isNumeric)
        {
            add($"{p}.unit", "only integer and number columns have units");
        }

        if (c.Units is not null)
        {
            if (c.Unit is null)
            {
                add($"{p}.units", "conversions need the canonical 'unit'");
            }

            foreach (var (unit, conv) in c.Units)
            {
                if (conv is null || !double.IsFinite(conv.Factor) || conv.Factor == 0 || !double.IsFinite(conv.Offset))
                {
                    add($"{p}.units.{unit}", "factor must be finite and non-zero, offset finite");
                }
            }
        }

        if (c.HeaderUnits is not null)
        {
            foreach (var (header, unit) in c.HeaderUnits)
            {
                if (c.Units is null || !c.Units.ContainsKey(unit))
                {
                    add($"{p}.headerUnits.{header}", $"unit '{unit}' is not one of the column's units");
                }
            }
        }

        if (c.Range is not null && !isNumeric)
        {
            add($"{p}.range", "only integer and number columns have a range");
        }

        ValidateRange(c.Range, $"{p}.range", add);

        if (c.NotAfterToday && c.Type is not (ColumnType.Date or ColumnType.DateTime))
        {
            add($"{p}.notAfterToday", "only date columns can be checked against today");
        }

        if (c.Generalize is { } g)
        {
            if (c.Privacy != PrivacyRole.Quasi)
            {
                add($"{p}.generalize", "only quasi-identifier columns are generalized");
            }

            switch (g.Kind)
            {
                case GeneralizeKind.Year when c.Type != ColumnType.Date:
                    add($"{p}.generalize.kind", "'year' applies to date columns");
                    break;
                case GeneralizeKind.Prefix when c.Type != ColumnType.String:
                    add($"{p}.generalize.kind", "'prefix' applies to string columns");
                    break;
                case GeneralizeKind.Prefix when g.Length is null or < 1:
                    add($"{p}.generalize.length", "'prefix' needs a length of at least 1");
                    break;
                default:
                    break;
            }
        }
        else if (c.Privacy == PrivacyRole.Quasi && c.Type is ColumnType.Date or ColumnType.DateTime or ColumnType.String)
        {
            // An exact birth date or a full postal code in curated data breaks the privacy rules (docs/ingestion.md).
            add($"{p}.generalize", "a quasi-identifier date or string must be generalized (year, prefix or drop)");
        }

        if (c.Privacy == PrivacyRole.Identifier && c.Type != ColumnType.String)
        {
            add($"{p}.privacy", "identifiers must be string columns (they become pseudonyms)");
        }

        _ = dialect;
    }

    private static void ValidateRange(RangeSpec? range, string path, Action<string, string> add)
    {
        if (range is null)
        {
            return;
        }

        if (range.Min is { } min && !double.IsFinite(min) || range.Max is { } max && !double.IsFinite(max))
        {
            add(path, "bounds must be finite");
        }
        else if (range.Min > range.Max)
        {
            add(path, $"min ({range.Min}) is greater than max ({range.Max})");
        }
    }
}
