#!/usr/bin/env bash
# Install everything the tests need into .venv, then run the whole suite:
# the main pytest run, then the real-keyring tests inside a private D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

export HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_OFFLINE=1 HFTUI_NO_KEYRING=1
.venv/bin/python -m pytest -q "$@"

# The real Secret Service test installs gnome-keyring with apt when it is missing.
unset HFTUI_NO_KEYRING
PYTHON="$PWD/.venv/bin/python" bash scripts/keyring_it.sh
