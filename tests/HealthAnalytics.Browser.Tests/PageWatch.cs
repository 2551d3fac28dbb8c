using Microsoft.Playwright;

namespace HealthAnalytics.Browser.Tests;

/// <summary>What one page did: console errors, uncaught errors, dialogs, and every request with its URL.</summary>
internal sealed class PageWatch
{
    public List<string> Errors { get; } = [];

    public List<string> Requests { get; } = [];

    public static async Task<(IPage Page, PageWatch Watch)> OpenAsync(BrowserFixture fixture)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var watch = new PageWatch();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                watch.Errors.Add("console: " + message.Text + " at " + message.Location);
            }
        };
        page.PageError += (_, error) => watch.Errors.Add("page error: " + error);
        page.Dialog += async (_, dialog) =>
        {
            watch.Errors.Add("dialog: " + dialog.Message);
            await dialog.DismissAsync();
        };
        context.Request += (_, request) => watch.Requests.Add(request.Url);
        return (page, watch);
    }

    /// <summary>No console error, no uncaught error, no dialog, no script of the hostile names ran, and every request
    /// went to the dev host (no CDN, no call home).</summary>
    public async Task AssertCleanAsync(IPage page, Uri host)
    {
        Assert.True(Errors.Count == 0, string.Join("\n", Errors));
        Assert.NotEmpty(Requests);
        foreach (var url in Requests)
        {
            var uri = new Uri(url);
            Assert.True(uri.Scheme is "http" && uri.Authority == host.Authority, $"a request left the dev host: {uri.Scheme}://{uri.Authority}");
        }

        Assert.Null(await page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, await page.Locator("img").CountAsync());
    }
}
