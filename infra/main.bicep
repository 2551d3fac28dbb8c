metadata name = 'HealthAnalytics'
metadata description = 'Serverless health-data analytics: host and data storage (Entra-only), Key Vault, monitoring with diagnostic settings on every resource, optional private networking, per-partner upload identities with ABAC conditions, a Flex Consumption Function App behind Entra ID, and the Event Grid wiring of partner uploads. See docs/deploy.md.'

targetScope = 'resourceGroup'

import { partnerType, writeOnlyUnderPrefixCondition, readOnlyBlobsCondition, isLowerAlphanumericOrHyphen, isAlphanumericOrHyphen } from 'modules/types.bicep'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@description('Required. Name of the environment (azd environment name), e.g. dev or prod. Seeds the unique resource names and the azd-env-name tag.')
@minLength(1)
@maxLength(32)
param environmentName string

@description('Optional. `prod` refuses, when the deployment is validated (before anything is created), what a health-data hosting review would reject: storage that is not zone-redundant, no network isolation, no resource locks, no Entra ID in front of the API.')
@allowed([
  'dev'
  'prod'
])
param environmentType string = 'dev'

@description('Optional. Azure region of every resource. Must offer Flex Consumption and be in allowedLocations.')
param location string = resourceGroup().location

@description('Optional. Regions health data may be stored in (francecentral: health data hosted in France, HDS). A location outside the list fails the deployment.')
param allowedLocations string[] = [
  'francecentral'
  'swedencentral'
  'westeurope'
  'northeurope'
  'germanywestcentral'
]

@description('Optional. Extra tags for every resource.')
param tags object = {}

@description('Optional. Replication of both storage accounts (zone-redundant in prod).')
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

@description('Optional. Days after its last change a raw upload under uploads/ is deleted by the lifecycle policy (the curated data and reports stay). 0 keeps uploads.')
@minValue(0)
@maxValue(3650)
param uploadsRetentionDays int = 30

@description('Optional. Days every version of a raw upload is immutable (version-level WORM): nobody, not even the app or an operator, can change or delete it before. 0: no immutability.')
@minValue(0)
@maxValue(3650)
param uploadsImmutabilityDays int = 0

@description('Optional. Days after it was replaced a previous blob version is deleted, in every data container.')
@minValue(1)
@maxValue(3650)
param previousVersionsRetentionDays int = 30

@description('Optional. Days Log Analytics keeps logs, telemetry and the diagnostic settings\' audit trail (storage reads/writes/deletes, Key Vault AuditEvent, FunctionAppLogs, Event Grid delivery failures).')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Optional. Days a deleted Key Vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Optional. `recover` brings back the soft-deleted vault of this environment after `azd down` (infra/scripts/preprovision.sh sets it); `default` otherwise.')
@allowed([
  'default'
  'recover'
])
param keyVaultCreateMode string = 'default'

@description('Optional. CanNotDelete locks on the data storage account, the vault and the workspace: `azd down` then fails instead of deleting health data or its audit trail.')
param enableResourceLocks bool = false

@description('Optional. Encrypt the data storage account with a customer-managed RSA key in the vault (rotated yearly) instead of Microsoft-managed keys.')
param customerManagedKey bool = false

@description('Optional. Private networking: VNet integration of the Function App, private endpoints and DNS zones for blob, queue and table (both accounts) and the vault, Deny by default on storage and vault. Upload events then go through a storage queue (docs/deploy.md).')
param networkIsolation bool = false

@description('Optional. Address space of the virtual network (networkIsolation).')
param vnetAddressPrefix string = '10.60.0.0/16'

@description('Optional. Subnet of the Function App VNet integration, /26 or larger (networkIsolation).')
param appSubnetPrefix string = '10.60.0.0/24'

@description('Optional. Subnet of the private endpoints (networkIsolation).')
param privateEndpointSubnetPrefix string = '10.60.1.0/24'

@description('Optional. Public IP ranges (CIDR) of the operators, let through the storage and vault firewalls under networkIsolation (the key hook writes to the vault).')
param operatorIpRanges string[] = []

