using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Contracts;

/// <summary>
/// Which cells of a column mean "missing" (docs/contracts.md, "Missing values"): the missing-value tokens in force for a
/// column, and the contract checks of <c>missingValues</c>, <c>missingWhen</c> and <c>onInvalid</c>.
/// </summary>
public static class MissingValueRules
{
    /// <summary>Longest token accepted (a token is a convention such as <c>NA</c>, not data).</summary>
    public const int MaxTokenLength = 32;

    /// <summary>Most tokens in one list.</summary>
    public const int MaxTokens = 64;

    /// <summary>Most <c>missingWhen</c> values of one column.</summary>
    public const int MaxMissingWhen = 32;

    /// <summary>
    /// The tokens in force when a contract says nothing (<c>dialect.missingValues</c> absent): R's <c>NA</c>, ARFF's and
    /// UCI's <c>?</c>, SAS's and Stata's <c>.</c>, SQL's <c>NULL</c>, spreadsheets' <c>#N/A</c> and the common spellings of
    /// "not available". None of them is a number, a date, a boolean word or (unless a contract lists it) a category, so
    /// reading them as missing in those columns cannot hide a real value. String columns are left alone by default,
    /// because there any text may be a value (<c>NA</c> is also sodium, Namibia or someone's initials) — except
    /// identifiers: an <c>NA</c> read as an identifier would give every such row the same pseudonym, linking records of
    /// different people, which is worse than losing an identifier spelled <c>NA</c>.
    /// </summary>
    public static IReadOnlyList<string> DefaultTokens { get; } = ["NA", "N/A", "n/a", "?", ".", "NULL", "null", "#N/A"];

    /// <summary>
    /// The tokens that mean missing in <paramref name="column"/>: its own list, else the dialect's, else
    /// <see cref="DefaultTokens"/> unless it is a string column that is not an identifier; never an empty token (an empty cell is missing anyway),
    /// and, in a category column, never one that is also a category or an alias (the column's own values win).
    /// </summary>
    public static IReadOnlyList<string> TokensFor(ColumnSpec column, DialectSpec dialect)
    {
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(dialect);
        var tokens = column.MissingValues ?? dialect.MissingValues
            ?? (column.Type == ColumnType.String && column.Privacy != PrivacyRole.Identifier ? [] : DefaultTokens);
        if (tokens.Count == 0)
        {
            return [];
        }

        var categories = CategoryKeys(column);
        return [.. tokens.Where(t => !string.IsNullOrEmpty(t) && (categories is null || !categories.Contains(CategoryFolding.Fold(t)))).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Checks the missing-value members of a contract; errors name a JSON path and never quote the document.</summary>
    public static void Validate(DatasetContract contract, Action<string, string> add)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(add);
        if (contract.Dialect is { MissingValues: { } datasetTokens })
        {
            ValidateTokens(datasetTokens, "$.dialect.missingValues", null, add);
        }

        for (var i = 0; i < contract.Columns.Count; i++)
        {
            var c = contract.Columns[i];
            if (c is null || string.IsNullOrWhiteSpace(c.Name))
            {
                continue; // reported by the column checks
            }

            var p = $"$.columns[{i}]";
            var direct = c.Privacy == PrivacyRole.Direct;
            if (c.MissingValues is { } tokens)
            {
                if (direct)
                {
                    add($"{p}.missingValues", "a direct identifier is never parsed, so it has no missing-value tokens");
                }

                ValidateTokens(tokens, $"{p}.missingValues", CategoryKeys(c), add);
            }

            if (c.MissingWhen is { } values)
            {
                if (c.Type is not (ColumnType.Integer or ColumnType.Number))
                {
                    add($"{p}.missingWhen", "only integer and number columns have values that mean missing; use missingValues for text");
                }
                else if (direct)
                {
                    add($"{p}.missingWhen", "a direct identifier is never parsed");
                }

                if (values.Count > MaxMissingWhen)
                {
                    add($"{p}.missingWhen", $"at most {MaxMissingWhen} values");
                }

                for (var j = 0; j < values.Count; j++)
                {
                    if (!double.IsFinite(values[j]))
                    {
                        add($"{p}.missingWhen[{j}]", "must be a finite number");
                    }
                    else if (c.Type == ColumnType.Integer && values[j] != Math.Floor(values[j]))
                    {
                        add($"{p}.missingWhen[{j}]", "an integer column's value that means missing must be a whole number");
                    }
                }
            }

            if (c.OnInvalid == InvalidCellAction.SetMissing)
            {
                if (c.Required)
                {
                    // A required column cannot be missing, so its invalid cells always quarantine the row.
                    add($"{p}.onInvalid", "'set-missing' cannot apply to a required column");
                }
                else if (direct)
                {
                    add($"{p}.onInvalid", "a direct identifier is never parsed, so it has no invalid cells");
                }
            }
        }
    }

    private static void ValidateTokens(IReadOnlyList<string> tokens, string path, HashSet<string>? categories, Action<string, string> add)
    {
        if (tokens.Count > MaxTokens)
        {
            add(path, $"at most {MaxTokens} tokens");
        }

        for (var j = 0; j < tokens.Count; j++)
        {
            var t = tokens[j];
            if (t is null)
            {
                add($"{path}[{j}]", "is null");
            }
            else if (t.Length > MaxTokenLength)
            {
                add($"{path}[{j}]", $"a token has at most {MaxTokenLength} characters");
            }
            else if (t.Length > 0 && (char.IsWhiteSpace(t[0]) || char.IsWhiteSpace(t[^1])))
            {
                add($"{path}[{j}]", "cells are trimmed before they are compared, so a token cannot start or end with white space");
            }
            else if (t.Any(char.IsControl))
            {
                add($"{path}[{j}]", "a token cannot contain control characters");
            }
            else if (categories is not null && t.Length > 0 && categories.Contains(CategoryFolding.Fold(t)))
            {
                add($"{path}[{j}]", "is also one of the column's categories or aliases");
            }
        }
    }

    /// <summary>The folded categories and aliases of a category column, else null.</summary>
    private static HashSet<string>? CategoryKeys(ColumnSpec column)
    {
        if (column.Type != ColumnType.Category || column.Categories is null)
        {
            return null;
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (canonical, aliases) in column.Categories)
        {
            keys.Add(CategoryFolding.Fold(canonical));
            foreach (var alias in aliases ?? [])
            {
                if (alias is not null)
                {
                    keys.Add(CategoryFolding.Fold(alias));
                }
            }
        }

        return keys;
    }
}
