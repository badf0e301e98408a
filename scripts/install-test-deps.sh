#!/usr/bin/env bash
# System packages the tests need, installed only when missing (Debian; run as root, as CI is).
# Called by .ci/run and by the README's test command.
set -euo pipefail
missing=()
# Headless Chromium: the digest tests open every email at phone and desktop widths
# (tests/test_digest_phone.py, driven by Playwright with executable_path=/usr/bin/chromium).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
