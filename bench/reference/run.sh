#!/usr/bin/env bash
# Recomputes every reference number of the clinical suite on the committed folds (bench/reference/README.md).
# Installs the Debian packages it needs when they are missing and it runs as root; deterministic (seeded,
# one thread). About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-/usr/bin/python3}
packages=(r-base-core r-cran-survival r-cran-jsonlite python3-sklearn python3-numpy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# One thread everywhere: bit-reproducible results, and the machine is shared.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

"$PY" make_folds.py --check
for scope in all values; do
  echo "== standardization scope: $scope"
  REFERENCE_STANDARDIZE=$scope "$PY" tabular.py "$@"
  REFERENCE_STANDARDIZE=$scope "$PY" survival_design.py "$@"
  REFERENCE_STANDARDIZE=$scope Rscript cox.R "$@"
done
"$PY" summarize.py
