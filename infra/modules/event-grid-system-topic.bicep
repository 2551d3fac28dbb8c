metadata name = 'Event Grid system topic'
metadata description = 'Event Grid system topic over a storage account, with a user-assigned identity used to write dead letters (the account accepts no shared keys).'

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

@description('Required. Resource id of the user-assigned identity the topic uses for dead-lettering.')
param identityResourceId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    source: storageAccountResourceId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

@description('The resource id of the system topic.')
output resourceId string = topic.id

@description('The name of the system topic.')
output name string = topic.name

@description('The resource group the topic was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the topic was deployed into.')
output location string = topic.location
