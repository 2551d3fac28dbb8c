metadata name = 'Function App (Flex Consumption)'
metadata description = 'Flex Consumption plan (FC1) and a Linux Function App running dotnet-isolated 10.0 under a user-assigned identity: identity-based connections to separate host and data storage, Key Vault references, Entra-authenticated Application Insights, optional VNet integration and App Service authentication (Entra ID), no FTP and no basic-auth publishing, diagnostic settings.'

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

@description('Required. Blob endpoint of the host storage account (Functions host state and the deployment package; no health data).')
param hostBlobEndpoint string

@description('Required. Queue endpoint of the host storage account.')
param hostQueueEndpoint string

@description('Required. Table endpoint of the host storage account.')
param hostTableEndpoint string

@description('Required. Blob endpoint of the data storage account (uploads, curated data, reports, models).')
param dataBlobEndpoint string

@description('Required. Queue endpoint of the data storage account (upload events, blob extension poison queue).')
param dataQueueEndpoint string

@description('Required. Table endpoint of the data storage account (upload ledger, model registry).')
param dataTableEndpoint string

@description('Required. Container of the host storage account that holds the deployment package.')
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

@description('Optional. How upload events reach the app: `webhook` (Event Grid calls the blob extension endpoint of IngestUpload) or `queue` (Event Grid writes to a storage queue that IngestQueuedUpload reads; works when the app is private). The other function is disabled by app setting.')
@allowed([
  'webhook'
  'queue'
])
param uploadEventDelivery string = 'webhook'

@description('Optional. Resource id of the subnet (delegated to Microsoft.App/environments) for VNet integration. Empty: none.')
param virtualNetworkSubnetId string = ''

@description('Optional. Application (client) id of the Entra app registration of the API. Empty: no App Service authentication (function keys only).')
param apiClientId string = ''

@description('Optional. Paths App Service authentication lets through without a token (each is protected otherwise: anonymous health, the blob extension webhook key).')
param authExcludedPaths string[] = [
  '/api/health'
  '/runtime/webhooks/blobs'
]

@description('Required. Resource id of the Log Analytics workspace receiving the diagnostic settings.')
param workspaceResourceId string

var byWebhook = uploadEventDelivery == 'webhook'

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
    // Inbound stays public (API callers, and Event Grid on the webhook path) behind Entra authentication;
    // outbound goes through the VNet when integrated (Flex routes all outbound traffic through it).
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // Key Vault references resolve with the app's user-assigned identity (Key Vault Secrets User on the vault).
    keyVaultReferenceIdentity: identityResourceId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // The webhook must answer Event Grid's validation and first events without a cold start; a queue waits.
        alwaysReady: byWebhook
          ? [
              {
                name: 'blob'
                instanceCount: alwaysReadyChecked
              }
            ]
          : []
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
      // Functions host storage, identity-based, on its own account (no health data there).
      AzureWebJobsStorage__blobServiceUri: hostBlobEndpoint
      AzureWebJobsStorage__queueServiceUri: hostQueueEndpoint
      AzureWebJobsStorage__tableServiceUri: hostTableEndpoint
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      // The app's data connection (`Connection = "DataStorage"` in the bindings and the storage clients).
      DataStorage__blobServiceUri: dataBlobEndpoint
      DataStorage__queueServiceUri: dataQueueEndpoint
      DataStorage__tableServiceUri: dataTableEndpoint
      DataStorage__credential: 'managedidentity'
      DataStorage__clientId: identityClientId
      // Telemetry with Entra auth (the component has local auth disabled).
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // App configuration.
      RetrainSchedule: retrainSchedule
      Pseudonymization__Key: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${pseudonymizationSecretName})'
      Pseudonymization__KeyId: pseudonymizationKeyId
      // Exactly one upload-event path runs (docs/deploy.md "Upload events"); the infra tests check both names
      // against the Functions assembly.
      'AzureWebJobs.IngestUpload.Disabled': byWebhook ? 'false' : 'true'
      'AzureWebJobs.IngestQueuedUpload.Disabled': byWebhook ? 'true' : 'false'
      // With Entra ID in front, the app also checks which app role each route needs (functions/AppRoleAuthorization.cs).
      ApiAuthentication__RequireAppRoles: empty(apiClientId) ? 'false' : 'true'
    }
  }

  // Entra ID in front of every route but the excluded paths: a caller needs a token for the API's app registration
  // (and, since the registration requires role assignment, one of its app roles: Api.Read, Api.Predict, Api.Admin).
  resource authSettings 'config' = if (!empty(apiClientId)) {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'Return401'
        excludedPaths: authExcludedPaths
      }
      httpSettings: {
        requireHttps: true
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: apiClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          }
          validation: {
            allowedAudiences: [
              'api://${apiClientId}'
              apiClientId
            ]
          }
        }
      }
      login: {
        tokenStore: {
          enabled: false
        }
      }
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

resource siteDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      { category: 'FunctionAppLogs', enabled: true }
    ]
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

resource planDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: plan
  properties: {
    workspaceId: workspaceResourceId
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
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
