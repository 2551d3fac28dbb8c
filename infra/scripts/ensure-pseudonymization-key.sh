#!/bin/sh
# Writes the pseudonymization key of one key id to Key Vault, once, after asking the vault itself.
#
# Why: every pseudonym is HMAC(key, identifier), and reports name the key id. A second key under the same id would
# silently break linkage across files, so the decision to write is taken from the vault (never from a local flag):
#   - secret pseudonymization-key-{id} exists  -> keep it (and fail if it has more than one version: someone wrote twice);
#   - it is soft-deleted                        -> recover it (the same key comes back);
#   - the vault says it does not exist          -> write a new random key (or HA_PSEUDONYMIZATION_KEY_FILE's content),
#     unless the vault still holds the single secret `pseudonymization-key` of the template before key ids named
#     secrets: then fail, because that key must be carried over, not replaced (docs/deploy.md "Upgrading");
#   - the vault cannot be read (rights, firewall) -> fail, write nothing.
# Rotation is a new key id (docs/deploy.md "Rotate the pseudonymization key"), never a new version.
#
# Needs: az (logged in as a principal with Key Vault Secrets Officer on the vault), openssl.
# Env: AZURE_KEY_VAULT_NAME, HA_PSEUDONYMIZATION_KEY_ID (default v1), optional HA_PSEUDONYMIZATION_KEY_FILE.
# Prints "pseudonymization key written" when it wrote or recovered one. Never prints or passes the key on a command line.
set -eu

vault="${AZURE_KEY_VAULT_NAME:?run through azd, or export AZURE_KEY_VAULT_NAME}"
key_id="${HA_PSEUDONYMIZATION_KEY_ID-v1}"
case "$key_id" in
  '' | *[!A-Za-z0-9-]*) echo "key: HA_PSEUDONYMIZATION_KEY_ID must be letters, digits and hyphens" >&2; exit 1 ;;
esac
[ "${#key_id}" -le 32 ] || { echo "key: HA_PSEUDONYMIZATION_KEY_ID is longer than 32 characters" >&2; exit 1; }
secret="pseudonymization-key-$key_id"

umask 077
err="$(mktemp)"
keyfile="$(mktemp)"
trap 'rm -f "$err" "$keyfile"' EXIT INT TERM

versions() {
  az keyvault secret list-versions --vault-name "$vault" --name "$secret" --query "length(@)" -o tsv
}

single_version_or_fail() {
  count="$(versions)"
  if [ "$count" != "1" ]; then
    echo "key: secret $secret has $count versions: a second key was written under key id $key_id, so pseudonyms made" >&2
    echo "key: with the two keys no longer link. Keep the version the curated data was made with; disable the other:" >&2
    echo "key:   az keyvault secret list-versions --vault-name $vault --name $secret -o table" >&2
    echo "key:   az keyvault secret set-attributes --vault-name $vault --name $secret --version <VERSION> --enabled false" >&2
    exit 1
  fi
}

if az keyvault secret show --vault-name "$vault" --name "$secret" --query id -o none 2>"$err"; then
  single_version_or_fail
  echo "key: $secret exists in $vault; kept (key id $key_id)"
  exit 0
fi

if ! grep -q "SecretNotFound" "$err"; then
  echo "key: cannot tell whether $secret exists in $vault, so nothing is written:" >&2
  head -c 400 "$err" >&2
  echo >&2
  echo "key: the signed-in principal needs Key Vault Secrets Officer on the vault and, under networkIsolation, an address in operatorIpRanges (HA_OPERATOR_IP_RANGES)." >&2
  exit 1
fi

if az keyvault secret show-deleted --vault-name "$vault" --name "$secret" --query recoveryId -o none 2>/dev/null; then
  az keyvault secret recover --vault-name "$vault" --name "$secret" -o none
  deadline=$(( $(date +%s) + 120 ))
  until az keyvault secret show --vault-name "$vault" --name "$secret" --query id -o none 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "key: $secret was not recovered within 120 s" >&2; exit 1; }
    sleep 5
  done
  echo "key: $secret was soft-deleted; recovered (the same key, key id $key_id)"
  echo "pseudonymization key written"
  exit 0
fi

if [ -z "${HA_PSEUDONYMIZATION_KEY_FILE:-}" ] \
  && az keyvault secret show --vault-name "$vault" --name pseudonymization-key --query id -o none 2>/dev/null; then
  echo "key: $vault holds pseudonymization-key, the key of an earlier deployment: a new key under key id $key_id would" >&2
  echo "key: break linkage with everything pseudonymized before. Carry it over (docs/deploy.md \"Upgrading an existing environment\"):" >&2
  echo "key:   (umask 077; az keyvault secret show --vault-name $vault --name pseudonymization-key --query value -o tsv > key.txt)" >&2
  echo "key:   HA_PSEUDONYMIZATION_KEY_FILE=key.txt sh infra/scripts/ensure-pseudonymization-key.sh && rm -f key.txt" >&2
  exit 1
fi

if [ -n "${HA_PSEUDONYMIZATION_KEY_FILE:-}" ]; then
  # An existing key brought from elsewhere (e.g. a migration that must keep linkage).
  tr -d '\r\n' < "$HA_PSEUDONYMIZATION_KEY_FILE" > "$keyfile"
else
  # 48 random bytes, Base64: 64 characters, 384 bits.
  openssl rand -base64 48 | tr -d '\n' > "$keyfile"
fi
[ "$(wc -c < "$keyfile")" -ge 32 ] || { echo "key: the key must be at least 32 characters" >&2; exit 1; }

az keyvault secret set --vault-name "$vault" --name "$secret" --file "$keyfile" --encoding utf-8 \
  --content-type "text/plain" --tags "key-id=$key_id" -o none
# Two operators racing between the check and the write would leave two versions: caught here, not later.
single_version_or_fail
echo "key: wrote a new key to $secret in $vault (key id $key_id)"
echo "pseudonymization key written"
