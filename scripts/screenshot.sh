#!/usr/bin/env bash
# Screenshot one page with headless Debian chromium (apt-get install chromium).
#
# Usage: scripts/screenshot.sh URL OUT.png [SESSION_COOKIE]
#   SESSION_COOKIE, when given, is a Django `sessionid` value: the page is fetched signed in,
#   through a throwaway profile seeded by scripts/screenshot.py. Without it the page is fetched
#   signed out. For several signed-in pages, use scripts/screenshot.py directly.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 URL OUT.png [SESSION_COOKIE]" >&2
  exit 2
fi
URL="$1"
OUT="$2"
COOKIE="${3:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[[ -n "$CHROMIUM" ]] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }

if [[ -n "$COOKIE" ]]; then
  exec "$ROOT/.venv/bin/python" "$ROOT/scripts/screenshot.py" --base-url "$URL" --cookie "$COOKIE" \
    --shot "$URL=$OUT"
fi

PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$PROFILE" --window-size=1280,1400 \
  --screenshot="$OUT" "$URL" 2>/dev/null
echo "$OUT"
