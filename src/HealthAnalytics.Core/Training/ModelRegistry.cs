using System.Text.Json.Serialization;

namespace HealthAnalytics.Training;

[JsonConverter(typeof(JsonStringEnumConverter<ModelStatus>))]
public enum ModelStatus
{
    Candidate,
    Champion,
    Archived,
    Rejected,
}

/// <summary>One trained version in the registry (table <c>models</c>, one entity per version).</summary>
public sealed record ModelVersion
{
    public required string Model { get; init; }

    /// <summary>Sorts by training time: <c>yyyyMMddTHHmmssfffZ-xxxx</c>.</summary>
    public required string Version { get; init; }
    public required ModelStatus Status { get; init; }
    public required string Task { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    public required Lineage Lineage { get; init; }

    /// <summary>Why it was (not) promoted, in words; never data values.</summary>
    public string Decision { get; init; } = "";

    /// <summary>How the metrics were estimated (supervised tasks): holdout or cross-validation, intervals, few-events warnings.</summary>
    public EvaluationSummary? Evaluation { get; init; }

    /// <summary>The champion's promotion metric on this version's holdout (or its spec re-run on the same folds), when there was a champion.</summary>
    public double? ChampionScore { get; init; }
    public string? ChampionVersion { get; init; }
}

/// <param name="DataFingerprint">Hash of spec, contract version, key scope and the uploads used: equal fingerprints mean "no new data".</param>
/// <param name="RowsWithoutOutcome">Rows left out of training and evaluation because their label (outcome) cell is missing.</param>
/// <param name="KeyScope">How primary keys were de-duplicated across uploads: <c>partner</c> or <c>dataset</c>.</param>
/// <param name="CrossPartnerKeyCollisions">Distinct primary keys that more than one partner sent (kept apart under
/// <c>partner</c> scope, the latest upload's row kept under <c>dataset</c> scope): counted, never silent.</param>
public sealed record Lineage(
    IReadOnlyList<LineageUpload> Uploads,
    long RowsRead,
    long Rows,
    int TrainRows,
    int HoldoutRows,
    string ContractVersion,
    string SpecHash,
    string CodeVersion,
    string DataFingerprint,
    long RowsWithoutOutcome = 0,
    string KeyScope = "partner",
    long CrossPartnerKeyCollisions = 0);

public sealed record LineageUpload(string UploadId, string Partner, string ContentHash);

public enum PromotionResult
{
    Promoted,
    AlreadyChampion,

    /// <summary>Another promotion changed the champion first (ETag condition failed).</summary>
    Conflict,
    NotFound,

    /// <summary>The version has no model that can serve (its task refused to estimate, <see cref="TrainedModel.Refusal"/>).</summary>
    NoModel,
}

/// <summary>The model registry (docs/models.md). Implementations make champion changes atomic (ETag-conditioned).</summary>
public interface IModelRegistry
{
    /// <summary>Every version of a model, newest first, with <see cref="ModelVersion.Status"/> resolved against the champion pointer.</summary>
    Task<IReadOnlyList<ModelVersion>> ListAsync(string model, CancellationToken cancellationToken);

    Task<ModelVersion?> GetAsync(string model, string version, CancellationToken cancellationToken);

    /// <summary>The champion version id, or null when none was promoted yet.</summary>
    Task<string?> GetChampionAsync(string model, CancellationToken cancellationToken);

    /// <summary>Adds a version (fails if it exists).</summary>
    Task CreateAsync(ModelVersion version, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="version"/> the champion if the pointer still names <paramref name="expectedChampion"/>
    /// (null: no champion yet). Of concurrent calls from the same state, exactly one gets <see cref="PromotionResult.Promoted"/>.
    /// </summary>
    Task<PromotionResult> PromoteAsync(string model, string version, string? expectedChampion, CancellationToken cancellationToken);
}

/// <summary>Blobs of a version: <c>models/{model}/{version}/model.zip</c>, <c>card.json</c>, <c>card.html</c>.</summary>
public interface IModelArtifactStore
{
    Task SaveAsync(string model, string version, byte[] modelZip, string cardJson, string cardHtml, CancellationToken cancellationToken);

    /// <summary>The model.zip bytes, or null when missing.</summary>
    Task<byte[]?> ReadModelAsync(string model, string version, CancellationToken cancellationToken);

    Task<string?> ReadCardAsync(string model, string version, CancellationToken cancellationToken);

    /// <summary>The card.html of a version, or null when missing.</summary>
    Task<string?> ReadCardHtmlAsync(string model, string version, CancellationToken cancellationToken);
}

/// <summary>A per-model lock (a blob lease in Azure) so two instances never train the same model at once. The lock
/// also carries the stage of the run holding it, so the stage is visible exactly while the run is alive.</summary>
public interface ITrainingLock
{
    /// <summary>The held lock (dispose to release), or null when another instance holds it.</summary>
    Task<ITrainingLease?> TryAcquireAsync(string model, CancellationToken cancellationToken);

    /// <summary>The stage of the run that holds the model's lock now; null when no run holds it.</summary>
    Task<TrainingProgress?> GetProgressAsync(string model, CancellationToken cancellationToken);
}

/// <summary>A held training lock.</summary>
public interface ITrainingLease : IAsyncDisposable
{
    /// <summary>Records the run's stage (one small write per stage); never throws: the stage is information only.</summary>
    Task ReportStageAsync(string stage, CancellationToken cancellationToken);
}

/// <summary>The stages a training run reports (docs/console.md, "Progress").</summary>
public static class TrainingStages
{
    public const string Reading = "reading";
    public const string Training = "training";
    public const string Evaluating = "evaluating";
    public const string Registering = "registering";
}

/// <param name="Stage">One of <see cref="TrainingStages"/>.</param>
/// <param name="StartedAt">When the run took the lock.</param>
/// <param name="StageAt">When it entered <paramref name="Stage"/>.</param>
public sealed record TrainingProgress(string Stage, DateTimeOffset StartedAt, DateTimeOffset StageAt);
