#!/bin/sh
# azd postprovision hook. Idempotent. The vault exists now: make sure the key of the deployed key id is in it
# (written once, after asking the vault: see ensure-pseudonymization-key.sh), then restart the app when a key was
# just written, so that its Key Vault reference resolves instead of staying the literal reference (the app refuses
# to start on an unresolved reference).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
: "${AZURE_RESOURCE_GROUP:?run through azd, or export AZURE_RESOURCE_GROUP}"
: "${AZURE_FUNCTION_APP_NAME:?}"

out="$(sh "$here/ensure-pseudonymization-key.sh")"
echo "$out"
case "$out" in
  *"pseudonymization key written"*)
    az functionapp restart -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" -o none
    echo "postprovision: restarted $AZURE_FUNCTION_APP_NAME so that it resolves the new key"
    ;;
esac
