metadata name = 'HealthAnalytics'
metadata description = 'Serverless health-data analytics: storage (Entra-only), Key Vault, monitoring, a Flex Consumption Function App and the Event Grid wiring of partner uploads. See docs/deploy.md.'

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@description('Required. Name of the environment (azd environment name), e.g. dev or prod. Seeds the unique resource names and the azd-env-name tag.')
@minLength(1)
@maxLength(32)
param environmentName string

@description('Optional. Azure region of every resource. Must offer Flex Consumption.')
param location string = resourceGroup().location

@description('Optional. Extra tags for every resource.')
param tags object = {}

@description('Optional. Replication of the storage account (ZRS or better for production).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Optional. Days a deleted or overwritten blob (its version) and a deleted container stay recoverable.')
@minValue(1)
@maxValue(365)
param blobSoftDeleteRetentionDays int = 7

@description('Optional. Days Log Analytics keeps logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Optional. Days a deleted Key Vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Optional. Maximum instances the Function App scales out to (one upload is one invocation).')
@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 40

@description('Optional. Memory per Function App instance in MB (training loads a dataset in memory: 4096 for large ones).')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Optional. Always-ready instances of the blob trigger group (at least 1: the Event Grid webhook must answer without a cold start).')
@minValue(1)
@maxValue(20)
param blobAlwaysReadyInstanceCount int = 1

@description('Optional. NCRONTAB schedule (six fields, UTC) of model retraining, app setting RetrainSchedule.')
param retrainSchedule string = '0 0 2 * * *'

@description('Optional. Identifier of the pseudonymization key (app setting Pseudonymization__KeyId). Change it together with the key when rotating.')
@minLength(1)
@maxLength(32)
param pseudonymizationKeyId string = 'v1'

@description('Optional. The pseudonymization (HMAC) key. Default: generated at deploy from two random GUIDs (244 random bits). Written to Key Vault only when setPseudonymizationKey is true.')
@secure()
param pseudonymizationKey string = '${newGuid()}${newGuid()}'

@description('Optional. Write pseudonymizationKey to Key Vault. True on the first deployment; false afterwards (azd does it: see infra/scripts/postprovision.sh), or every redeployment would generate a new key and change every pseudonym. True with a new key and key id rotates deliberately.')
param setPseudonymizationKey bool = true

@description('Optional. Deploy the Event Grid subscription of uploads/ to the webhook of the ingestion function (IngestUpload). Needs blobsExtensionKey, which exists only after the code is deployed: second pass (azd runs infra/scripts/postdeploy.sh instead).')
param deployEventSubscription bool = false

@description('Conditional. The Function App\'s `blobs_extension` system key. Required when deployEventSubscription is true.')
@secure()
param blobsExtensionKey string = ''

@description('Optional. Event Grid delivery attempts before an upload event is dead-lettered.')
@minValue(1)
@maxValue(30)
param eventMaxDeliveryAttempts int = 30

