using System.Globalization;
using System.Text;
using HealthAnalytics.Reporting;

namespace HealthAnalytics.Training.Survival;

/// <summary>
/// The pictures of a survival card (docs/console.md, "Model card"): Kaplan–Meier curves per group with their numbers
/// at risk, and predicted against observed S(t) at each horizon. Drawn only from what the sections already hold in
/// <c>card.json</c> (curves read at the section's grid of times, groups of at least 30 rows), so a picture shows nothing
/// the JSON does not.
/// </summary>
internal static class SurvivalCardCharts
{
    /// <summary>One chart per dimension: each group's S(t) as a step function over the grid times, numbers at risk in
    /// the caption.</summary>
    public static void KaplanMeier(StringBuilder html, KaplanMeierSection section)
    {
        var f = CultureInfo.InvariantCulture;
        html.Append("<div class=\"charts\">");
        var d = 0;
        foreach (var dimension in section.Curves.GroupBy(c => c.Dimension))
        {
            var curves = dimension.ToList();
            var atRisk = string.Join("; ", curves.Select(c => c.Group + ": " + string.Join(", ", c.Points.Select(p => p.NumberAtRisk.ToString(f)))));
            html.Append(SvgChart.Lines("km" + d.ToString(f), "Kaplan–Meier by " + dimension.Key, "time", "S(t)",
                [.. curves.Select(c => new ChartLine(c.Group, [.. c.Points.Select(p => (p.Time, p.Survival))], ChartLineKind.Step))],
                x: new AxisRange(0, section.Times.DefaultIfEmpty(1).Max()), y: new AxisRange(0, 1),
                caption: "S(t) read at t = " + string.Join(", ", section.Times.Select(t => CardHtml.N(t))) + ". Numbers at risk at those times — " + atRisk + "."));
            d++;
        }

        html.Append("</div>");
    }

    /// <summary>Mean predicted against Kaplan–Meier observed S(t) per risk group, one line per horizon, with the observed
    /// 95% intervals as grey bars.</summary>
    public static void Calibration(StringBuilder html, SurvivalCalibrationSection section)
    {
        var f = CultureInfo.InvariantCulture;
        var intervals = section.Horizons.SelectMany(h => h.Groups)
            .SelectMany(g => new[] { (g.MeanPredicted, g.ObservedLower), (g.MeanPredicted, g.ObservedUpper), (double.NaN, double.NaN) }).ToList();
        html.Append("<div class=\"charts\">").Append(SvgChart.Lines("survival-calibration", "Calibration at the horizons", "mean predicted S(t)", "observed S(t) (Kaplan–Meier)",
            [new ChartLine("95% interval", intervals, ChartLineKind.Segments),
             .. section.Horizons.Select(h => new ChartLine("t = " + CardHtml.N(h.Horizon), [.. h.Groups.Select(g => (g.MeanPredicted, g.Observed))], ChartLineKind.LineWithPoints))],
            x: new AxisRange(0, 1), y: new AxisRange(0, 1), diagonal: true,
            caption: string.Create(f, $"{section.Predictions}: one point per risk group (at least 30 rows). Dashed: observed = predicted."))).Append("</div>");
    }
}
