metadata name = 'Monitoring'
metadata description = 'Log Analytics workspace and workspace-based Application Insights, both with local (key) authentication disabled: telemetry is accepted only with an Entra token. Diagnostic settings on both (query audit of the workspace, metrics of the component) and an optional delete lock on the workspace (it holds the audit trail).'

import { roleAssignmentType, privilegedRoleDefinitionIds } from 'types.bicep'

@description('Required. Name of the Log Analytics workspace.')
@minLength(4)
@maxLength(63)
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
@minLength(1)
@maxLength(260)
param applicationInsightsName string

@description('Optional. Azure region of both resources.')
param location string = resourceGroup().location

@description('Optional. Tags of both resources.')
param tags object = {}

@description('Optional. Days the workspace keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Optional. Data-plane role assignments on the Application Insights component (Monitoring Metrics Publisher for the app identity).')
param roleAssignments roleAssignmentType[] = []

@description('Optional. Put a CanNotDelete lock on the workspace.')
param lock bool = false

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Entra-only ingestion: the instrumentation key in the connection string is not a credential any more.
    DisableLocalAuth: true
    DisableIpMasking: false
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource appInsightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for ra in roleAssignments: {
    name: guid(appInsights.id, ra.principalId, ra.roleDefinitionId)
    scope: appInsights
    properties: {
      principalId: ra.principalId
      principalType: ra.?principalType ?? 'ServicePrincipal'
      roleDefinitionId: contains(privilegedRoleDefinitionIds, ra.roleDefinitionId)
        ? fail('Privileged roles (Owner, Contributor, User Access Administrator) are never assigned by this template.')
        : subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ra.roleDefinitionId)
      description: ra.?description ?? ''
    }
  }
]

// Who queried the logs (the workspace holds the audit trail of the health data).
resource workspaceDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: workspace
  properties: {
    workspaceId: workspace.id
    logs: [
      { category: 'Audit', enabled: true }
    ]
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

// The component's telemetry already lands in the workspace (workspace-based): its setting adds the metrics only,
// not a second copy of every request and trace.
resource appInsightsDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: appInsights
  properties: {
    workspaceId: workspace.id
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (lock) {
  name: 'do-not-delete-${logAnalyticsName}'
  scope: workspace
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds the audit trail of the health data: remove this lock deliberately before deleting (docs/deploy.md).'
  }
}

@description('The resource id of the Application Insights component.')
output resourceId string = appInsights.id

@description('The name of the Application Insights component.')
output name string = appInsights.name

@description('The Application Insights connection string (an endpoint and instrumentation key, not a credential: local auth is disabled).')
output connectionString string = appInsights.properties.ConnectionString

@description('The resource id of the Log Analytics workspace.')
output logAnalyticsResourceId string = workspace.id

@description('The resource group the resources were deployed into.')
output resourceGroupName string = resourceGroup().name

@description('The location the resources were deployed into.')
output location string = appInsights.location