@description('Optional. Data partners: each gets one upload identity that may only write under uploads/{name}/ (ABAC condition), never read, overwrite or delete another partner\'s files.')
param partners partnerType[] = []

@description('Optional. Object id of the operator (user, group or service principal) who runs the key hook: Key Vault Secrets Officer on the vault. azd passes the signed-in principal. Empty: grant it out of band (e.g. just in time).')
param keyOperatorPrincipalId string = ''

@description('Optional. Type of keyOperatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param keyOperatorPrincipalType string = 'User'

@description('Optional. Application (client) id of the API\'s Entra app registration (infra/scripts/preprovision.sh creates it with the roles Api.Read, Api.Predict, Api.Admin). Empty: no Entra ID in front of the API (function keys only).')
param apiClientId string = ''

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

@description('Optional. Identifier of the pseudonymization key (app setting Pseudonymization__KeyId; letters, digits, hyphens). The key itself lives in the secret pseudonymization-key-{id}, written once by infra/scripts/ensure-pseudonymization-key.sh and never by this template. Rotating = a new id.')
@minLength(1)
@maxLength(32)
param pseudonymizationKeyId string = 'v1'

@description('Optional. Webhook path only (no networkIsolation): deploy the Event Grid subscription of uploads/ to the webhook of the ingestion function (IngestUpload). Needs blobsExtensionKey, which exists only after the code is deployed: second pass (azd runs infra/scripts/postdeploy.sh instead). The queue path deploys its subscription with the infrastructure.')
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
// Names, constants and checks
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))

var names = {
  appIdentity: 'id-ha-func-${resourceToken}'
  cmkIdentity: 'id-ha-cmk-${resourceToken}'
  partnerIdentityPrefix: 'id-ha-partner-'
  hostStorage: 'sthost${resourceToken}'
  storage: 'stha${resourceToken}'
  keyVault: 'kv-ha-${resourceToken}'
  logAnalytics: 'log-ha-${resourceToken}'
  appInsights: 'appi-ha-${resourceToken}'
  vnet: 'vnet-ha-${resourceToken}'
  plan: 'plan-ha-${resourceToken}'
  functionApp: 'func-ha-${resourceToken}'
  systemTopic: 'evgt-ha-${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  uploadsContainer: 'uploads'
  configContainer: 'config'
  deadLetterContainer: 'deadletter'
  uploadEventsQueue: 'upload-events'
  // The Functions queue extension moves a message that failed maxDequeueCount times to "{queue}-poison".
  uploadEventsPoisonQueue: 'upload-events-poison'
  // The blob extension (Event Grid source) keeps failed blob events in this queue of the data connection's account.
  blobTriggerPoisonQueue: 'webjobs-blobtrigger-poison'
  customerManagedKey: 'storage-cmk'
}

