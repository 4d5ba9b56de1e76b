#!/usr/bin/env bash
# System packages used by the video I/O tests (issue 6):
#   ffmpeg   - ffmpeg/ffprobe: video encoding with codec/bitrate control, RTP sender/receiver,
#              RTSP loopback server in tests, independent reader of written files
#   chromium - headless browser used to screenshot the HTTP live-view output in tests
#   python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-{base,good}
#            - GStreamer's RTSP server (for the system python3), the loopback RTSP server in tests
# Idempotent: returns at once when everything is already installed. Needs root (CI runs as root).
set -euo pipefail

PACKAGES=(ffmpeg chromium python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
          gstreamer1.0-plugins-good)
missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install_system_deps: already installed: ${PACKAGES[*]}"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install_system_deps: need root to install: ${missing[*]}" >&2; exit 1
    fi
fi

echo "install_system_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# refresh the package lists only when a first install attempt fails (stale/missing lists)
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
