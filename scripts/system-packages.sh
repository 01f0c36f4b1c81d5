#!/usr/bin/env bash
# Debian packages the test suite starts for real: redis-server (distributed crawl tests),
# chromium and chromium-driver (review-app browser and security tests, driven by Selenium;
# bundle screenshots), a Chinese font so that screenshots are legible, and openssl (the
# local time-stamping authority of the bundle tests).
# Installs what is missing with apt-get when run as root; otherwise says what to install.
set -euo pipefail
declare -A wanted=([redis-server]=redis-server [chromium]=chromium [chromedriver]=chromium-driver [openssl]=openssl)
missing=()
for cmd in "${!wanted[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
declare -A wanted_files=([/usr/share/fonts/truetype/wqy/wqy-microhei.ttc]=fonts-wqy-microhei)
for file in "${!wanted_files[@]}"; do
    [ -e "$file" ] || missing+=("${wanted_files[$file]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "cluewatch needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
