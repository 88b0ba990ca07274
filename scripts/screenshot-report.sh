#!/usr/bin/env bash
# Renders an HTML report (or a page of a running service, given as an http:// URL) in
# headless Chromium, prints the browser's console messages (JavaScript errors, failed loads,
# refused content) and writes a full-page screenshot. Scripts run for up to 15 s of virtual
# time first, so a page that fetches its data is shown with it.
#
#   scripts/screenshot-report.sh REPORT.html|URL [OUT.png] [WIDTH]
#
# Needs Debian's chromium package (apt-get install -y chromium). Exits non-zero when the
# console shows an error.
set -euo pipefail
case "$1" in
  http://*|https://*) page=$1 ;;
  *) page="file://$(realpath "$1")" ;;
esac
out=${2:-report.png}
width=${3:-1500}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
# Page height: tall enough for the whole report (Chromium's --screenshot captures the window).
height=${HEIGHT:-9000}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 \
    --virtual-time-budget=15000 --window-size="$width,$height" --screenshot="$out" "$page" 2>"$log" >/dev/null || true
if grep -E "CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|net::ERR" "$log"; then
    echo "console errors while rendering $page" >&2
    exit 1
fi
[ -s "$out" ] || { echo "no screenshot written; browser log:" >&2; cat "$log" >&2; exit 1; }
echo "wrote $out (${width}×${height}); no console errors"
