#!/usr/bin/env bash
# Vendor axe-core's browser build into static/vendor/axe-core/ for the e2e accessibility checks.
#
# The e2e tests (tests/e2e/) load /static/vendor/axe-core/axe.min.js into each page they reach: it
# is served from our own origin, so the site's Content Security Policy ('self') allows it and no
# test needs to switch the policy off. Takes axe.min.js and the licence from the npm package.
#
# Usage: scripts/vendor-axe.sh [VERSION]   (default: the latest 4.x)
set -euo pipefail

VERSION="${1:-${AXE_CORE_VERSION:-4}}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor/axe-core"

command -v npm >/dev/null || { echo "npm is needed to vendor axe-core" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tar -xzf "$WORK"/axe-core-*.tgz -C "$WORK"
INSTALLED="$(node -p "require('$WORK/package/package.json').version" 2>/dev/null || echo "$VERSION")"

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$WORK/package/axe.min.js" "$DEST/axe.min.js"
cp "$WORK/package/LICENSE" "$DEST/LICENSE" 2>/dev/null || true
echo "$INSTALLED" >"$DEST/VERSION"
echo "Vendored axe-core $INSTALLED into ${DEST#"$ROOT"/}"
