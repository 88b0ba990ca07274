#!/usr/bin/env bash
# Renders an HTML report in headless Chromium, prints the browser's console messages
# (JavaScript errors, failed loads) and writes a full-page screenshot.
#
#   scripts/screenshot-report.sh REPORT.html [OUT.png] [WIDTH]
#
# Needs Debian's chromium package (apt-get install -y chromium). Exits non-zero when the
# console shows an error.
set -euo pipefail
report=$(realpath "$1")
out=${2:-report.png}
width=${3:-1500}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
# Page height: tall enough for the whole report (Chromium's --screenshot captures the window).
height=${HEIGHT:-9000}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 \
    --window-size="$width,$height" --screenshot="$out" "file://$report" 2>"$log" >/dev/null || true
if grep -E "CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|net::ERR" "$log"; then
    echo "console errors while rendering $report" >&2
    exit 1
fi
[ -s "$out" ] || { echo "no screenshot written; browser log:" >&2; cat "$log" >&2; exit 1; }
echo "wrote $out (${width}×${height}); no console errors"
