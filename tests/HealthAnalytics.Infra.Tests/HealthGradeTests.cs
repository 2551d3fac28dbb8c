using System.Text.Json.Nodes;

namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// Least privilege and separation, data lifecycle, locks, regions, customer-managed key, API identity, keys written
/// outside the template, and the azd dev/prod environments (issue #17).
/// </summary>
public sealed class HealthGradeTests
{
    private static string Infra(params string[] parts) => Path.Combine([CompiledTemplate.RepoRoot, "infra", .. parts]);

    private static JsonArray ContainersOf(string module) => CompiledTemplate.ModuleParam(module, "containers")!.AsArray();

    // --- separation and least privilege -------------------------------------------------------------------------

    [Fact]
    public void HostAndDeploymentStorage_IsAnotherAccountThanTheData()
    {
        var host = (string?)CompiledTemplate.ModuleParam("host-storage", "name");
        var data = (string?)CompiledTemplate.ModuleParam("storage", "name");
        Assert.Equal("[variables('names').hostStorage]", host);
        Assert.Equal("[variables('names').storage]", data);

        // The deployment package lives on the host account, which holds no data container.
        var hostContainers = ContainersOf("host-storage").Select(c => (string?)c!["name"]).ToList();
        Assert.Equal(["[variables('names').deploymentContainer]"], hostContainers);
        Assert.DoesNotContain("[variables('names').deploymentContainer]", ContainersOf("storage").Select(c => (string?)c!["name"]));

        var settings = AppSettings.FromTemplate();
        Assert.Equal("[parameters('hostBlobEndpoint')]", settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Equal("[parameters('dataBlobEndpoint')]", settings["DataStorage__blobServiceUri"]);
        Assert.Equal("[reference('hostStorage').outputs.primaryBlobEndpoint.value]", (string?)CompiledTemplate.ModuleParam("function-app", "hostBlobEndpoint"));
        Assert.Equal("[reference('storage').outputs.primaryBlobEndpoint.value]", (string?)CompiledTemplate.ModuleParam("function-app", "dataBlobEndpoint"));
        var deployment = CompiledTemplate.Single("Microsoft.Web/sites").Properties!["functionAppConfig"]!["deployment"]!["storage"]!;
        Assert.Equal("[format('{0}{1}', parameters('hostBlobEndpoint'), parameters('deploymentContainerName'))]", (string?)deployment["value"]);
    }

    [Fact]
    public void OnTheDataAccount_TheAppsBlobRolesAreScopedToContainers_AndNoneIsOwner()
    {
        const string owner = "[variables('builtInRoles').storageBlobDataOwner]";
        var accountRoles = CompiledTemplate.ModuleParam("storage", "roleAssignments")!.AsArray();
        Assert.All(accountRoles, r => Assert.Equal("[variables('builtInRoles').storageTableDataContributor]", (string?)r!["roleDefinitionId"]));

        var containers = ContainersOf("storage").OfType<JsonObject>().ToDictionary(c => (string)c["name"]!, c => c["roleAssignments"]?.AsArray() ?? []);
        Assert.All(containers.Values.SelectMany(r => r), r => Assert.NotEqual(owner, (string?)r!["roleDefinitionId"]));
        // Written by the app: curated, reports, models. Read only (conditioned): uploads, config. Nothing on dead letters.
        foreach (var written in new[] { "curated", "reports", "models" })
        {
            var role = Assert.Single(containers[written]);
            Assert.Null(role!["condition"]);
        }

        Assert.Empty(containers["[variables('names').deadLetterContainer]"]);
        Assert.NotNull(Assert.Single(containers["[variables('names').uploadsContainer]"])!["condition"]);
        Assert.NotNull(Assert.Single(containers["[variables('names').configContainer]"])!["condition"]);

        // Owner stays on the host account only (the Functions host manages its own containers and leases there).
        Assert.Contains(CompiledTemplate.ModuleParam("host-storage", "roleAssignments")!.AsArray(), r => (string?)r!["roleDefinitionId"] == owner);
    }

    [Fact]
    public void QueueRoles_AreScopedToEachQueue_AndEventGridOnlySendsToTheUploadEventsQueue()
    {
        var queues = CompiledTemplate.ModuleParam("storage", "queues")!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(
            new HashSet<string> { "[variables('names').uploadEventsQueue]", "[variables('names').uploadEventsPoisonQueue]", "[variables('names').blobTriggerPoisonQueue]" },
            queues.Select(q => (string)q["name"]!).ToHashSet());
        Assert.All(queues, q => Assert.Equal("[variables('builtInRoles').storageQueueDataContributor]", (string?)Assert.Single(q["roleAssignments"]!.AsArray())!["roleDefinitionId"]));
        // The queue-roles module scopes every assignment to its one queue (used by the storage module and for Event Grid).
        var queueScoped = CompiledTemplate.OfType("Microsoft.Authorization/roleAssignments").Where(r => r.Node["copy"]?["name"]?.ToString() == "queueRoles").ToList();
        Assert.Equal(3, queueScoped.Count); // host-storage, storage, upload-events-queue-roles
        Assert.All(queueScoped, r => Assert.Equal("[resourceId('Microsoft.Storage/storageAccounts/queueServices/queues', parameters('storageAccountName'), 'default', parameters('queueName'))]", (string?)r.Node["scope"]));

        var sender = CompiledTemplate.Module("upload-events-queue-roles");
        Assert.Equal("[equals(variables('uploadEventDelivery'), 'queue')]", (string?)sender.Node["condition"]);
        var assignment = sender.Node["properties"]!["parameters"]!["roleAssignments"]!["value"]![0]!;
        Assert.Equal("[variables('builtInRoles').storageQueueDataMessageSender]", (string?)assignment["roleDefinitionId"]);
        Assert.Equal("[variables('names').uploadEventsQueue]", (string?)sender.Node["properties"]!["parameters"]!["queueName"]!["value"]);

        // The queue the infrastructure subscribes is the one the queue-triggered function reads.
        Assert.Equal(HealthAnalytics.Functions.IngestQueuedUpload.QueueName, (string?)CompiledTemplate.Root["variables"]!["names"]!["uploadEventsQueue"]);
    }

    [Fact]
    public void ExactlyOneUploadEventFunctionRuns_AndBothNamesAreFunctionsOfTheAssembly()
    {
        var settings = AppSettings.FromTemplate();
        var disabled = settings.Where(s => s.Key.StartsWith("AzureWebJobs.", StringComparison.Ordinal) && s.Key.EndsWith(".Disabled", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, disabled.Count);
        Assert.Contains(disabled, s => s.Value == "[if(variables('byWebhook'), 'false', 'true')]");
        Assert.Contains(disabled, s => s.Value == "[if(variables('byWebhook'), 'true', 'false')]");

        // The two names are the Event Grid blob trigger and the queue-triggered function of the Functions assembly.
        var webhook = Assert.Single(AppConfigurationReaders.EventGridBlobTriggerFunctions);
        Assert.Equal("[if(variables('byWebhook'), 'false', 'true')]", settings[$"AzureWebJobs.{webhook}.Disabled"]);
        Assert.Equal("[if(variables('byWebhook'), 'true', 'false')]", settings[$"AzureWebJobs.{nameof(HealthAnalytics.Functions.IngestQueuedUpload)}.Disabled"]);
        var queueTrigger = typeof(HealthAnalytics.Functions.IngestQueuedUpload).GetMethod(nameof(HealthAnalytics.Functions.IngestQueuedUpload.RunAsync))!;
        Assert.Contains(queueTrigger.GetParameters().SelectMany(p => p.CustomAttributes), a => a.AttributeType.Name == "QueueTriggerAttribute");
    }

    // --- lifecycle, retention, locks, replication, regions, key ---------------------------------------------------

    [Fact]
    public void RawUploads_AreDeletedAfterTheirRetention_OldVersionsOfEveryDataContainerToo_AndCanBeImmutable()
    {
        var rules = (string?)CompiledTemplate.ModuleParam("storage", "lifecycleRules");
        Assert.Contains("'raw-uploads-retention'", rules, StringComparison.Ordinal);
        Assert.Contains("variables('checkedRetention')", rules, StringComparison.Ordinal);
        Assert.Contains("'previous-versions'", rules, StringComparison.Ordinal);
        Assert.Contains("parameters('previousVersionsRetentionDays')", rules, StringComparison.Ordinal);
        Assert.Contains("fail(", (string?)CompiledTemplate.Root["variables"]!["checkedRetention"], StringComparison.Ordinal);

        var policy = CompiledTemplate.OfType("Microsoft.Storage/storageAccounts/managementPolicies").First();
        var definition = policy.Properties!["policy"]!["copy"]![0]!["input"]!["definition"]!;
        Assert.Contains("daysAfterModificationGreaterThan", definition["actions"]!["baseBlob"]!.ToString(), StringComparison.Ordinal);
        Assert.Contains("daysAfterCreationGreaterThan", definition["actions"]!["version"]!.ToJsonString(), StringComparison.Ordinal);

        var uploads = ContainersOf("storage").OfType<JsonObject>().Single(c => (string?)c["name"] == "[variables('names').uploadsContainer]");
        Assert.Equal("[parameters('uploadsImmutabilityDays')]", (string?)uploads["immutabilityDays"]);
        var immutability = CompiledTemplate.OfType("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies").First();
        Assert.Contains("immutabilityDays", immutability.Properties!["immutabilityPeriodSinceCreationInDays"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DataStorageVaultAndWorkspace_AreLockedWhenLocksAreOn()
    {
        foreach (var module in new[] { "storage", "key-vault", "monitoring" })
        {
            Assert.Equal("[parameters('enableResourceLocks')]", (string?)CompiledTemplate.ModuleParam(module, "lock"));
        }

        var locks = CompiledTemplate.OfType("Microsoft.Authorization/locks").ToList();
        Assert.Equal(4, locks.Count); // the storage-account module (host and data: only data is given lock), vault, workspace
        Assert.All(locks, l =>
        {
            Assert.Equal("CanNotDelete", (string?)l.Properties!["level"]);
            Assert.Equal("[parameters('lock')]", (string?)l.Node["condition"]);
        });
        Assert.Null(CompiledTemplate.ModuleParam("host-storage", "lock"));
    }

    [Fact]
    public void Prod_RefusesWhatAHealthDataReviewRejects()
    {
        var check = (string?)CompiledTemplate.Root["variables"]!["checkedEnvironmentType"];
        foreach (var requirement in new[] { "zoneRedundantSkus", "parameters('networkIsolation')", "parameters('enableResourceLocks')", "parameters('apiClientId')" })
        {
            Assert.Contains(requirement, check, StringComparison.Ordinal);
        }

        Assert.Equal(4, check!.Split("fail(").Length - 1);
        Assert.Contains("variables('checkedEnvironmentType')", (string?)CompiledTemplate.Root["variables"]!["allTags"], StringComparison.Ordinal);
    }

    [Fact]
    public void TheLocation_MustBeAnAllowedRegion_AndFranceCentralIsOne()
    {
        var allowed = CompiledTemplate.Root["parameters"]!["allowedLocations"]!["defaultValue"]!.AsArray().Select(v => (string)v!).ToList();
        Assert.Contains("francecentral", allowed);
        Assert.Equal("[if(contains(parameters('allowedLocations'), parameters('location')), parameters('location'), fail('location is not in allowedLocations (health data stays in the listed regions).'))]",
            (string?)CompiledTemplate.Root["variables"]!["checkedLocation"]);
        // Every module is placed with the checked location.
        Assert.All(CompiledTemplate.OfType("Microsoft.Resources/deployments").Where(d => d.Path == "main" && d.Node["properties"]!["parameters"]!["location"] is not null),
            d => Assert.Equal("[variables('checkedLocation')]", (string?)d.Node["properties"]!["parameters"]!["location"]!["value"]));
    }

    [Fact]
    public void TheCustomerManagedKey_IsAnRsaKeyInTheVault_ReadByADedicatedIdentityScopedToTheKey()
    {
        var key = CompiledTemplate.Single("Microsoft.KeyVault/vaults/keys");
        Assert.Equal("RSA", (string?)key.Properties!["kty"]);
        Assert.NotNull(key.Properties["rotationPolicy"]);
        Assert.Equal("[parameters('customerManagedKey')]", (string?)CompiledTemplate.Module("cmk-identity").Node["condition"]);

        var account = CompiledTemplate.OfType("Microsoft.Storage/storageAccounts").First();
        Assert.Contains("Microsoft.Keyvault", (string?)account.Properties!["encryption"]!["keySource"], StringComparison.Ordinal);
        Assert.True((bool)account.Properties["encryption"]!["requireInfrastructureEncryption"]!);
        var keyRole = (string?)CompiledTemplate.ModuleParam("key-vault", "customerManagedKeyRoleAssignments");
        Assert.Contains("keyVaultCryptoServiceEncryptionUser", keyRole, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePseudonymizationKey_IsNeverInTheTemplate_OnlyReferencedBySecretNamedByItsKeyId()
    {
        Assert.Empty(CompiledTemplate.OfType("Microsoft.KeyVault/vaults/secrets"));
        Assert.DoesNotContain(CompiledTemplate.Root["parameters"]!.AsObject(), p => p.Key.Contains("pseudonymizationKey", StringComparison.Ordinal) && p.Key != "pseudonymizationKeyId");
        Assert.Equal("[format('pseudonymization-key-{0}', variables('checkedKeyId'))]", (string?)CompiledTemplate.Root["variables"]!["pseudonymizationSecretName"]);
        Assert.Contains("__bicep.isAlphanumericOrHyphen(parameters('pseudonymizationKeyId'))", (string?)CompiledTemplate.Root["variables"]!["checkedKeyId"], StringComparison.Ordinal);
        Assert.Equal("[variables('checkedKeyId')]", (string?)CompiledTemplate.ModuleParam("function-app", "pseudonymizationKeyId"));
        Assert.Equal("[variables('pseudonymizationSecretName')]", (string?)CompiledTemplate.ModuleParam("function-app", "pseudonymizationSecretName"));

        // The vault comes back (with its keys) after `azd down`: the create mode is a parameter the preprovision hook sets.
        Assert.Equal("[parameters('createMode')]", (string?)CompiledTemplate.Single("Microsoft.KeyVault/vaults").Properties!["createMode"]);
        var hook = File.ReadAllText(Infra("scripts", "preprovision.sh"));
        Assert.Contains("az keyvault show-deleted", hook, StringComparison.Ordinal);
        Assert.Contains("HA_KEY_VAULT_CREATE_MODE", hook, StringComparison.Ordinal);
        Assert.Contains("HA_KEY_VAULT_CREATE_MODE", File.ReadAllText(Infra("main.bicepparam")), StringComparison.Ordinal);
    }

    // --- API identity ----------------------------------------------------------------------------------------------

    [Fact]
    public void EntraId_GuardsEveryRouteButHealthAndTheBlobWebhook()
    {
        var settings = CompiledTemplate.OfType("Microsoft.Web/sites/config").Single(c => c.Name!.Contains("authsettingsV2", StringComparison.Ordinal));
        Assert.Equal("[not(empty(parameters('apiClientId')))]", (string?)settings.Node["condition"]);
        var p = settings.Properties!;
        Assert.True((bool)p["globalValidation"]!["requireAuthentication"]!);
        Assert.Equal("Return401", (string?)p["globalValidation"]!["unauthenticatedClientAction"]);
        Assert.Equal("[parameters('authExcludedPaths')]", (string?)p["globalValidation"]!["excludedPaths"]);
        var excluded = CompiledTemplate.Module("function-app").Node["properties"]!["template"]!["parameters"]!["authExcludedPaths"]!["defaultValue"]!.AsArray().Select(v => (string)v!);
        Assert.Equal(["/api/health", "/runtime/webhooks/blobs"], excluded);
        Assert.Contains("/v2.0", (string?)p["identityProviders"]!["azureActiveDirectory"]!["registration"]!["openIdIssuer"], StringComparison.Ordinal);
        Assert.False((bool)p["login"]!["tokenStore"]!["enabled"]!);
        Assert.Equal("[parameters('apiClientId')]", (string?)CompiledTemplate.ModuleParam("function-app", "apiClientId"));
    }

    [Fact]
    public void TheApiRegistration_HasReadPredictAndAdminRoles_AndRequiresAssignment()
    {
        var roles = JsonNode.Parse(File.ReadAllText(Infra("api-app-roles.json")))!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(["Api.Read", "Api.Predict", "Api.Admin"], roles.Select(r => (string)r["value"]!));
        Assert.Equal(3, roles.Select(r => Guid.Parse((string)r["id"]!)).Distinct().Count());
        Assert.All(roles, r => Assert.True((bool)r["isEnabled"]!));

        var hook = File.ReadAllText(Infra("scripts", "ensure-api-app.sh"));
        Assert.Contains("appRoleAssignmentRequired=true", hook, StringComparison.Ordinal);
        Assert.Contains("api-app-roles.json", hook, StringComparison.Ordinal);
        Assert.Contains("--requested-access-token-version 2", hook, StringComparison.Ordinal);
        Assert.Contains("azd env set HA_API_CLIENT_ID", hook, StringComparison.Ordinal);
    }

    // --- azd dev and prod ----------------------------------------------------------------------------------------

    [Fact]
    public void Azd_DevEnvironment_GetsTheDevProfile_AndProd_GetsTheProdProfile_FromTheOneParameterFileAzdReads()
    {
        var dev = BicepCli.BuildParams(Infra("main.bicepparam"), new Dictionary<string, string> { ["AZURE_ENV_NAME"] = "dev" });
        var prod = BicepCli.BuildParams(Infra("main.bicepparam"), new Dictionary<string, string> { ["AZURE_ENV_NAME"] = "prod", ["HA_ENVIRONMENT_TYPE"] = "prod" });

        Assert.Equal("dev", (string?)dev["environmentType"]);
        Assert.Equal("Standard_LRS", (string?)dev["storageSkuName"]);
        Assert.False((bool)dev["networkIsolation"]!);

        Assert.Equal("prod", (string?)prod["environmentType"]);
        Assert.Equal("francecentral", (string?)prod["location"]);
        Assert.Equal("Standard_ZRS", (string?)prod["storageSkuName"]);
        Assert.True((bool)prod["networkIsolation"]!);
        Assert.True((bool)prod["enableResourceLocks"]!);
        Assert.True((bool)prod["customerManagedKey"]!);
        Assert.True((int)prod["uploadsImmutabilityDays"]! > 0);
        Assert.True((int)prod["uploadsRetentionDays"]! > (int)prod["uploadsImmutabilityDays"]!);

        // The az CLI file deploys the same production as azd's prod environment.
        var cli = BicepCli.BuildParams(Infra("main.prod.bicepparam"), new Dictionary<string, string> { ["AZURE_ENV_NAME"] = "prod" });
        Assert.True(JsonNode.DeepEquals(prod, cli), $"azd prod:\n{prod}\naz CLI prod:\n{cli}");
    }

    [Fact]
    public void Azd_PartnersAndOperatorRangesComeFromTheEnvironment()
    {
        var values = BicepCli.BuildParams(Infra("main.bicepparam"), new Dictionary<string, string>
        {
            ["HA_PARTNERS"] = """[{"name":"hospital-a","ipRanges":["203.0.113.0/24"]},{"name":"lab-b"}]""",
            ["HA_OPERATOR_IP_RANGES"] = """["198.51.100.7"]""",
            ["HA_PSEUDONYMIZATION_KEY_ID"] = "v2",
        });

        Assert.Equal(["hospital-a", "lab-b"], values["partners"]!.AsArray().Select(p => (string)p!["name"]!));
        Assert.Equal(["198.51.100.7"], values["operatorIpRanges"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("v2", (string?)values["pseudonymizationKeyId"]);
    }

    [Fact]
    public void AzureYaml_RunsTheHooksAroundProvisionAndDeploy()
    {
        var yaml = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "azure.yaml"));
        foreach (var hook in new[] { "preprovision", "postprovision", "postdeploy" })
        {
            Assert.Contains($"run: ./infra/scripts/{hook}.sh", yaml, StringComparison.Ordinal);
            Assert.True(File.Exists(Infra("scripts", $"{hook}.sh")), $"infra/scripts/{hook}.sh is missing");
        }

        var postprovision = File.ReadAllText(Infra("scripts", "postprovision.sh"));
        Assert.Contains("ensure-pseudonymization-key.sh", postprovision, StringComparison.Ordinal);
        var preprovision = File.ReadAllText(Infra("scripts", "preprovision.sh"));
        Assert.Contains("ensure-pseudonymization-key.sh", preprovision, StringComparison.Ordinal);
        Assert.Contains("ensure-api-app.sh", preprovision, StringComparison.Ordinal);
    }
}
