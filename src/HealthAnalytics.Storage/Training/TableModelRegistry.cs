using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using HealthAnalytics.Training;

namespace HealthAnalytics.Storage;

/// <summary>
/// The model registry in table <c>models</c>: PartitionKey = model, RowKey = version (one entity per version),
/// plus the champion pointer (RowKey <c>champion</c>) which only ever changes under an ETag condition.
/// </summary>
public sealed class TableModelRegistry(TableClient table) : IModelRegistry
{
    public const string ChampionRowKey = "champion";
    private int _created;

    public async Task<IReadOnlyList<ModelVersion>> ListAsync(string model, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var champion = await GetChampionAsync(model, cancellationToken);
        var result = new List<ModelVersion>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {model} and RowKey ne {ChampionRowKey}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(ToVersion(e, champion));
        }

        return [.. result.OrderByDescending(v => v.Version, StringComparer.Ordinal)];
    }

    public async Task<ModelVersion?> GetAsync(string model, string version, CancellationToken cancellationToken)
    {
        if (version == ChampionRowKey)
        {
            return null;
        }

        await EnsureTableAsync(cancellationToken);
        var e = await table.GetEntityIfExistsAsync<TableEntity>(model, version, cancellationToken: cancellationToken);
        return e.HasValue ? ToVersion(e.Value!, await GetChampionAsync(model, cancellationToken)) : null;
    }

    public async Task<string?> GetChampionAsync(string model, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var pointer = await table.GetEntityIfExistsAsync<TableEntity>(model, ChampionRowKey, cancellationToken: cancellationToken);
        return pointer.HasValue ? pointer.Value!.GetString("Version") : null;
    }

    public async Task CreateAsync(ModelVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        await EnsureTableAsync(cancellationToken);
        var e = new TableEntity(version.Model, version.Version)
        {
            ["Status"] = version.Status.ToString(),
            ["Task"] = version.Task,
            ["CreatedAt"] = version.CreatedAt,
            ["Decision"] = version.Decision,
            ["MetricsJson"] = JsonSerializer.Serialize(version.Metrics, ModelSpecReader.Json),
            ["LineageJson"] = JsonSerializer.Serialize(version.Lineage, ModelSpecReader.Json),
            ["DataFingerprint"] = version.Lineage.DataFingerprint,
            ["EvaluationJson"] = version.Evaluation is null ? null : JsonSerializer.Serialize(version.Evaluation, ModelSpecReader.Json),
            ["ChampionScore"] = version.ChampionScore,
            ["ChampionVersion"] = version.ChampionVersion,
        };
        await table.AddEntityAsync(e, cancellationToken);
    }

    public async Task<PromotionResult> PromoteAsync(string model, string version, string? expectedChampion, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        if (version == ChampionRowKey || !(await table.GetEntityIfExistsAsync<TableEntity>(model, version, ["RowKey"], cancellationToken)).HasValue)
        {
            // The version entity exists before the pointer can name it: the pointer never dangles.
            return PromotionResult.NotFound;
        }

        var current = await table.GetEntityIfExistsAsync<TableEntity>(model, ChampionRowKey, cancellationToken: cancellationToken);
        var currentVersion = current.HasValue ? current.Value!.GetString("Version") : null;
        if (currentVersion == version)
        {
            return PromotionResult.AlreadyChampion;
        }

        if (currentVersion != expectedChampion)
        {
            return PromotionResult.Conflict;
        }

        var pointer = new TableEntity(model, ChampionRowKey) { ["Version"] = version, ["PreviousVersion"] = currentVersion };
        try
        {
            if (current.HasValue)
            {
                await table.UpdateEntityAsync(pointer, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await table.AddEntityAsync(pointer, cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return PromotionResult.Conflict;
        }

        // Stored statuses follow the pointer; readers resolve "champion" from the pointer itself, so a crash
        // between these writes cannot show two champions.
        await table.UpdateEntityAsync(new TableEntity(model, version) { ["Status"] = nameof(ModelStatus.Champion), ["PromotedAt"] = DateTimeOffset.UtcNow }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        if (currentVersion is not null)
        {
            await table.UpdateEntityAsync(new TableEntity(model, currentVersion) { ["Status"] = nameof(ModelStatus.Archived) }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }

        return PromotionResult.Promoted;
    }

    private static ModelVersion ToVersion(TableEntity e, string? champion)
    {
        var stored = Enum.TryParse<ModelStatus>(e.GetString("Status"), out var s) ? s : ModelStatus.Candidate;
        var status = e.RowKey == champion ? ModelStatus.Champion : stored == ModelStatus.Champion ? ModelStatus.Archived : stored;
        return new ModelVersion
        {
            Model = e.PartitionKey,
            Version = e.RowKey,
            Status = status,
            Task = e.GetString("Task") ?? "",
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            Decision = e.GetString("Decision") ?? "",
            Metrics = JsonSerializer.Deserialize<SortedDictionary<string, double>>(e.GetString("MetricsJson") ?? "{}", ModelSpecReader.Json) ?? [],
            Lineage = JsonSerializer.Deserialize<Lineage>(e.GetString("LineageJson") ?? "{}", ModelSpecReader.Json)!,
            ChampionScore = e.GetDouble("ChampionScore"),
            ChampionVersion = e.GetString("ChampionVersion"),
            Evaluation = e.GetString("EvaluationJson") is { } evaluation ? JsonSerializer.Deserialize<EvaluationSummary>(evaluation, ModelSpecReader.Json) : null,
        };
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _created, 1);
        }
    }
}
