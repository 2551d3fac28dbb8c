using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion.Tests.Ingestion;
using HealthAnalytics.Ingestion.Tests.Synthetic;
using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Reporting;

/// <summary>The pictures of the quality report (docs/console.md): which charts exist, what they may show, and that the page stays inert.</summary>
public partial class QualityReportChartsTests
{
    private static async Task<CleanerHarness.Result> SyntheticReportAsync(int rows = 3_000)
    {
        var generated = SyntheticTestKit.Generate(new GeneratorOptions { Rows = rows, Seed = 5, Dirt = DirtRates.Typical, LatestCleanDate = new DateOnly(2025, 6, 1) });
        var result = await CleanerHarness.CleanAsync(generated.Bytes);
        result.AssertCurated();
        return result;
    }

    [Fact]
    public async Task Report_DrawsOutcomes_Violations_Shares_AndADistributionPerValueColumn()
    {
        var r = await SyntheticReportAsync();
        var html = r.Html;

        Assert.Contains("id=\"chart-rows\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-rules\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-shares\"", html, StringComparison.Ordinal);
        var columns = r.Report.Columns;
        for (var i = 0; i < columns.Count; i++)
        {
            var c = columns[i];
            var drawn = html.Contains($"id=\"chart-col{i}-", StringComparison.Ordinal);
            var expected = c.Privacy is "none" or "sensitive" && (c.Histogram is not null || c.Categories is not null);
            Assert.True(drawn == expected, $"column {c.Name} ({c.Privacy}): drawn {drawn}, expected {expected}");
        }

        var glucose = columns.Single(c => c.Name == "glucose").Histogram!;
        Assert.InRange(glucose.Counts.Count, 2, 64);
        Assert.Equal(r.Report.Rows.Written - columns.Single(c => c.Name == "glucose").Missing, glucose.Counts.Sum() + glucose.SuppressedRows);
        Assert.All(glucose.Counts, n => Assert.True(n == 0 || n >= QualityReport.MinCellRows));
        Assert.All(columns.Where(c => c.Privacy is "identifier" or "quasi" or "direct"), c => Assert.Null(c.Histogram));
    }

    [Fact]
    public async Task Charts_AreInertSvg_WithLabelledAxes_AndNoStyleAttribute()
    {
        var html = (await SyntheticReportAsync()).Html;

        var svgs = SvgElement().Matches(html);
        Assert.NotEmpty(svgs);
        foreach (Match svg in svgs)
        {
            Assert.DoesNotContain("style=", svg.Value, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", svg.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("href", svg.Value, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("<title", svg.Value, StringComparison.Ordinal);
        }

        foreach (Match figure in Figure().Matches(html))
        {
            var x = figure.Groups["x"].Value;
            var y = figure.Groups["y"].Value;
            Assert.Contains(">" + x + "</text>", figure.Value, StringComparison.Ordinal);
            Assert.Contains(">" + y + "</text>", figure.Value, StringComparison.Ordinal);
        }

        var ids = Regex.Matches(html, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Categories_UnderTenRows_AreNeverDrawnNorListed()
    {
        // 40 rows: elective 30 times, urgent 9 times, transfer once.
        var rows = Enumerable.Range(0, 40).Select(i => CleanerHarness.Row(("encounter_id", "E" + i), ("admission_type", i < 30 ? "elective" : i < 39 ? "urgent" : "transfer"))).ToArray();
        var r = await CleanerHarness.CleanAsync(CleanerHarness.Csv(rows));
        r.AssertCurated();
        var figure = Figure().Matches(r.Html).Single(m => m.Value.Contains("<title id=\"col", StringComparison.Ordinal) && m.Value.Contains(">admission_type</title>", StringComparison.Ordinal)).Value;

        Assert.Contains(">elective</text>", figure, StringComparison.Ordinal);
        Assert.DoesNotContain(">urgent</text>", figure, StringComparison.Ordinal);
        Assert.DoesNotContain(">transfer</text>", figure, StringComparison.Ordinal);
        Assert.DoesNotContain("urgent: 9", r.Html, StringComparison.Ordinal);
        Assert.Contains("2 with fewer than 10 rows", r.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileCategoryAndHeader_AppearEscaped_InTablesAndCharts()
    {
        const string script = "<script>alert(1)</script>";
        const string img = "\"><img src=x onerror=alert(2)>";
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "config", "contracts", "encounters.json")))!.AsObject();
        var admission = json["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "admission_type")!;
        admission["categories"] = new JsonObject { [script] = new JsonArray("s"), [img] = new JsonArray("i") };
        var loaded = ContractLoader.Load(json.ToJsonString());
        Assert.Empty(loaded.Errors);
        var header = string.Join(",", CleanerHarness.Header) + "," + script + "," + img.Replace("\"", "\"\"", StringComparison.Ordinal).Insert(0, "\"") + "\"";
        var rows = Enumerable.Range(0, 24).Select(i => CleanerHarness.Row(("encounter_id", "E" + i), ("admission_type", i % 2 == 0 ? "s" : "i")) + ",x,y");
        var r = await CleanerHarness.CleanAsync(header + "\n" + string.Join("\n", rows) + "\n", contract: loaded.Contract);
        r.AssertCurated();

        Assert.DoesNotContain("<script", r.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", r.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", r.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", r.Html, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "config", "contracts", "encounters.json")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found above the test binaries");
        }

        return dir;
    }

    [GeneratedRegex("<svg.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();

    [GeneratedRegex("<figure class=\"chart\"[^>]*data-x-axis=\"(?<x>[^\"]*)\" data-y-axis=\"(?<y>[^\"]*)\">.*?</figure>", RegexOptions.Singleline)]
    private static partial Regex Figure();
}
