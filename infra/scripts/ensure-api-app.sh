#!/bin/sh
# Creates (or updates) the Entra app registration of the API, idempotently, and stores its client id in the azd
# environment (HA_API_CLIENT_ID), which main.bicepparam passes to App Service authentication (authsettingsV2).
# The registration carries the app roles of infra/api-app-roles.json (Api.Read, Api.Predict, Api.Admin, with fixed
# ids) and requires role assignment: a principal without one of the roles gets no token for the API.
# Needs: az logged in with the right to create app registrations (Application Developer, or the tenant default).
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
env_name="${AZURE_ENV_NAME:?run through azd, or export AZURE_ENV_NAME}"
display_name="healthanalytics-api-$env_name"
roles="$here/../api-app-roles.json"

app_id="${HA_API_CLIENT_ID:-}"
if [ -z "$app_id" ]; then
  app_id="$(az ad app list --display-name "$display_name" --query "[0].appId" -o tsv)"
fi
if [ -z "$app_id" ]; then
  app_id="$(az ad app create --display-name "$display_name" --sign-in-audience AzureADMyOrg \
    --app-roles "@$roles" --query appId -o tsv)"
  echo "api-app: created app registration $display_name ($app_id)"
else
  az ad app update --id "$app_id" --app-roles "@$roles"
  echo "api-app: app registration $display_name ($app_id) up to date"
fi

# v2 access tokens (issuer .../{tenant}/v2.0, the issuer authsettingsV2 validates) for the audience api://{client id}.
az ad app update --id "$app_id" --identifier-uris "api://$app_id" --requested-access-token-version 2
az ad sp show --id "$app_id" -o none 2>/dev/null || az ad sp create --id "$app_id" -o none
az ad sp update --id "$app_id" --set appRoleAssignmentRequired=true

azd env set HA_API_CLIENT_ID "$app_id"
