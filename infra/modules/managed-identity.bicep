metadata name = 'User-assigned managed identity'
metadata description = 'A user-assigned managed identity. Its principal id is known before the identity is used, so role assignments can be in place before the app starts.'

@description('Required. Name of the identity.')
@minLength(3)
@maxLength(128)
param name string

@description('Optional. Azure region of the identity.')
param location string = resourceGroup().location

@description('Optional. Tags of the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('The resource id of the identity.')
output resourceId string = identity.id

@description('The name of the identity.')
output name string = identity.name

@description('The object (principal) id of the identity, for role assignments.')
output principalId string = identity.properties.principalId

@description('The client (application) id of the identity, for `__clientId` settings.')
output clientId string = identity.properties.clientId

@description('The resource group the identity was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the identity was deployed into.')
output location string = identity.location
