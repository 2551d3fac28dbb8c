using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// One task and one fold of the clinical suite through exactly the public path (docs/clinical-suite.md): infer a
/// contract from the table's CSV over HTTP; adjust it with the table's committed adjustments; <c>PUT</c> the contract
/// and the model spec(s); upload the training rows of the fold to <c>uploads/</c> and wait until curated; retrain over
/// HTTP; predict the held-out rows over HTTP; compute the task's metric on those predictions.
/// </summary>
public sealed class ClinicalHarness(ClinicalManifest manifest, ClinicalApi api)
{
    /// <summary>The partner segment of every upload path.</summary>
    public const string Partner = "clinical-suite";

    /// <summary>Smallest training set the specs accept (<c>minimumRows</c>): below every training fold of the suite
    /// (the smallest, bodyfat's, has 56 rows), far above the few rows no model could be fitted on.</summary>
    public const int MinimumRows = 20;

    /// <summary>Also trains the boosted survival model beside the Cox model (issue #14: reported, not compared).</summary>
    public bool Boosted { get; init; } = true;

    /// <summary>Progress lines (task, fold, step, counts and timings: never a cell value).</summary>
    public Action<string>? Log { get; init; }

    public static string Dataset(ClinicalTask task, int fold) => FormattableString.Invariant($"{task.Id}_f{fold}");

    public static string Model(ClinicalTask task, int fold) => FormattableString.Invariant($"{task.Id}-f{fold}");

