using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Training;

/// <summary>
/// The model card (<c>card.json</c> + readable <c>card.html</c>): what the model is for, what it was trained on
/// (upload ids and hashes, counts), how it performs overall and per group, and its subgroups as aggregates.
/// Holds no row, identifier or value of a patient: only counts, means over groups of at least 30 rows, and metrics.
/// </summary>
public sealed record ModelCard
{
    public required string Model { get; init; }
    public required string Version { get; init; }
    public required string Task { get; init; }
    public string? Description { get; init; }
    public required string Dataset { get; init; }
    public string? Label { get; init; }
    public required string Trainer { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required ModelStatus Status { get; init; }
    public required string Decision { get; init; }
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>Supervised tasks: how <see cref="Metrics"/> were estimated (holdout or cross-validation: mean, SD, 95%
    /// interval) and the few-events warnings.</summary>
    public EvaluationSummary? Evaluation { get; init; }
    public IReadOnlyList<GroupMetrics> GroupMetrics { get; init; } = [];
    public IReadOnlyList<MetricGap> LargestGaps { get; init; } = [];
    public IReadOnlyDictionary<int, double> KScores { get; init; } = new Dictionary<int, double>();
    public IReadOnlyList<SubgroupProfile> Subgroups { get; init; } = [];

    /// <summary>Task-specific sections (<see cref="CardSection"/>), in the order the task gave them.</summary>
    [JsonIgnore]
    public IReadOnlyList<CardSection> Sections { get; init; } = [];

    /// <summary><see cref="Sections"/> as <c>card.json</c> holds them: each with its kind and all its properties (written
    /// by runtime type, so a task's section needs no registration).</summary>
    [JsonPropertyName("sections")]
    public IReadOnlyList<object> SectionsJson => Sections;
    public required InputSchema Input { get; init; }
    public required Lineage Lineage { get; init; }
    public string IntendedUse { get; init; } = "Decision support and population analytics on pseudonymized data; not a diagnosis. Review group gaps before use in a new population.";

    public static ModelCard From(ModelSpec spec, TrainedModel trained, ModelVersion version)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(version);
        const int MinProfileRows = 30; // a subgroup smaller than this is not described: too close to a person
        return new ModelCard
        {
            Model = spec.Name,
            Version = version.Version,
            Task = version.Task,
            Description = spec.Description,
            Dataset = spec.Dataset,
            Label = spec.Label?.Describe(),
            Trainer = trained.Bundle.Manifest.Trainer,
            TrainedAt = version.CreatedAt,
            Status = version.Status,
            Decision = version.Decision,
            Metrics = version.Metrics,
            Evaluation = trained.Evaluation,
            GroupMetrics = trained.GroupMetrics,
            LargestGaps = [.. trained.Gaps.GroupBy(g => g.Metric).Select(g => g.OrderByDescending(x => x.Gap).First())],
            KScores = trained.KScores,
            Subgroups = [.. trained.Bundle.Manifest.Subgroups.Where(s => s.Size >= MinProfileRows)],
            Sections = trained.CardSections,
            Input = trained.Bundle.Manifest.Input,
            Lineage = version.Lineage,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, CardJson);

    /// <summary>The style sheet of <see cref="ToHtml"/>, the card's only style (docs/console.md).</summary>
    public const string StyleSheet = ModelCardCharts.StyleSheet;

    public string ToHtml()
    {
        var html = new StringBuilder();
        string E(object? o) => WebUtility.HtmlEncode(Convert.ToString(o, CultureInfo.InvariantCulture) ?? "");
        string N(double d) => double.IsFinite(d) ? d.ToString("0.####", CultureInfo.InvariantCulture) : "n/a";
        html.Append(CultureInfo.InvariantCulture, $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"><link rel=\"icon\" href=\"data:,\"><title>{E(Model)} {E(Version)}</title>");
        html.Append("<style>").Append(StyleSheet).Append("</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>Model card: {E(Model)}</h1><p>{E(Description)}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<table><tr><th>version</th><td>{E(Version)}</td></tr><tr><th>task</th><td>{E(Task)}</td></tr><tr><th>trainer</th><td>{E(Trainer)}</td></tr><tr><th>status</th><td>{E(Status)}</td></tr><tr><th>decision</th><td>{E(Decision)}</td></tr><tr><th>dataset</th><td>{E(Dataset)} (contract {E(Lineage.ContractVersion)})</td></tr><tr><th>rows</th><td>{Lineage.Rows} ({Lineage.TrainRows} train, {Lineage.HoldoutRows} holdout{(Lineage.RowsWithoutOutcome > 0 ? $", {Lineage.RowsWithoutOutcome} left out: no label" : "")}) from {Lineage.Uploads.Count} uploads</td></tr><tr><th>keys</th><td>scoped by {E(Lineage.KeyScope)}; {Lineage.CrossPartnerKeyCollisions} cross-partner key collisions</td></tr><tr><th>trained</th><td>{E(TrainedAt.ToString("u", CultureInfo.InvariantCulture))}</td></tr></table>");
        if (Evaluation is { Kind: "cross-validation" } cv)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Metrics (cross-validation: {cv.Folds} folds × {cv.Repeats} repeats on {cv.Rows} rows; served model refit on all of them)</h2>");
            html.Append("<table><tr><th>metric</th><th>mean</th><th>SD over folds</th><th>95% interval</th></tr>");
            foreach (var (k, v) in cv.Metrics)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(k)}</th><td>{N(v.Mean)}</td><td>{N(v.Sd ?? double.NaN)}</td><td>{(v.Low is { } lo && v.High is { } hi ? $"{N(lo)} – {N(hi)}" : "n/a")}</td></tr>");
            }
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Metrics ({E(Evaluation?.Kind ?? "holdout")})</h2><table>");
            foreach (var (k, v) in Metrics)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(k)}</th><td>{N(v)}</td></tr>");
            }
        }

        html.Append("</table>");
        if (Evaluation is { } evaluation)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>Evaluation: {E(evaluation.Reason)}.</p>");
            if (evaluation.Warnings.Count > 0)
            {
                html.Append("<ul>").Append(string.Concat(evaluation.Warnings.Select(w => $"<li><strong>Caution:</strong> {E(w)}</li>"))).Append("</ul>");
            }
        }
        if (GroupMetrics.Count > 0)
        {
            var names = GroupMetrics[0].Metrics.Keys.ToList();
            html.Append("<h2>Metrics per group</h2><table><tr><th>dimension</th><th>group</th><th>rows</th>");
            html.Append(string.Concat(names.Select(n => $"<th>{E(n)}</th>"))).Append("</tr>");
            foreach (var g in GroupMetrics)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(g.Dimension)}</td><td>{E(g.Group)}</td><td>{g.Rows}</td>");
                html.Append(string.Concat(names.Select(n => $"<td>{N(g.Metrics[n])}</td>"))).Append("</tr>");
            }

            html.Append("</table><h3>Largest gaps</h3><table><tr><th>metric</th><th>dimension</th><th>gap</th><th>lowest</th><th>highest</th></tr>");
            foreach (var g in LargestGaps)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(g.Metric)}</td><td>{E(g.Dimension)}</td><td>{N(g.Gap)}</td><td>{E(g.Lowest)}</td><td>{E(g.Highest)}</td></tr>");
            }

            html.Append("</table>");
            ModelCardCharts.Groups(html, GroupMetrics, Evaluation?.Kind == "cross-validation" ? "out-of-fold, first repeat" : "holdout");
        }

        if (Subgroups.Count > 0)
        {
            html.Append("<h2>Subgroups</h2><table><tr><th>subgroup</th><th>size</th><th>share</th><th>sets it apart (SDs from overall mean)</th><th>means</th></tr>");
            foreach (var s in Subgroups)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{s.Subgroup}</td><td>{s.Size}</td><td>{N(s.Share)}</td><td>{E(string.Join(", ", s.Distinctive.Select(d => $"{d.Feature} {d.StandardizedDifference:+0.00;-0.00}")))}</td><td>{E(string.Join(", ", s.Means.Select(m => $"{m.Key} {N(m.Value)}")))}</td></tr>");
            }

            html.Append("</table>");
            ModelCardCharts.Subgroups(html, Subgroups, KScores);
        }

        foreach (var section in Sections)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>{E(section.Title)}</h2>");
            section.WriteHtml(html);
        }

        html.Append("<h2>Inputs</h2><table><tr><th>feature</th><th>type</th><th>unit</th><th>categories</th></tr>");
        foreach (var f in Input.Features)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(f.Name)}</td><td>{E(f.Type)}</td><td>{E(f.Unit)}</td><td>{E(f.Categories is null ? "" : string.Join(", ", f.Categories))}</td></tr>");
        }

        html.Append("</table><h2>Training data</h2><table><tr><th>upload</th><th>partner</th><th>content hash</th></tr>");
        foreach (var u in Lineage.Uploads)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(u.UploadId)}</td><td>{E(u.Partner)}</td><td>{E(u.ContentHash)}</td></tr>");
        }

        html.Append(CultureInfo.InvariantCulture, $"</table><p>Spec hash {E(Lineage.SpecHash)}, code {E(Lineage.CodeVersion)}.</p><h2>Intended use</h2><p>{E(IntendedUse)}</p></body></html>");
        return html.ToString();
    }

    private static readonly JsonSerializerOptions CardJson = new(ModelSpecReader.Json) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
