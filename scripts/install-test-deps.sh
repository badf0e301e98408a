#!/usr/bin/env bash
# The system packages the tests use, installed only when missing (Debian or Ubuntu, as root or
# with sudo). The README's test command and .ci/run both start with this script.
#   libreoffice-calc  tests that workbooks written or re-saved by LibreOffice are read and marked
#   chromium          digests looked at in a real headless browser (Playwright drives it)
#   postfix           a real mail server on loopback for the delivery-fault tests
#   util-linux        unshare(1): the read-only state folder test mounts it read-only
#   libpangoft2-1.0-0 WeasyPrint's text library: the co-chairs' pack as a PDF (the service too)
#   fonts-dejavu-core a font for that PDF on a machine that has none
#   default-jre-headless  Java for the W3C Nu HTML checker (vnu.jar) that checks the report
#   dovecot-imapd     a real IMAP server on loopback for the answers mailbox (tests/dovecot.py)
#   postgresql        a real PostgreSQL server for the state tests; they start their own in a
#                     temporary folder (initdb, pg_ctl from /usr/lib/postgresql/<version>/bin)
#                     as the unprivileged `postgres` account through runuser, never the system's
set -euo pipefail

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/sbin/postfix ] || missing+=(postfix)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
# (not `ldconfig -p | grep -q`: with pipefail, grep quitting early fails the pipe)
[[ "$(ldconfig -p 2>/dev/null)" == *libpangoft2-1.0.so.0* ]] || missing+=(libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-test-deps: installing ${missing[*]} (apt-get)" >&2
$sudo apt-get update -qq
# postfix asks a question at install time unless told not to.
echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
