using System.Net;

namespace HealthAnalytics.Integration.Tests.Serving;

/// <summary>The console's files and the card route at their edges, over HTTP on the dev host (docs/console.md): the
/// three files with a strict policy and nothing else under <c>/api/console/</c>; a missing or malformed card is a 404
/// that does not repeat what was asked. (Cards that exist, in both representations, are read in the browser tests.)</summary>
public sealed class ConsoleRoutesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Console_ServesItsPageScriptAndStyle_WithAStrictPolicy_AndNoOtherFile()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);

        foreach (var (path, type) in new[] { ("/api/console", "text/html"), ("/api/console/console.js", "text/javascript"), ("/api/console/console.css", "text/css") })
        {
            using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            var script = policy.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src", StringComparison.Ordinal));
            Assert.Equal("script-src 'self'", script);
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        using var page = await host.Client.GetAsync(new Uri("/api/console", UriKind.Relative), Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script: only <script src=…>
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);

        foreach (var other in new[] { "/api/console/appsettings.json", "/api/console/console.html", "/api/console/CONSOLE.JS", "/api/console/..%2Fconsole.js" })
        {
            using var response = await host.Client.GetAsync(new Uri(other, UriKind.Relative), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{other}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("readmission-risk", "no-such-version")]
    [InlineData("readmission-risk", "%3Cscript%3Ex%3C%2Fscript%3E")]
    [InlineData("%3Cimg%20src%3Dx%3E", "v1")]
    public async Task Card_MissingOrMalformed_Is404_WithoutRepeatingTheRequest(string name, string version)
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);

        foreach (var accept in new[] { "application/json", "text/html" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/models/{name}/versions/{version}/card", UriKind.Relative));
            request.Headers.Accept.ParseAdd(accept);
            using var response = await host.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(Ct);
            foreach (var asked in new[] { Uri.UnescapeDataString(name), Uri.UnescapeDataString(version) }.Where(a => a != "readmission-risk"))
            {
                Assert.DoesNotContain(asked, body, StringComparison.Ordinal);
            }
        }
    }
}
