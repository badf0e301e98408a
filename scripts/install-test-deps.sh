#!/usr/bin/env bash
# System packages the tests need, installed only when the command is missing (so it does nothing
# on a machine that has them). Called by .ci/run and the README's test command.
set -euo pipefail

need() {  # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

# tests/test_trends.py: the digest with its trend chart has no horizontal scroll at 375 px.
need chromium chromium
