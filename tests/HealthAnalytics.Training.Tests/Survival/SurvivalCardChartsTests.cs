using System.Text.RegularExpressions;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>The survival card's pictures (docs/console.md, "Model card"): Kaplan–Meier per dimension with numbers at
/// risk, calibration at the horizons; drawn from the sections' aggregates only.</summary>
public sealed partial class SurvivalCardChartsTests
{
    private static KaplanMeierGroupCurve Curve(string dimension, string group, int[] atRisk, double[] survival) =>
        new(dimension, group, atRisk[0], 5, null, [.. Times.Select((t, k) => new KaplanMeierPoint(t, atRisk[k], 0, survival[k], 0.01, survival[k] - 0.02, survival[k] + 0.02))]);

    private static readonly double[] Times = [0, 365, 730];

    [Fact]
    public void KaplanMeier_OneChartPerDimension_WithAStepLinePerGroup_AndItsNumbersAtRisk()
    {
        var section = new KaplanMeierSection("every row with an outcome", Times,
            [
                Curve("all", "all", [400, 310, 220], [1, 0.8, 0.6]),
                Curve("sex", "F", [210, 170, 121], [1, 0.85, 0.7]),
                Curve("sex", "M", [190, 140, 99], [1, 0.75, 0.5]),
            ], []);
        var html = new System.Text.StringBuilder();
        section.WriteHtml(html);
        var text = html.ToString();

        var figures = Figure().Matches(text).Select(m => m.Groups["id"].Value).ToList();
        Assert.Equal(["chart-km0", "chart-km1"], figures);
        Assert.Contains("data-x-axis=\"time\"", text, StringComparison.Ordinal);
        Assert.Contains("data-y-axis=\"S(t)\"", text, StringComparison.Ordinal);
        Assert.Contains("F: 210, 170, 121; M: 190, 140, 99", text, StringComparison.Ordinal);
        Assert.Contains("all: 400, 310, 220", text, StringComparison.Ordinal);

        // Two groups in the second chart: a legend names both.
        var sex = text[text.IndexOf("id=\"chart-km1\"", StringComparison.Ordinal)..];
        Assert.Contains(">F<", sex, StringComparison.Ordinal);
        Assert.Contains(">M<", sex, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Calibration_OneLinePerHorizon_OnTheUnitSquare()
    {
        var section = new SurvivalCalibrationSection("holdout",
            [
                new CalibrationAtHorizon(365, [new CalibrationGroup(1, 40, 3, 0.9, 0.92, 0.85, 0.97), new CalibrationGroup(2, 40, 10, 0.7, 0.75, 0.6, 0.85)], 0.035),
                new CalibrationAtHorizon(730, [new CalibrationGroup(1, 40, 6, 0.8, 0.78, 0.7, 0.9), new CalibrationGroup(2, 40, 18, 0.5, 0.55, 0.4, 0.7)], 0.035),
            ]);
        var html = new System.Text.StringBuilder();
        section.WriteHtml(html);
        var text = html.ToString();

        Assert.Equal(["chart-survival-calibration"], Figure().Matches(text).Select(m => m.Groups["id"].Value));
        Assert.Contains("data-x-axis=\"mean predicted S(t)\"", text, StringComparison.Ordinal);
        Assert.Contains(">t = 365<", text, StringComparison.Ordinal);
        Assert.Contains(">t = 730<", text, StringComparison.Ordinal);
    }

    [GeneratedRegex("<figure class=\"chart\"[^>]* id=\"(?<id>[^\"]+)\"")]
    private static partial Regex Figure();
}
