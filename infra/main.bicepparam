// The parameters azd uses for every environment (azd reads only this file). The profile comes from the azd
// environment: `azd env set HA_ENVIRONMENT_TYPE prod` makes it production (modules/profiles.bicep); the rest of
// the values come from the azd environment too (docs/deploy.md lists every variable).
using 'main.bicep'

import { dev, prod } from 'modules/profiles.bicep'

var profile = readEnvironmentVariable('HA_ENVIRONMENT_TYPE', 'dev') == 'prod' ? prod : dev

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', profile.environmentType)
param environmentType = profile.environmentType
param location = readEnvironmentVariable('AZURE_LOCATION', profile.location)
param tags = {
  environment: profile.environmentType
}

param storageSkuName = profile.storageSkuName
param blobSoftDeleteRetentionDays = profile.blobSoftDeleteRetentionDays
param uploadsRetentionDays = profile.uploadsRetentionDays
param uploadsImmutabilityDays = profile.uploadsImmutabilityDays
param previousVersionsRetentionDays = profile.previousVersionsRetentionDays
param logRetentionInDays = profile.logRetentionInDays
param keyVaultSoftDeleteRetentionInDays = profile.keyVaultSoftDeleteRetentionInDays
param enableResourceLocks = profile.enableResourceLocks
param customerManagedKey = profile.customerManagedKey
param networkIsolation = profile.networkIsolation
param functionMaximumInstanceCount = profile.functionMaximumInstanceCount
param functionInstanceMemoryMB = profile.functionInstanceMemoryMB
param blobAlwaysReadyInstanceCount = profile.blobAlwaysReadyInstanceCount
param retrainSchedule = profile.retrainSchedule

// Set by the hooks (infra/scripts/preprovision.sh) or by the operator with `azd env set`.
param keyVaultCreateMode = readEnvironmentVariable('HA_KEY_VAULT_CREATE_MODE', 'default')
param pseudonymizationKeyId = readEnvironmentVariable('HA_PSEUDONYMIZATION_KEY_ID', 'v1')
param keyOperatorPrincipalId = readEnvironmentVariable('HA_KEY_OPERATOR_PRINCIPAL_ID', '')
param keyOperatorPrincipalType = readEnvironmentVariable('HA_KEY_OPERATOR_PRINCIPAL_TYPE', 'User')
param apiClientId = readEnvironmentVariable('HA_API_CLIENT_ID', '')
param partners = json(readEnvironmentVariable('HA_PARTNERS', '[]'))
param operatorIpRanges = json(readEnvironmentVariable('HA_OPERATOR_IP_RANGES', '[]'))

// The webhook subscription is created by infra/scripts/postdeploy.sh once the code (and its webhook key) exists;
// under networkIsolation the queue subscription is part of the infrastructure.
param deployEventSubscription = false
