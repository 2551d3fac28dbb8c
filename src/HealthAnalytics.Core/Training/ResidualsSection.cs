using System.Globalization;
using System.Text;
using HealthAnalytics.Reporting;

namespace HealthAnalytics.Training;

/// <summary>One bin of evaluated rows by predicted value: means and the 10th–90th percentile of the residuals.</summary>
public sealed record ResidualBin(double MeanPredicted, double MeanObserved, double MeanResidual, double ResidualP10, double ResidualP90, long Rows);

/// <summary>
/// The residual plots of a regression (docs/console.md, "Model card"): residual (observed − predicted) against the
/// predicted value, and observed against predicted, over equal-size bins of at least <see cref="MinRowsPerBin"/> rows
/// each — aggregates, never a row's residual. Computed at training time on the evaluated rows (holdout or out-of-fold).
/// </summary>
public sealed record ResidualsSection : CardSection
{
    public const int MinRowsPerBin = 10;

    public override string Kind => "residuals";

    public override string Title => "Residuals";

    public required string Outcome { get; init; }

    public required long Rows { get; init; }

    public required IReadOnlyList<ResidualBin> Bins { get; init; }

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var f = CultureInfo.InvariantCulture;
        var spread = Bins.SelectMany(b => new[] { (b.MeanPredicted, b.ResidualP10), (b.MeanPredicted, b.ResidualP90), (double.NaN, double.NaN) }).ToList();
        var xs = Bins.Select(b => b.MeanPredicted).DefaultIfEmpty(0).ToList();
        html.Append("<div class=\"charts\">");
        html.Append(SvgChart.Lines("residuals", "Residuals by predicted value", "predicted " + Outcome, "residual (observed − predicted)",
            [new ChartLine("10th–90th percentile", spread, ChartLineKind.Segments), new ChartLine("zero", [(xs.Min(), 0), (xs.Max(), 0)], ChartLineKind.Segments),
             new ChartLine("mean residual", [.. Bins.Select(b => (b.MeanPredicted, b.MeanResidual))], ChartLineKind.LineWithPoints)],
            caption: string.Create(f, $"{Rows} evaluated rows in {Bins.Count} equal-size bins by predicted value (at least {MinRowsPerBin} rows each); grey bars: 10th–90th percentile of the residuals.")));
        html.Append(SvgChart.Lines("observed", "Observed against predicted", "mean predicted " + Outcome, "mean observed " + Outcome,
            [new ChartLine("bins", [.. Bins.Select(b => (b.MeanPredicted, b.MeanObserved))], ChartLineKind.LineWithPoints)], diagonal: true,
            caption: "Dashed: observed = predicted."));
        html.Append("</div>");
    }

    /// <summary>Up to 20 equal-size bins of the rows sorted by prediction, each of at least <see cref="MinRowsPerBin"/> rows.</summary>
    public static ResidualsSection Compute(double[] predicted, double[] observed, string outcome)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(observed);
        var rows = Enumerable.Range(0, predicted.Length).Where(i => double.IsFinite(predicted[i]) && double.IsFinite(observed[i])).OrderBy(i => predicted[i]).ToArray();
        var count = Math.Min(20, rows.Length / MinRowsPerBin);
        var bins = new List<ResidualBin>();
        for (var b = 0; b < count; b++)
        {
            var slice = rows[(int)((long)b * rows.Length / count)..(int)((long)(b + 1) * rows.Length / count)];
            var residuals = slice.Select(i => observed[i] - predicted[i]).Order().ToArray();
            bins.Add(new ResidualBin(slice.Average(i => predicted[i]), slice.Average(i => observed[i]), residuals.Average(),
                Quantile(residuals, 0.1), Quantile(residuals, 0.9), slice.Length));
        }

        return new ResidualsSection { Outcome = outcome, Rows = rows.Length, Bins = bins };
    }

    /// <summary>Linear interpolation between order statistics (type 7, R's default) of sorted values.</summary>
    internal static double Quantile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
