namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// Config parity between the code and infra/main.bicep: whatever the app needs in Azure is set by the template,
/// and whatever the template sets is read by something. Readers are discovered (see <see cref="AppConfigurationReaders"/>),
/// so the test follows the options classes and bindings as they are added.
/// </summary>
public sealed class ConfigParityTests
{
    /// <summary>Settings read by the Functions host or platform, not by app code.</summary>
    private static readonly string[] PlatformPrefixes =
    [
        "APPLICATIONINSIGHTS_",
        "AzureWebJobsStorage__",
        "AzureWebJobs.", // AzureWebJobs.{function}.Disabled
        "AzureFunctionsJobHost__",
        "FUNCTIONS_",
        "WEBSITE_",
    ];

    private static readonly IReadOnlyDictionary<string, string> Settings = AppSettings.FromTemplate();

    private static bool IsSet(string name) =>
        Settings.ContainsKey(name) || Settings.Keys.Any(k => k.StartsWith(name + "__", StringComparison.Ordinal));

    [Fact]
    public void Discovery_FindsTheAppAssembliesAndTheFunctionsBindings()
    {
        // Guards the test itself: a reflection that finds nothing would make every parity check pass vacuously.
        Assert.Contains(AppConfigurationReaders.AppAssemblies, a => a.GetName().Name == "HealthAnalytics.Functions");
        Assert.Contains(AppConfigurationReaders.AppAssemblies, a => a.GetName().Name == "HealthAnalytics.Api");
        Assert.Contains(AppConfigurationReaders.AppAssemblies, a => a.GetName().Name == "HealthAnalytics.Storage");
        Assert.Contains(AppConfigurationReaders.AppAssemblies, a => a.GetName().Name == "HealthAnalytics.Core");
    }

    [Fact]
    public void EveryBindingConnection_IsSetInTheTemplate()
    {
        var missing = AppConfigurationReaders.BindingConnections.Where(c => !IsSet(c)).ToList();

        Assert.True(missing.Count == 0, $"bindings use Connection = {string.Join(", ", missing)}, which infra/modules/function-app.bicep does not set (as NAME__blobServiceUri/__credential/__clientId or NAME)");
    }

    [Fact]
    public void EveryBindingExpression_IsSetInTheTemplate()
    {
        var missing = AppConfigurationReaders.BindingExpressions.Where(e => !Settings.ContainsKey(e)).ToList();

        Assert.True(missing.Count == 0, $"bindings read %{string.Join("%, %", missing)}%, which infra/modules/function-app.bicep does not set");
    }

    [Fact]
    public void EveryRequiredOptionWithoutDefault_IsSetInTheTemplate()
    {
        var missing = AppConfigurationReaders.OptionsProperties
            .Where(p => p.Required && !p.HasDefault && !IsSet(p.SettingName))
            .Select(p => $"{p.SettingName} ({p.Owner.Name}.{p.Property})")
            .ToList();

        Assert.True(missing.Count == 0, $"[Required] options without a default that Azure would not have: {string.Join(", ", missing)}; set them in infra/modules/function-app.bicep");
    }

    [Fact]
    public void EveryTemplateSetting_IsReadByTheAppOrThePlatform()
    {
        var output = TestContext.Current.TestOutputHelper;
        var unread = new List<string>();
        foreach (var name in Settings.Keys.Order(StringComparer.Ordinal))
        {
            if (PlatformPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || IsRead(name))
            {
                continue;
            }

            // Provisioned ahead of the code: declared in the repository's local settings contract, not read yet.
            if (AppConfigurationReaders.LocalSampleSettings.Contains(name)
                || AppConfigurationReaders.LocalSampleSettings.Any(s => name.StartsWith(s + "__", StringComparison.Ordinal)))
            {
                output?.WriteLine($"pending: {name} is declared in local.settings.sample.json but no code reads it yet");
                continue;
            }

            unread.Add(name);
        }

        Assert.True(unread.Count == 0, $"the template sets {string.Join(", ", unread)}, which nothing reads: remove them or add the options/binding that reads them");
    }

    private static bool IsRead(string name)
    {
        // Identity-based connection groups (NAME__blobServiceUri, ...) belong to the connection NAME.
        if (AppConfigurationReaders.BindingConnections.Any(c => name == c || name.StartsWith(c + "__", StringComparison.Ordinal))
            || AppConfigurationReaders.DirectConfigurationKeys.Any(k => name == k || name.StartsWith(k + "__", StringComparison.Ordinal)))
        {
            return true;
        }

        return AppConfigurationReaders.BindingExpressions.Contains(name)
            || AppConfigurationReaders.OptionsProperties.Any(p => name == p.SettingName || name.StartsWith(p.SettingName + "__", StringComparison.Ordinal));
    }
}
