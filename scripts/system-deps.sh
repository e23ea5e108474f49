#!/bin/sh
# The Debian packages LianRong needs beyond Python, installed when missing (as root, with apt-get).
#   run:  Noto CJK fonts and Pango (WeasyPrint renders the voucher certificate with embedded Chinese fonts)
#   test: the same, plus Chromium (browser tests) and poppler-utils (reading the PDFs back in tests)
set -e
packages="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"
[ "${1:-run}" = "test" ] && packages="$packages chromium poppler-utils"
command -v dpkg >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install the equivalents of: $packages" >&2; exit 0; }
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing$missing" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
else
  echo "system-deps: missing Debian packages:$missing (install them as root with apt-get)" >&2
fi
