metadata name = 'Key Vault'
metadata description = 'Key Vault with RBAC authorization, soft delete and purge protection, optionally writing one secret, with data-plane role assignments.'

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

@description('Optional. Name of a secret to write. Empty writes no secret (an existing one is left untouched).')
param secretName string = ''

@description('Conditional. Value of the secret. Required when secretName is set.')
@secure()
param secretValue string = ''

@description('Optional. Data-plane role assignments on the vault (Key Vault Secrets User for the app identity).')
param roleAssignments roleAssignmentType[] = []

var writeSecret = !empty(secretName)

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
      defaultAction: 'Allow'
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (writeSecret) {
  parent: vault
  name: writeSecret ? secretName : 'unused'
  properties: {
    value: writeSecret && empty(secretValue) ? fail('secretValue is required when secretName is set.') : secretValue
    contentType: 'text/plain'
    attributes: {
      enabled: true
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

@description('The resource id of the vault.')
output resourceId string = vault.id

@description('The name of the vault.')
output name string = vault.name

@description('The vault URI, e.g. https://NAME.vault.azure.net/.')
output uri string = vault.properties.vaultUri

@description('The resource group the vault was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the vault was deployed into.')
output location string = vault.location
