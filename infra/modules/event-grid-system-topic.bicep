metadata name = 'Event Grid system topic'
metadata description = 'Event Grid system topic over a storage account, with a system-assigned identity that delivers to a storage queue and writes dead letters (the account accepts no shared keys; behind a storage firewall only a system-assigned identity passes as a trusted service). Delivery failures go to Log Analytics.'

@description('Required. Name of the system topic.')
@minLength(3)
@maxLength(128)
param name string

@description('Optional. Azure region: must be the storage account\'s.')
param location string = resourceGroup().location

@description('Optional. Tags of the topic.')
param tags object = {}

@description('Required. Resource id of the storage account whose events the topic publishes.')
param storageAccountResourceId string

@description('Required. Resource id of the Log Analytics workspace receiving the diagnostic settings.')
param workspaceResourceId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storageAccountResourceId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// An upload whose event could not be delivered is an upload nobody ingests: every failure is kept.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: topic
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      { category: 'DeliveryFailures', enabled: true }
    ]
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

@description('The resource id of the system topic.')
output resourceId string = topic.id

@description('The name of the system topic.')
output name string = topic.name

@description('Object id of the topic\'s system-assigned identity (for the queue sender and dead-letter roles).')
output principalId string = topic.identity.principalId

@description('The resource group the topic was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the topic was deployed into.')
output location string = topic.location
