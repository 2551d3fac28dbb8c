#!/bin/sh
# azd postprovision hook. Idempotent.
# The first provision generated the pseudonymization key and wrote it to Key Vault. From now on this azd
# environment provisions with setPseudonymizationKey=false, so that the key (and every pseudonym derived
# from it) survives later `azd provision` / `azd up` runs. Rotating the key is a deliberate act: see docs/deploy.md.
set -eu
current="$(azd env get-value HA_SET_PSEUDONYMIZATION_KEY 2>/dev/null || true)"
if [ "$current" != "false" ]; then
  azd env set HA_SET_PSEUDONYMIZATION_KEY false
  echo "postprovision: pseudonymization key written once; later provisions keep it (HA_SET_PSEUDONYMIZATION_KEY=false)."
fi
