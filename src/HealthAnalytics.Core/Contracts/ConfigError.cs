namespace HealthAnalytics.Contracts;

/// <summary>One problem in a configuration document (a dataset contract or a model spec): the JSON path of the member
/// (<c>$.columns[3].type</c>) and what is wrong with it.</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
