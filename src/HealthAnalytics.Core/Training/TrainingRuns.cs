namespace HealthAnalytics.Training;

/// <summary>
/// One scheduled run of one model, keyed by the schedule occurrence it belongs to (not by when a host woke up),
/// so that however many hosts wake for an occurrence, and however late, only the one that claims it trains.
/// </summary>
/// <param name="Occurrence">The scheduled time (UTC) this run belongs to: the run's identity.</param>
/// <param name="Owner">Random id of the instance that claimed the run (not a host name, no personal data).</param>
/// <param name="State"><c>running</c> (claimed; stays so when the instance died mid-run) or <c>finished</c>.</param>
/// <param name="Outcome">When finished: <c>trained</c>, <c>skipped</c>, <c>insufficientData</c>, <c>busy</c>, <c>failed</c>, <c>notFound</c>.</param>
/// <param name="Version">The version trained (or the existing one a skip refers to).</param>
public sealed record TrainingRunRecord(
    string Model, DateTimeOffset Occurrence, string Owner, string State, string? Outcome, string? Version, DateTimeOffset ClaimedAt, DateTimeOffset? FinishedAt);

/// <summary>Run records of scheduled training (table <c>models</c>, partition <c>{model}~runs</c>).</summary>
public interface ITrainingRunLedger
{
    /// <summary>
    /// Creates the run record of (<paramref name="model"/>, <paramref name="occurrence"/>) if none exists (conditional
    /// create). True: this caller owns the run. False: another instance claimed it first (or earlier).
    /// </summary>
    Task<bool> TryClaimAsync(string model, DateTimeOffset occurrence, string owner, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Marks a claimed run finished with its outcome.</summary>
    Task FinishAsync(string model, DateTimeOffset occurrence, string outcome, string? version, DateTimeOffset now, CancellationToken cancellationToken);
}
