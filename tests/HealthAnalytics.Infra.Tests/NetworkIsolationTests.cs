using System.Text.Json.Nodes;

namespace HealthAnalytics.Infra.Tests;

/// <summary>The networkIsolation option: Deny by default, a private endpoint for every data-plane endpoint the app
/// uses, VNet integration, and upload events through a queue the private app can read.</summary>
public sealed class NetworkIsolationTests
{
    private const string Isolation = "parameters('networkIsolation')";

    /// <summary>Expected (resource name expression, group) pairs, derived from the template: every storage account
    /// module × every storage service the app connects to (its *ServiceUri settings), and the vault of the Key Vault
    /// reference.</summary>
    private static HashSet<(string Resource, string Group)> ExpectedEndpoints(JsonObject root)
    {
        var resources = CompiledTemplate.ResourcesOf(root);
        var services = AppSettings.FromTemplate().Keys
            .Where(k => k.EndsWith("ServiceUri", StringComparison.Ordinal))
            .Select(k => k[(k.LastIndexOf("__", StringComparison.Ordinal) + 2)..^"ServiceUri".Length])
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(new HashSet<string> { "blob", "queue", "table" }, services);

        var expected = new HashSet<(string, string)>();
        foreach (var module in resources.Where(r => r.Path == "main" && r.Type == "Microsoft.Resources/deployments"))
        {
            var inner = CompiledTemplate.ResourcesOf((JsonObject)module.Node["properties"]!["template"]!).Where(r => !r.Existing && r.Path == "main").ToList();
            var name = (string?)module.Node["properties"]!["parameters"]?["name"]?["value"];
            if (inner.Any(r => r.Type == "Microsoft.Storage/storageAccounts"))
            {
                expected.UnionWith(services.Select(s => (name!, s)));
            }

            if (inner.Any(r => r.Type == "Microsoft.KeyVault/vaults"))
            {
                expected.Add((name!, "vault"));
            }
        }

        return expected;
    }

    private static HashSet<(string Resource, string Group)> DeclaredEndpoints(JsonObject root) =>
        root["variables"]!["privateEndpointTargets"]!.AsArray().OfType<JsonObject>()
            .Select(t => ((string)t["resourceName"]!, (string)t["group"]!)).ToHashSet();

    private static List<string> EndpointProblems(JsonObject root)
    {
        var expected = ExpectedEndpoints(root);
        var declared = DeclaredEndpoints(root);
        return [.. expected.Except(declared).Select(e => $"no private endpoint for {e.Group} of {e.Resource}")];
    }

    [Fact]
    public void UnderTheOption_EveryStorageServiceOfBothAccountsAndTheVault_HasAPrivateEndpoint()
    {
        var expected = ExpectedEndpoints(CompiledTemplate.Root);
        Assert.Equal(7, expected.Count); // 2 accounts × blob, queue, table + the vault

        var problems = EndpointProblems(CompiledTemplate.Root);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // Deployed exactly when the option is on: the loop runs over the list or over nothing.
        var deployments = CompiledTemplate.OfType("Microsoft.Resources/deployments").Single(d => d.Path == "main" && d.Symbol == "privateEndpointDeployments");
        Assert.Equal($"[length(if({Isolation}, variables('privateEndpointTargets'), createArray()))]", (string?)deployments.Node["copy"]!["count"]);
    }

    [Fact]
    public void RemovingAnyOnePrivateEndpoint_IsReported()
    {
        var count = DeclaredEndpoints(CompiledTemplate.Root).Count;
        for (var i = 0; i < count; i++)
        {
            var copy = CompiledTemplate.Copy();
            var targets = copy["variables"]!["privateEndpointTargets"]!.AsArray();
            var removed = targets[i]!.AsObject();
            targets.RemoveAt(i);

            var problems = EndpointProblems(copy);

            Assert.Equal([$"no private endpoint for {removed["group"]} of {removed["resourceName"]}"], problems);
        }
    }

