metadata name = 'Storage account'
metadata description = 'StorageV2 account: Entra-only access (no shared keys), TLS 1.2, HTTPS only, no public blobs, blob versioning and soft delete; optional network isolation (Deny by default), lifecycle rules, version-level immutability, customer-managed key and delete lock; containers, queues and tables with data-plane role assignments scoped to each; diagnostic settings on every service.'

import { roleAssignmentType, privilegedRoleDefinitionIds } from 'types.bicep'

@export()
@description('A blob container and the role assignments scoped to it.')
type containerType = {
  @description('Required. Name of the container.')
  @minLength(3)
  @maxLength(63)
  name: string

  @description('Optional. Days every blob version stays immutable (version-level WORM, unlocked policy). 0 or absent: none.')
  @minValue(0)
  @maxValue(3650)
  immutabilityDays: int?

  @description('Optional. Data-plane role assignments scoped to this container only.')
  roleAssignments: roleAssignmentType[]?
}

@export()
@description('A storage queue and the role assignments scoped to it.')
type queueType = {
  @description('Required. Name of the queue.')
  @minLength(3)
  @maxLength(63)
  name: string

  @description('Optional. Data-plane role assignments scoped to this queue only.')
  roleAssignments: roleAssignmentType[]?
}

@export()
@description('A lifecycle rule: delete base blobs and old versions under prefixes after a number of days.')
type lifecycleRuleType = {
  @description('Required. Name of the rule.')
  name: string

  @description('Required. Prefixes (container/path) the rule applies to.')
  prefixes: string[]

  @description('Required. Days after its last modification a current blob is deleted; 0 keeps it.')
  @minValue(0)
  deleteAfterDays: int

  @description('Required. Days after it stopped being current a previous version is deleted.')
  @minValue(1)
  deleteVersionsAfterDays: int
}

@export()
@description('A customer-managed key in Key Vault and the identity the account reads it with.')
type customerManagedKeyType = {
  @description('Required. URI of the vault, e.g. https://NAME.vault.azure.net/.')
  keyVaultUri: string

  @description('Required. Name of the key (the latest version is used, so rotation needs no redeployment).')
  keyName: string

  @description('Required. Resource id of the user-assigned identity with Key Vault Crypto Service Encryption User on the key.')
  identityResourceId: string
}

@description('Required. Name of the storage account (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Azure region of the account.')
param location string = resourceGroup().location

@description('Optional. Tags of the account.')
param tags object = {}

@description('Optional. Replication of the account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param skuName string = 'Standard_LRS'

@description('Optional. Blob containers to create.')
param containers containerType[] = []

@description('Optional. Queues to create.')
param queues queueType[] = []

@description('Optional. Tables to create.')
param tables string[] = []

@description('Optional. Days a deleted blob (or blob version) and a deleted container stay recoverable.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Data-plane role assignments on the whole account (only where a narrower scope cannot work).')
param roleAssignments roleAssignmentType[] = []

@description('Optional. Deny by default: only private endpoints, trusted Azure services (Event Grid delivery, customer-managed key) and ipRules reach the account.')
param networkIsolation bool = false

@description('Optional. Public IP ranges (CIDR) allowed when networkIsolation is on (partners, operators).')
param ipRules string[] = []

@description('Optional. Lifecycle rules (deletion of old blobs and versions).')
param lifecycleRules lifecycleRuleType[] = []

@description('Optional. Customer-managed key for blob, queue, table and file encryption. Null: Microsoft-managed keys.')
param customerManagedKey customerManagedKeyType?

@description('Required. Resource id of the Log Analytics workspace receiving the diagnostic settings.')
param workspaceResourceId string

@description('Optional. Put a CanNotDelete lock on the account (a resource-group delete, e.g. `azd down`, then fails instead of deleting the data).')
param lock bool = false

var storageLogs = [
  'StorageRead'
  'StorageWrite'
  'StorageDelete'
]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  identity: customerManagedKey == null
    ? { type: 'None' }
    : {
        type: 'UserAssigned'
        userAssignedIdentities: {
          '${customerManagedKey!.identityResourceId}': {}
        }
      }
  properties: {
    accessTier: 'Hot'
    // Entra ID only: no account key, no account SAS, no connection string with AccountKey= anywhere.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Hierarchical namespace stays off: blob versioning and the blob soft delete below require it off.
    isHnsEnabled: false
    // Without isolation every request still needs an Entra token. With it, the public endpoint answers only the
    // listed IP ranges and trusted Azure services (Event Grid delivers events and dead letters with the topic's
    // system identity; the customer-managed key is read by the account itself); the app comes through private endpoints.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: networkIsolation ? 'Deny' : 'Allow'
      ipRules: [
        for ip in (networkIsolation ? ipRules : []): {
          value: ip
          action: 'Allow'
        }
      ]
      virtualNetworkRules: []
    }
    encryption: {
      keySource: customerManagedKey == null ? 'Microsoft.Storage' : 'Microsoft.Keyvault'
      keyvaultproperties: customerManagedKey == null
        ? null
        : {
            keyname: customerManagedKey!.keyName
            keyvaulturi: customerManagedKey!.keyVaultUri
          }
      identity: customerManagedKey == null
        ? null
        : {
            userAssignedIdentity: customerManagedKey!.identityResourceId
          }
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true, keyType: 'Account' }
        file: { enabled: true, keyType: 'Account' }
        queue: { enabled: true, keyType: 'Account' }
        table: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for c in containers: {
    parent: blobService
    name: c.name
    properties: {
      publicAccess: 'None'
      // Version-level immutability needs blob versioning (on above); every new version is WORM for the default period.
      immutableStorageWithVersioning: (c.?immutabilityDays ?? 0) > 0 ? { enabled: true } : null
    }
  }
]

