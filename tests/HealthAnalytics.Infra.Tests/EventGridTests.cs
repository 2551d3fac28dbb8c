namespace HealthAnalytics.Infra.Tests;

/// <summary>Event Grid: uploads/ BlobCreated events, complete writes only, to the ingestion function's webhook, with retries and dead letters.</summary>
public sealed class EventGridTests
{
    private static ArmResource Subscription => CompiledTemplate.Single("Microsoft.EventGrid/systemTopics/eventSubscriptions");

    [Fact]
    public void SystemTopic_PublishesTheStorageAccountsEvents()
    {
        var topic = CompiledTemplate.Single("Microsoft.EventGrid/systemTopics");

        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)topic.Properties!["topicType"]);
        Assert.Equal("[parameters('storageAccountResourceId')]", (string?)topic.Properties["source"]);
        // System-assigned: behind the storage firewall only a system identity passes as a trusted service.
        Assert.Equal("SystemAssigned", (string?)topic.Node["identity"]!["type"]);
    }

    [Fact]
    public void Subscription_FiltersBlobCreatedUnderUploadsForCompletedWritesOnly()
    {
        var filter = Subscription.Properties!["filter"]!;

        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("[format('/blobServices/default/containers/{0}/blobs/', parameters('uploadsContainerName'))]", (string?)filter["subjectBeginsWith"]);
        Assert.Equal("[variables('names').uploadsContainer]", (string?)CompiledTemplate.ModuleParam("upload-events", "uploadsContainerName"));
        Assert.Equal("uploads", (string?)CompiledTemplate.Root["variables"]!["names"]!["uploadsContainer"]);

        var api = Assert.Single(filter["advancedFilters"]!.AsArray());
        Assert.Equal("data.api", (string?)api!["key"]);
        Assert.Equal("StringIn", (string?)api["operatorType"]);
        Assert.Equal(
            new HashSet<string> { "PutBlob", "PutBlockList", "CopyBlob", "FlushWithClose" },
            api["values"]!.AsArray().Select(v => (string)v!).ToHashSet());
    }

    [Fact]
    public void Subscription_DeliversToTheBlobExtensionWebhookOfTheEventGridBlobTriggerWithItsSystemKey()
    {
        var destination = (string?)Subscription.Properties!["destination"];

        Assert.StartsWith("[if(equals(variables('checkedDestination'), 'webhook'), createObject('endpointType', 'WebHook'", destination, StringComparison.Ordinal);
        Assert.Contains(
            "format('https://{0}/runtime/webhooks/blobs?functionName=Host.Functions.{1}&code={2}', parameters('functionAppHostName'), parameters('functionName'), parameters('blobsExtensionKey'))",
            destination, StringComparison.Ordinal);
        // The webhook names a function that exists: the Event Grid sourced blob trigger of the Functions assembly.
        var function = Assert.Single(AppConfigurationReaders.EventGridBlobTriggerFunctions);
        Assert.Equal(function, (string?)CompiledTemplate.ModuleParam("upload-events", "functionName"));
        // The postdeploy hook deploys the module with its default: that must name the same function.
        var moduleParameters = CompiledTemplate.Module("upload-events").Node["properties"]!["template"]!["parameters"]!;
        Assert.Equal(function, (string?)moduleParameters["functionName"]!["defaultValue"]);

        var module = CompiledTemplate.Module("upload-events").Node;
        Assert.Equal("securestring", (string?)module["properties"]!["template"]!["parameters"]!["blobsExtensionKey"]!["type"]);
    }

    [Fact]
    public void Subscription_RetriesThenDeadLettersWithTheTopicsIdentity()
    {
        var p = Subscription.Properties!;

        Assert.Equal("[parameters('maxDeliveryAttempts')]", (string?)p["retryPolicy"]!["maxDeliveryAttempts"]);
        Assert.Equal("[parameters('eventTimeToLiveInMinutes')]", (string?)p["retryPolicy"]!["eventTimeToLiveInMinutes"]);

        var deadLetter = p["deadLetterWithResourceIdentity"]!;
        Assert.Equal("SystemAssigned", (string?)deadLetter["identity"]!["type"]);
        Assert.Equal("StorageBlob", (string?)deadLetter["deadLetterDestination"]!["endpointType"]);
        Assert.Equal("[parameters('deadLetterContainerName')]", (string?)deadLetter["deadLetterDestination"]!["properties"]!["blobContainerName"]);
    }

    [Fact]
    public void Subscription_IsASecondPass_GatedByDeployEventSubscriptionThatRequiresTheKey()
    {
        var module = CompiledTemplate.Module("upload-events").Node;
        Assert.Equal("[or(equals(variables('uploadEventDelivery'), 'queue'), variables('eventSubscriptionChecked'))]", (string?)module["condition"]);

        var check = (string?)CompiledTemplate.Root["variables"]!["eventSubscriptionChecked"];
        Assert.Contains("fail(", check, StringComparison.Ordinal);
        Assert.Contains("parameters('blobsExtensionKey')", check, StringComparison.Ordinal);
        Assert.False((bool)CompiledTemplate.Root["parameters"]!["deployEventSubscription"]!["defaultValue"]!);

        // The azd path: the postdeploy hook deploys the same module once the key exists.
        var hook = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "infra", "scripts", "postdeploy.sh"));
        Assert.Contains("modules/blob-event-subscription.bicep", hook, StringComparison.Ordinal);
        Assert.Contains("systemKeys.blobs_extension", hook, StringComparison.Ordinal);
        var azureYaml = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "azure.yaml"));
        Assert.Contains("./infra/scripts/postdeploy.sh", azureYaml, StringComparison.Ordinal);
        Assert.Contains("\"destinationType\": { \"value\": \"webhook\" }", hook, StringComparison.Ordinal);
    }

    [Fact]
    public void QueuePath_DeliversWithTheTopicsSystemIdentityToTheUploadEventsQueue_AtProvision()
    {
        var delivery = (string?)Subscription.Properties!["deliveryWithResourceIdentity"];

        Assert.Equal("[if(equals(variables('checkedDestination'), 'queue'), createObject('identity', createObject('type', 'SystemAssigned'), 'destination', createObject('endpointType', 'StorageQueue', 'properties', createObject('resourceId', parameters('deadLetterStorageAccountResourceId'), 'queueName', parameters('queueName'), 'queueMessageTimeToLiveInSeconds', parameters('queueMessageTimeToLiveInSeconds')))), null())]", delivery);
        Assert.Equal("[if(equals(variables('uploadEventDelivery'), 'queue'), createObject('value', variables('names').uploadEventsQueue), createObject('value', ''))]", (string?)CompiledTemplate.ModuleParam("upload-events", "queueName"));
        var check = (string?)CompiledTemplate.Module("upload-events").Node["properties"]!["template"]!["variables"]!["checkedDestination"];
        Assert.Contains("fail('destinationType queue requires queueName.')", check, StringComparison.Ordinal);
        // The postdeploy hook leaves the queue path alone.
        var hook = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "infra", "scripts", "postdeploy.sh"));
        Assert.Contains("AZURE_UPLOAD_EVENT_DELIVERY", hook, StringComparison.Ordinal);
    }
}
