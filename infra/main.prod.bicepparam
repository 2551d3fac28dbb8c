// Production without azd (az CLI, docs/deploy.md "Without azd"): the same prod profile azd uses when
// HA_ENVIRONMENT_TYPE=prod (modules/profiles.bicep), so both paths deploy the same production.
using 'main.bicep'

import { prod } from 'modules/profiles.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'prod')
param environmentType = prod.environmentType
param location = readEnvironmentVariable('AZURE_LOCATION', prod.location)
param tags = {
  environment: 'prod'
}

param storageSkuName = prod.storageSkuName
param blobSoftDeleteRetentionDays = prod.blobSoftDeleteRetentionDays
param uploadsRetentionDays = prod.uploadsRetentionDays
param uploadsImmutabilityDays = prod.uploadsImmutabilityDays
param previousVersionsRetentionDays = prod.previousVersionsRetentionDays
param logRetentionInDays = prod.logRetentionInDays
param keyVaultSoftDeleteRetentionInDays = prod.keyVaultSoftDeleteRetentionInDays
param enableResourceLocks = prod.enableResourceLocks
param customerManagedKey = prod.customerManagedKey
param networkIsolation = prod.networkIsolation
param functionMaximumInstanceCount = prod.functionMaximumInstanceCount
param functionInstanceMemoryMB = prod.functionInstanceMemoryMB
param blobAlwaysReadyInstanceCount = prod.blobAlwaysReadyInstanceCount
param retrainSchedule = prod.retrainSchedule

param keyVaultCreateMode = readEnvironmentVariable('HA_KEY_VAULT_CREATE_MODE', 'default')
param pseudonymizationKeyId = readEnvironmentVariable('HA_PSEUDONYMIZATION_KEY_ID', 'v1')
param keyOperatorPrincipalId = readEnvironmentVariable('HA_KEY_OPERATOR_PRINCIPAL_ID', '')
param keyOperatorPrincipalType = readEnvironmentVariable('HA_KEY_OPERATOR_PRINCIPAL_TYPE', 'User')
param apiClientId = readEnvironmentVariable('HA_API_CLIENT_ID', '')
param partners = json(readEnvironmentVariable('HA_PARTNERS', '[]'))
param operatorIpRanges = json(readEnvironmentVariable('HA_OPERATOR_IP_RANGES', '[]'))

// Production is isolated: upload events go through the queue, subscribed with the infrastructure (no webhook pass).
param deployEventSubscription = false