resource immutabilityPolicies 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2025-06-01' = [
  for (c, i) in containers: if ((c.?immutabilityDays ?? 0) > 0) {
    parent: blobContainers[i]
    name: 'default'
    properties: {
      immutabilityPeriodSinceCreationInDays: c.?immutabilityDays ?? 1
      // Unlocked: the period can still be shortened or removed (e.g. for a lawful erasure); locking is an operator decision.
      allowProtectedAppendWrites: false
    }
  }
]

resource managementPolicy 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = if (!empty(lifecycleRules)) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        for rule in lifecycleRules: {
          name: rule.name
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: rule.prefixes
            }
            actions: {
              baseBlob: rule.deleteAfterDays > 0
                ? {
                    delete: {
                      daysAfterModificationGreaterThan: rule.deleteAfterDays
                    }
                  }
                : null
              version: {
                delete: {
                  daysAfterCreationGreaterThan: rule.deleteVersionsAfterDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource accountQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for q in queues: {
    parent: queueService
    name: q.name
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource accountTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [
  for t in tables: {
    parent: tableService
    name: t
  }
]

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2025-06-01' existing = {
  parent: account
  name: 'default'
}

resource accountRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for ra in roleAssignments: {
    name: guid(account.id, ra.principalId, ra.roleDefinitionId)
    scope: account
    properties: {
      principalId: ra.principalId
      principalType: ra.?principalType ?? 'ServicePrincipal'
      roleDefinitionId: contains(privilegedRoleDefinitionIds, ra.roleDefinitionId)
        ? fail('Privileged roles (Owner, Contributor, User Access Administrator) are never assigned by this template.')
        : subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ra.roleDefinitionId)
      description: ra.?description ?? ''
      condition: ra.?condition
      conditionVersion: ra.?condition == null ? null : '2.0'
    }
  }
]

module containerRoles 'storage-container-roles.bicep' = [
  for (c, i) in containers: if (!empty(c.?roleAssignments ?? [])) {
    name: '${take(deployment().name, 40)}-ctr-${i}'
    params: {
      storageAccountName: account.name
      containerName: blobContainers[i].name
      roleAssignments: c.?roleAssignments ?? []
    }
  }
]

module queueRoles 'storage-queue-roles.bicep' = [
  for (q, i) in queues: if (!empty(q.?roleAssignments ?? [])) {
    name: '${take(deployment().name, 40)}-queue-${i}'
    params: {
      storageAccountName: account.name
      queueName: accountQueues[i].name
      roleAssignments: q.?roleAssignments ?? []
    }
  }
]

// Audit trail: every read, write and delete on each service, and the transaction metrics.
resource accountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: workspaceResourceId
    metrics: [
      { category: 'Transaction', enabled: true }
    ]
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: workspaceResourceId
    logs: [for category in storageLogs: { category: category, enabled: true }]
    metrics: [
      { category: 'Transaction', enabled: true }
    ]
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: workspaceResourceId
    logs: [for category in storageLogs: { category: category, enabled: true }]
    metrics: [
      { category: 'Transaction', enabled: true }
    ]
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: workspaceResourceId
    logs: [for category in storageLogs: { category: category, enabled: true }]
    metrics: [
      { category: 'Transaction', enabled: true }
    ]
  }
}

// The file service is unused, but it exists on every StorageV2 account: its access is audited too.
resource fileDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: fileService
  properties: {
    workspaceId: workspaceResourceId
    logs: [for category in storageLogs: { category: category, enabled: true }]
    metrics: [
      { category: 'Transaction', enabled: true }
    ]
  }
}

resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (lock) {
  name: 'do-not-delete-${name}'
  scope: account
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds health data or its audit trail: remove this lock deliberately before deleting (docs/deploy.md).'
  }
}

@description('The resource id of the storage account.')
output resourceId string = account.id

@description('The name of the storage account.')
output name string = account.name

@description('The blob endpoint, e.g. https://NAME.blob.core.windows.net/.')
output primaryBlobEndpoint string = account.properties.primaryEndpoints.blob

@description('The queue endpoint.')
output primaryQueueEndpoint string = account.properties.primaryEndpoints.queue

@description('The table endpoint.')
output primaryTableEndpoint string = account.properties.primaryEndpoints.table

@description('The resource group the account was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the account was deployed into.')
output location string = account.location
