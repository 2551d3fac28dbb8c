// Production example: zone-redundant storage, longer retention, more headroom and a warm blob instance.
// Deploy with `az deployment group create ... --parameters infra/main.prod.bicepparam` (docs/deploy.md),
// or with azd by pointing AZURE_ENV_NAME / HA_* variables at a prod environment.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'prod')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param tags = {
  environment: 'prod'
  dataClassification: 'health-pseudonymized'
}

param storageSkuName = 'Standard_ZRS'
param blobSoftDeleteRetentionDays = 30
param logRetentionInDays = 90
param keyVaultSoftDeleteRetentionInDays = 90

param functionMaximumInstanceCount = 100
param functionInstanceMemoryMB = 4096
param blobAlwaysReadyInstanceCount = 1
param retrainSchedule = '0 0 2 * * *'

param pseudonymizationKeyId = readEnvironmentVariable('HA_PSEUDONYMIZATION_KEY_ID', 'v1')
// Production keeps the existing key unless HA_SET_PSEUDONYMIZATION_KEY=true is set for the very first deployment
// or a deliberate rotation (supply HA_PSEUDONYMIZATION_KEY and a new key id).
param setPseudonymizationKey = bool(readEnvironmentVariable('HA_SET_PSEUDONYMIZATION_KEY', 'false'))
param pseudonymizationKey = readEnvironmentVariable('HA_PSEUDONYMIZATION_KEY', '')

param deployEventSubscription = bool(readEnvironmentVariable('HA_DEPLOY_EVENT_SUBSCRIPTION', 'false'))
param blobsExtensionKey = readEnvironmentVariable('HA_BLOBS_EXTENSION_KEY', '')
