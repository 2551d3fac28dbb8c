using System.ComponentModel.DataAnnotations;

namespace HealthAnalytics.Storage;

/// <summary>
/// Names of the containers and tables (section <c>Storage</c>). The defaults are the storage layout of docs/architecture.md; tests give
/// each run fresh names so that no two tests share data.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>The connection section read by <c>AddAzureClients</c> and by the Functions blob trigger.</summary>
    public const string ConnectionSectionName = "DataStorage";

    public string UploadsContainer { get; set; } = "uploads";
    public string CuratedContainer { get; set; } = "curated";
    public string ReportsContainer { get; set; } = "reports";
    public string ModelsContainer { get; set; } = "models";
    public string ConfigContainer { get; set; } = "config";
    public string UploadsTable { get; set; } = "uploads";
    public string ModelsTable { get; set; } = "models";

    /// <summary>Container names: 3-63 lower-case letters, digits and single hyphens.</summary>
    internal static bool IsContainerName(string? name)
        => name is { Length: >= 3 and <= 63 }
           && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
           && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
           && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>Table names: 3-63 letters and digits, starting with a letter.</summary>
    internal static bool IsTableName(string? name)
        => name is { Length: >= 3 and <= 63 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);

    internal IEnumerable<string> Containers => [UploadsContainer, CuratedContainer, ReportsContainer, ModelsContainer, ConfigContainer];

    internal IEnumerable<string> Tables => [UploadsTable, ModelsTable];

    internal static ValidationResult? Validate(StorageOptions options)
    {
        var bad = options.Containers.Where(c => !IsContainerName(c)).Concat(options.Tables.Where(t => !IsTableName(t))).ToList();
        return bad.Count == 0 ? ValidationResult.Success : new ValidationResult("Storage: invalid container or table name(s).");
    }
}