// Built-in role definition GUIDs: data-plane roles only (never Owner, Contributor, User Access Administrator).
var builtInRoles = {
  // The Functions host (AzureWebJobsStorage) needs Owner-level blob access (leases, its own containers) on the
  // host account, which holds no health data.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultCryptoServiceEncryptionUser: 'e147488a-f6f5-4113-8e2d-b22465e65bf6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Under network isolation the app may be private: events then reach it through a storage queue it polls.
var uploadEventDelivery = networkIsolation ? 'queue' : 'webhook'

var zoneRedundantSkus = [
  'Standard_ZRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
]

var checkedEnvironmentType = environmentType != 'prod'
  ? environmentType
  : (!contains(zoneRedundantSkus, storageSkuName)
      ? fail('environmentType prod requires zone-redundant storage (Standard_ZRS, Standard_GZRS or Standard_RAGZRS).')
      : (!networkIsolation
          ? fail('environmentType prod requires networkIsolation = true.')
          : (!enableResourceLocks
              ? fail('environmentType prod requires enableResourceLocks = true.')
              : (empty(apiClientId) ? fail('environmentType prod requires apiClientId (Entra ID in front of the API).') : environmentType))))

var checkedLocation = contains(allowedLocations, location)
  ? location
  : fail('location is not in allowedLocations (health data stays in the listed regions).')

var allTags = union(tags, { 'azd-env-name': environmentName, workload: 'healthanalytics', 'environment-type': checkedEnvironmentType })

var checkedKeyId = isAlphanumericOrHyphen(pseudonymizationKeyId)
  ? pseudonymizationKeyId
  : fail('pseudonymizationKeyId: letters, digits and hyphens only (it names the Key Vault secret pseudonymization-key-{id}).')

var pseudonymizationSecretName = 'pseudonymization-key-${checkedKeyId}'

var partnerNames = map(partners, p => p.name)

var checkedPartners = length(union(partnerNames, [])) != length(partnerNames)
  ? fail('partners: names must be unique.')
  : (!empty(filter(partnerNames, n => !isLowerAlphanumericOrHyphen(n)))
      ? fail('partners: a name is lower-case letters, digits and hyphens (it is the uploads/{name}/ prefix).')
      : partners)

var checkedRetention = uploadsRetentionDays > 0 && uploadsRetentionDays <= uploadsImmutabilityDays
  ? fail('uploadsRetentionDays must be 0 (keep) or longer than uploadsImmutabilityDays.')
  : uploadsRetentionDays

var dataIpRules = union(operatorIpRanges, flatten(map(checkedPartners, p => p.?ipRanges ?? [])))

var eventSubscriptionChecked = deployEventSubscription && empty(blobsExtensionKey)
  ? fail('deployEventSubscription requires blobsExtensionKey (az functionapp keys list ... --query systemKeys.blobs_extension).')
  : (!deployEventSubscription && !empty(blobsExtensionKey)
      ? fail('blobsExtensionKey is only used with deployEventSubscription = true.')
      : (deployEventSubscription && networkIsolation
          ? fail('deployEventSubscription is the webhook path; under networkIsolation the queue subscription is deployed with the infrastructure.')
          : deployEventSubscription))

var dataContainers = [
  names.uploadsContainer
  'curated'
  'reports'
  'models'
  names.configContainer
]

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

module appIdentity 'modules/managed-identity.bicep' = {
  name: 'app-identity'
  params: {
    name: names.appIdentity
    location: checkedLocation
    tags: allTags
  }
}

module partnerIdentities 'modules/partner-identity.bicep' = [
  for p in checkedPartners: {
    name: 'partner-${p.name}'
    params: {
      name: '${names.partnerIdentityPrefix}${p.name}-${resourceToken}'
      location: checkedLocation
      tags: union(allTags, { partner: p.name })
      federatedCredentials: p.?federatedCredentials ?? []
    }
  }
]

module cmkIdentity 'modules/managed-identity.bicep' = if (customerManagedKey) {
  name: 'cmk-identity'
  params: {
    name: names.cmkIdentity
    location: checkedLocation
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.appInsights
    location: checkedLocation
    tags: allTags
    retentionInDays: logRetentionInDays
    lock: enableResourceLocks
    roleAssignments: [
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.monitoringMetricsPublisher
        description: 'Function App telemetry with Entra auth'
      }
    ]
  }
}

module network 'modules/network.bicep' = if (networkIsolation) {
  name: 'network'
  params: {
    name: names.vnet
    location: checkedLocation
    tags: allTags
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    name: names.keyVault
    location: checkedLocation
    tags: allTags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    createMode: keyVaultCreateMode
    networkIsolation: networkIsolation
    ipRules: operatorIpRanges
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
    lock: enableResourceLocks
    customerManagedKeyName: customerManagedKey ? names.customerManagedKey : ''
    customerManagedKeyRoleAssignments: customerManagedKey
      ? [
          {
            principalId: cmkIdentity!.outputs.principalId
            roleDefinitionId: builtInRoles.keyVaultCryptoServiceEncryptionUser
            description: 'Data storage account wraps its encryption key with the customer-managed key'
          }
        ]
      : []
    roleAssignments: concat(
      [
        {
          principalId: appIdentity.outputs.principalId
          roleDefinitionId: builtInRoles.keyVaultSecretsUser
          description: 'Function App reads the pseudonymization key (Key Vault reference)'
        }
      ],
      empty(keyOperatorPrincipalId)
        ? []
        : [
            {
              principalId: keyOperatorPrincipalId
              principalType: keyOperatorPrincipalType
              roleDefinitionId: builtInRoles.keyVaultSecretsOfficer
              description: 'Operator writes a pseudonymization key once per key id (infra/scripts/ensure-pseudonymization-key.sh)'
            }
          ]
    )
  }
}

