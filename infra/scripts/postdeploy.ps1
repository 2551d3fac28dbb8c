# azd postdeploy hook (Windows). Same as postdeploy.sh: subscribes uploads/ to the IngestUpload webhook; idempotent.
$ErrorActionPreference = 'Stop'
foreach ($name in 'AZURE_RESOURCE_GROUP','AZURE_FUNCTION_APP_NAME','AZURE_FUNCTION_APP_HOSTNAME','AZURE_EVENTGRID_SYSTEM_TOPIC_NAME','AZURE_EVENTGRID_IDENTITY_ID','AZURE_STORAGE_ACCOUNT_ID','AZURE_DEADLETTER_CONTAINER') {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set (run through azd)" }
}
$timeout = if ($env:HA_WEBHOOK_KEY_TIMEOUT_SECONDS) { [int]$env:HA_WEBHOOK_KEY_TIMEOUT_SECONDS } else { 300 }
$module = Join-Path $PSScriptRoot '../modules/blob-event-subscription.bicep'

try { Invoke-WebRequest -Uri "https://$($env:AZURE_FUNCTION_APP_HOSTNAME)/api/health" -TimeoutSec 60 | Out-Null } catch { }
$deadline = (Get-Date).AddSeconds($timeout)
$key = ''
while (-not $key) {
  $key = az functionapp keys list -g $env:AZURE_RESOURCE_GROUP -n $env:AZURE_FUNCTION_APP_NAME --query 'systemKeys.blobs_extension' -o tsv 2>$null
  if ($key) { break }
  if ((Get-Date) -ge $deadline) { throw "no blobs_extension key after $timeout s; is IngestUpload deployed with an Event Grid blob trigger?" }
  Start-Sleep -Seconds 10
}

$params = New-TemporaryFile
try {
  @{
    '$schema' = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#'
    contentVersion = '1.0.0.0'
    parameters = @{
      systemTopicName = @{ value = $env:AZURE_EVENTGRID_SYSTEM_TOPIC_NAME }
      functionAppHostName = @{ value = $env:AZURE_FUNCTION_APP_HOSTNAME }
      blobsExtensionKey = @{ value = $key }
      deadLetterStorageAccountResourceId = @{ value = $env:AZURE_STORAGE_ACCOUNT_ID }
      deadLetterContainerName = @{ value = $env:AZURE_DEADLETTER_CONTAINER }
      deadLetterIdentityResourceId = @{ value = $env:AZURE_EVENTGRID_IDENTITY_ID }
    }
  } | ConvertTo-Json -Depth 5 | Set-Content -Path $params -Encoding utf8
  az deployment group create -g $env:AZURE_RESOURCE_GROUP -n upload-events --template-file $module --parameters "@$params" --only-show-errors --output none
  if ($LASTEXITCODE -ne 0) { throw 'event subscription deployment failed' }
} finally {
  Remove-Item -Force $params
}
Write-Host 'postdeploy: uploads/ BlobCreated events are delivered to IngestUpload (subscription uploads-ingestion).'
