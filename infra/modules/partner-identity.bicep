metadata name = 'Partner upload identity'
metadata description = 'A user-assigned identity for one data partner, with the federated credentials its own workloads sign in with (no secret, no SAS). Its only role, Storage Blob Data Contributor on uploads/ narrowed by an ABAC condition to writing under the partner\'s prefix, is assigned by the storage account module.'

import { federatedCredentialType } from 'types.bicep'

@description('Required. Name of the identity.')
@minLength(3)
@maxLength(128)
param name string

@description('Optional. Azure region of the identity.')
param location string = resourceGroup().location

@description('Optional. Tags of the identity.')
param tags object = {}

@description('Optional. Federated credentials (issuer, subject) the partner signs in with.')
param federatedCredentials federatedCredentialType[] = []

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

// One at a time: concurrent writes of federated credentials on one identity are refused.
@batchSize(1)
resource credentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2024-11-30' = [
  for credential in federatedCredentials: {
    parent: identity
    name: credential.name
    properties: {
      issuer: credential.issuer
      subject: credential.subject
      audiences: credential.?audiences ?? [
        'api://AzureADTokenExchange'
      ]
    }
  }
]

@description('The resource id of the identity.')
output resourceId string = identity.id

@description('The name of the identity.')
output name string = identity.name

@description('The object (principal) id of the identity, for its role assignment.')
output principalId string = identity.properties.principalId

@description('The client id the partner signs in with.')
output clientId string = identity.properties.clientId

@description('The resource group the identity was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the identity was deployed into.')
output location string = identity.location