@description('Optional. Minutes Event Grid retries an upload event before dead-lettering it.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

// ---------------------------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, { 'azd-env-name': environmentName, workload: 'healthanalytics' })

var names = {
  appIdentity: 'id-ha-func-${resourceToken}'
  eventGridIdentity: 'id-ha-evgt-${resourceToken}'
  storage: 'stha${resourceToken}'
  keyVault: 'kv-ha-${resourceToken}'
  logAnalytics: 'log-ha-${resourceToken}'
  appInsights: 'appi-ha-${resourceToken}'
  plan: 'plan-ha-${resourceToken}'
  functionApp: 'func-ha-${resourceToken}'
  systemTopic: 'evgt-ha-${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  deadLetterContainer: 'deadletter'
  pseudonymizationSecret: 'pseudonymization-key'
}

// Built-in role definition GUIDs: data-plane roles only (never Owner, Contributor, User Access Administrator).
var builtInRoles = {
  // The Functions host (AzureWebJobsStorage) and the blob trigger need Owner-level blob data access (leases,
  // receipts); one account holds host, deployment and data, so the app gets it on this account only.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

var eventSubscriptionChecked = deployEventSubscription && empty(blobsExtensionKey)
  ? fail('deployEventSubscription requires blobsExtensionKey (az functionapp keys list ... --query systemKeys.blobs_extension).')
  : (!deployEventSubscription && !empty(blobsExtensionKey)
      ? fail('blobsExtensionKey is only used with deployEventSubscription = true.')
      : deployEventSubscription)

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

module appIdentity 'modules/managed-identity.bicep' = {
  name: 'app-identity'
  params: {
    name: names.appIdentity
    location: location
    tags: allTags
  }
}

module eventGridIdentity 'modules/managed-identity.bicep' = {
  name: 'eventgrid-identity'
  params: {
    name: names.eventGridIdentity
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.appInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    roleAssignments: [
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.monitoringMetricsPublisher
        description: 'Function App telemetry with Entra auth'
      }
    ]
  }
}

module storage 'modules/storage-account.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    skuName: storageSkuName
    softDeleteRetentionDays: blobSoftDeleteRetentionDays
    containers: [
      { name: 'uploads' }
      { name: 'curated' }
      { name: 'reports' }
      { name: 'models' }
      { name: 'config' }
      { name: names.deploymentContainer }
      {
        name: names.deadLetterContainer
        roleAssignments: [
          {
            principalId: eventGridIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageBlobDataContributor
            description: 'Event Grid writes undeliverable upload events'
          }
        ]
      }
    ]
    tables: [
      'uploads'
      'models'
    ]
    roleAssignments: [
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.storageBlobDataOwner
        description: 'Functions host storage, deployment package, blob trigger and app data'
      }
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.storageQueueDataContributor
        description: 'Functions host and blob extension queues'
      }
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.storageTableDataContributor
        description: 'Upload ledger and model registry tables'
      }
    ]
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    secretName: setPseudonymizationKey ? names.pseudonymizationSecret : ''
    secretValue: setPseudonymizationKey ? pseudonymizationKey : ''
    roleAssignments: [
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.keyVaultSecretsUser
        description: 'Function App reads the pseudonymization key (Key Vault reference)'
      }
    ]
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: union(allTags, { 'azd-service-name': 'api' })
    identityResourceId: appIdentity.outputs.resourceId
    identityClientId: appIdentity.outputs.clientId
    blobEndpoint: storage.outputs.primaryBlobEndpoint
    queueEndpoint: storage.outputs.primaryQueueEndpoint
    tableEndpoint: storage.outputs.primaryTableEndpoint
    deploymentContainerName: names.deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    pseudonymizationSecretName: names.pseudonymizationSecret
    pseudonymizationKeyId: pseudonymizationKeyId
    retrainSchedule: retrainSchedule
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    blobAlwaysReadyInstanceCount: blobAlwaysReadyInstanceCount
  }
}

module systemTopic 'modules/event-grid-system-topic.bicep' = {
  name: 'event-grid-topic'
  params: {
    name: names.systemTopic
    location: location
    tags: allTags
    storageAccountResourceId: storage.outputs.resourceId
    identityResourceId: eventGridIdentity.outputs.resourceId
  }
}

module uploadEvents 'modules/blob-event-subscription.bicep' = if (eventSubscriptionChecked) {
  name: 'upload-events'
  params: {
    // Compile-time name (not the module output) keeps What-If precise.
    systemTopicName: names.systemTopic
    functionAppHostName: functionApp.outputs.defaultHostName
    functionName: 'IngestUpload'
    blobsExtensionKey: blobsExtensionKey
    uploadsContainerName: 'uploads'
    deadLetterStorageAccountResourceId: storage.outputs.resourceId
    deadLetterContainerName: names.deadLetterContainer
    deadLetterIdentityResourceId: eventGridIdentity.outputs.resourceId
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
  dependsOn: [
    systemTopic
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment; the hook scripts read them)
// ---------------------------------------------------------------------------------------------

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group of the deployment.')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the API.')
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'

@description('Default host name of the Function App.')
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostName

@description('Name of the storage account.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Resource id of the storage account.')
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId

@description('Name of the Key Vault.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Name of the Event Grid system topic on the storage account.')
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = systemTopic.outputs.name

@description('Resource id of the identity Event Grid uses to write dead letters.')
output AZURE_EVENTGRID_IDENTITY_ID string = eventGridIdentity.outputs.resourceId

@description('Container receiving undeliverable upload events.')
output AZURE_DEADLETTER_CONTAINER string = names.deadLetterContainer

@description('Client id of the Function App identity.')
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = appIdentity.outputs.clientId
