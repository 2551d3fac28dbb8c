using System.Globalization;
using System.Text;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// The comparison of one task with its reference over the folds that were run: per fold and the unweighted mean of the
/// fold values (bench/reference/README.md: the reported value is the mean of the 5 fold values), the difference and
/// whether it is within the task's tolerance (absolute for AUC and C, relative to the reference for RMSE).
/// </summary>
public sealed record ClinicalTaskSummary
{
    public required string Task { get; init; }
    public required string Kind { get; init; }
    public required string Metric { get; init; }
    public required string ReferenceModel { get; init; }
    public required string ReferenceScope { get; init; }
    public required string ReferenceFile { get; init; }
    public required IReadOnlyList<int> Folds { get; init; }
    public required double Reference { get; init; }
    public required double Ours { get; init; }
    public required double Difference { get; init; }
    public required double Tolerance { get; init; }
    public required string ToleranceKind { get; init; }
    public required bool Pass { get; init; }

    /// <summary>Per fold: (fold, reference, ours).</summary>
    public required IReadOnlyList<FoldComparison> PerFold { get; init; }

    /// <summary>The boosted survival model's mean C on the same folds (reported beside the Cox model, not compared).</summary>
    public double? Boosted { get; init; }
    public required long RowsUploaded { get; init; }
    public required long RowsQuarantined { get; init; }
    public required IReadOnlyDictionary<string, long> QuarantinedByRule { get; init; }
    public required long TokenCells { get; init; }
    public required long MissingTokenCells { get; init; }
    public required long MissingWhenCells { get; init; }
    public required bool TokensReadAsMissing { get; init; }

    public static ClinicalTaskSummary Of(ClinicalTask task, ClinicalReference reference, IReadOnlyList<ClinicalFoldResult> folds)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(folds);
        var compared = folds.Select(f => new FoldComparison(f.Fold, reference.Folds[f.Fold], f.Models[0].Value)).ToList();

        // The reference's own mean when every fold ran (the committed number), else its mean over the folds that ran.
        var refMean = compared.Count == reference.Folds.Count ? reference.Mean : compared.Average(c => c.Reference);
        var ours = compared.Average(c => c.Ours);
        var difference = ours - refMean;
        var pass = task.ToleranceKind == "relative"
            ? Math.Abs(difference) <= task.Tolerance * Math.Abs(refMean)
            : Math.Abs(difference) <= task.Tolerance;
        var byRule = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (rule, n) in folds.SelectMany(f => f.Quality.ViolationsByRule))
        {
            byRule[rule] = byRule.GetValueOrDefault(rule) + n;
        }

        var boosted = folds.Select(f => f.Models.FirstOrDefault(m => m.Trainer == "boosted-survival")?.Value).ToList();
        return new ClinicalTaskSummary
        {
            Task = task.Id,
            Kind = task.Kind.ToString().ToLowerInvariant(),
            Metric = task.Metric,
            ReferenceModel = reference.Model,
            ReferenceScope = reference.Scope,
            ReferenceFile = reference.Path,
            Folds = [.. folds.Select(f => f.Fold)],
            Reference = refMean,
            Ours = ours,
            Difference = difference,
            Tolerance = task.Tolerance,
            ToleranceKind = task.ToleranceKind,
            Pass = pass,
            PerFold = compared,
            Boosted = boosted.All(b => b is not null) && boosted.Count > 0 ? boosted.Average(b => b!.Value) : null,
            RowsUploaded = folds.Sum(f => f.TrainRows),
            RowsQuarantined = folds.Sum(f => f.Quality.RowsQuarantined),
            QuarantinedByRule = byRule,
            TokenCells = folds.Sum(f => f.Quality.TokenCellsInFile),
            MissingTokenCells = folds.Sum(f => f.Quality.MissingTokenCells),
            MissingWhenCells = folds.Sum(f => f.Quality.MissingWhenCells),
            TokensReadAsMissing = folds.All(f => f.Quality.TokensReadAsMissing),
        };
    }

    /// <summary>The summary table (docs/clinical-suite.md and the run's <c>.md</c>).</summary>
    public static string Markdown(IReadOnlyList<ClinicalTaskSummary> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| task | metric | folds | reference (scope) | ours | difference | bar | pass | rows uploaded / quarantined | token cells / read as missing | `missingWhen` cells | boosted C |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var t in tasks)
        {
            var rmse = t.Metric == "rmse";
            var fmt = rmse ? "0.000" : "0.0000";
            var diff = rmse
                ? $"{Signed(t.Difference, 3)} ({Signed(100 * t.Difference / t.Reference, 3)}%)"
                : Signed(t.Difference, 5);
            var bar = t.ToleranceKind == "relative" ? string.Format(ic, "±{0:0}%", 100 * t.Tolerance) : string.Format(ic, "±{0}", t.Tolerance);
            var quarantined = t.RowsQuarantined == 0 ? "0" : string.Format(ic, "{0} ({1})", t.RowsQuarantined, string.Join(", ", t.QuarantinedByRule.Select(r => $"{r.Key} {r.Value}")));
            sb.AppendLine(ic, $"| {t.Task} | {t.Metric} | {t.Folds.Count} | {t.Reference.ToString(fmt, ic)} ({t.ReferenceModel}, {t.ReferenceScope}) | {t.Ours.ToString(fmt, ic)} | {diff} | {bar} | {(t.Pass ? "pass" : "**FAIL**")} | {t.RowsUploaded} / {quarantined} | {t.TokenCells} / {t.MissingTokenCells} | {t.MissingWhenCells} | {(t.Boosted is { } b ? b.ToString("0.0000", ic) : "")} |");
        }

        return sb.ToString();
    }

    /// <summary>A difference with its sign, rounded; one that rounds to zero is written +0.</summary>
    public static string Signed(double value, int decimals)
    {
        var r = Math.Round(value, decimals);
        r = r == 0 ? 0.0 : r;
        var digits = new string('0', decimals);
        return r.ToString($"+0.{digits};-0.{digits}", CultureInfo.InvariantCulture);
    }
}

public sealed record FoldComparison(int Fold, double Reference, double Ours);
