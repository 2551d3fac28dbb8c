using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using HealthAnalytics.Curated;
using Microsoft.Extensions.Logging;
using HealthAnalytics.Config;

namespace HealthAnalytics.Training;

public enum TrainingRunStatus
{
    /// <summary>A new version was trained and registered (promoted or not).</summary>
    Trained,

    /// <summary>No new data (or spec) since an existing version: nothing trained.</summary>
    Skipped,

    /// <summary>Another instance is training this model.</summary>
    Busy,
    NotFound,
    InsufficientData,

    /// <summary>Scheduled run: another instance already claimed this schedule occurrence for this model.</summary>
    AlreadyRun,

    /// <summary>Scheduled run: training threw; the run record says so, the registry is left as the last complete step wrote it.</summary>
    Failed,
}

/// <summary>Outcome of one training run; <see cref="Version"/> is the new version, or the existing one a skip refers to.</summary>
public sealed record TrainingRunResult(string Model, TrainingRunStatus Status, ModelVersion? Version, bool Promoted, string Reason);

/// <summary>
/// One training run of one model: lock, gather the curated uploads, skip when nothing is new, train, score the
/// champion on the same holdout, register the version with its artifacts and card, and promote when the rule passes.
/// </summary>
public sealed partial class TrainingService(
    ConfigCatalog config,
    ICuratedDataSource curated,
    IModelRegistry registry,
    IModelArtifactStore artifacts,
    ITrainingLock trainingLock,
    ITrainingRunLedger runs,
    TimeProvider time,
    ILogger<TrainingService> log)
{
    /// <summary>Random id of this instance, recorded as the owner of the scheduled runs it claims.</summary>
    public string InstanceId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>The version of this code, recorded in lineage.</summary>
    public static string CodeVersion { get; } =
        typeof(TrainingService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>
    /// The scheduled run of <paramref name="occurrence"/>: trains every model of <paramref name="scheduleGroup"/>
    /// (clustering first: readmission metrics use its subgroups) whose run record for that occurrence this instance
    /// claims first. However many instances wake for one occurrence, and however late, each model trains once.
    /// A model that fails is recorded as failed and does not stop the others.
    /// </summary>
    public async Task<IReadOnlyList<TrainingRunResult>> TrainScheduledAsync(string scheduleGroup, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var results = new List<TrainingRunResult>();
        foreach (var spec in (await config.CurrentAsync(cancellationToken)).AllSpecs.Where(s => s.ScheduleGroup == scheduleGroup).OrderBy(s => ModelTasks.Find(s.Task)?.ProvidesSubgroups == true ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            if (!await runs.TryClaimAsync(spec.Name, occurrence, InstanceId, time.GetUtcNow(), cancellationToken))
            {
                LogAlreadyRun(log, spec.Name, occurrence);
                results.Add(new TrainingRunResult(spec.Name, TrainingRunStatus.AlreadyRun, null, false, "Another instance ran this schedule occurrence."));
                continue;
            }

            TrainingRunResult result;
            try
            {
                result = await TrainAsync(spec.Name, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever was written stays consistent (artifacts before the version, the version before the
                // pointer); the next occurrence trains again or promotes the stranded candidate.
                LogRunFailed(log, spec.Name, occurrence, ex.GetType().Name);
                result = new TrainingRunResult(spec.Name, TrainingRunStatus.Failed, null, false, "Training failed (" + ex.GetType().Name + ").");
            }

            await runs.FinishAsync(spec.Name, occurrence, StatusName(result.Status), result.Version?.Version, time.GetUtcNow(), cancellationToken);
            results.Add(result);
        }

        return results;
    }

    /// <summary>How the decision of a version whose task refused to estimate begins; such a version is never promoted.</summary>
    public const string RefusedDecision = "Refused: ";

    /// <summary>A status as the API and run records spell it (camelCase).</summary>
    public static string StatusName(TrainingRunStatus status) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    public async Task<TrainingRunResult> TrainAsync(string model, CancellationToken cancellationToken)
    {
        var snapshot = await config.CurrentAsync(cancellationToken);
        var spec = snapshot.Spec(model);
        if (spec is null)
        {
            return new TrainingRunResult(model, TrainingRunStatus.NotFound, null, false, "No such model spec.");
        }

        await using var held = await trainingLock.TryAcquireAsync(spec.Name, cancellationToken);
        if (held is null)
        {
            LogBusy(log, spec.Name);
            return new TrainingRunResult(spec.Name, TrainingRunStatus.Busy, null, false, "Another instance is training this model.");
        }

        var clock = Stopwatch.StartNew();
        await held.ReportStageAsync(TrainingStages.Reading, cancellationToken);
        // The catalog keeps a spec in force only while it fits the contract in force, so both are read from one snapshot.
        var schema = CuratedSchema.Of(snapshot.Contract(spec.Dataset) ?? throw new ModelSpecException("The spec's dataset has no contract in force."));
        var uploads = await curated.ListAsync(spec.Dataset, cancellationToken);
        var fingerprint = Fingerprint(spec, schema, uploads);
        var versions = await registry.ListAsync(spec.Name, cancellationToken);
        if (versions.FirstOrDefault(v => v.Lineage.DataFingerprint == fingerprint) is { } same)
        {
            if (same.Status == ModelStatus.Candidate && await RecoverCandidateAsync(same, cancellationToken) is { } recovered)
            {
                return recovered;
            }

            LogSkipped(log, spec.Name, same.Version, uploads.Count);
            return new TrainingRunResult(spec.Name, TrainingRunStatus.Skipped, same, false, "No new data since version " + same.Version + ".");
        }

        var championId = await registry.GetChampionAsync(spec.Name, cancellationToken);
        var champion = championId is null ? null : await LoadAsync(spec.Name, championId, cancellationToken);
        var task = ModelTasks.Get(spec.Task);
        var subgroupModel = task.UsesSubgroups ? await SubgroupChampionAsync(snapshot, spec.Dataset, cancellationToken) : null;

        var columns = ColumnsFor(task, spec, schema, champion, subgroupModel);
        var opens = uploads.Select(u => (u.Partner, (Func<CancellationToken, Task<Stream>>)(ct => curated.OpenAsync(spec.Dataset, u, ct)))).ToList();
        var (table, rowsRead, collisions) = await CuratedTableReader.ReadAsync(opens, columns, schema.PrimaryKey, schema.KeyScope, cancellationToken);
        if (collisions > 0)
        {
            LogKeyCollisions(log, spec.Name, collisions, KeyScopeName(schema.KeyScope));
        }

        if (table.RowCount < spec.MinimumRows)
        {
            LogInsufficient(log, spec.Name, table.RowCount, spec.MinimumRows);
            return new TrainingRunResult(spec.Name, TrainingRunStatus.InsufficientData, null, false, $"{table.RowCount} rows, the spec needs {spec.MinimumRows}.");
        }

        var now = time.GetUtcNow();
        var versionId = NewVersionId(now);
        var request = new TrainingRequest(spec, schema, table, versionId, CodeVersion, now, subgroupModel);
        await held.ReportStageAsync(TrainingStages.Training, cancellationToken);
        var trained = task.Train(request);
        await held.ReportStageAsync(TrainingStages.Evaluating, cancellationToken);

        var metric = spec.Promotion.Metric;
        var score = trained.Metrics.TryGetValue(metric, out var m) ? m : double.NaN;
        // A task that refused to estimate (e.g. treatment effects without overlap) registers a rejected version with its reason.
        var scored = champion is null || trained.Refusal is not null ? null : task.ScoreChampion(champion, request, trained);
        double? championScore = scored?.Score;
        var candidateFolds = trained.CrossValidation?.FoldMetrics.Select(m => m.TryGetValue(metric, out var x) ? x : double.NaN).ToArray();
        var (passes, decision) = trained.Refusal is { } refusal
            ? (false, RefusedDecision + refusal)
            : Decide(
                spec.Promotion, task.PromotionMetrics[metric], score, championScore, championId,
                candidateFolds, scored?.FoldScores, trained.CrossValidation?.Folds ?? 0);

        var version = new ModelVersion
        {
            Model = spec.Name,
            Version = versionId,
            Status = passes ? ModelStatus.Candidate : ModelStatus.Rejected,
            Task = spec.Task.Name(),
            CreatedAt = now,
            Metrics = trained.Metrics,
            Decision = decision,
            ChampionScore = championScore,
            ChampionVersion = championId,
            Evaluation = trained.Evaluation,
            Lineage = new Lineage(
                [.. uploads.Select(u => new LineageUpload(u.UploadId, u.Partner, u.ContentHash))], rowsRead, table.RowCount,
                trained.TrainRows, trained.Holdout.RowCount, schema.ContractVersion, spec.Hash, CodeVersion, fingerprint, trained.RowsWithoutOutcome,
                KeyScopeName(schema.KeyScope), collisions),
        };

        var card = ModelCard.From(spec, trained, version);
        await held.ReportStageAsync(TrainingStages.Registering, cancellationToken);
        await artifacts.SaveAsync(spec.Name, versionId, trained.Bundle.ToBytes(), card.ToJson(), card.ToHtml(), cancellationToken);
        await registry.CreateAsync(version, cancellationToken);

        var promoted = false;
        if (passes)
        {
            var outcome = await registry.PromoteAsync(spec.Name, versionId, championId, cancellationToken);
            promoted = outcome == PromotionResult.Promoted;
            if (promoted)
            {
                version = version with { Status = ModelStatus.Champion };
            }
            else
            {
                decision += " Not promoted: the champion changed during training.";
                version = version with { Decision = decision };
            }
        }

        LogTrained(log, spec.Name, versionId, table.RowCount, uploads.Count, score, promoted, clock.Elapsed.TotalSeconds);
        return new TrainingRunResult(spec.Name, TrainingRunStatus.Trained, version, promoted, decision);
    }

    /// <summary>
    /// A version that passed its promotion rule but never became champion: the run stopped between registering it
    /// and moving the pointer (crash), or lost a race. It is promoted now only if the champion is still the one it
    /// was compared with, under the same ETag condition; otherwise it stays a candidate.
    /// </summary>
    private async Task<TrainingRunResult?> RecoverCandidateAsync(ModelVersion candidate, CancellationToken cancellationToken)
    {
        var champion = await registry.GetChampionAsync(candidate.Model, cancellationToken);
        if (champion != candidate.ChampionVersion || await artifacts.ReadModelAsync(candidate.Model, candidate.Version, cancellationToken) is null)
        {
            return null;
        }

        var outcome = await registry.PromoteAsync(candidate.Model, candidate.Version, champion, cancellationToken);
        LogRecovered(log, candidate.Model, candidate.Version, outcome);
        return outcome == PromotionResult.Promoted
            ? new TrainingRunResult(candidate.Model, TrainingRunStatus.Trained, candidate with { Status = ModelStatus.Champion }, true,
                candidate.Decision + " Promoted by a later run: the run that trained it stopped before promotion.")
            : null;
    }

    /// <summary>Manual promotion (rollback): makes an existing, non-rejected version the champion.</summary>
    public async Task<(PromotionResult Result, ModelVersion? Version)> PromoteAsync(string model, string version, CancellationToken cancellationToken)
    {
        var existing = await registry.GetAsync(model, version, cancellationToken);
        if (existing is null)
        {
            return (PromotionResult.NotFound, null);
        }

        if (existing.Decision.StartsWith(RefusedDecision, StringComparison.Ordinal))
        {
            return (PromotionResult.NoModel, existing);
        }

        var champion = await registry.GetChampionAsync(model, cancellationToken);
        if (champion == version)
        {
            return (PromotionResult.AlreadyChampion, existing);
        }

        var result = await registry.PromoteAsync(model, version, champion, cancellationToken);
        LogManualPromotion(log, model, version, result);
        return (result, await registry.GetAsync(model, version, cancellationToken));
    }

    /// <summary>The champion of a model, loaded; null when none.</summary>
    public async Task<ModelBundle?> LoadChampionAsync(string model, CancellationToken cancellationToken)
    {
        var champion = await registry.GetChampionAsync(model, cancellationToken);
        return champion is null ? null : await LoadAsync(model, champion, cancellationToken);
    }

    public async Task<ModelBundle?> LoadAsync(string model, string version, CancellationToken cancellationToken)
    {
        var bytes = await artifacts.ReadModelAsync(model, version, cancellationToken);
        if (bytes is null)
        {
            return null;
        }

        using var stream = new MemoryStream(bytes, writable: false);
        return ModelBundle.Load(stream);
    }

    /// <param name="higher">Whether a higher value of the metric is better (<see cref="IModelTask.PromotionMetrics"/>).</param>
    /// <param name="candidateFolds">Cross-validation: the candidate's metric per fold.</param>
    /// <param name="championFolds">Cross-validation: the champion's spec re-run on the same folds (paired with <paramref name="candidateFolds"/>).</param>
    /// <param name="folds">Folds per repeat (for the corrected interval of the paired difference).</param>
    internal static (bool Passes, string Decision) Decide(
        PromotionSpec rule, bool higher, double score, double? championScore, string? championId,
        IReadOnlyList<double>? candidateFolds = null, IReadOnlyList<double>? championFolds = null, int folds = 0)
    {
        var f = System.Globalization.CultureInfo.InvariantCulture;
        var basis = candidateFolds is null ? "the same holdout" : "the same folds";
        if (!double.IsFinite(score))
        {
            return (false, $"Rejected: {rule.Metric} is undefined on {(candidateFolds is null ? "the holdout" : "every fold")}.");
        }

        if (rule.Minimum is { } min && score < min)
        {
            return (false, string.Format(f, "Rejected: {0} {1:0.####} is below the minimum {2}.", rule.Metric, score, min));
        }

        if (rule.Maximum is { } max && score > max)
        {
            return (false, string.Format(f, "Rejected: {0} {1:0.####} is above the maximum {2}.", rule.Metric, score, max));
        }

        if (championScore is { } c && double.IsFinite(c))
        {
            // Paired over folds: the mean of the per-fold differences equals the difference of the means; its corrected
            // interval (docs/models.md, "Evaluation") says how much the comparison itself can be trusted.
            var paired = "";
            if (candidateFolds is not null && championFolds is not null && championFolds.Count == candidateFolds.Count && folds > 1)
            {
                var d = SupervisedEvaluation.Estimate([.. candidateFolds.Select((x, i) => x - championFolds[i])], folds);
                paired = d.Low is { } lo && d.High is { } hi
                    ? string.Format(f, "; paired difference {0:+0.####;-0.####;0} over {1} folds, 95% interval [{2:0.####}, {3:0.####}]", d.Mean, candidateFolds.Count, lo, hi)
                    : "";
            }

            var drop = higher ? c - score : score - c;
            if (drop > rule.MaxDropVsChampion)
            {
                return (false, string.Format(f, "Rejected: {0} {1:0.####} is worse than champion {2} ({3:0.####} on {4}{5}) by more than {6}.", rule.Metric, score, championId, c, basis, paired, rule.MaxDropVsChampion));
            }

            return (true, string.Format(f, "Promoted: {0} {1:0.####} vs champion {2} {3:0.####} on {4}{5} (allowed drop {6}).", rule.Metric, score, championId, c, basis, paired, rule.MaxDropVsChampion));
        }

        if (championId is not null)
        {
            return (true, string.Format(f, "Promoted: {0} {1:0.####} meets the rule; champion {2} could not be scored on {3} (another task, a spec not stored with it, or features no longer in the data).", rule.Metric, score, championId, basis));
        }

        return (true, string.Format(f, "Promoted: {0} {1:0.####} meets the rule and there was no champion.", rule.Metric, score));
    }

    private async Task<ModelBundle?> SubgroupChampionAsync(ConfigSnapshot snapshot, string dataset, CancellationToken cancellationToken)
    {
        foreach (var s in snapshot.AllSpecs.Where(s => ModelTasks.Find(s.Task)?.ProvidesSubgroups == true && s.Dataset == dataset))
        {
            if (await LoadChampionAsync(s.Name, cancellationToken) is { } bundle)
            {
                return bundle;
            }
        }

        return null;
    }

    private static Dictionary<string, FeatureKind> ColumnsFor(IModelTask task, ModelSpec spec, CuratedSchema schema, params ModelBundle?[] others)
    {
        var columns = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        foreach (var f in spec.Features)
        {
            columns[f.Name] = ModelSpecReader.KindOf(f, schema);
        }

        foreach (var bundle in others.OfType<ModelBundle>())
        {
            foreach (var f in bundle.Manifest.Featurizer.Features)
            {
                columns.TryAdd(f.Name, f.Kind);
            }
        }

        foreach (var (name, kind) in task.OutcomeColumns(spec, schema))
        {
            columns[name] = kind;
        }

        if (spec.Validation.TimeColumn is { } tc)
        {
            columns[tc] = FeatureKind.Numeric;
        }

        // Per-group metrics (sex, age band) when the dataset has them.
        // Only when they are held that way: a trial coding sex as 1/2 in an integer column must not be read as text.
        if (schema.Find("sex") is { Dropped: false } sex && FeatureKinds.Infer(sex) == FeatureKind.Categorical)
        {
            columns.TryAdd("sex", FeatureKind.Categorical);
        }

        if (schema.Find("age") is { Dropped: false } age && FeatureKinds.Infer(age) == FeatureKind.Numeric)
        {
            columns.TryAdd("age", FeatureKind.Numeric);
        }

        return columns;
    }

    private static string Fingerprint(ModelSpec spec, CuratedSchema schema, IReadOnlyList<CuratedUpload> uploads)
    {
        // The key scope decides which rows are kept, so it is part of "the same data".
        var text = new StringBuilder().Append(spec.Hash).Append('\n').Append(schema.ContractVersion).Append('\n')
            .Append("keys:").Append(KeyScopeName(schema.KeyScope)).Append('\n');
        foreach (var u in uploads.OrderBy(u => u.UploadId, StringComparer.Ordinal))
        {
            text.Append(u.UploadId).Append(':').Append(u.ContentHash).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string KeyScopeName(HealthAnalytics.Contracts.KeyScope scope) => scope == HealthAnalytics.Contracts.KeyScope.Dataset ? "dataset" : "partner";

    [LoggerMessage(EventId = 3120, Level = LogLevel.Warning, Message = "Training {Model}: {Collisions} primary keys were sent by more than one partner (key scope {KeyScope})")]
    private static partial void LogKeyCollisions(ILogger logger, string model, long collisions, string keyScope);

    private static string NewVersionId(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));


    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Training of {Model} skipped: another instance holds the lock")]
    private static partial void LogBusy(ILogger logger, string model);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Training of {Model} skipped: no new data since version {Version} ({UploadCount} uploads)")]
    private static partial void LogSkipped(ILogger logger, string model, string version, int uploadCount);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Training of {Model} skipped: {Rows} rows, minimum {MinimumRows}")]
    private static partial void LogInsufficient(ILogger logger, string model, int rows, int minimumRows);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Trained {Model} version {Version} on {Rows} rows from {UploadCount} uploads: metric {Score}, promoted {Promoted}, {Seconds} s")]
    private static partial void LogTrained(ILogger logger, string model, string version, int rows, int uploadCount, double score, bool promoted, double seconds);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Scheduled run of {Model} for {Occurrence:o} skipped: another instance claimed it")]
    private static partial void LogAlreadyRun(ILogger logger, string model, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Error, Message = "Scheduled run of {Model} for {Occurrence:o} failed: {ExceptionType}")]
    private static partial void LogRunFailed(ILogger logger, string model, DateTimeOffset occurrence, string exceptionType);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "Stranded candidate {Version} of {Model} promoted by a later run: {Result}")]
    private static partial void LogRecovered(ILogger logger, string model, string version, PromotionResult result);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Manual promotion of {Model} version {Version}: {Result}")]
    private static partial void LogManualPromotion(ILogger logger, string model, string version, PromotionResult result);
}
