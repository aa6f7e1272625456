#!/usr/bin/env bash
# Render an HTML report in headless Chromium (Debian package `chromium`) and save a PNG, to look
# at what a person sees. Offline by design: the report must need no network to render.
#   scripts/screenshot_report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]
# With no REPORT.html, audits examples/production-pipeline into a temporary HTML report first.
set -euo pipefail

report="${1:-}"
out="${2:-/tmp/report.png}"
size="${3:-1280,2400}"
here="$(cd "$(dirname "$0")/.." && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found: apt-get install -y chromium" >&2
  exit 2
fi
if [ -z "$report" ]; then
  report="$(mktemp -d)/report.html"
  mltestscore audit "$here/examples/production-pipeline" --format html --output "$report" --exit-zero
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --screenshot="$out" --window-size="$size" \
  "file://$(realpath "$report")" 2>/dev/null
test -s "$out"
echo "wrote $out"
