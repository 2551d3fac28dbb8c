#!/bin/sh
# azd preprovision hook. Idempotent. Decides from Azure itself (never from a local flag):
#   1. the vault's create mode: `recover` when this environment's vault is soft-deleted (after `azd down`; purge
#      protection keeps the name for its retention period), `default` otherwise;
#   2. the key operator (Key Vault Secrets Officer on the vault): the signed-in user, unless set;
#   3. the API's Entra app registration (HA_API_APP_REGISTRATION=skip to leave the API on function keys only; not in prod);
#   4. when the vault is live: the pseudonymization key of the key id about to be deployed, so that a rotation's new
#      secret exists before the app setting points at it.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"

mode=default
live=0
if [ -n "${AZURE_KEY_VAULT_NAME:-}" ]; then
  if az keyvault show --name "$AZURE_KEY_VAULT_NAME" -o none 2>/dev/null; then
    live=1
  elif az keyvault show-deleted --name "$AZURE_KEY_VAULT_NAME" -o none 2>/dev/null; then
    mode=recover
    echo "preprovision: vault $AZURE_KEY_VAULT_NAME is soft-deleted: it is recovered with its keys"
  fi
fi
azd env set HA_KEY_VAULT_CREATE_MODE "$mode"

if [ -z "${HA_KEY_OPERATOR_PRINCIPAL_ID:-}" ]; then
  operator="$(az ad signed-in-user show --query id -o tsv 2>/dev/null || true)"
  if [ -n "$operator" ]; then
    azd env set HA_KEY_OPERATOR_PRINCIPAL_ID "$operator"
    azd env set HA_KEY_OPERATOR_PRINCIPAL_TYPE User
  else
    echo "preprovision: not signed in as a user: set HA_KEY_OPERATOR_PRINCIPAL_ID (and HA_KEY_OPERATOR_PRINCIPAL_TYPE) for the key hook" >&2
  fi
fi

if [ "${HA_API_APP_REGISTRATION:-create}" != "skip" ]; then
  sh "$here/ensure-api-app.sh"
fi

if [ "$live" = 1 ]; then
  sh "$here/ensure-pseudonymization-key.sh"
fi
