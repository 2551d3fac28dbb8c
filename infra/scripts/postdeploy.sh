#!/bin/sh
# azd postdeploy hook: subscribes uploads/ to the IngestUpload function's Event Grid webhook.
# Why a hook: the webhook needs the Function App's `blobs_extension` system key, which the Functions host
# creates only once code with an Event Grid blob trigger runs, i.e. after `azd deploy`, not at provision time.
# Idempotent: it deploys infra/modules/blob-event-subscription.bicep (a PUT of the same subscription), so
# running it again, or after every deploy, changes nothing but a rotated key.
# Needs: az (logged in), the azd environment values below (azd exports them to hooks).
set -eu

# Under networkIsolation events go through the upload-events queue, subscribed with the infrastructure: nothing to do.
if [ "${AZURE_UPLOAD_EVENT_DELIVERY:-webhook}" = "queue" ]; then
  echo "postdeploy: upload events are delivered through the upload-events queue (subscribed at provision)."
  exit 0
fi

: "${AZURE_RESOURCE_GROUP:?run through azd, or export AZURE_RESOURCE_GROUP}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${AZURE_FUNCTION_APP_HOSTNAME:?}"
: "${AZURE_EVENTGRID_SYSTEM_TOPIC_NAME:?}"
: "${AZURE_STORAGE_ACCOUNT_ID:?}"
: "${AZURE_DEADLETTER_CONTAINER:?}"
TIMEOUT_SECONDS="${HA_WEBHOOK_KEY_TIMEOUT_SECONDS:-300}"

here="$(cd "$(dirname "$0")" && pwd)"
module="$here/../modules/blob-event-subscription.bicep"

# Wake the host (it creates the system key when the blob extension starts), then poll for the key.
curl -fsS -o /dev/null --max-time 60 "https://$AZURE_FUNCTION_APP_HOSTNAME/api/health" || true
deadline=$(( $(date +%s) + TIMEOUT_SECONDS ))
key=""
while :; do
  key="$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)"
  [ -n "$key" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "postdeploy: no blobs_extension key after ${TIMEOUT_SECONDS}s; is IngestUpload deployed with an Event Grid blob trigger?" >&2
    exit 1
  fi
  sleep 10
done

# The key goes through a parameters file readable by this user only, never the command line (process list).
params="$(mktemp)"
trap 'rm -f "$params"' EXIT INT TERM
chmod 600 "$params"
cat > "$params" <<JSON
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "destinationType": { "value": "webhook" },
    "systemTopicName": { "value": "$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" },
    "functionAppHostName": { "value": "$AZURE_FUNCTION_APP_HOSTNAME" },
    "blobsExtensionKey": { "value": "$key" },
    "deadLetterStorageAccountResourceId": { "value": "$AZURE_STORAGE_ACCOUNT_ID" },
    "deadLetterContainerName": { "value": "$AZURE_DEADLETTER_CONTAINER" }
  }
}
JSON

az deployment group create -g "$AZURE_RESOURCE_GROUP" -n upload-events \
  --template-file "$module" --parameters "@$params" --only-show-errors --output none
echo "postdeploy: uploads/ BlobCreated events are delivered to IngestUpload (subscription uploads-ingestion)."