// Functions host state and the deployment package: no health data, and no data-plane grant of the data account reaches it.
module hostStorage 'modules/storage-account.bicep' = {
  name: 'host-storage'
  params: {
    name: names.hostStorage
    location: checkedLocation
    tags: allTags
    skuName: storageSkuName
    softDeleteRetentionDays: blobSoftDeleteRetentionDays
    networkIsolation: networkIsolation
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
    containers: [
      { name: names.deploymentContainer }
    ]
    roleAssignments: [
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.storageBlobDataOwner
        description: 'Functions host (AzureWebJobsStorage: leases, keys, timers) and the Flex deployment package'
      }
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.storageQueueDataContributor
        description: 'Functions host queues'
      }
      {
        principalId: appIdentity.outputs.principalId
        roleDefinitionId: builtInRoles.storageTableDataContributor
        description: 'Functions host tables'
      }
    ]
  }
}

// Health data: raw uploads, curated Parquet, reports, models, the ledger. Every grant is scoped to what needs it.
module storage 'modules/storage-account.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: checkedLocation
    tags: union(allTags, { dataClassification: 'health' })
    skuName: storageSkuName
    softDeleteRetentionDays: blobSoftDeleteRetentionDays
    networkIsolation: networkIsolation
    ipRules: dataIpRules
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
    lock: enableResourceLocks
    customerManagedKey: customerManagedKey
      ? {
          keyVaultUri: keyVault.outputs.uri
          keyName: keyVault.outputs.customerManagedKeyName
          identityResourceId: cmkIdentity!.outputs.resourceId
        }
      : null
    lifecycleRules: concat(
      checkedRetention > 0
        ? [
            {
              name: 'raw-uploads-retention'
              prefixes: [
                '${names.uploadsContainer}/'
              ]
              deleteAfterDays: checkedRetention
              deleteVersionsAfterDays: previousVersionsRetentionDays
            }
          ]
        : [],
      [
        {
          name: 'previous-versions'
          prefixes: map(dataContainers, c => '${c}/')
          deleteAfterDays: 0
          deleteVersionsAfterDays: previousVersionsRetentionDays
        }
      ]
    )
    containers: [
      {
        name: names.uploadsContainer
        immutabilityDays: uploadsImmutabilityDays
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageBlobDataContributor
            description: 'Ingestion reads raw uploads; never writes, deletes or renames them'
            condition: readOnlyBlobsCondition(names.uploadsContainer)
          }
        ]
      }
      {
        name: 'curated'
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageBlobDataContributor
            description: 'Ingestion writes curated Parquet; training reads it'
          }
        ]
      }
      {
        name: 'reports'
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageBlobDataContributor
            description: 'Ingestion writes quality reports; the API reads them'
          }
        ]
      }
      {
        name: 'models'
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageBlobDataContributor
            description: 'Training writes model artifacts and its lock; serving reads them'
          }
        ]
      }
      {
        name: names.configContainer
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageBlobDataContributor
            description: 'The app reads operator overrides of contracts and model specs; never writes them'
            condition: readOnlyBlobsCondition(names.configContainer)
          }
        ]
      }
      { name: names.deadLetterContainer }
    ]
    queues: [
      {
        name: names.uploadEventsQueue
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageQueueDataContributor
            description: 'IngestQueuedUpload reads upload events'
          }
        ]
      }
      {
        name: names.uploadEventsPoisonQueue
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageQueueDataContributor
            description: 'The queue extension moves events that failed every attempt here'
          }
        ]
      }
      {
        name: names.blobTriggerPoisonQueue
        roleAssignments: [
          {
            principalId: appIdentity.outputs.principalId
            roleDefinitionId: builtInRoles.storageQueueDataContributor
            description: 'The blob extension (Event Grid source) keeps failed blob events here'
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
        roleDefinitionId: builtInRoles.storageTableDataContributor
        // Account scope: the app creates its tables if missing (a call on the table service, not on one table), and
        // its two tables are the only tables of this account.
        description: 'Upload ledger and model registry tables (the only tables of this account)'
      }
    ]
  }
}

