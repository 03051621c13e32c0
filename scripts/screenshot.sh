#!/usr/bin/env bash
# Regenerates docs/report-compare-zones.png, the README's picture of a report: the README's
# main command (compare-zones on the Chongqing scenario, its 100 replications), then
# `corridor report` on its output, photographed by headless Chromium.
#
# Usage: scripts/screenshot.sh [CHROMIUM]   (default: chromium on the PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
browser="${1:-chromium}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --locked --quiet --release
target/release/corridor compare-zones scenarios/chongqing/base.toml --quiet --out "$work/cz" >/dev/null
target/release/corridor report "$work/cz"
# The title, the ranking chart and its table: what a slide needs.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --host-resolver-rules='MAP * ~NOTFOUND' --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1240,1300 \
  --screenshot="$work/shot.png" "file://$work/cz/report.html" 2>/dev/null
mv "$work/shot.png" docs/report-compare-zones.png
echo "docs/report-compare-zones.png written"
