using System.Text;
using HealthAnalytics.Integration.Tests.Serving;
using HealthAnalytics.Integration.Tests.Survival;

namespace HealthAnalytics.Integration.Tests.Config;

/// <summary>
/// A Latin-1 file (R's <c>write.csv2</c> of <c>gbsg</c> with an <c>âge</c> column, saved as ISO-8859-1) uploaded under
/// a contract that reads UTF-8: found by the second "from the docs alone" check (docs/clinical-suite.md). The rejection
/// said only "invalid UTF-8 at byte offset 7"; it now names the contract member and the fix, and still quotes no byte
/// of the file.
/// </summary>
public sealed class EncodingRefusalHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Contract = """
        {
          "name": "latin",
          "version": "1.0.0",
          "dialect": { "delimiter": ";", "decimalSeparator": ",", "encoding": "utf-8" },
          "columns": [
            { "name": "pid", "type": "string", "privacy": "identifier", "required": true },
            { "name": "age", "type": "integer", "privacy": "quasi" },
            { "name": "rfs_years", "type": "number" }
          ]
        }
        """;

    [Fact]
    public async Task Latin1File_UnderAUtf8Contract_IsRejectedNamingDialectEncodingAndTheFix_QuotingNothing()
    {
        await using var storage = new TestStorage();
        await using var host = await ServingHost.StartAsync(storage, Ct);
        await SurvivalHttp.PutAsync(host, "/api/config/contracts/latin", Contract);
        var csv = Encoding.Latin1.GetBytes("\"pid\";\"âge\";\"rfs_years\"\n132;49;5,032\n1575;55;1,103\n");
        await host.Storage.UploadAsync("research-team/latin/gbsg_eu.csv", csv);

        var (id, _) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await host.GetJsonAsync("/api/uploads?dataset=latin&status=rejected", Ct);
                return doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("uploadId").GetString()).FirstOrDefault();
            },
            TimeSpan.FromMinutes(2));
        Assert.NotNull(id);
        using var report = await host.GetJsonAsync($"/api/uploads/{id}", Ct);
        var rejection = report.RootElement.GetProperty("rejection");
        Assert.Equal("encoding", rejection.GetProperty("rule").GetString());
        var message = rejection.GetProperty("message").GetString()!;
        Assert.Contains("dialect.encoding", message, StringComparison.Ordinal);
        Assert.Contains("windows-1252", message, StringComparison.Ordinal);
        Assert.All(["âge", "132", "1575", "49", "5,032"], value => Assert.DoesNotContain(value, message, StringComparison.Ordinal));
    }
}
