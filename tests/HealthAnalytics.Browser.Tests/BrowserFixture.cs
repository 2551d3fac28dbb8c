using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.DevHost;
using HealthAnalytics.Integration.Tests;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Synthetic.Trials;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HealthAnalytics.Browser.Tests;

/// <summary>
/// One dev host over its own Azurite storage, taken through the flow once with hostile names in it, and one headless
/// Debian chromium for the whole class (docs/console.md, "Tests"): a stored contract whose categories are markup, an
/// upload whose header and cells use them, an upload to a dataset and partner named like markup, and a model of each
/// task trained: the two shipped ones (binary classification, clustering), a regression spec on the same dataset and the
/// synthetic survival cohort's spec on its own upload, and the veteran trial's treatment-effect spec on its export.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ScriptCategory = "<script>window.__pwned=1</script>";
    public const string ImgCategory = "\"><img src=x onerror=window.__pwned=2>";
    public const string ScriptHeader = "<script>window.__pwned=3</script>";

    /// <summary>How the report names that unknown column: normalized (docs/ingestion.md, "Header": '.', '_' removed).</summary>
    public const string ScriptHeaderNormalized = "<script>windowpwned=3</script>";
    public const string HostileDataset = "<script>window.__pwned=4";
    public const string HostilePartner = "\"><img src=x onerror=window.__pwned=5>";
    public const string Risk = "readmission-risk";
    public const string Subgroups = "patient-subgroups";
    public const string Regression = "hba1c-level";
    public const string Survival = "survival-cohort-risk";
    public const string TreatmentEffect = "veteran-benefit";

    private const string RegressionSpec = """
        {"name":"hba1c-level","description":"HbA1c from demographics and glucose (browser tests).","task":"regression","dataset":"encounters","label":"hba1c",
         "features":[{"name":"age"},{"name":"sex"},{"name":"glucose"},{"name":"bmi"}],
         "trainer":{"name":"lightgbm"},"promotion":{"metric":"rmse","maximum":5},"minimumRows":100,"scheduleGroup":"manual"}
        """;

    /// <summary>The flags the issue prescribes; without the background-networking ones chromium calls home.</summary>
    public static readonly string[] ChromiumFlags =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private TestStorage? storage;
    private WebApplication? app;
    private IPlaywright? playwright;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string CuratedUploadId { get; private set; } = "";

    public string HostileUploadId { get; private set; } = "";

    public Dictionary<string, string> Versions { get; } = [];

    /// <summary>Where screenshots go: <c>.tmp/browser/</c> under the repository root.</summary>
    public string Artifacts { get; } = Path.Combine(RepoRoot(), ".tmp", "browser");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(Artifacts);

        // The browser first: a missing chromium fails the class at once (no skip).
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumFlags,
        });

        storage = new TestStorage();
        app = DevHostApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
            builder.Configuration.AddInMemoryCollection(storage.Settings()));
        await app.StartAsync(ct);
        BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(3) };

        await StoreHostileContractAsync(ct);
        await PutAsync("/api/config/contracts/survival-cohort", await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "src", "HealthAnalytics.Synthetic", "Cohorts", "survival-cohort.contract.json"), ct), ct);
        await PutAsync($"/api/config/models/{Survival}", await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "src", "HealthAnalytics.Synthetic", "Cohorts", "survival-cohort.spec.json"), ct), ct);
        await PutAsync($"/api/config/models/{Regression}", RegressionSpec, ct);
        var trial = TrialExports.Export("veteran", Path.Combine(RepoRoot(), "tests", "corpora", "clinical"));
        await PutAsync($"/api/config/contracts/{trial.Dataset}", trial.ContractJson, ct);
        await PutAsync($"/api/config/models/{TreatmentEffect}", trial.SpecJson, ct);
        var (configured, _) = await Wait.ForAsync(async () =>
        {
            var config = await Http.GetStringAsync(new Uri("/api/config", UriKind.Relative), ct);
            return config.Contains(Survival, StringComparison.Ordinal) && config.Contains(Regression, StringComparison.Ordinal)
                && config.Contains(TreatmentEffect, StringComparison.Ordinal) ? config : null;
        }, TimeSpan.FromSeconds(30));
        Assert.NotNull(configured);
        await storage.UploadAsync("demo-hospital/encounters/hostile.csv", HostileUpload());
        await storage.UploadAsync("site-1/survival-cohort/cohort.csv", SurvivalUpload());
        await storage.UploadAsync($"{HostilePartner}/{HostileDataset}/x.csv", Encoding.UTF8.GetBytes("a,b\n1,2\n"));
        await storage.UploadAsync($"va-hospital/{trial.Dataset}/veteran.csv", Encoding.UTF8.GetBytes(trial.Csv));
        var (final, elapsed) = await Wait.ForAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri("/api/uploads", UriKind.Relative), ct));
            var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
            return items.Count == 4 && items.All(i => i.GetProperty("status").GetString() != "processing")
                ? items.Select(i => (Id: i.GetProperty("uploadId").GetString()!, Status: i.GetProperty("status").GetString()!, Dataset: i.GetProperty("dataset").GetString()!)).ToList()
                : null;
        }, TimeSpan.FromMinutes(3));
        Assert.True(final is not null, $"uploads not final after {elapsed.TotalSeconds:F0} s");
        CuratedUploadId = final.Single(u => u.Dataset == "encounters" && u.Status == "curated").Id;
        HostileUploadId = final.Single(u => u.Dataset == HostileDataset).Id;
        Assert.Equal("curated", final.Single(u => u.Dataset == "survival-cohort").Status);
        Assert.Equal("curated", final.Single(u => u.Dataset == trial.Dataset).Status);

        foreach (var model in new[] { Subgroups, Risk, Regression, Survival, TreatmentEffect })
        {
            using var retrain = await Http.PostAsync(new Uri($"/api/models/{model}/retrain", UriKind.Relative), null, ct);
            var body = await retrain.Content.ReadAsStringAsync(ct);
            Assert.True(retrain.StatusCode == HttpStatusCode.OK, body);
            using var doc = JsonDocument.Parse(body);
            Versions[model] = doc.RootElement.GetProperty("version").GetProperty("version").GetString()!;
        }
    }

    /// <summary>PUTs a configuration document; fails the fixture unless it was stored.</summary>
    private async Task PutAsync(string path, string json, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var put = await Http.PutAsync(new Uri(path, UriKind.Relative), content, ct);
        Assert.True(put.IsSuccessStatusCode, $"PUT {path}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>3,000 rows of the synthetic survival cohort (seeded), as its partner would upload them.</summary>
    private static byte[] SurvivalUpload()
    {
        using var csv = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        SurvivalCohort.Generate(new SurvivalCohortOptions { Rows = 3_000, Seed = 18 }).WriteCsv(csv);
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    /// <summary>The shipped encounters contract with two more admission types whose names are markup.</summary>
    private async Task StoreHostileContractAsync(CancellationToken ct)
    {
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "config", "contracts", "encounters.json"), ct))!.AsObject();
        json.Remove("$schema");
        json["version"] = "1.0.1-hostile";
        var admission = json["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "admission_type")!;
        admission["categories"]![ScriptCategory] = new JsonArray("hostile-s");
        admission["categories"]![ImgCategory] = new JsonArray("hostile-i");
        using var content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
        using var put = await Http.PutAsync(new Uri("/api/config/contracts/encounters", UriKind.Relative), content, ct);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(ct));
        var (inForce, _) = await Wait.ForAsync(async () =>
        {
            var config = await Http.GetStringAsync(new Uri("/api/config", UriKind.Relative), ct);
            return config.Contains("1.0.1-hostile", StringComparison.Ordinal) ? config : null;
        }, TimeSpan.FromSeconds(30));
        Assert.NotNull(inForce);
    }

    /// <summary>5,200 synthetic rows (enough for a holdout, so the binary card has its permutation importance: docs/models.md,
    /// "Evaluation"); 120 of them of the hostile admission types, and a hostile extra header.</summary>
    private static byte[] HostileUpload()
    {
        var lines = Encoding.UTF8.GetString(Csv.Encounters(5_200, seed: 181)).Split('\n');
        var header = lines[0].Split(',');
        var column = Array.IndexOf(header, "admission_type");
        Assert.True(column >= 0, "the generator writes admission_type");
        var text = new StringBuilder(lines[0].TrimEnd('\r')).Append(",\"").Append(ScriptHeader.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"\n");
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var fields = SplitQuoted(line);
            if (i <= 120)
            {
                Assert.Equal(header.Length, fields.Count);
                fields[column] = i % 2 == 0 ? "hostile-s" : "hostile-i";
            }

            text.Append(string.Join(',', fields)).Append(",x\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Splits one generated CSV line into its fields as written (quoted fields keep their quotes).</summary>
    private static List<string> SplitQuoted(string line)
    {
        var fields = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == ',' && !quoted)
            {
                fields.Add(line[start..i]);
                start = i + 1;
            }
        }

        fields.Add(line[start..]);
        return fields;
    }

    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "HealthAnalytics.slnx")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found above the test binaries");
        }

        return dir;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        Http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        if (storage is not null)
        {
            await storage.DisposeAsync();
        }
    }
}
