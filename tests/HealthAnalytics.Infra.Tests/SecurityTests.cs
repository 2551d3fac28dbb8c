using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthAnalytics.Infra.Tests;

/// <summary>The security settings of infra/main.bicep, read from the compiled ARM template.</summary>
public sealed partial class SecurityTests
{
    [Fact]
    public void StorageAccounts_AcceptOnlyEntraTls12Https_AndNoPublicBlobs()
    {
        var accounts = CompiledTemplate.OfType("Microsoft.Storage/storageAccounts").ToList();
        Assert.Equal(2, accounts.Count); // one module, deployed twice: host and data

        foreach (var p in accounts.Select(a => a.Properties!))
        {
            Assert.False((bool)p["allowSharedKeyAccess"]!);
            Assert.False((bool)p["allowBlobPublicAccess"]!);
            Assert.Equal("TLS1_2", (string?)p["minimumTlsVersion"]);
            Assert.True((bool)p["supportsHttpsTrafficOnly"]!);
            Assert.True((bool)p["defaultToOAuthAuthentication"]!);
            Assert.False((bool)p["allowCrossTenantReplication"]!);
        }
    }

    [Fact]
    public void BlobServices_KeepVersionsAndSoftDeleteBlobsAndContainers()
    {
        foreach (var p in CompiledTemplate.OfType("Microsoft.Storage/storageAccounts/blobServices").Select(b => b.Properties!))
        {
            Assert.True((bool)p["isVersioningEnabled"]!);
            Assert.True((bool)p["deleteRetentionPolicy"]!["enabled"]!);
            Assert.True((bool)p["containerDeleteRetentionPolicy"]!["enabled"]!);
        }
    }

    /// <summary>A name main.bicep passes as <c>names.X</c> or as a literal, resolved.</summary>
    private static string Resolve(string value) =>
        value.StartsWith("[variables('names').", StringComparison.Ordinal)
            ? (string)CompiledTemplate.Root["variables"]!["names"]![value["[variables('names').".Length..^1]]!
            : value;

    [Fact]
    public void DataStorage_HasTheAppAndDeadLetterContainers_HostStorageTheDeploymentContainer_AndTheTwoTables()
    {
        var containers = CompiledTemplate.ModuleParam("storage", "containers")!.AsArray()
            .Select(c => Resolve((string)c!["name"]!)).ToList();
        Assert.Superset(new HashSet<string> { "uploads", "curated", "reports", "models", "config" }, containers.ToHashSet());
        var deadLetter = Resolve((string)CompiledTemplate.ModuleParam("upload-events", "deadLetterContainerName")!);
        Assert.Contains(deadLetter, containers);

        // The Flex deployment container is on the host account, never beside the data.
        var deploymentContainer = (string)CompiledTemplate.ModuleParam("function-app", "deploymentContainerName")!;
        var hostContainers = CompiledTemplate.ModuleParam("host-storage", "containers")!.AsArray().Select(c => (string)c!["name"]!).ToList();
        Assert.Equal([deploymentContainer], hostContainers);

        var tables = CompiledTemplate.ModuleParam("storage", "tables")!.AsArray().Select(t => (string)t!).ToHashSet();
        Assert.Equal(new HashSet<string> { "uploads", "models" }, tables);

        Assert.All(CompiledTemplate.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
            container => Assert.Equal("None", (string?)container.Properties!["publicAccess"]));
    }

    [Fact]
    public void Monitoring_DisablesLocalAuthOnApplicationInsightsAndLogAnalytics()
    {
        var appInsights = CompiledTemplate.Single("Microsoft.Insights/components").Properties!;
        Assert.True((bool)appInsights["DisableLocalAuth"]!);
        Assert.NotNull(appInsights["WorkspaceResourceId"]);

        var workspace = CompiledTemplate.Single("Microsoft.OperationalInsights/workspaces").Properties!;
        Assert.True((bool)workspace["features"]!["disableLocalAuth"]!);
    }

    [Fact]
    public void KeyVault_UsesRbacSoftDeleteAndPurgeProtection()
    {
        var p = CompiledTemplate.Single("Microsoft.KeyVault/vaults").Properties!;
        Assert.True((bool)p["enableRbacAuthorization"]!);
        Assert.True((bool)p["enableSoftDelete"]!);
        Assert.True((bool)p["enablePurgeProtection"]!);
        Assert.Null(p["accessPolicies"]);
    }

    [Fact]
    public void FunctionApp_RunsOnFlexConsumptionDotnetIsolated10_WithScaleParametersAndAlwaysReadyBlobGroup()
    {
        var plan = CompiledTemplate.Single("Microsoft.Web/serverfarms").Node;
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);

