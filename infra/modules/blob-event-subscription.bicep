metadata name = 'Blob upload event subscription'
metadata description = 'Delivers BlobCreated events for uploads/ (complete writes only) from the storage system topic to the Functions blob extension webhook of one function, with retries and dead-lettering. Deployed by main.bicep (deployEventSubscription) or on its own by infra/scripts/postdeploy.sh, because the webhook key exists only once code runs.'

@description('Required. Name of the existing Event Grid system topic (on the storage account).')
param systemTopicName string

@description('Optional. Name of the event subscription.')
@minLength(3)
@maxLength(64)
param name string = 'uploads-ingestion'

@description('Required. Default host name of the Function App (no scheme).')
param functionAppHostName string

@description('Optional. Name of the blob-triggered function (Event Grid source) that receives the events; the infra tests check it against the Functions assembly.')
param functionName string = 'IngestUpload'

@description('Required. The Function App\'s `blobs_extension` system key: authorizes Event Grid on the webhook.')
@secure()
param blobsExtensionKey string

@description('Optional. Container whose new blobs are delivered.')
param uploadsContainerName string = 'uploads'

@description('Required. Resource id of the storage account holding the dead-letter container.')
param deadLetterStorageAccountResourceId string

@description('Required. Container that receives events which could not be delivered.')
param deadLetterContainerName string

@description('Required. Resource id of the user-assigned identity (attached to the topic) that writes dead letters.')
param deadLetterIdentityResourceId string

@description('Optional. Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Optional. Minutes an event is retried before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        // Built from the @secure() key and evaluated by ARM, which never returns or logs it (Event Grid masks
        // the URL's query); Bicep has no secure variables, so the rule cannot see that the value is secure.
        #disable-next-line use-secure-value-for-secure-inputs
        endpointUrl: 'https://${functionAppHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
        // One upload is one invocation (SPEC §9): the extension scales out per event.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${uploadsContainerName}/blobs/'
      isSubjectCaseSensitive: false
      enableAdvancedFilteringOnArrays: true
      advancedFilters: [
        {
          // Only completed writes: a staged block or a Data Lake append without flush is not an upload yet.
          operatorType: 'StringIn'
          key: 'data.api'
          values: [
            'PutBlob'
            'PutBlockList'
            'CopyBlob'
            'FlushWithClose'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: deadLetterIdentityResourceId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountResourceId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('The resource id of the event subscription.')
output resourceId string = subscription.id

@description('The name of the event subscription.')
output name string = subscription.name

@description('The resource group the subscription was deployed into.')
output resourceGroupName string = resourceGroup().name
