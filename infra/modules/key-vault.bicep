metadata name = 'Key Vault'
metadata description = 'Key Vault with RBAC authorization, soft delete and purge protection; optional network isolation (Deny by default), recovery of a soft-deleted vault of the same name, an optional customer-managed storage key, AuditEvent diagnostics and a delete lock. It never writes a secret: the pseudonymization key is written once per key id by infra/scripts/ensure-pseudonymization-key.sh, after checking the vault.'

import { roleAssignmentType, privilegedRoleDefinitionIds } from 'types.bicep'

@description('Required. Name of the vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Azure region of the vault.')
param location string = resourceGroup().location

@description('Optional. Tags of the vault.')
param tags object = {}

@description('Optional. Days a deleted vault or secret stays recoverable (purge protection keeps it until then).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Optional. `recover` brings back a soft-deleted vault of the same name (after `azd down`), with its secrets; `default` creates or updates.')
@allowed([
  'default'
  'recover'
])
param createMode string = 'default'

@description('Optional. Data-plane role assignments on the vault (Key Vault Secrets User for the app identity).')
param roleAssignments roleAssignmentType[] = []

@description('Optional. Deny by default: only private endpoints, trusted Azure services (storage reading its customer-managed key) and ipRules reach the vault.')
param networkIsolation bool = false

@description('Optional. Public IP ranges (CIDR) allowed when networkIsolation is on (the operators who run the key hook).')
param ipRules string[] = []

@description('Optional. Name of an RSA key to create as the storage customer-managed key. Empty: none.')
param customerManagedKeyName string = ''

@description('Optional. Role assignments scoped to the customer-managed key only (Key Vault Crypto Service Encryption User for the storage identity).')
param customerManagedKeyRoleAssignments roleAssignmentType[] = []

@description('Required. Resource id of the Log Analytics workspace receiving the diagnostic settings.')
param workspaceResourceId string

@description('Optional. Put a CanNotDelete lock on the vault.')
param lock bool = false

var withKey = !empty(customerManagedKeyName)

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    createMode: createMode
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Purge protection cannot be turned off again: a deleted key stays recoverable, so pseudonyms can be re-derived.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: networkIsolation ? 'Deny' : 'Allow'
      ipRules: [
        for ip in (networkIsolation ? ipRules : []): {
          value: ip
        }
      ]
      virtualNetworkRules: []
    }
  }
}

resource storageKey 'Microsoft.KeyVault/vaults/keys@2025-05-01' = if (withKey) {
  parent: vault
  name: withKey ? customerManagedKeyName : 'unused'
  properties: {
    kty: 'RSA'
    keySize: 3072
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    attributes: {
      enabled: true
    }
    // Storage follows the latest key version, so a yearly rotation needs no redeployment.
    rotationPolicy: {
      attributes: {
        expiryTime: 'P2Y'
      }
      lifetimeActions: [
        {
          action: {
            type: 'rotate'
          }
          trigger: {
            timeAfterCreate: 'P1Y'
          }
        }
        {
          action: {
            type: 'notify'
          }
          trigger: {
            timeBeforeExpiry: 'P30D'
          }
        }
      ]
    }
  }
}

resource vaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for ra in roleAssignments: {
    name: guid(vault.id, ra.principalId, ra.roleDefinitionId)
    scope: vault
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

resource keyRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for ra in (withKey ? customerManagedKeyRoleAssignments : []): {
    name: guid(storageKey.id, ra.principalId, ra.roleDefinitionId)
    scope: storageKey
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

// Every secret and key access (who, when, from where), and policy evaluations.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      { category: 'AuditEvent', enabled: true }
      { category: 'AzurePolicyEvaluationDetails', enabled: true }
    ]
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (lock) {
  name: 'do-not-delete-${name}'
  scope: vault
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds the pseudonymization keys: remove this lock deliberately before deleting (docs/deploy.md).'
  }
}

@description('The resource id of the vault.')
output resourceId string = vault.id

@description('The name of the vault.')
output name string = vault.name

@description('The vault URI, e.g. https://NAME.vault.azure.net/.')
output uri string = vault.properties.vaultUri

@description('The name of the customer-managed key (empty when none).')
output customerManagedKeyName string = withKey ? storageKey.name : ''

@description('The resource group the vault was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the vault was deployed into.')
output location string = vault.location
