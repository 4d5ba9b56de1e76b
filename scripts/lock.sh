#!/usr/bin/env bash
# Refresh the lock: requirements/project.in -> requirements/lock-py311.txt (exact versions + sha256 of
# every file, for CPython 3.11 on x86_64 Linux: the ros-kilted-* wheels exist only for cp311).
#
#   bash scripts/lock.sh              # keeps the locked versions; adds/removes what project.in changed
#   bash scripts/lock.sh -U           # the newest versions within project.in's ranges (all packages)
#   bash scripts/lock.sh -P numpy     # extra arguments go to `uv pip compile` (here: upgrade only numpy)
#
# scripts/setup.sh installs exactly this lock (scripts/install_lock.sh). After a refresh, run the set-up
# and the tests, and commit project.in and the lock together. uv talks to PyPI (it ignores pip's config).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
UV_VERSION=$(sed -n 's/^uv==\([0-9.]*\).*/\1/p' requirements/project.in)
UV=${UV:-}
if [[ -z "$UV" ]]; then
    if [[ -x "$REPO/.venv/bin/uv" ]] && [[ "$("$REPO/.venv/bin/uv" --version)" == "uv $UV_VERSION"* ]]; then
        UV="$REPO/.venv/bin/uv"
    else   # a throw-away uv of the pinned version
        tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
        python3 -m venv "$tmp/uv" && "$tmp/uv/bin/python" -m pip install -q "uv==$UV_VERSION" 2>/dev/null
        UV="$tmp/uv/bin/uv"
    fi
fi
"$UV" pip compile --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --no-strip-markers --custom-compile-command "bash scripts/lock.sh" \
    requirements/project.in -o requirements/lock-py311.txt "$@"
echo "lock.sh: requirements/lock-py311.txt: $(grep -c '^[a-z]' requirements/lock-py311.txt) packages" \
     "($(sed -n 's/^\(opencv-python-headless==[^ ]*\).*/\1/p;s/^\(numpy==[^ ]*\).*/\1/p' requirements/lock-py311.txt | tr '\n' ' '))"
