#!/usr/bin/env bash
# Builds the web chat page's vendored script: bot/web/vendor/ (git-ignored, built on every machine).
#
#   1. `npm ci` (package.json + package-lock.json pin socket.io-client, and axe-core for the
#      accessibility audit of tests/e2e/) when node_modules/ is missing or older than
#      package-lock.json;
#   2. copies socket.io-client's prebuilt browser bundle to bot/web/vendor/socket.io.min.js
#      (without its source-map comment: the map is not shipped) and its licence;
#   3. copies Chart.js's prebuilt UMD bundle (it includes its one dependency, @kurkle/color) to
#      webapp/staff/static/vendor/chart.umd.min.js for the staff console's analytics, likewise.
#
# The page itself (bot/web/index.html, app.js, app.css) is plain files: nothing else is built,
# nothing comes from a CDN.
#
# Idempotent and fast: when bot/web/vendor/ was built from the current package-lock.json and this
# script, it returns at once without touching npm (so node is only needed for the first build).
# FORCE=1 rebuilds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENDOR_DIR="bot/web/vendor"
BUNDLE="$VENDOR_DIR/socket.io.min.js"
SOURCE="node_modules/socket.io-client/dist/socket.io.min.js"
STAFF_VENDOR_DIR="webapp/staff/static/vendor"
CHART_BUNDLE="$STAFF_VENDOR_DIR/chart.umd.min.js"
CHART_SOURCE="node_modules/chart.js/dist/chart.umd.min.js"

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
# What the vendored bundle is built from: the lock file and this script.
want="$(hash_of package-lock.json "${BASH_SOURCE[0]}")"

if [ -z "${FORCE:-}" ] && [ -s "$BUNDLE" ] && [ -s "$CHART_BUNDLE" ] && [ "$(cat "$VENDOR_DIR/.stamp" 2>/dev/null)" = "$want" ]; then
    echo "web: $BUNDLE is up to date"
    exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "web: Node.js and npm are needed to build the chat page's script (bot/web/vendor/), once per machine." >&2
    echo "     Install them (Debian: apt-get install -y nodejs npm), then run: scripts/build_web.sh" >&2
    exit 1
fi

# node_modules/.lock-hash records the package-lock.json that `npm ci` installed.
lock_hash="$(hash_of package-lock.json)"
if [ -n "${FORCE:-}" ] || [ ! -f "$SOURCE" ] || [ ! -f "$CHART_SOURCE" ] || [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
    echo "web: installing socket.io-client and chart.js with npm ci (node $(node --version), npm $(npm --version))…"
    # --ignore-scripts: we only copy prebuilt files, no package needs to run code at install time.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$lock_hash" > node_modules/.lock-hash
fi

mkdir -p "$VENDOR_DIR"
rm -f "$VENDOR_DIR/rasa-webchat.js" "$VENDOR_DIR/LICENSE.rasa-webchat.txt"  # the widget this page replaced
tmp="$(mktemp "$VENDOR_DIR/.socket.io.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
grep -v '^//# sourceMappingURL=' "$SOURCE" > "$tmp"
mv -f "$tmp" "$BUNDLE"
trap - EXIT
chmod 644 "$BUNDLE"
cp -f node_modules/socket.io-client/LICENSE "$VENDOR_DIR/LICENSE.socket.io-client.txt"
mkdir -p "$STAFF_VENDOR_DIR"
grep -v '^//# sourceMappingURL=' "$CHART_SOURCE" > "$CHART_BUNDLE.tmp" && mv -f "$CHART_BUNDLE.tmp" "$CHART_BUNDLE"
chmod 644 "$CHART_BUNDLE"
cp -f node_modules/chart.js/LICENSE.md "$STAFF_VENDOR_DIR/LICENSE.chart.js.md"
echo "$want" > "$VENDOR_DIR/.stamp"
echo "web: built $CHART_BUNDLE (chart.js $(node -p 'require("./node_modules/chart.js/package.json").version'), $(wc -c < "$CHART_BUNDLE") bytes)"
echo "web: built $BUNDLE (socket.io-client $(node -p 'require("./node_modules/socket.io-client/package.json").version'), $(wc -c < "$BUNDLE") bytes)"
