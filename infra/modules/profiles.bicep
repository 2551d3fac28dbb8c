metadata name = 'Environment profiles'
metadata description = 'The parameter values of a dev and a prod environment, imported by infra/main.bicepparam (azd: the profile is chosen by HA_ENVIRONMENT_TYPE) and infra/main.prod.bicepparam (az CLI), so both paths deploy the same prod.'

@export()
@description('Development: cheap and disposable (`azd down` deletes everything; the vault is recovered on the next `azd up`).')
var dev = {
  environmentType: 'dev'
  location: 'swedencentral'
  storageSkuName: 'Standard_LRS'
  blobSoftDeleteRetentionDays: 7
  uploadsRetentionDays: 30
  uploadsImmutabilityDays: 0
  previousVersionsRetentionDays: 7
  logRetentionInDays: 30
  keyVaultSoftDeleteRetentionInDays: 7
  enableResourceLocks: false
  customerManagedKey: false
  networkIsolation: false
  functionMaximumInstanceCount: 40
  functionInstanceMemoryMB: 2048
  blobAlwaysReadyInstanceCount: 1
  retrainSchedule: '0 0 2 * * *'
}

@export()
@description('Production: the HDS region, zone-redundant storage, private networking, locks, a customer-managed key, raw uploads immutable for 30 days and deleted after a year, a year of audit logs.')
var prod = {
  environmentType: 'prod'
  location: 'francecentral'
  storageSkuName: 'Standard_ZRS'
  blobSoftDeleteRetentionDays: 30
  uploadsRetentionDays: 365
  uploadsImmutabilityDays: 30
  previousVersionsRetentionDays: 90
  logRetentionInDays: 365
  keyVaultSoftDeleteRetentionInDays: 90
  enableResourceLocks: true
  customerManagedKey: true
  networkIsolation: true
  functionMaximumInstanceCount: 100
  functionInstanceMemoryMB: 4096
  blobAlwaysReadyInstanceCount: 1
  retrainSchedule: '0 0 2 * * *'
}
