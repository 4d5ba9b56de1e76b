#!/usr/bin/env bash
# Install the locked project environment into a virtual environment (used by setup.sh and setup_ros.sh):
# creates $VENV with CPython 3.11 where it does not exist, bootstraps the uv pinned in the lock
# (pip --require-hashes), then installs every package of requirements/lock-py311.txt at its exact version,
# each file checked against its sha256 (uv pip install --require-hashes).  Packages installed later
# beside them (the ROS 2 extras, the project itself) are left alone.  Refresh the lock: scripts/lock.sh.
#
#   VENV=/path/to/venv   (default: $REPO/.venv)
#   PYTHON=python3.11    interpreter that creates it
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$REPO/.venv}
LOCK="$REPO/requirements/lock-py311.txt"
log() { printf '[install_lock] %s\n' "$*"; }
die() { printf '[install_lock] ERROR: %s\n' "$*" >&2; exit 1; }
[[ -f "$LOCK" ]] || die "no lock file $LOCK (bash scripts/lock.sh makes it)"

if [[ ! -x "$VENV/bin/python" ]]; then
    PYTHON=${PYTHON:-}
    if [[ -z "$PYTHON" ]]; then
        for cand in python3.11 python3; do
            if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
                PYTHON=$cand; break
            fi
        done
    fi
    [[ -n "$PYTHON" ]] || die "Python 3.11 not found (the lock and the ros-kilted-* wheels are for CPython 3.11); set PYTHON=/path/to/python3.11"
    log "creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$VENV uses Python $("$PY" -c 'import sys; print(sys.version.split()[0])'); the lock is for 3.11"

# uv, at the lock's version and hashes
UV_VERSION=$(sed -n 's/^uv==\([0-9.]*\) .*/\1/p' "$LOCK")
[[ -n "$UV_VERSION" ]] || die "the lock pins no uv"
if [[ "$("$VENV/bin/uv" --version 2>/dev/null)" != "uv $UV_VERSION"* ]]; then
    req=$(mktemp); trap 'rm -f "$req"' EXIT
    awk '/^uv==/{f=1; print; next} f&&/^    --hash/{print; next} {f=0}' "$LOCK" > "$req"
    log "bootstrapping uv $UV_VERSION (pip --require-hashes)"
    "$PY" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$req" 2>/dev/null \
        || "$PY" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$req"
fi

# uv reads PyPI (not pip's configuration); it hard-links files from its cache where it can (same file
# system: 2.4x faster here than copying), else copies them
log "uv pip install --require-hashes -r requirements/lock-py311.txt -> $VENV"
"$VENV/bin/uv" pip install --quiet --python "$PY" --require-hashes -r "$LOCK"
