metadata name = 'Storage queue role assignments'
metadata description = 'Data-plane role assignments scoped to one storage queue (least privilege: Event Grid sends to the upload-events queue only, the app processes only its own queues).'

import { roleAssignmentType, privilegedRoleDefinitionIds } from 'types.bicep'

@description('Required. Name of the existing storage account.')
param storageAccountName string

@description('Required. Name of the existing queue.')
param queueName string

@description('Required. Role assignments scoped to the queue.')
param roleAssignments roleAssignmentType[]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource queue 'queues' existing = {
      name: queueName
    }
  }
}

resource queueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for ra in roleAssignments: {
    name: guid(account::queueService::queue.id, ra.principalId, ra.roleDefinitionId)
    scope: account::queueService::queue
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

@description('The resource id of the queue.')
output resourceId string = account::queueService::queue.id

@description('The name of the queue.')
output name string = account::queueService::queue.name

@description('The resource group of the queue.')
output resourceGroupName string = resourceGroup().name
