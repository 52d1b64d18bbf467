#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages brudvagt needs to build, test and demo,
# when they are missing. Safe to run repeatedly; needs root to install.
set -eu

PKGS="build-essential pkg-config libetpan-dev libmilter-dev libsqlite3-dev sqlite3
libconfig-dev libgnutls28-dev libcmocka-dev libsystemd-dev libjansson-dev libxml2-dev
dovecot-imapd postfix openssl faketime valgrind clang libclang-rt-14-dev libfuzzer-14-dev systemd
groff-base man-db python3 libsasl2-modules time"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run 'make deps' as root)" >&2
	exit 69
fi
echo "deps: installing$missing"
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