        var site = CompiledTemplate.Single("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", (string?)site.Node["kind"]);
        var config = site.Properties!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);

        var scale = config["scaleAndConcurrency"]!;
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)scale["maximumInstanceCount"]);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)scale["instanceMemoryMB"]);
        Assert.Equal("[parameters('functionMaximumInstanceCount')]", (string?)CompiledTemplate.ModuleParam("function-app", "maximumInstanceCount"));
        Assert.Equal("[parameters('functionInstanceMemoryMB')]", (string?)CompiledTemplate.ModuleParam("function-app", "instanceMemoryMB"));
        // The webhook path keeps one warm instance of the blob group; the queue path has none to keep warm.
        Assert.Equal("[if(variables('byWebhook'), createArray(createObject('name', 'blob', 'instanceCount', variables('alwaysReadyChecked'))), createArray())]", (string?)scale["alwaysReady"]);

        var deployment = config["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", (string?)deployment["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)deployment["authentication"]!["type"]);
    }

    [Fact]
    public void FunctionApp_IsHttpsOnlyTls12WithoutFtpOrBasicAuthPublishing_AndRunsAsTheUserAssignedIdentity()
    {
        var site = CompiledTemplate.Single("Microsoft.Web/sites");
        var p = site.Properties!;
        Assert.True((bool)p["httpsOnly"]!);
        Assert.Equal("1.2", (string?)p["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("Disabled", (string?)p["siteConfig"]!["ftpsState"]);
        Assert.Equal("UserAssigned", (string?)site.Node["identity"]!["type"]);
        Assert.Equal("[parameters('identityResourceId')]", (string?)p["keyVaultReferenceIdentity"]);
        // The site runs as the app identity only: no system-assigned identity, no partner or key identity attached.
        var attached = site.Node["identity"]!["userAssignedIdentities"]!.AsObject();
        Assert.Equal(["[format('{0}', parameters('identityResourceId'))]"], attached.Select(a => a.Key));
        Assert.Equal("[reference('appIdentity').outputs.resourceId.value]", (string?)CompiledTemplate.ModuleParam("function-app", "identityResourceId"));

        var policies = CompiledTemplate.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, policy => Assert.False((bool)policy.Properties!["allow"]!));
    }

    [Fact]
    public void AppSettings_UseIdentityBasedConnections_KeyVaultReferenceAndEntraTelemetry()
    {
        var settings = AppSettings.FromTemplate();

        foreach (var prefix in new[] { "AzureWebJobsStorage", "DataStorage" })
        {
            Assert.Equal("managedidentity", settings[$"{prefix}__credential"]);
            foreach (var service in new[] { "blobServiceUri", "queueServiceUri", "tableServiceUri", "clientId" })
            {
                Assert.True(settings.ContainsKey($"{prefix}__{service}"), $"{prefix}__{service} is not set");
            }
        }

        Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})'", settings["Pseudonymization__Key"], StringComparison.Ordinal);
        Assert.True(settings.ContainsKey("Pseudonymization__KeyId"));
        Assert.Contains("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
        Assert.True(settings.ContainsKey("APPLICATIONINSIGHTS_CONNECTION_STRING"));
        Assert.Equal("[parameters('retrainSchedule')]", settings["RetrainSchedule"]);
        Assert.Equal("0 0 2 * * *", (string?)CompiledTemplate.Root["parameters"]!["retrainSchedule"]!["defaultValue"]);

        // A connection string would mean a key; Flex rejects the worker-runtime settings (runtime is in functionAppConfig).
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain("DataStorage", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings.Keys);
    }

    [Fact]
    public void Template_NeverReadsOrEmbedsAKeyOrConnectionStringWithAccountKey()
    {
        var text = CompiledTemplate.Text;

        Assert.DoesNotMatch(ListFunction(), text);
        Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessKey", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("primaryKey", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RoleAssignments_GrantOnlyTheExpectedDataPlaneRoles_NamedByScopePrincipalAndRole()
    {
        var expected = new Dictionary<string, string>
        {
            ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
            ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
            ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
            ["c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"] = "Storage Queue Data Message Sender",
            ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
            ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
            ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
            ["e147488a-f6f5-4113-8e2d-b22465e65bf6"] = "Key Vault Crypto Service Encryption User",
            ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
        };

        var roles = CompiledTemplate.Root["variables"]!["builtInRoles"]!.AsObject()
            .Select(p => (string)p.Value!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), roles);

        // No other GUID anywhere, except the refusal list the modules check role ids against.
        var withoutRefusalList = JsonNode.Parse(CompiledTemplate.Text)!;
        RemoveVariable(withoutRefusalList, "privilegedRoleDefinitionIds");
        var guids = Guid().Matches(withoutRefusalList.ToJsonString()).Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Subset(expected.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), guids);
        Assert.DoesNotContain("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", guids); // Owner
        Assert.DoesNotContain("b24988ac-6180-42a0-ab88-20f7382dd24c", guids); // Contributor

        // Each a loop over a module's roleAssignments: both accounts (account, container and queue scopes), the vault,
        // the customer-managed key, Application Insights, the dead-letter container, the upload-events queue, the partners.
        var assignments = CompiledTemplate.OfType("Microsoft.Authorization/roleAssignments").ToList();
        Assert.Equal(12, assignments.Count);
        Assert.All(assignments, a =>
        {
            // guid(scope, principal, role): stable across redeployments, one per (scope, principal, role).
            Assert.Matches(@"^\[guid\(.+, (parameters\('roleAssignments'\)|if\(variables\('withKey'\), parameters\('customerManagedKeyRoleAssignments'\), createArray\(\)\))\[copyIndex\(\)\]\.principalId, (parameters\('roleAssignments'\)|if\(variables\('withKey'\), parameters\('customerManagedKeyRoleAssignments'\), createArray\(\)\))\[copyIndex\(\)\]\.roleDefinitionId\)\]$", a.Name);
            Assert.Contains("subscriptionResourceId('Microsoft.Authorization/roleDefinitions'", (string?)a.Properties!["roleDefinitionId"], StringComparison.Ordinal);
            Assert.Contains("privilegedRoleDefinitionIds", (string?)a.Properties!["roleDefinitionId"], StringComparison.Ordinal);
        });
    }

    private static void RemoveVariable(JsonNode node, string name)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["variables"] is JsonObject variables)
                {
                    variables.Remove(name);
                }
                foreach (var child in obj.Select(p => p.Value).OfType<JsonNode>().ToList())
                {
                    RemoveVariable(child, name);
                }
                break;
            case JsonArray array:
                foreach (var child in array.OfType<JsonNode>())
                {
                    RemoveVariable(child, name);
                }
                break;
        }
    }

    [GeneratedRegex(@"list[A-Za-z]*Keys?\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();
}
