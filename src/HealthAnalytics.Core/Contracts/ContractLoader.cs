using System.Text;
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
public static partial class ContractLoader
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
            // The serializer's message quotes the document (an unknown member's name, a token): only its kind is kept,
            // and the path keeps only the members of the contract format and array positions.
            return new(null, [new ConfigError(SafePath(ex.Path), ShapeMessage(ex.Message))]);
        }

        if (contract is null)
        {
            return new(null, [new ConfigError("$", "the contract is null")]);
        }

        var errors = Validate(contract);
        return errors.Count == 0 ? new(contract, errors) : new(null, errors);
    }

    /// <summary>Member names of the contract format: the only names a reported path may hold.</summary>
    private static readonly HashSet<string> FormatMembers = new(StringComparer.Ordinal)
    {
        "$schema", "name", "version", "description", "dialect", "delimiter", "decimalSeparator", "encoding", "dateFormats",
        "primaryKey", "duplicates", "keyScope", "columns", "aliases", "type", "required", "notAfterToday", "privacy",
        "privacyWaiver", "reason", "approvedBy", "generalize", "kind", "length", "categories", "pattern", "upperCase",
        "unit", "units", "factor", "offset", "headerUnits", "range", "min", "max", "derived", "function", "from", "topCode", "missingValues", "missingWhen", "onInvalid",
    };

    /// <summary>A serializer path with every member name that is not part of the format (a category, a unit, an
    /// unknown member) replaced by <c>*</c>: errors name paths, never the document's own words.</summary>
    private static string SafePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "$";
        }

        var safe = new StringBuilder("$");
        foreach (Match m in PathSegment().Matches(path))
        {
            if (m.Groups["index"].Success)
            {
                safe.Append('[').Append(m.Groups["index"].Value).Append(']');
            }
            else
            {
                var member = m.Groups["dotted"].Success ? m.Groups["dotted"].Value : m.Groups["quoted"].Value;
                safe.Append('.').Append(FormatMembers.Contains(member) ? member : "*");
            }
        }

        return safe.ToString();
    }

    private static string ShapeMessage(string message) =>
        message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a member of the contract format"
        : message.Contains("missing required properties", StringComparison.Ordinal) ? "misses a required member"
        : message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase) ? "must not be null"
        : message.Contains("could not be converted", StringComparison.Ordinal) ? "has a value of the wrong type or an unknown value"
        : "is not valid JSON here";

    [GeneratedRegex(@"\[(?<index>[0-9]+)\]|\['(?<quoted>(?:[^']|'')*)'\]|\.(?<dotted>[^.\[]+)", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegment();

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
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var headerNames = new Dictionary<string, int>(StringComparer.Ordinal);
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
                Add($"{p}.name", $"same name as $.columns[{indexOf[c.Name]}]");
            }
            else
            {
                indexOf[c.Name] = i;
            }

            foreach (var header in c.Aliases.Prepend(c.Name).Concat(c.HeaderUnits?.Keys ?? Enumerable.Empty<string>()))
            {
                var n = HeaderNormalizer.Normalize(header);
                if (n.Length == 0)
                {
                    Add($"{p}.aliases", "a blank alias is not allowed");
                }
                else if (headerNames.TryGetValue(n, out var owner) && owner != i)
                {
                    Add($"{p}.aliases", $"a header (name, alias or headerUnits key) is the same, after normalization, as one of $.columns[{owner}]");
                }
                else
                {
                    headerNames[n] = i;
                }
            }

            ValidateColumn(c, p, contract.Dialect, Add);
            ValidatePrivacyFloor(c, p, Add);
        }

        MissingValueRules.Validate(contract, Add);

        for (var i = 0; i < contract.PrimaryKey.Count; i++)
        {
            var key = contract.PrimaryKey[i];
            if (!byName.TryGetValue(key, out var col))
            {
                Add($"$.primaryKey[{i}]", "names no column");
            }
            else if (col.Privacy == PrivacyRole.Direct)
            {
                Add($"$.primaryKey[{i}]", $"names $.columns[{indexOf[key]}], a direct identifier, which is never parsed");
            }
            else if (!col.Required)
            {
                Add($"$.primaryKey[{i}]", $"names $.columns[{indexOf[key]}], which must be required");
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
                Add($"{p}.name", "is blank or collides with a column's name or header");
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
                    Add($"{p}.from[{j}]", "names no column");
                }
                else if (src.Type != ColumnType.Date)
                {
                    Add($"{p}.from[{j}]", $"names $.columns[{indexOf[d.From[j]]}], which is not a date");
                }
                else if (src.Privacy == PrivacyRole.Direct)
                {
                    Add($"{p}.from[{j}]", $"names $.columns[{indexOf[d.From[j]]}], a direct identifier, which is never parsed");
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
                // Categories are named by their position (entry 1, 2, ...): a path or message never quotes the document.
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                var entry = 0;
                foreach (var (canonical, aliases) in c.Categories)
                {
                    entry++;
                    foreach (var v in (aliases ?? []).Prepend(canonical))
                    {
                        var folded = CategoryFolding.Fold(v);
                        if (folded.Length == 0)
                        {
                            add($"{p}.categories", $"entry {entry}: a blank category or alias is not allowed");
                        }
                        else if (seen.TryGetValue(folded, out var other) && other != entry)
                        {
                            add($"{p}.categories", $"entry {entry}: a value or alias also belongs to entry {other}");
                        }
                        else
                        {
                            seen[folded] = entry;
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

            var entry = 0;
            foreach (var (_, conv) in c.Units)
            {
                entry++;
                if (conv is null || !double.IsFinite(conv.Factor) || conv.Factor == 0 || !double.IsFinite(conv.Offset))
                {
                    add($"{p}.units", $"entry {entry}: factor must be finite and non-zero, offset finite");
                }
            }
        }

        if (c.HeaderUnits is not null)
        {
            var entry = 0;
            foreach (var (_, unit) in c.HeaderUnits)
            {
                entry++;
                if (c.Units is null || !c.Units.ContainsKey(unit))
                {
                    add($"{p}.headerUnits", $"entry {entry}: the unit is not a key of the column's units");
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

    /// <summary>
    /// The privacy floor (docs/contracts.md): a <c>none</c> or <c>sensitive</c> column whose name, an alias or a
    /// <c>headerUnits</c> key looks like a direct identifier (<see cref="IdentifierPatterns"/>), or whose values are full
    /// dates of an individual (a date column), needs an explicit <see cref="PrivacyWaiver"/>. Values of other columns
    /// can only be checked at ingestion (<see cref="PrivacyFloor"/>).
    /// </summary>
    private static void ValidatePrivacyFloor(ColumnSpec c, string p, Action<string, string> add)
    {
        var open = c.Privacy is PrivacyRole.None or PrivacyRole.Sensitive;
        if (c.PrivacyWaiver is { } waiver)
        {
            if (!open)
            {
                add($"{p}.privacyWaiver", "only a none or sensitive column can carry a waiver");
            }

            if (string.IsNullOrWhiteSpace(waiver.Reason))
            {
                add($"{p}.privacyWaiver.reason", "is required");
            }

            if (string.IsNullOrWhiteSpace(waiver.ApprovedBy))
            {
                add($"{p}.privacyWaiver.approvedBy", "is required");
            }

            return;
        }

        if (!open)
        {
            return;
        }

        var headers = c.Aliases.Prepend(c.Name).Concat(c.HeaderUnits?.Keys ?? Enumerable.Empty<string>());
        if (headers.Any(h => h is not null && IdentifierPatterns.NameLooksLikeDirectIdentifier(h)))
        {
            add($"{p}.privacy", "the column's name or an alias looks like a direct identifier: make it identifier, direct or quasi, or add a privacyWaiver");
        }
        else if (c.Type is ColumnType.Date or ColumnType.DateTime)
        {
            add($"{p}.privacy", "a full date of an individual is an identifier: make the column quasi with a generalization, or add a privacyWaiver");
        }
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
            add(path, "min is greater than max");
        }
    }
}
