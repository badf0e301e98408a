#!/usr/bin/env bash
# System packages the tests need, each installed only when its command is missing (Debian).
# Called by .ci/run and by the README's test command; needs root only when something is missing.
set -euo pipefail

missing=()
# Postfix: the tests start a private copy on 127.0.0.1 (tests/postfix.py) as a real mail server.
[ -x /usr/sbin/postfix ] || missing+=(postfix)
# unshare(1): the read-only state folder test mounts it read-only in a private mount namespace.
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # No system mail setup: the tests never use (or start) the system's Postfix.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
