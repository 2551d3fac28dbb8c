metadata name = 'Storage account'
metadata description = 'StorageV2 account for the Functions host and the app data: Entra-only access (no shared keys), TLS 1.2, HTTPS only, no public blobs, blob versioning and soft delete; containers, tables and data-plane role assignments.'

import { roleAssignmentType, privilegedRoleDefinitionIds } from 'types.bicep'

@export()
@description('A blob container and the role assignments scoped to it.')
type containerType = {
  @description('Required. Name of the container.')
  @minLength(3)
  @maxLength(63)
  name: string

  @description('Optional. Data-plane role assignments scoped to this container only.')
  roleAssignments: roleAssignmentType[]?
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

@description('Optional. Tables to create.')
param tables string[] = []

@description('Optional. Days a deleted blob (or blob version) and a deleted container stay recoverable.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Data-plane role assignments on the whole account.')
param roleAssignments roleAssignmentType[] = []

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
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
    // Public endpoint without IP rules: partners upload over the internet and Event Grid and the Flex
    // Consumption app (no VNet integration here) reach it; every request still needs an Entra token.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
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
    }
  }
]

// The Functions blob extension keeps poison messages in queues; the service exists on every account,
// declared here so that its settings are owned by the template.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

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
