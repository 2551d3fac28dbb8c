using System.Text.Json;
using Microsoft.Playwright;

namespace HealthAnalytics.Browser.Tests;

/// <summary>
/// The console, a quality report and a model card of each task trained here (binary classification, clustering,
/// regression, survival, treatment effect) in a
/// real headless chromium against the dev host over Azurite (docs/console.md, "Tests"): they render with charts whose
/// axes are labelled, log no error, request nothing outside the host, and show hostile names as text. Screenshots go to
/// <c>.tmp/browser/</c>.
/// </summary>
public sealed class PagesTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Console_ListsUploadsDatasetsAndModels_ShowsReportsAndCardsInItsViewer_WithoutErrorsOrForeignRequests()
    {
        var (page, watch) = await PageWatch.OpenAsync(fixture);
        var response = await page.GotoAsync(new Uri(fixture.BaseAddress, "/api/console").ToString());
        Assert.Equal(200, response!.Status);
        Assert.Contains("script-src 'self'", (await response.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
        await page.WaitForSelectorAsync("body[data-loaded=true]");

        Assert.Equal(4, await page.Locator("#uploads tbody tr").CountAsync());
        Assert.Equal(3, await page.Locator("#contracts tbody tr").CountAsync());
        var encounters = page.Locator("#contracts tbody tr").Filter(new LocatorFilterOptions { Has = page.Locator("td:first-child", new PageLocatorOptions { HasTextString = "encounters" }) });
        Assert.Equal("1.0.1-hostile", await encounters.Locator("td").Nth(1).TextContentAsync());
        foreach (var model in new[] { BrowserFixture.Risk, BrowserFixture.Subgroups, BrowserFixture.Regression, BrowserFixture.Survival, BrowserFixture.TreatmentEffect })
        {
            var block = page.Locator($"div.model[data-model='{model}']");
            Assert.Equal(1, await block.Locator("tbody tr").CountAsync());
            Assert.Contains(fixture.Versions[model], await block.Locator("tbody tr td").First.TextContentAsync(), StringComparison.Ordinal);
        }

        await Shoot(page, "console");

        // The report of the curated upload, then the binary card, in the sandboxed viewer.
        await page.Locator($"#uploads tr[data-upload-id='{fixture.CuratedUploadId}'] button").ClickAsync();
        var viewer = page.FrameLocator("#viewer");
        await viewer.Locator("figure.chart").First.WaitForAsync();
        Assert.True(await viewer.Locator("figure.chart").CountAsync() >= 5);
        await Shoot(page, "console-report");
        // Scrolled into view first: the viewer's own scrollIntoView after the report can move the page under a click.
        var card = page.Locator($"div.model[data-model='{BrowserFixture.Risk}'] button");
        await card.ScrollIntoViewIfNeededAsync();
        await card.ClickAsync();
        try
        {
            await viewer.Locator("#chart-roc").WaitForAsync();
        }
        catch (TimeoutException)
        {
            Assert.Fail("the card did not show: viewer title '" + await page.Locator("#viewer-title").TextContentAsync() + "'");
        }

        await Shoot(page, "console-card");

        await watch.AssertCleanAsync(page, fixture.BaseAddress);
        Assert.Equal("sandbox", await page.Locator("#viewer").EvaluateAsync<string>("f => f.hasAttribute('sandbox') && f.getAttribute('sandbox') === '' ? 'sandbox' : 'open'"));
    }

    [Fact]
    public async Task QualityReport_DrawsOutcomesSharesAndDistributions_WithLabelledAxes()
    {
        var (page, watch) = await PageWatch.OpenAsync(fixture);
        var response = await page.GotoAsync(new Uri(fixture.BaseAddress, $"/api/uploads/{fixture.CuratedUploadId}").ToString());
        Assert.Equal(200, response!.Status);

        foreach (var id in new[] { "chart-rows", "chart-shares" })
        {
            Assert.Equal(1, await page.Locator("#" + id).CountAsync());
        }

        Assert.Equal(1, await page.Locator(await CategoryChartAsync("admission_type")).CountAsync());

        var histograms = await page.Locator("figure[data-chart=histogram]").CountAsync();
        Assert.True(histograms >= 8, $"{histograms} histograms");
        await AssertAxesLabelledAsync(page);
        var shot = await Shoot(page, "report");
        Assert.True(shot.Length > 50_000, $"screenshot of {shot.Length} bytes");
        await watch.AssertCleanAsync(page, fixture.BaseAddress);
    }

    [Theory]
    [InlineData(BrowserFixture.Risk, new[] { "chart-roc", "chart-pr", "chart-calibration", "chart-importance", "chart-groups" })]
    [InlineData(BrowserFixture.Subgroups, new[] { "chart-subgroups", "chart-kscores" })]
    [InlineData(BrowserFixture.Regression, new[] { "chart-residuals", "chart-observed", "chart-groups" })]
    [InlineData(BrowserFixture.Survival, new[] { "chart-survival-calibration", "chart-km0", "chart-km1", "chart-km2", "chart-km3", "chart-groups" })]
    [InlineData(BrowserFixture.TreatmentEffect, new[] { "chart-effect-forest", "chart-qini" })]
    public async Task ModelCard_OfEachTask_DrawsItsPlots_WithLabelledAxes(string model, string[] charts)
    {
        var (page, watch) = await PageWatch.OpenAsync(fixture);
        var response = await page.GotoAsync(new Uri(fixture.BaseAddress, $"/api/models/{model}/versions/{fixture.Versions[model]}/card").ToString());
        Assert.Equal(200, response!.Status);

        foreach (var id in charts)
        {
            Assert.True(await page.Locator("#" + id + " svg").CountAsync() == 1, $"{id} missing");
        }

        await AssertAxesLabelledAsync(page);
        var shot = await Shoot(page, "card-" + model);
        Assert.True(shot.Length > 30_000, $"screenshot of {shot.Length} bytes");
        await watch.AssertCleanAsync(page, fixture.BaseAddress);

        using var json = await fixture.Http.GetAsync(new Uri($"/api/models/{model}/versions/{fixture.Versions[model]}/card", UriKind.Relative), Ct);
        using var card = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct));
        Assert.Equal(fixture.Versions[model], card.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task HostileNames_AreShownAsText_InTheConsole_TheReports_AndTheCard()
    {
        var (console, consoleWatch) = await PageWatch.OpenAsync(fixture);
        await console.GotoAsync(new Uri(fixture.BaseAddress, "/api/console").ToString());
        await console.WaitForSelectorAsync("body[data-loaded=true]");
        var hostileRow = console.Locator($"#uploads tr[data-upload-id='{fixture.HostileUploadId}'] td");
        Assert.Equal(BrowserFixture.HostilePartner, await hostileRow.Nth(1).TextContentAsync());
        Assert.Equal(BrowserFixture.HostileDataset, await hostileRow.Nth(2).TextContentAsync());
        await consoleWatch.AssertCleanAsync(console, fixture.BaseAddress);

        var (report, reportWatch) = await PageWatch.OpenAsync(fixture);
        await report.GotoAsync(new Uri(fixture.BaseAddress, $"/api/uploads/{fixture.CuratedUploadId}").ToString());
        var text = await report.Locator("body").InnerTextAsync();
        Assert.Contains(BrowserFixture.ScriptHeaderNormalized, text, StringComparison.Ordinal);
        Assert.Contains(BrowserFixture.ScriptCategory, text, StringComparison.Ordinal);
        Assert.Contains(BrowserFixture.ImgCategory, text, StringComparison.Ordinal);
        var categories = await report.Locator(await CategoryChartAsync("admission_type") + " svg text").AllTextContentsAsync();
        Assert.Contains(BrowserFixture.ImgCategory, categories);
        Assert.Contains(BrowserFixture.ScriptCategory, categories);
        await reportWatch.AssertCleanAsync(report, fixture.BaseAddress);

        var (rejected, rejectedWatch) = await PageWatch.OpenAsync(fixture);
        await rejected.GotoAsync(new Uri(fixture.BaseAddress, $"/api/uploads/{fixture.HostileUploadId}").ToString());
        var rejectedText = await rejected.Locator("body").InnerTextAsync();
        Assert.Contains(BrowserFixture.HostileDataset, rejectedText, StringComparison.Ordinal);
        Assert.Contains(BrowserFixture.HostilePartner, rejectedText, StringComparison.Ordinal);
        await rejectedWatch.AssertCleanAsync(rejected, fixture.BaseAddress);

        var (card, cardWatch) = await PageWatch.OpenAsync(fixture);
        await card.GotoAsync(new Uri(fixture.BaseAddress, $"/api/models/{BrowserFixture.Risk}/versions/{fixture.Versions[BrowserFixture.Risk]}/card").ToString());
        var cardText = await card.Locator("body").InnerTextAsync();
        Assert.Contains(BrowserFixture.ScriptCategory, cardText, StringComparison.Ordinal);
        Assert.Contains(BrowserFixture.ImgCategory, cardText, StringComparison.Ordinal);
        await cardWatch.AssertCleanAsync(card, fixture.BaseAddress);
    }

    /// <summary>The selector of the category chart of <paramref name="column"/> in the curated upload's report (its
    /// key is the column's position in the report's JSON).</summary>
    private async Task<string> CategoryChartAsync(string column)
    {
        using var json = JsonDocument.Parse(await fixture.Http.GetStringAsync(new Uri($"/api/uploads/{fixture.CuratedUploadId}", UriKind.Relative), Ct));
        var index = json.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList().IndexOf(column);
        Assert.True(index >= 0, column + " is not in the report");
        return $"#chart-col{index}-cat";
    }

    /// <summary>Every chart's SVG has a text element equal to each of its axis titles.</summary>
    private static async Task AssertAxesLabelledAsync(IPage page)
    {
        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('figure.chart')].filter(f => {
                const texts = [...f.querySelectorAll('svg text')].map(t => t.textContent);
                return !texts.includes(f.dataset.xAxis) || !texts.includes(f.dataset.yAxis);
            }).map(f => f.id)
            """);
        Assert.True(unlabelled.Length == 0, "charts without labelled axes: " + string.Join(", ", unlabelled));
        Assert.True(await page.Locator("figure.chart svg").CountAsync() > 0);
    }

    private async Task<byte[]> Shoot(IPage page, string name)
    {
        var path = Path.Combine(fixture.Artifacts, name + ".png");
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.AddAttachment(name + ".png", bytes, "image/png");
        return bytes;
    }
}