    [Fact]
    public void EachPrivateEndpoint_RegistersInThePrivateDnsZoneOfItsGroup()
    {
        var endpoint = CompiledTemplate.Single("Microsoft.Network/privateEndpoints");
        Assert.Equal("[parameters('groupId')]", (string?)endpoint.Properties!["privateLinkServiceConnections"]![0]!["properties"]!["groupIds"]![0]);
        var zoneGroup = CompiledTemplate.Single("Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
        Assert.Equal("[parameters('privateDnsZoneResourceId')]", (string?)zoneGroup.Properties!["privateDnsZoneConfigs"]![0]!["properties"]!["privateDnsZoneId"]);

        var deployment = CompiledTemplate.OfType("Microsoft.Resources/deployments").Single(d => d.Path == "main" && d.Symbol == "privateEndpointDeployments");
        Assert.Contains("privateDnsZoneIds", deployment.Node["properties"]!["parameters"]!["privateDnsZoneResourceId"]!["value"]!.ToString(), StringComparison.Ordinal);

        // One zone per group, named from the cloud's suffixes, each linked to the network.
        var zones = CompiledTemplate.Module("network").Node["properties"]!["template"]!["variables"]!["privateDnsZoneNames"]!.AsObject();
        Assert.Equal(new HashSet<string> { "blob", "queue", "table", "vault" }, zones.Select(z => z.Key).ToHashSet());
        Assert.All(zones, z => Assert.Contains("environment().suffixes", z.Value!.ToString(), StringComparison.Ordinal));
        var link = CompiledTemplate.Single("Microsoft.Network/privateDnsZones/virtualNetworkLinks");
        Assert.Equal("[length(items(variables('privateDnsZoneNames')))]", (string?)link.Node["copy"]!["count"]);
    }

    [Fact]
    public void UnderTheOption_StorageAndVaultDenyByDefault()
    {
        foreach (var module in new[] { "storage", "hostStorage", "keyVault" })
        {
            Assert.Equal($"[{Isolation}]", (string?)CompiledTemplate.ModuleParam(ModuleName(module), "networkIsolation"));
        }

        foreach (var type in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults" })
        {
            Assert.All(CompiledTemplate.OfType(type), r =>
            {
                Assert.Equal($"[if({Isolation}, 'Deny', 'Allow')]", (string?)r.Properties!["networkAcls"]!["defaultAction"]);
                // Trusted services only: Event Grid delivery and dead letters, the account reading its customer-managed key.
                Assert.Equal("AzureServices", (string?)r.Properties["networkAcls"]!["bypass"]);
            });
        }
    }

    [Fact]
    public void UnderTheOption_TheFunctionAppIntegratesWithADelegatedSubnet()
    {
        Assert.Equal($"[if({Isolation}, createObject('value', reference('network').outputs.appSubnetId.value), createObject('value', ''))]", (string?)CompiledTemplate.ModuleParam("function-app", "virtualNetworkSubnetId"));
        var site = CompiledTemplate.Single("Microsoft.Web/sites");
        Assert.Equal("[if(empty(parameters('virtualNetworkSubnetId')), null(), parameters('virtualNetworkSubnetId'))]", (string?)site.Properties!["virtualNetworkSubnetId"]);

        var network = CompiledTemplate.Module("network").Node;
        Assert.Equal($"[{Isolation}]", (string?)network["condition"]);
        var vnet = CompiledTemplate.Single("Microsoft.Network/virtualNetworks");
        var appSubnet = vnet.Properties!["subnets"]!.AsArray().Single(s => (string?)s!["name"] == "snet-app")!;
        Assert.Equal("Microsoft.App/environments", (string?)appSubnet["properties"]!["delegations"]![0]!["properties"]!["serviceName"]);
        Assert.All(vnet.Properties["subnets"]!.AsArray(), s => Assert.NotNull(s!["properties"]!["networkSecurityGroup"]));
    }

    [Fact]
    public void UnderTheOption_UploadEventsGoThroughTheQueue_ElseTheWebhook()
    {
        Assert.Equal($"[if({Isolation}, 'queue', 'webhook')]", (string?)CompiledTemplate.Root["variables"]!["uploadEventDelivery"]);
        Assert.Equal("[variables('uploadEventDelivery')]", (string?)CompiledTemplate.ModuleParam("function-app", "uploadEventDelivery"));
        Assert.Equal("[variables('uploadEventDelivery')]", (string?)CompiledTemplate.ModuleParam("upload-events", "destinationType"));
    }

    /// <summary>Symbolic module name → its deployment name in main.bicep.</summary>
    private static string ModuleName(string symbol) => symbol switch
    {
        "storage" => "storage",
        "hostStorage" => "host-storage",
        "keyVault" => "key-vault",
        _ => symbol,
    };
}
