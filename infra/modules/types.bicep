metadata name = 'Shared types'
metadata description = 'User-defined types shared by the HealthAnalytics modules (Azure Verified Modules conventions).'

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
}

@export()
@description('Built-in roles this template must never grant: they reach the control plane or role assignments.')
var privilegedRoleDefinitionIds = [
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' // Owner
  'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9' // User Access Administrator
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168' // Role Based Access Control Administrator
]