// One partner, one role: Storage Blob Data Contributor on uploads/ narrowed by ABAC to writing under uploads/{partner}/.
module partnerUploadRoles 'modules/storage-container-roles.bicep' = [
  for (p, i) in checkedPartners: {
    name: 'partner-${p.name}-uploads-role'
    params: {
      storageAccountName: names.storage
      containerName: names.uploadsContainer
      roleAssignments: [
        {
          principalId: partnerIdentities[i].outputs.principalId
          roleDefinitionId: builtInRoles.storageBlobDataContributor
          description: 'Partner ${p.name}: writes under uploads/${p.name}/ only; never reads, deletes or renames'
          condition: writeOnlyUnderPrefixCondition(names.uploadsContainer, '${p.name}/')
        }
      ]
    }
    dependsOn: [
      storage
    ]
  }
]

// Every data-plane endpoint the app uses on both accounts (blob, queue, table) and the vault, each in its private DNS zone.
var privateEndpointTargets = [
  { name: 'host-blob', type: 'Microsoft.Storage/storageAccounts', resourceName: names.hostStorage, group: 'blob' }
  { name: 'host-queue', type: 'Microsoft.Storage/storageAccounts', resourceName: names.hostStorage, group: 'queue' }
  { name: 'host-table', type: 'Microsoft.Storage/storageAccounts', resourceName: names.hostStorage, group: 'table' }
  { name: 'data-blob', type: 'Microsoft.Storage/storageAccounts', resourceName: names.storage, group: 'blob' }
  { name: 'data-queue', type: 'Microsoft.Storage/storageAccounts', resourceName: names.storage, group: 'queue' }
  { name: 'data-table', type: 'Microsoft.Storage/storageAccounts', resourceName: names.storage, group: 'table' }
  { name: 'vault', type: 'Microsoft.KeyVault/vaults', resourceName: names.keyVault, group: 'vault' }
]

module privateEndpointDeployments 'modules/private-endpoint.bicep' = [
  for pe in (networkIsolation ? privateEndpointTargets : []): {
    name: 'pe-${pe.name}'
    params: {
      name: 'pe-ha-${pe.name}-${resourceToken}'
      location: checkedLocation
      tags: allTags
      subnetResourceId: network!.outputs.privateEndpointSubnetId
      targetResourceId: resourceId(pe.type, pe.resourceName)
      groupId: pe.group
      privateDnsZoneResourceId: network!.outputs.privateDnsZoneIds[pe.group]
    }
    dependsOn: [
      hostStorage
      storage
      keyVault
    ]
  }
]

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: names.functionApp
    planName: names.plan
    location: checkedLocation
    tags: union(allTags, { 'azd-service-name': 'api' })
    identityResourceId: appIdentity.outputs.resourceId
    identityClientId: appIdentity.outputs.clientId
    hostBlobEndpoint: hostStorage.outputs.primaryBlobEndpoint
    hostQueueEndpoint: hostStorage.outputs.primaryQueueEndpoint
    hostTableEndpoint: hostStorage.outputs.primaryTableEndpoint
    dataBlobEndpoint: storage.outputs.primaryBlobEndpoint
    dataQueueEndpoint: storage.outputs.primaryQueueEndpoint
    dataTableEndpoint: storage.outputs.primaryTableEndpoint
    deploymentContainerName: names.deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    pseudonymizationSecretName: pseudonymizationSecretName
    pseudonymizationKeyId: checkedKeyId
    retrainSchedule: retrainSchedule
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    blobAlwaysReadyInstanceCount: blobAlwaysReadyInstanceCount
    uploadEventDelivery: uploadEventDelivery
    virtualNetworkSubnetId: networkIsolation ? network!.outputs.appSubnetId : ''
    apiClientId: apiClientId
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
  }
  // Under isolation the app reaches storage and the vault only through the endpoints: they exist before it starts.
  dependsOn: [
    privateEndpointDeployments
  ]
}

