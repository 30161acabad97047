#!/usr/bin/env bash
# Vendor the compiled GOV.UK Frontend into static/vendor/govuk-frontend/.
#
# Takes the CSS, the JS module and the favicon images from the govuk-frontend npm package.
# Deliberately leaves out the GDS Transport font (it is licensed for GOV.UK only; the site
# uses Arial, see static/css/app.css), strips the @font-face rules that would point at it, and
# strips the source-map comments so collectstatic's manifest storage does not look for the maps.
#
# Usage: scripts/vendor-govuk-frontend.sh [VERSION]   (default: the latest 5.x)
set -euo pipefail

VERSION="${1:-${GOVUK_FRONTEND_VERSION:-5}}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor/govuk-frontend"

command -v npm >/dev/null || { echo "npm is needed to vendor govuk-frontend" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "govuk-frontend@$VERSION" >/dev/null)
tar -xzf "$WORK"/govuk-frontend-*.tgz -C "$WORK"
SRC="$WORK/package/dist/govuk"
INSTALLED="$(node -p "require('$WORK/package/package.json').version" 2>/dev/null || echo "$VERSION")"

rm -rf "$DEST"
mkdir -p "$DEST/assets/images"

# No Transport font: drop its @font-face rules (the font-family stacks fall back to Arial).
sed -E -e 's/@font-face\{[^}]*\}//g' -e '/sourceMappingURL=/d' \
  "$SRC/govuk-frontend.min.css" >"$DEST/govuk-frontend.min.css"
sed -E -e 's|//# sourceMappingURL=.*$||' \
  "$SRC/govuk-frontend.min.js" >"$DEST/govuk-frontend.min.js"
cp "$SRC"/assets/images/* "$DEST/assets/images/"
cp "$WORK/package/LICENSE.txt" "$DEST/LICENSE.txt" 2>/dev/null || true
echo "$INSTALLED" >"$DEST/VERSION"

if grep -q '@font-face' "$DEST/govuk-frontend.min.css"; then
  echo "vendor: @font-face rules survived the strip" >&2
  exit 1
fi
echo "Vendored govuk-frontend $INSTALLED into ${DEST#"$ROOT"/}"
