metadata name = 'Storage container role assignments'
metadata description = 'Data-plane role assignments scoped to one blob container, optionally narrowed by an ABAC condition (least privilege: e.g. the Event Grid dead-letter writer sees only its container, a partner writes only under its prefix).'

import { roleAssignmentType, privilegedRoleDefinitionIds } from 'types.bicep'

@description('Required. Name of the existing storage account.')
param storageAccountName string

@description('Required. Name of the existing container.')
param containerName string

@description('Required. Role assignments scoped to the container.')
param roleAssignments roleAssignmentType[]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: containerName
    }
  }
}

resource containerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for ra in roleAssignments: {
    name: guid(account::blobService::container.id, ra.principalId, ra.roleDefinitionId)
    scope: account::blobService::container
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

@description('The resource id of the container.')
output resourceId string = account::blobService::container.id

@description('The name of the container.')
output name string = account::blobService::container.name

@description('The resource group of the container.')
output resourceGroupName string = resourceGroup().name
