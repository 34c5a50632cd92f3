#!/usr/bin/env bash
# Debian packages the whole test suite talks to, installed only when missing.
#
#   chromium        browser tests of the admin (Playwright drives Debian's build)
#   dovecot-imapd   a real IMAP server for the IMAP poller's tests and benchmark
#   postfix         a real MTA in front of the gateway (LMTP, pipe, relay tests)
#   openssl         self-signed certificates generated at test time
#
# The tests start their own throwaway instances (own configuration, loopback
# ports, temporary directories); this script never starts, enables or
# configures the system's own mail services: postfix is preseeded with
# "No configuration" and service start-up is refused during the install.
#
# Not root, or no apt-get: print what to install and carry on. The tests then
# skip on a laptop and fail in CI (CI=true), which is the point.
set -uo pipefail

PACKAGES=(chromium dovecot-core dovecot-imapd postfix openssl)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

explain() {
    echo "Paquets Debian manquants pour la suite de tests : ${missing[*]}" >&2
    echo "  Installez-les avec : sudo apt-get install ${missing[*]}" >&2
    echo "Missing Debian packages for the test suite: ${missing[*]}" >&2
    echo "  Install them with: sudo apt-get install ${missing[*]}" >&2
    echo "(Without them the tests that need them are skipped here and fail in CI.)" >&2
}

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    explain
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)

# Postfix asks how to configure the system's mail at install time: it must not.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

# Refuse service start-up during the install (invoke-rc.d honours policy-rc.d);
# an existing policy (Docker images ship one) is left exactly as it was.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
fi
cleanup() { [ "$own_policy" -eq 1 ] && rm -f "$policy"; }
trap cleanup EXIT

# Update the package lists once, and only when there are none to install from.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    "${APT[@]}" update >/dev/null || true
fi

echo "Installation des paquets Debian : ${missing[*]}" >&2
if ! "${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null; then
    # Stale lists are the usual cause: refresh them once and retry.
    "${APT[@]}" update >/dev/null || true
    if ! "${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null; then
        explain
        exit 0
    fi
fi
exit 0
