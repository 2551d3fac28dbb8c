metadata name = 'Shared types'
metadata description = 'User-defined types and functions shared by the HealthAnalytics modules (Azure Verified Modules conventions).'

@export()
@description('A data-plane role assignment on the resource a module deploys.')
type roleAssignmentType = {
  @description('Required. Object id of the principal (a managed identity) that receives the role.')
  principalId: string

  @description('Required. GUID of the built-in role definition. Owner, Contributor and User Access Administrator are refused.')
  roleDefinitionId: string

  @description('Optional. The type of the principal. Defaults to ServicePrincipal (managed identities).')
  principalType: ('ServicePrincipal' | 'User' | 'Group')?

  @description('Optional. Why the principal needs the role; shown in the portal.')
  description: string?

  @description('Optional. ABAC condition (version 2.0) that narrows the role, e.g. to one blob path prefix.')
  condition: string?
}

@export()
@description('Built-in roles this template must never grant: they reach the control plane or role assignments.')
var privilegedRoleDefinitionIds = [
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' // Owner
  'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9' // User Access Administrator
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168' // Role Based Access Control Administrator
]

@export()
@description('A federated credential that lets a partner\'s own workload (its CI, cluster or cloud) sign in as its upload identity without any secret.')
type federatedCredentialType = {
  @description('Required. Name of the credential (3-120 letters, digits, hyphens, underscores).')
  @minLength(3)
  @maxLength(120)
  name: string

  @description('Required. OIDC issuer URL of the partner\'s identity provider.')
  issuer: string

  @description('Required. Subject claim the partner\'s tokens carry.')
  subject: string

  @description('Optional. Accepted audiences. Default: api://AzureADTokenExchange.')
  audiences: string[]?
}

@export()
@description('A data partner: one upload identity that may only write under uploads/{name}/.')
type partnerType = {
  @description('Required. Partner name, the first segment of its upload paths: 2-40 lower-case letters, digits and hyphens.')
  @minLength(2)
  @maxLength(40)
  name: string

  @description('Optional. Public IP ranges (CIDR) the partner uploads from; needed only when networkIsolation is on.')
  ipRanges: string[]?

  @description('Optional. Federated credentials of the partner\'s workloads (no secrets are ever issued).')
  federatedCredentials: federatedCredentialType[]?
}

@export()
@description('A diagnostic log category (or metric category) sent to Log Analytics.')
type diagnosticCategoriesType = {
  @description('Required. Log categories to enable (may be empty).')
  logs: string[]

  @description('Required. Whether AllMetrics is sent too.')
  metrics: bool
}

@export()
@description('''ABAC condition (version 2.0) for Storage Blob Data Contributor on one container: blob writes only under
`{prefix}`, and no read, delete or rename at all. A condition can only let an action through when an expression holds;
for the denied actions the expression ("the container is not this one") never holds inside the assignment's scope.''')
func writeOnlyUnderPrefixCondition(container string, prefix string) string =>
  '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write\'}) AND !(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith \'${prefix}\')) AND ((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'}) AND !(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete\'}) AND !(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals \'${container}\'))'

@export()
@description('''ABAC condition (version 2.0) for Storage Blob Data Contributor on one container: blobs may be read, never
written, deleted or renamed. Contributor rather than Reader because the app creates its containers if missing at start-up
(a container-level action that conditions do not cover; the container exists, so the call ends in 409).''')
func readOnlyBlobsCondition(container string) string =>
  '(!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write\'}) AND !(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action\'}) AND !(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete\'}) AND !(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals \'${container}\')'

@export()
@description('True when every character of the value is a lower-case ASCII letter, a digit or a hyphen.')
func isLowerAlphanumericOrHyphen(value string) bool =>
  empty(filter(range(0, length(value)), i => !contains('abcdefghijklmnopqrstuvwxyz0123456789-', substring(value, i, 1))))

@export()
@description('True when every character of the value is an ASCII letter, a digit or a hyphen (a Key Vault secret name segment).')
func isAlphanumericOrHyphen(value string) bool =>
  isLowerAlphanumericOrHyphen(toLower(value))
