using System.Globalization;
using Azure;
using Azure.Data.Tables;
using HealthAnalytics.Training;

namespace HealthAnalytics.Storage;

/// <summary>
/// Run records of scheduled training in table <c>models</c>: PartitionKey <c>{model}~runs</c> (<c>~</c> is not
/// allowed in model names, so no model's versions share it), RowKey = the occurrence <c>yyyyMMddTHHmmssZ</c>.
/// A claim is an insert, which the table refuses (409) when the record exists: one owner per occurrence.
/// </summary>
public sealed class TableTrainingRunLedger(TableClient table) : ITrainingRunLedger
{
    public const string PartitionSuffix = "~runs";
    private const string Running = "running";
    private const string Finished = "finished";
    private int _created;

    public static string PartitionOf(string model) => model + PartitionSuffix;

    public static string RowKeyOf(DateTimeOffset occurrence)
        => occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public async Task<bool> TryClaimAsync(string model, DateTimeOffset occurrence, string owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var e = new TableEntity(PartitionOf(model), RowKeyOf(occurrence))
        {
            ["Occurrence"] = occurrence,
            ["Owner"] = owner,
            ["State"] = Running,
            ["ClaimedAt"] = now,
        };
        try
        {
            await table.AddEntityAsync(e, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task FinishAsync(string model, DateTimeOffset occurrence, string outcome, string? version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var e = new TableEntity(PartitionOf(model), RowKeyOf(occurrence))
        {
            ["State"] = Finished,
            ["Outcome"] = outcome,
            ["Version"] = version,
            ["FinishedAt"] = now,
        };

        // Only the owner finishes a run it claimed; merge keeps the claim's owner and time.
        await table.UpdateEntityAsync(e, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Every run record of a model, oldest occurrence first (tests read what the schedulers recorded).</summary>
    internal async Task<IReadOnlyList<TrainingRunRecord>> ListAsync(string model, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var result = new List<TrainingRunRecord>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(model)}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(new TrainingRunRecord(
                model,
                e.GetDateTimeOffset("Occurrence") ?? DateTimeOffset.MinValue,
                e.GetString("Owner") ?? "",
                e.GetString("State") ?? "",
                e.GetString("Outcome"),
                e.GetString("Version"),
                e.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue,
                e.GetDateTimeOffset("FinishedAt")));
        }

        return [.. result.OrderBy(r => r.Occurrence)];
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
