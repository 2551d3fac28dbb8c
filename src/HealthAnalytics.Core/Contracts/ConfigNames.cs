using System.Text.RegularExpressions;

namespace HealthAnalytics.Contracts;

/// <summary>
/// The one naming rule of datasets and models: 1-63 characters, lower-case ASCII letters, digits, <c>-</c> and
/// <c>_</c>, starting with a letter or digit. Names become blob path segments, table partition keys and route values,
/// so the rule leaves no room for separators, dot segments, encodings or case folding.
/// </summary>
public static partial class ConfigNames
{
    public const string Rule = "1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit";

    public static bool IsValid(string? name) => name is { Length: > 0 and <= 63 } && Pattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
