using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// The audit trail: every resource of a type that has diagnostic settings sends the categories a health-data review
/// asks for to the Log Analytics workspace. The check works on any compiled template, so the tests also prove it
/// notices a setting or a category being removed.
/// </summary>
public sealed partial class DiagnosticSettingsTests
{
    private static readonly string[] StorageLogs = ["StorageRead", "StorageWrite", "StorageDelete"];

    /// <summary>Resource type → log categories that must be on, and the metric category that must be on (null: none).</summary>
    private static readonly Dictionary<string, (string[] Logs, string? Metric)> Required = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Microsoft.Storage/storageAccounts"] = ([], "Transaction"),
        ["Microsoft.Storage/storageAccounts/blobServices"] = (StorageLogs, "Transaction"),
        ["Microsoft.Storage/storageAccounts/queueServices"] = (StorageLogs, "Transaction"),
        ["Microsoft.Storage/storageAccounts/tableServices"] = (StorageLogs, "Transaction"),
        ["Microsoft.Storage/storageAccounts/fileServices"] = (StorageLogs, "Transaction"),
        ["Microsoft.KeyVault/vaults"] = (["AuditEvent"], "AllMetrics"),
        ["Microsoft.Web/sites"] = (["FunctionAppLogs"], "AllMetrics"),
        ["Microsoft.Web/serverfarms"] = ([], "AllMetrics"),
        ["Microsoft.EventGrid/systemTopics"] = (["DeliveryFailures"], "AllMetrics"),
        ["Microsoft.Insights/components"] = ([], "AllMetrics"),
        ["Microsoft.OperationalInsights/workspaces"] = (["Audit"], "AllMetrics"),
        ["Microsoft.Network/virtualNetworks"] = (["VMProtectionAlerts"], "AllMetrics"),
        ["Microsoft.Network/networkSecurityGroups"] = (["NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"], null),
    };

    /// <summary>Types deployed here that have no diagnostic settings of their own (their activity is in the parent's
    /// logs or in the Activity Log). A new type in the template must be added to one of the two lists.</summary>
    private static readonly HashSet<string> WithoutDiagnosticSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "Microsoft.Resources/deployments",
        "Microsoft.Insights/diagnosticSettings",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Authorization/locks",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
        "Microsoft.Storage/storageAccounts/managementPolicies",
        "Microsoft.Storage/storageAccounts/queueServices/queues",
        "Microsoft.Storage/storageAccounts/tableServices/tables",
        "Microsoft.KeyVault/vaults/keys",
        "Microsoft.Web/sites/config",
        "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
        "Microsoft.EventGrid/systemTopics/eventSubscriptions",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    };

    /// <summary>What is missing in <paramref name="root"/>: one line per resource without a complete setting.</summary>
    private static List<string> Missing(JsonObject root)
    {
        var resources = CompiledTemplate.ResourcesOf(root);
        var settings = resources.Where(r => r.Type.Equals("Microsoft.Insights/diagnosticSettings", StringComparison.OrdinalIgnoreCase)).ToList();
        var problems = new List<string>();

        // Targets: resources deployed here, plus the file service, which every account has and the storage module audits.
        var targets = resources.Where(r => Required.ContainsKey(r.Type)
            && (!r.Existing || r.Type.Equals("Microsoft.Storage/storageAccounts/fileServices", StringComparison.OrdinalIgnoreCase)));
        foreach (var target in targets)
        {
            var (logs, metric) = Required[target.Type];
            var setting = settings.FirstOrDefault(s => s.Path == target.Path && (string?)s.Node["scope"] == target.ResourceIdExpression);
            var where = $"{target.Path}: {target.Type} {target.Name}";
            if (setting is null)
            {
                problems.Add($"{where} has no diagnostic setting");
                continue;
            }

            var p = setting.Properties!;
            if (string.IsNullOrEmpty((string?)p["workspaceId"]))
            {
                problems.Add($"{where}: its setting names no Log Analytics workspace");
            }

            var enabledLogs = Categories(setting, "logs");
            problems.AddRange(logs.Where(l => !enabledLogs.Contains(l)).Select(l => $"{where}: log category {l} is not on"));
            if (metric is not null && !Categories(setting, "metrics").Contains(metric))
            {
                problems.Add($"{where}: metric category {metric} is not on");
            }
        }

        return problems;
    }

    /// <summary>Enabled categories of a setting's logs or metrics: a literal list, or a copy loop over a variable.</summary>
    private static HashSet<string> Categories(ArmResource setting, string kind)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (setting.Properties![kind] is JsonArray list)
        {
            foreach (var item in list.OfType<JsonObject>().Where(i => i["enabled"] is JsonValue e && (bool)e))
            {
                found.Add((string)item["category"]!);
            }
        }

        if (setting.Properties["copy"] is JsonArray copies)
        {
            foreach (var copy in copies.OfType<JsonObject>().Where(c => (string?)c["name"] == kind))
            {
                var variable = CountedVariable().Match((string?)copy["count"] ?? "");
                Assert.True(variable.Success, $"{setting.Path}: {kind} loop must run over a variable, found {copy["count"]}");
                Assert.True(copy["input"]?["enabled"] is JsonValue e && (bool)e, $"{setting.Path}: {kind} loop must enable its categories");
                found.UnionWith(setting.Template["variables"]![variable.Groups[1].Value]!.AsArray().Select(v => (string)v!));
            }
        }

        return found;
    }

    [GeneratedRegex(@"^\[length\(variables\('([A-Za-z0-9_]+)'\)\)\]$")]
    private static partial Regex CountedVariable();

    [Fact]
    public void EveryResourceWithDiagnosticSettings_SendsTheRequiredCategoriesToTheWorkspace()
    {
        var missing = Missing(CompiledTemplate.Root);

        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void EveryResourceTypeOfTheTemplate_IsClassifiedAsAuditedOrWithoutDiagnosticSettings()
    {
        var unclassified = CompiledTemplate.Resources.Select(r => r.Type).Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(t => !Required.ContainsKey(t) && !WithoutDiagnosticSettings.Contains(t))
            .ToList();

        Assert.True(unclassified.Count == 0, $"decide whether these types need diagnostic settings: {string.Join(", ", unclassified)}");
    }

    [Fact]
    public void TheAuditedResources_IncludeBlobQueueTableOfBothAccounts_KeyVault_FunctionApp_EventGrid_AppInsights()
    {
        // Guards the check itself: the template really has these targets (a check over nothing would pass).
        var targets = CompiledTemplate.Resources.Where(r => !r.Existing && Required.ContainsKey(r.Type)).GroupBy(r => r.Type, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);

        Assert.Equal(2, targets["Microsoft.Storage/storageAccounts/blobServices"]);
        Assert.Equal(2, targets["Microsoft.Storage/storageAccounts/queueServices"]);
        Assert.Equal(2, targets["Microsoft.Storage/storageAccounts/tableServices"]);
        Assert.Equal(1, targets["Microsoft.KeyVault/vaults"]);
        Assert.Equal(1, targets["Microsoft.Web/sites"]);
        Assert.Equal(1, targets["Microsoft.EventGrid/systemTopics"]);
        Assert.Equal(1, targets["Microsoft.Insights/components"]);
        Assert.Equal(1, targets["Microsoft.OperationalInsights/workspaces"]);
    }

    [Fact]
    public void RemovingAnyOneDiagnosticSetting_IsReported()
    {
        var settings = CompiledTemplate.Resources.Where(r => r.Type == "Microsoft.Insights/diagnosticSettings").ToList();
        Assert.True(settings.Count >= 19, $"expected a setting per audited resource, found {settings.Count}");

        foreach (var setting in settings)
        {
            var copy = CompiledTemplate.Copy();
            var removed = RemoveResource(copy, setting);

            var missing = Missing(copy);

            Assert.True(removed, $"could not remove {setting.Path}/{setting.Symbol}");
            Assert.Contains(missing, m => m.StartsWith(setting.Path + ":", StringComparison.Ordinal) && m.EndsWith("has no diagnostic setting", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("Microsoft.KeyVault/vaults", "AuditEvent")]
    [InlineData("Microsoft.Web/sites", "FunctionAppLogs")]
    [InlineData("Microsoft.EventGrid/systemTopics", "DeliveryFailures")]
    [InlineData("Microsoft.OperationalInsights/workspaces", "Audit")]
    public void DisablingARequiredLogCategory_IsReported(string type, string category)
    {
        var copy = CompiledTemplate.Copy();
        var target = CompiledTemplate.ResourcesOf(copy).Single(r => r.Type == type);
        var setting = CompiledTemplate.ResourcesOf(copy).Single(r => r.Type == "Microsoft.Insights/diagnosticSettings" && r.Path == target.Path && (string?)r.Node["scope"] == target.ResourceIdExpression);
        var log = setting.Properties!["logs"]!.AsArray().OfType<JsonObject>().Single(l => (string?)l["category"] == category);
        log["enabled"] = false;

        Assert.Contains($"{target.Path}: {type} {target.Name}: log category {category} is not on", Missing(copy));
    }

    [Fact]
    public void DroppingAStorageLogCategory_IsReported()
    {
        var copy = CompiledTemplate.Copy();
        var blob = CompiledTemplate.ResourcesOf(copy).First(r => r.Type == "Microsoft.Storage/storageAccounts/blobServices");
        var variables = blob.Template["variables"]!.AsObject();
        variables["storageLogs"] = new JsonArray("StorageRead", "StorageWrite");

        Assert.Contains(Missing(copy), m => m.Contains("log category StorageDelete is not on", StringComparison.Ordinal));
    }

    [Fact]
    public void LogRetention_IsAParameterOfTheWorkspace()
    {
        Assert.Equal("[parameters('logRetentionInDays')]", (string?)CompiledTemplate.ModuleParam("monitoring", "retentionInDays"));
        var workspace = CompiledTemplate.Single("Microsoft.OperationalInsights/workspaces");
        Assert.Equal("[parameters('retentionInDays')]", (string?)workspace.Properties!["retentionInDays"]);
    }

    /// <summary>Removes a resource (found by its path and symbol) from a copy of the template.</summary>
    internal static bool RemoveResource(JsonObject root, ArmResource resource)
    {
        var match = CompiledTemplate.ResourcesOf(root).FirstOrDefault(r => r.Path == resource.Path && r.Symbol == resource.Symbol
            && r.Type == resource.Type && r.Name == resource.Name && (string?)r.Node["scope"] == (string?)resource.Node["scope"]);
        if (match is null)
        {
            return false;
        }

        return match.Template["resources"] switch
        {
            JsonObject symbolic when match.Symbol is not null => symbolic.Remove(match.Symbol),
            JsonArray array => array.Remove(match.Node),
            _ => false,
        };
    }
}
