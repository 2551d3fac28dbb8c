metadata description = 'HealthAnalytics infrastructure (placeholder until the infrastructure issue lands).'
targetScope = 'resourceGroup'

@description('Optional. Azure region for all resources.')
param location string = resourceGroup().location

output location string = location