    public async Task<ClinicalFoldResult> RunAsync(ClinicalTask task, int fold, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(task);
        var clock = Stopwatch.StartNew();
        var table = manifest.Table(task);
        var folds = manifest.Folds(task);
        if (folds.Length != table.Rows.Count)
        {
            throw new InvalidDataException($"{task.FoldsFile}: {folds.Length} folds for {table.Rows.Count} rows");
        }

        var train = Enumerable.Range(0, folds.Length).Where(i => folds[i] != fold && folds[i] != -1).ToArray();
        var test = Enumerable.Range(0, folds.Length).Where(i => folds[i] == fold).ToArray();
        var dataset = Dataset(task, fold);
        var model = Model(task, fold);

        // 1. Infer a contract from the table's CSV (the whole file: every table of the suite is under the 1 MiB cap).
        var proposal = await api.InferAsync(dataset, table.Bytes, ct);

        // 2. Adjust it as the user would: the committed merge patch of this table.
        var contract = ContractAdjustment.Apply(proposal["contract"]!.AsObject(), manifest.Adjustments(task));
        contract["name"] = dataset;
        var loaded = ContractLoader.Load(contract.ToJsonString());
        var spec = loaded.Contract ?? throw new InvalidDataException(
            $"{task.Table}: the adjusted contract does not load: {string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}"))}");

        // The proposal lists each column's position (1-based) and name: the user's map from the CSV header to the
        // contract's column names (inference writes names in snake case, e.g. ph.ecog -> ph_ecog).
        var names = proposal["columns"]!.AsArray().ToDictionary(
            c => table.Header[c!["position"]!.GetValue<int>() - 1], c => c!["name"]!.GetValue<string>(), StringComparer.Ordinal);

        // 3. PUT the contract and the model spec(s).
        await api.PutAsync($"/api/config/contracts/{dataset}", contract, ct);
        var models = new List<(string Name, string Trainer)> { (model, task.Trainer) };
        if (Boosted && task.Kind == ClinicalKind.Survival)
        {
            models.Add((model + "-boosted", "boosted-survival"));
        }

        foreach (var (name, trainer) in models)
        {
            await api.PutAsync($"/api/config/models/{name}", Spec(task, name, dataset, trainer, names), ct);
        }

        // 4. Upload the fold's training rows as the file has them; wait until ingestion is done with them.
        var (entry, report) = await api.UploadAsync(Partner, dataset, "train.csv", table.Subset(train), ct);
        var quality = Quality(entry, report, table, train, spec, names);
        Log?.Invoke(FormattableString.Invariant($"{task.Id} fold {fold}: {train.Length} rows uploaded, {quality.Status}, {quality.RowsQuarantined} quarantined, {quality.MissingTokenCells} missing-token cells"));

        // 5-7. Retrain, predict the held-out rows, score them.
        var instances = test.Select(r => Instance(task, table, table.Rows[r], spec, names)).ToList();
        var results = new List<ClinicalModelResult>();
        foreach (var (name, trainer) in models)
        {
            var step = Stopwatch.StartNew();
            var retrain = await api.RetrainAsync(name, ct);
            var version = retrain["version"]?["version"]?.GetValue<string>();
            if (retrain["status"]?.GetValue<string>() != "trained" || retrain["promoted"]?.GetValue<bool>() != true || version is null)
            {
                throw new InvalidOperationException($"{name}: retrain answered status {retrain["status"]}, promoted {retrain["promoted"]}: {retrain["reason"]}");
            }

            var trainSeconds = step.Elapsed.TotalSeconds;
            var predictions = await api.PredictAsync(name, version, instances, ct);
            var value = Metric(task, table, test, predictions);
            var lineage = retrain["version"]!["lineage"];
            results.Add(new ClinicalModelResult(name, trainer, version, value,
                lineage?["trainRows"]?.GetValue<int>() ?? -1, retrain["version"]!["evaluation"]?["kind"]?.GetValue<string>(),
                Math.Round(trainSeconds, 2), Math.Round(step.Elapsed.TotalSeconds - trainSeconds, 2)));
            Log?.Invoke(FormattableString.Invariant($"{task.Id} fold {fold}: {name} ({trainer}) {task.Metric} {value:0.0000} (retrain {trainSeconds:0.0} s)"));
        }

        return new ClinicalFoldResult(task.Id, fold, train.Length, test.Length, quality, results, Math.Round(clock.Elapsed.TotalSeconds, 2));
    }

    /// <summary>The model spec a user writes for the task (docs/models.md, docs/survival.md), on the contract's names.</summary>
    public static JsonObject Spec(ClinicalTask task, string name, string dataset, string trainer, IReadOnlyDictionary<string, string> names)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(names);
        var options = trainer == task.Trainer ? task.TrainerOptions.DeepClone().AsObject() : [];
        options.Insert(0, "name", trainer);
        var spec = new JsonObject
        {
            ["name"] = name,
            ["description"] = $"Clinical suite task {task.Id} (docs/clinical-suite.md)",
            ["task"] = task.Kind switch
            {
                ClinicalKind.Binary => "binary-classification",
                ClinicalKind.Regression => "regression",
                _ => "survival",
            },
            ["dataset"] = dataset,
            ["features"] = new JsonArray([.. task.Features.Select(f => (JsonNode)new JsonObject { ["name"] = names[f.Name], ["kind"] = f.Kind })]),
            ["trainer"] = options,

            // Cross-validation at every size: the served model is then refit on every uploaded row, as the reference
            // fits on every training row of the fold (docs/models.md, "Evaluation"; a holdout would serve a model fitted
            // on 80% of them, which only nafld1's size would trigger).
            ["validation"] = new JsonObject { ["kind"] = "cross-validation" },
            ["promotion"] = new JsonObject
            {
                ["metric"] = task.Kind switch
                {
                    ClinicalKind.Binary => "auc",
                    ClinicalKind.Regression => "rmse",
                    _ => "cIndex",
                },
            },
            ["minimumRows"] = MinimumRows,
            ["scheduleGroup"] = "manual",
        };
        var o = task.Outcome;
        switch (task.Kind)
        {
            case ClinicalKind.Binary when o["threshold"] is JsonObject threshold:
                spec["label"] = new JsonObject
                {
                    ["column"] = names[o["column"]!.GetValue<string>()],
                    ["threshold"] = threshold["value"]!.DeepClone(),
                    ["operator"] = threshold["operator"]!.DeepClone(),
                };
                break;
            case ClinicalKind.Binary:
                spec["label"] = new JsonObject { ["column"] = names[o["column"]!.GetValue<string>()], ["positive"] = o["positive"]!.DeepClone() };
                break;
            case ClinicalKind.Regression:
                spec["label"] = names[o["column"]!.GetValue<string>()];
                break;
            default:
                spec["survival"] = new JsonObject
                {
                    ["time"] = names[o["time"]!.GetValue<string>()],
                    ["timeUnit"] = o["timeUnit"]!.DeepClone(),
                    ["event"] = new JsonObject { ["column"] = names[o["event"]!.GetValue<string>()], ["values"] = o["eventValues"]!.DeepClone() },
                    ["horizons"] = o["horizons"]!.DeepClone(),
                };
                break;
        }

        return spec;
    }

    /// <summary>
    /// A held-out row as a client sends it: each feature's raw cell under the contract's column name — a JSON number
    /// for an integer or number column, <c>true</c>/<c>false</c> for a boolean one, a string otherwise — and
    /// <c>null</c> for an empty cell or a token the contract reads as missing in that column.
    /// </summary>
    public static JsonObject Instance(ClinicalTask task, ClinicalTable table, string[] row, DatasetContract contract, IReadOnlyDictionary<string, string> names)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(names);
        var instance = new JsonObject();
        foreach (var (header, _) in task.Features)
        {
            var name = names[header];
            var column = contract.Columns.Single(c => c.Name == name);
            var cell = row[table.Column(header)].Trim();
            instance[name] = cell.Length == 0 || MissingValueRules.TokensFor(column, contract.Dialect).Contains(cell, StringComparer.Ordinal)
                ? null
                : column.Type switch
                {
                    ColumnType.Integer or ColumnType.Number when IsJsonNumber(cell) => JsonNode.Parse(cell),
                    ColumnType.Boolean when BooleanWord(cell) is { } b => JsonValue.Create(b),
                    _ => JsonValue.Create(cell),
                };
        }

        return instance;
    }

    private static bool IsJsonNumber(string cell)
    {
        try
        {
            using var doc = JsonDocument.Parse(cell);
            return doc.RootElement.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool? BooleanWord(string cell) => cell.ToUpperInvariant() switch
    {
        "TRUE" or "T" or "YES" or "Y" => true,
        "FALSE" or "F" or "NO" or "N" => false,
        _ => null,
    };

    /// <summary>The task's metric on the held-out rows, from the rows' own outcome cells and the predictions.</summary>
    public static double Metric(ClinicalTask task, ClinicalTable table, IReadOnlyList<int> rows, IReadOnlyList<JsonObject> predictions)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(predictions);
        var o = task.Outcome;
        switch (task.Kind)
        {
            case ClinicalKind.Binary:
            {
                var column = table.Column(o["column"]!.GetValue<string>());
                var positive = rows.Select(r => IsPositive(o, table.Rows[r][column].Trim())).ToList();
                return ClinicalMetrics.Auc(positive, [.. predictions.Select(p => JsonNodes.Number(p["probability"]))]);
            }

            case ClinicalKind.Regression:
            {
                var column = table.Column(o["column"]!.GetValue<string>());
                return ClinicalMetrics.Rmse([.. rows.Select(r => Number(table.Rows[r][column]))], [.. predictions.Select(p => JsonNodes.Number(p["value"]))]);
            }

            default:
            {
                var time = table.Column(o["time"]!.GetValue<string>());
                var @event = table.Column(o["event"]!.GetValue<string>());
                var values = o["eventValues"]!.AsArray();
                return ClinicalMetrics.HarrellC(
                    [.. rows.Select(r => Number(table.Rows[r][time]))],
                    [.. rows.Select(r => values.Any(v => SameValue(v!, table.Rows[r][@event].Trim())))],
                    [.. predictions.Select(p => JsonNodes.Number(p["risk"]))]);
            }
        }
    }

    /// <summary>The manifest's label rule on a cell: one of the positive values, or the threshold comparison.</summary>
    public static bool IsPositive(JsonObject label, string cell)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label["threshold"] is JsonObject t)
        {
            var x = Number(cell);
            var v = t["value"]!.GetValue<double>();
            return t["operator"]!.GetValue<string>() switch
            {
                "<" => x < v,
                "<=" => x <= v,
                ">" => x > v,
                ">=" => x >= v,
                var other => throw new InvalidDataException($"unknown operator '{other}'"),
            };
        }

        return label["positive"]!.AsArray().Any(v => SameValue(v!, cell));
    }

    /// <summary>A manifest value (JSON number or string) and a cell: numbers compare as numbers, strings as text.</summary>
    private static bool SameValue(JsonNode value, string cell) => value.GetValueKind() == JsonValueKind.Number
        ? double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x == value.GetValue<double>()
        : string.Equals(value.GetValue<string>(), cell, StringComparison.Ordinal);

    private static double Number(string cell) => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// What ingestion did with the upload, from its quality report: rows quarantined (and by which rules), and the
    /// missing-value tokens read as missing, against the tokens the uploaded file holds in the contract's typed and
    /// identifier columns (the columns the tokens apply to by default; docs/contracts.md, "Missing values").
    /// </summary>
    private static ClinicalQuality Quality(JsonObject entry, JsonObject report, ClinicalTable table, int[] rows, DatasetContract contract, IReadOnlyDictionary<string, string> names)
    {
        var counts = report["rows"]!;
        var byRule = report["violationsByRule"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>(), StringComparer.Ordinal) ?? [];
        var missing = report["missingByRule"]?.AsObject();
        long tokenCells = 0;
        foreach (var column in contract.Columns.Where(c => c.Privacy != PrivacyRole.Direct))
        {
            var header = names.Single(n => n.Value == column.Name).Key;
            var tokens = MissingValueRules.TokensFor(column, contract.Dialect);
            var i = table.Column(header);
            tokenCells += rows.Count(r => tokens.Contains(table.Rows[r][i].Trim(), StringComparer.Ordinal));
        }

        return new ClinicalQuality(
            entry["status"]!.GetValue<string>(),
            counts["read"]!.GetValue<long>(),
            counts["written"]?.GetValue<long>() ?? (counts["kept"]!.GetValue<long>() + counts["fixed"]!.GetValue<long>()),
            counts["quarantined"]!.GetValue<long>(),
            byRule,
            tokenCells,
            missing?["missing-token"]?.GetValue<long>() ?? 0,
            missing?["missing-when"]?.GetValue<long>() ?? 0);
    }
}

/// <param name="TokenCellsInFile">Cells of the uploaded rows that hold a missing-value token of their column.</param>
/// <param name="MissingTokenCells">Cells the report counts as <c>missing-token</c>.</param>
public sealed record ClinicalQuality(
    string Status,
    long RowsRead,
    long RowsWritten,
    long RowsQuarantined,
    IReadOnlyDictionary<string, long> ViolationsByRule,
    long TokenCellsInFile,
    long MissingTokenCells,
    long MissingWhenCells)
{
    /// <summary>No row quarantined, and every token cell read as missing.</summary>
    public bool TokensReadAsMissing => RowsQuarantined == 0 && MissingTokenCells == TokenCellsInFile;
}

/// <param name="Value">The task's metric on the held-out fold.</param>
/// <param name="TrainRows">Rows the served model was trained on (the version's lineage).</param>
public sealed record ClinicalModelResult(string Model, string Trainer, string Version, double Value, int TrainRows, string? Evaluation, double RetrainSeconds, double PredictSeconds);

public sealed record ClinicalFoldResult(string Task, int Fold, int TrainRows, int TestRows, ClinicalQuality Quality, IReadOnlyList<ClinicalModelResult> Models, double Seconds);
