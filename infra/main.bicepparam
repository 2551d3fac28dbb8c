// Development environment (the default for `azd up`). Values come from the azd environment when set.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param tags = {
  environment: 'dev'
}

param storageSkuName = 'Standard_LRS'
param blobSoftDeleteRetentionDays = 7
param logRetentionInDays = 30
param keyVaultSoftDeleteRetentionInDays = 7

param functionMaximumInstanceCount = 40
param functionInstanceMemoryMB = 2048
param blobAlwaysReadyInstanceCount = 1
param retrainSchedule = '0 0 2 * * *'

// The key is generated on the first provision; infra/scripts/postprovision.sh then sets
// HA_SET_PSEUDONYMIZATION_KEY=false so that later provisions keep it (see docs/deploy.md).
param pseudonymizationKeyId = readEnvironmentVariable('HA_PSEUDONYMIZATION_KEY_ID', 'v1')
param setPseudonymizationKey = bool(readEnvironmentVariable('HA_SET_PSEUDONYMIZATION_KEY', 'true'))

// The event subscription is created by infra/scripts/postdeploy.sh once the code (and its webhook key) exists.
param deployEventSubscription = false
