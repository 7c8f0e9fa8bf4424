#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end browser test (tests/e2e/test_webchat.py).
# Idempotent: does nothing when /usr/bin/chromium is already there. The test drives this
# browser with Playwright (executable_path=/usr/bin/chromium); no tool ever downloads its own.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    echo "chromium: already installed ($("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and apt-get is not available: install Chromium so that $CHROMIUM exists" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "chromium is missing: run 'apt-get update && apt-get install -y chromium' as root" >&2
        exit 1
    fi
fi
echo "Installing Debian's chromium (apt-get)…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null  # DejaVu: Vietnamese glyphs
"$CHROMIUM" --version 2>/dev/null
