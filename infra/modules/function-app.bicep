metadata name = 'Function App (Flex Consumption)'
metadata description = 'Flex Consumption plan (FC1) and a Linux Function App running dotnet-isolated 10.0 under a user-assigned identity: identity-based storage connections, Key Vault references, Entra-authenticated Application Insights, no FTP and no basic-auth publishing.'

@description('Required. Name of the Function App (also its default host name prefix).')
@minLength(2)
@maxLength(60)
param name string

@description('Required. Name of the Flex Consumption plan.')
@minLength(1)
@maxLength(60)
param planName string

@description('Optional. Azure region of the plan and the app.')
param location string = resourceGroup().location

@description('Optional. Tags of the plan and the app (azd finds the app by its `azd-service-name` tag).')
param tags object = {}

@description('Required. Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client id of that identity (for the `__clientId` settings).')
param identityClientId string

@description('Required. Blob endpoint of the storage account (host storage, deployment package and data).')
param blobEndpoint string

@description('Required. Queue endpoint of the storage account.')
param queueEndpoint string

@description('Required. Table endpoint of the storage account.')
param tableEndpoint string

@description('Required. Container that holds the deployment package.')
param deploymentContainerName string

@description('Required. Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Required. Name of the Key Vault holding the pseudonymization key.')
param keyVaultName string

@description('Required. Name of the secret holding the pseudonymization key.')
param pseudonymizationSecretName string

@description('Required. Identifier of the current pseudonymization key, recorded with every pseudonym (never the key itself).')
param pseudonymizationKeyId string

@description('Optional. NCRONTAB schedule (six fields, UTC) of model retraining.')
param retrainSchedule string = '0 0 2 * * *'

@description('Optional. Maximum number of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Always-ready instances of the blob trigger group: with an Event Grid sourced blob trigger, a warm instance answers the webhook validation and the first events without a cold start.')
@minValue(1)
@maxValue(20)
param blobAlwaysReadyInstanceCount int = 1

var alwaysReadyChecked = blobAlwaysReadyInstanceCount > maximumInstanceCount
  ? fail('blobAlwaysReadyInstanceCount cannot exceed maximumInstanceCount.')
  : blobAlwaysReadyInstanceCount

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    // Key Vault references resolve with the app's user-assigned identity (Key Vault Secrets User on the vault).
    keyVaultReferenceIdentity: identityResourceId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: [
          {
            name: 'blob'
            instanceCount: alwaysReadyChecked
          }
        ]
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
  }

  // One literal list (the config parity test reads these names from the compiled template).
  // Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION: the runtime is in functionAppConfig.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // Functions host storage, identity-based.
      AzureWebJobsStorage__blobServiceUri: blobEndpoint
      AzureWebJobsStorage__queueServiceUri: queueEndpoint
      AzureWebJobsStorage__tableServiceUri: tableEndpoint
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      // The app's data connection (`Connection = "DataStorage"` in the bindings and the storage clients).
      DataStorage__blobServiceUri: blobEndpoint
      DataStorage__queueServiceUri: queueEndpoint
      DataStorage__tableServiceUri: tableEndpoint
      DataStorage__credential: 'managedidentity'
      DataStorage__clientId: identityClientId
      // Telemetry with Entra auth (the component has local auth disabled).
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // App configuration.
      RetrainSchedule: retrainSchedule
      Pseudonymization__Key: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${pseudonymizationSecretName})'
      Pseudonymization__KeyId: pseudonymizationKeyId
    }
  }

  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

@description('The resource id of the Function App.')
output resourceId string = site.id

@description('The name of the Function App.')
output name string = site.name

@description('The default host name of the Function App.')
output defaultHostName string = site.properties.defaultHostName

@description('The resource id of the Flex Consumption plan.')
output planResourceId string = plan.id

@description('The resource group the app was deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the app was deployed into.')
output location string = site.location
