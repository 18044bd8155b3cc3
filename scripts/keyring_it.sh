#!/usr/bin/env bash
# Runs the keyring_it tests (tests/core/test_keystore.py) against a real Secret Service:
# gnome-keyring in a throwaway D-Bus session, with an isolated HOME so a developer's own keyring is
# never touched. Installs gnome-keyring + dbus-x11 with apt-get when missing (needs root).
#   PYTHON=/path/to/venv/python scripts/keyring_it.sh [extra pytest args]
# Exit status: pytest's when the tests ran; 0 with a "SKIP keyring_it:" line when no Secret Service
# could be started here (the reason is printed).
set -uo pipefail

skip() {
    echo "SKIP keyring_it: $*"
    exit 0
}

# --- inside the throwaway D-Bus session (the script re-runs itself here) ---------------------------
if [[ "${1:-}" == "--inside-session" ]]; then
    shift
    if ! printf %s "$HFTUI_KEYRING_IT_PASSWORD" \
        | gnome-keyring-daemon --unlock --components=secrets >"$SANDBOX/daemon.log" 2>&1; then
        exit 97
    fi
    # The daemon must answer as the Secret Service before the tests mean anything.
    if ! "$PYTHON" -c '
import sys, keyring
backend = keyring.get_keyring()
print("keyring backend:", backend.name)
sys.exit(0 if type(backend).__module__ == "keyring.backends.SecretService" else 1)
' >>"$SANDBOX/daemon.log" 2>&1; then
        exit 97
    fi
    touch "$SANDBOX/started"
    exec "$PYTHON" -m pytest -m keyring_it tests/core/test_keystore.py -v "$@"
fi

# --- outside: make sure the tools exist, build the sandbox, start the session ----------------------
PYTHON="${PYTHON:-python3}"
if [[ "$PYTHON" == */* ]]; then
    PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
fi
cd "$(dirname "$0")/.." || exit 1

if ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
        skip "gnome-keyring-daemon or dbus-run-session is missing and cannot be installed here (needs root and apt-get)"
    fi
    echo "keyring_it: installing gnome-keyring and dbus-x11 with apt-get ..."
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends gnome-keyring dbus-x11; } >/tmp/hftui-keyring-it-apt.log 2>&1; then
        tail -n 5 /tmp/hftui-keyring-it-apt.log
        skip "apt-get could not install gnome-keyring/dbus-x11 (log: /tmp/hftui-keyring-it-apt.log)"
    fi
fi
if ! "$PYTHON" -c 'import keyring, secretstorage, pytest' 2>/dev/null; then
    echo "keyring_it: $PYTHON cannot import keyring, secretstorage and pytest" >&2
    exit 1
fi

SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/hftui-keyring-it.XXXXXX")"
trap 'rm -rf "$SANDBOX"' EXIT
export SANDBOX PYTHON
export PYTHONUSERBASE="${PYTHONUSERBASE:-${HOME:-/root}/.local}"  # keep --user installs importable
export HOME="$SANDBOX/home" XDG_RUNTIME_DIR="$SANDBOX/run"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset PYTHON_KEYRING_BACKEND DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS HFTUI_NO_KEYRING
export HFTUI_KEYRING_IT=1 HFTUI_KEYRING_IT_PASSWORD="throwaway-$$-$RANDOM"

dbus-run-session -- bash "$PWD/scripts/keyring_it.sh" --inside-session "$@" 2>"$SANDBOX/session.err"
status=$?
if [[ ! -e "$SANDBOX/started" ]]; then
    cat "$SANDBOX/daemon.log" 2>/dev/null
    grep -v -e 'Failed to set fd limit' "$SANDBOX/session.err" | tail -n 5
    skip "the Secret Service (gnome-keyring-daemon in dbus-run-session) could not be started (exit $status)"
fi
grep -v -e 'dbus-daemon\[' -e 'gcr-prompter' -e 'cannot open display' -e '^$' "$SANDBOX/session.err" >&2
exit "$status"
