# azd postprovision hook (Windows). Same as postprovision.sh: idempotent.
$ErrorActionPreference = 'Stop'
$current = azd env get-value HA_SET_PSEUDONYMIZATION_KEY 2>$null
if ($current -ne 'false') {
  azd env set HA_SET_PSEUDONYMIZATION_KEY false
  Write-Host 'postprovision: pseudonymization key written once; later provisions keep it (HA_SET_PSEUDONYMIZATION_KEY=false).'
}
