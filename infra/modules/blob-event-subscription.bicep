metadata name = 'Blob upload event subscription'
metadata description = 'Delivers BlobCreated events for uploads/ (complete writes only) from the storage system topic either to the Functions blob extension webhook of one function (destinationType webhook: deployed by infra/scripts/postdeploy.sh, because the webhook key exists only once code runs) or to a storage queue read by a queue-triggered function (destinationType queue: deployed with the infrastructure; works when the app is private). Retries, then dead letters written with the topic\'s system-assigned identity.'

@description('Required. Name of the existing Event Grid system topic (on the storage account).')
param systemTopicName string

@description('Optional. Name of the event subscription.')
@minLength(3)
@maxLength(64)
param name string = 'uploads-ingestion'

@description('Optional. Where events go: `webhook` (the blob extension endpoint of the Event Grid blob trigger) or `queue` (a storage queue).')
@allowed([
  'webhook'
  'queue'
])
param destinationType string = 'webhook'

@description('Conditional. Default host name of the Function App (no scheme). Required for webhook.')
param functionAppHostName string = ''

@description('Optional. Name of the blob-triggered function (Event Grid source) that receives the events; the infra tests check it against the Functions assembly.')
param functionName string = 'IngestUpload'

@description('Conditional. The Function App\'s `blobs_extension` system key: authorizes Event Grid on the webhook. Required for webhook.')
@secure()
param blobsExtensionKey string = ''

@description('Conditional. Name of the queue in the dead-letter storage account that receives the events. Required for queue.')
param queueName string = ''

@description('Optional. Seconds an event waits in the queue before it expires (-1: never).')
@minValue(-1)
param queueMessageTimeToLiveInSeconds int = -1

@description('Optional. Container whose new blobs are delivered.')
param uploadsContainerName string = 'uploads'

@description('Required. Resource id of the storage account holding the dead-letter container (and the queue).')
param deadLetterStorageAccountResourceId string

@description('Required. Container that receives events which could not be delivered.')
param deadLetterContainerName string

@description('Optional. Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Optional. Minutes an event is retried before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

var toWebhook = destinationType == 'webhook'

var checkedDestination = toWebhook && (empty(blobsExtensionKey) || empty(functionAppHostName))
  ? fail('destinationType webhook requires functionAppHostName and blobsExtensionKey.')
  : (!toWebhook && empty(queueName) ? fail('destinationType queue requires queueName.') : destinationType)

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: checkedDestination == 'webhook'
      ? {
          endpointType: 'WebHook'
          properties: {
            // Built from the @secure() key and evaluated by ARM, which never returns or logs it (Event Grid masks
            // the URL's query); Bicep has no secure variables, so the rule cannot see that the value is secure.
            #disable-next-line use-secure-value-for-secure-inputs
            endpointUrl: 'https://${functionAppHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
            // One upload is one invocation: the extension scales out per event.
            maxEventsPerBatch: 1
            preferredBatchSizeInKilobytes: 64
          }
        }
      : null
    // The queue is written with the topic's system identity (Storage Queue Data Message Sender on that queue only):
    // behind the storage firewall only a system-assigned identity passes as a trusted service.
    deliveryWithResourceIdentity: checkedDestination == 'queue'
      ? {
          identity: {
            type: 'SystemAssigned'
          }
          destination: {
            endpointType: 'StorageQueue'
            properties: {
              resourceId: deadLetterStorageAccountResourceId
              queueName: queueName
              queueMessageTimeToLiveInSeconds: queueMessageTimeToLiveInSeconds
            }
          }
        }
      : null
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
        type: 'SystemAssigned'
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
