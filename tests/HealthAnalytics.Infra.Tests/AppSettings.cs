using System.Text.Json.Nodes;

namespace HealthAnalytics.Infra.Tests;

/// <summary>The Function App's app settings as the compiled template sets them (name → value or ARM expression).</summary>
internal static class AppSettings
{
    public static IReadOnlyDictionary<string, string> FromTemplate()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);

        // Settings may live in a sites/config 'appsettings' resource (an object) or in siteConfig.appSettings (name/value list).
        foreach (var config in CompiledTemplate.OfType("Microsoft.Web/sites/config"))
        {
            if (config.Name?.Contains("appsettings", StringComparison.OrdinalIgnoreCase) != true)
            {
                continue;
            }

            var properties = config.Properties as JsonObject;
            Assert.True(properties is not null, $"app settings of {config.Path} must be a literal object so that their names can be checked");
            foreach (var (name, value) in properties!)
            {
                settings[name] = value?.ToString() ?? "";
            }
        }

        foreach (var site in CompiledTemplate.OfType("Microsoft.Web/sites"))
        {
            if (site.Properties?["siteConfig"]?["appSettings"] is JsonArray list)
            {
                foreach (var item in list)
                {
                    settings[(string)item!["name"]!] = item["value"]?.ToString() ?? "";
                }
            }
        }

        Assert.NotEmpty(settings);
        return settings;
    }
}
