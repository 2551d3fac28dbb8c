namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>Issue #13 item 8: every answer of the dev host carries the security headers of the one error policy
/// (<c>ApiErrorPolicy</c>, which the Function App's middleware runs too).</summary>
public sealed class SecurityHeaderTests
{
    [Fact]
    public async Task EveryAnswer_CarriesSecurityHeaders_DataIsNoStore_HtmlHasAStrictCsp()
    {
        await using var storage = new TestStorage();
        await using var host = await HostileHost.StartAsync(storage);
        await storage.UploadAsync("clinic/encounters/h.csv", Csv.Encounters(10, seed: 1330));
        var entry = Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60)));

        var requests = new (HttpMethod Method, string Path, string? Accept, string? Body)[]
        {
            (HttpMethod.Get, "/api/health", null, null),
            (HttpMethod.Get, "/api/uploads", null, null),
            (HttpMethod.Get, $"/api/uploads/{entry.RowKey}", null, null),
            (HttpMethod.Get, $"/api/uploads/{entry.RowKey}", "text/html", null),
            (HttpMethod.Get, "/api/uploads/NOT-AN-ID", null, null),
            (HttpMethod.Get, "/api/nothing-here", null, null),
            (HttpMethod.Get, "/api/models", null, null),
            (HttpMethod.Get, "/api/config", null, null),
            (HttpMethod.Get, "/api/openapi.json", null, null),
            (HttpMethod.Post, "/api/models/readmission-risk/predict", null, """{"instances":[{"age":60}]}"""),
            (HttpMethod.Put, "/api/config/contracts/trial", null, new string(' ', 2 * 1024 * 1024)),
        };

        var problems = new List<string>();
        foreach (var (method, path, accept, body) in requests)
        {
            using var response = await host.SendAsync(method, path, body, accept);
            var what = $"{method} {path} {accept} → {(int)response.StatusCode}";
            string? Header(string name) => response.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
                : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : null;
            void Expect(string name, Func<string?, bool> ok)
            {
                if (!ok(Header(name)))
                {
                    problems.Add($"{what}: {name} = {Header(name) ?? "(none)"}");
                }
            }

            Expect("X-Content-Type-Options", v => v == "nosniff");
            Expect("Referrer-Policy", v => v == "no-referrer");
            Expect("X-Frame-Options", v => v == "DENY");
            Expect("Cache-Control", v => v?.Contains("no-store", StringComparison.Ordinal) == true);
            Expect("Content-Security-Policy", v => v?.Contains("frame-ancestors 'none'", StringComparison.Ordinal) == true && v.Contains("default-src 'none'", StringComparison.Ordinal));
            if (response.Content.Headers.ContentType?.MediaType == "text/html")
            {
                Expect("Content-Security-Policy", v => v?.Contains("script-src", StringComparison.Ordinal) != true && v?.Contains("form-action 'none'", StringComparison.Ordinal) == true);
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
