#!/usr/bin/env bash
# Installs the Debian packages the test suite needs. Safe to run again; needs root (or sudo).
set -euo pipefail
PACKAGES=(${YIGAI_SYSTEM_PACKAGES:-})
if [ ${#PACKAGES[@]} -eq 0 ]; then
  echo "install-system-deps: no system packages needed"
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "install-system-deps: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
