metadata name = 'Private endpoint'
metadata description = 'A private endpoint for one sub-resource (blob, queue, table or vault) of a resource, registered in its private DNS zone.'

@description('Required. Name of the private endpoint.')
@minLength(2)
@maxLength(64)
param name string

@description('Optional. Azure region of the endpoint (the network\'s).')
param location string = resourceGroup().location

@description('Optional. Tags of the endpoint.')
param tags object = {}

@description('Required. Resource id of the subnet the endpoint gets its address in.')
param subnetResourceId string

@description('Required. Resource id of the storage account or vault.')
param targetResourceId string

@description('Required. Sub-resource (group id): blob, queue, table or vault.')
@allowed([
  'blob'
  'queue'
  'table'
  'vault'
])
param groupId string

@description('Required. Resource id of the private DNS zone of that sub-resource.')
param privateDnsZoneResourceId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetResourceId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }

  resource dnsZoneGroup 'privateDnsZoneGroups' = {
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: groupId
          properties: {
            privateDnsZoneId: privateDnsZoneResourceId
          }
        }
      ]
    }
  }
}

@description('The resource id of the private endpoint.')
output resourceId string = endpoint.id

@description('The name of the private endpoint.')
output name string = endpoint.name

@description('The resource group the endpoint was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the endpoint was deployed into.')
output location string = endpoint.location
