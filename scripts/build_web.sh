#!/usr/bin/env bash
# Builds the web chat page's vendored widget: bot/web/vendor/ (git-ignored, built on every machine).
#
#   1. `npm ci` (package.json + package-lock.json pin rasa-webchat 1.0.1) when node_modules/ is
#      missing or older than package-lock.json;
#   2. copies the widget's self-contained bundle node_modules/rasa-webchat/lib/index.js (React and
#      socket.io-client included) to bot/web/vendor/rasa-webchat.js, without the bundle's
#      @import of Google Fonts (the page must load nothing from outside: app.css sets the fonts),
#      plus the widget's licence.
#
# Idempotent and fast: when bot/web/vendor/ was built from the current package-lock.json and this
# script, it returns at once without touching npm (so node is only needed for the first build).
# FORCE=1 rebuilds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WIDGET_VERSION="1.0.1"
VENDOR_DIR="bot/web/vendor"
BUNDLE="$VENDOR_DIR/rasa-webchat.js"
SOURCE="node_modules/rasa-webchat/lib/index.js"
FONT_IMPORT='@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);'

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
# What the vendored bundle is built from: the lock file and this script.
want="$(hash_of package-lock.json "${BASH_SOURCE[0]}")"

if [ -z "${FORCE:-}" ] && [ -s "$BUNDLE" ] && [ "$(cat "$VENDOR_DIR/.stamp" 2>/dev/null)" = "$want" ]; then
    echo "web: $BUNDLE is up to date (rasa-webchat $WIDGET_VERSION)"
    exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "web: Node.js and npm are needed to build the chat widget (bot/web/vendor/), once per machine." >&2
    echo "     Install them (Debian: apt-get install -y nodejs npm), then run: scripts/build_web.sh" >&2
    exit 1
fi

# node_modules/.lock-hash records the package-lock.json that `npm ci` installed.
lock_hash="$(hash_of package-lock.json)"
if [ -n "${FORCE:-}" ] || [ ! -f "$SOURCE" ] || [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
    echo "web: installing rasa-webchat $WIDGET_VERSION with npm ci (node $(node --version), npm $(npm --version))…"
    # --ignore-scripts: we only copy a prebuilt file, no package needs to run code at install time.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$lock_hash" > node_modules/.lock-hash
fi

installed="$(node -p 'require("./node_modules/rasa-webchat/package.json").version')"
if [ "$installed" != "$WIDGET_VERSION" ]; then
    echo "web: node_modules has rasa-webchat $installed, expected $WIDGET_VERSION (check package-lock.json)" >&2
    exit 1
fi
if ! grep -qF "$FONT_IMPORT" "$SOURCE"; then
    echo "web: warning: the Google Fonts @import was not found in $SOURCE (nothing to strip)" >&2
fi

mkdir -p "$VENDOR_DIR"
tmp="$(mktemp "$VENDOR_DIR/.rasa-webchat.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# Fixed-string removal of the @import.
node -e '
  const fs = require("fs");
  const [src, dst, needle] = process.argv.slice(1);
  fs.writeFileSync(dst, fs.readFileSync(src, "utf8").split(needle).join(""));
' "$SOURCE" "$tmp" "$FONT_IMPORT"
if grep -q "fonts.googleapis.com" "$tmp"; then
    echo "web: the widget bundle still refers to fonts.googleapis.com" >&2
    exit 1
fi
mv -f "$tmp" "$BUNDLE"
trap - EXIT
chmod 644 "$BUNDLE"
cp -f node_modules/rasa-webchat/LICENSE "$VENDOR_DIR/LICENSE.rasa-webchat.txt"
echo "$want" > "$VENDOR_DIR/.stamp"
echo "web: built $BUNDLE (rasa-webchat $WIDGET_VERSION, $(wc -c < "$BUNDLE") bytes)"
