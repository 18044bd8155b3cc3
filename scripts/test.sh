#!/usr/bin/env bash
# Install everything the tests need into .venv, then run the whole suite:
# the main pytest run, then the real-keyring tests inside a private D-Bus session.
# Both parts always run, so a failure in one never hides the state of the other; the script
# exits non-zero when either failed and says which.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

export HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_OFFLINE=1 HFTUI_NO_KEYRING=1
main_status=0
.venv/bin/python -m pytest -q "$@" || main_status=$?

# The real Secret Service test installs gnome-keyring with apt when it is missing.
unset HFTUI_NO_KEYRING
keyring_status=0
PYTHON="$PWD/.venv/bin/python" bash scripts/keyring_it.sh || keyring_status=$?

verdict() { if [ "$2" -eq 0 ]; then echo "$1 passed"; else echo "$1 FAILED (exit $2)"; fi; }
echo "scripts/test.sh: $(verdict "main pytest run" "$main_status"); $(verdict "keyring tests" "$keyring_status")"
if [ "$main_status" -ne 0 ] || [ "$keyring_status" -ne 0 ]; then
  exit 1
fi
