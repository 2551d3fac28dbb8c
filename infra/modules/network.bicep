metadata name = 'Network'
metadata description = 'Virtual network for network isolation: a subnet delegated to the Flex Consumption app (VNet integration, outbound), a subnet for private endpoints, a network security group on each, and the private DNS zones (blob, queue, table, Key Vault) linked to the network. Diagnostic settings on the network and the security groups.'

@description('Required. Name of the virtual network.')
@minLength(2)
@maxLength(64)
param name string

@description('Optional. Azure region of the network.')
param location string = resourceGroup().location

@description('Optional. Tags of every resource.')
param tags object = {}

@description('Optional. Address space of the network.')
param addressPrefix string = '10.60.0.0/16'

@description('Optional. Subnet of the Function App\'s VNet integration (delegated to Microsoft.App/environments; /26 or larger).')
param appSubnetPrefix string = '10.60.0.0/24'

@description('Optional. Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.60.1.0/24'

@description('Required. Resource id of the Log Analytics workspace receiving the diagnostic settings.')
param workspaceResourceId string

// Private DNS zones of the endpoints this template creates, derived from the cloud's suffixes (no hard-coded host names).
var privateDnsZoneNames = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  vault: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
}

resource appNsg 'Microsoft.Network/networkSecurityGroups@2024-07-01' = {
  name: 'nsg-${name}-app'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource privateEndpointNsg 'Microsoft.Network/networkSecurityGroups@2024-07-01' = {
  name: 'nsg-${name}-pe'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'snet-app'
        properties: {
          addressPrefix: appSubnetPrefix
          networkSecurityGroup: {
            id: appNsg.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
      {
        name: 'snet-private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          networkSecurityGroup: {
            id: privateEndpointNsg.id
          }
          // NSG rules apply to the private endpoints too.
          privateEndpointNetworkPolicies: 'Enabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: 'snet-app'
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: 'snet-private-endpoints'
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(privateDnsZoneNames): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(privateDnsZoneNames): {
    parent: zones[i]
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource vnetDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vnet
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      { category: 'VMProtectionAlerts', enabled: true }
    ]
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

resource appNsgDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: appNsg
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      { category: 'NetworkSecurityGroupEvent', enabled: true }
      { category: 'NetworkSecurityGroupRuleCounter', enabled: true }
    ]
  }
}

resource privateEndpointNsgDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: privateEndpointNsg
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      { category: 'NetworkSecurityGroupEvent', enabled: true }
      { category: 'NetworkSecurityGroupRuleCounter', enabled: true }
    ]
  }
}

@description('The resource id of the virtual network.')
output resourceId string = vnet.id

@description('The name of the virtual network.')
output name string = vnet.name

@description('Resource id of the subnet the Function App integrates with.')
output appSubnetId string = vnet::appSubnet.id

@description('Resource id of the subnet of the private endpoints.')
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id

@description('Resource ids of the private DNS zones, by service (blob, queue, table, vault).')
output privateDnsZoneIds object = {
  blob: zones[0].id
  queue: zones[1].id
  table: zones[2].id
  vault: zones[3].id
}

@description('The resource group the network was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the network was deployed into.')
output location string = vnet.location