module systemTopic 'modules/event-grid-system-topic.bicep' = {
  name: 'event-grid-topic'
  params: {
    name: names.systemTopic
    location: checkedLocation
    tags: allTags
    storageAccountResourceId: storage.outputs.resourceId
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
  }
}

module deadLetterRoles 'modules/storage-container-roles.bicep' = {
  name: 'deadletter-roles'
  params: {
    storageAccountName: names.storage
    containerName: names.deadLetterContainer
    roleAssignments: [
      {
        principalId: systemTopic.outputs.principalId
        roleDefinitionId: builtInRoles.storageBlobDataContributor
        description: 'Event Grid writes undeliverable upload events'
      }
    ]
  }
}

module uploadEventsQueueRoles 'modules/storage-queue-roles.bicep' = if (uploadEventDelivery == 'queue') {
  name: 'upload-events-queue-roles'
  params: {
    storageAccountName: names.storage
    queueName: names.uploadEventsQueue
    roleAssignments: [
      {
        principalId: systemTopic.outputs.principalId
        roleDefinitionId: builtInRoles.storageQueueDataMessageSender
        description: 'Event Grid delivers upload events to the queue'
      }
    ]
  }
}

module uploadEvents 'modules/blob-event-subscription.bicep' = if (uploadEventDelivery == 'queue' || eventSubscriptionChecked) {
  name: 'upload-events'
  params: {
    // Compile-time name (not the module output) keeps What-If precise.
    systemTopicName: names.systemTopic
    destinationType: uploadEventDelivery
    functionAppHostName: uploadEventDelivery == 'webhook' ? functionApp.outputs.defaultHostName : ''
    functionName: 'IngestUpload'
    blobsExtensionKey: blobsExtensionKey
    queueName: uploadEventDelivery == 'queue' ? names.uploadEventsQueue : ''
    uploadsContainerName: names.uploadsContainer
    deadLetterStorageAccountResourceId: storage.outputs.resourceId
    deadLetterContainerName: names.deadLetterContainer
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
  dependsOn: [
    systemTopic
    deadLetterRoles
    uploadEventsQueueRoles
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment; the hook scripts read them)
// ---------------------------------------------------------------------------------------------

@description('Region of the deployment.')
output AZURE_LOCATION string = checkedLocation

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

@description('Name of the data storage account (uploads, curated data, reports, models).')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Resource id of the data storage account.')
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId

@description('Name of the host storage account (Functions host state, deployment package).')
output AZURE_HOST_STORAGE_ACCOUNT_NAME string = hostStorage.outputs.name

@description('Name of the Key Vault.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Name of the secret the current pseudonymization key lives in (written by infra/scripts/ensure-pseudonymization-key.sh).')
output AZURE_PSEUDONYMIZATION_SECRET_NAME string = pseudonymizationSecretName

@description('Name of the Event Grid system topic on the data storage account.')
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = systemTopic.outputs.name

@description('How upload events reach the app: webhook (postdeploy hook subscribes) or queue (subscribed at provision).')
output AZURE_UPLOAD_EVENT_DELIVERY string = uploadEventDelivery

@description('Container receiving undeliverable upload events.')
output AZURE_DEADLETTER_CONTAINER string = names.deadLetterContainer

@description('Client id of the Function App identity.')
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = appIdentity.outputs.clientId

@description('Each partner\'s name and the client id of its upload identity (give it to the partner with the tenant id).')
output AZURE_PARTNER_IDENTITIES array = [
  for (p, i) in checkedPartners: {
    name: p.name
    clientId: partnerIdentities[i].outputs.clientId
  }
]
