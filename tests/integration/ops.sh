#!/bin/sh
# SPDX-License-Identifier: MIT
#
# ops.sh — what an operator installs:
#   - make install DESTDIR=… PREFIX=/usr places every file; a second install
#     keeps a changed /etc file (the new one as .dist) and replaces an
#     unchanged one; make uninstall removes what it installed, except the
#     changed configuration;
#   - every installed unit passes systemd-analyze verify (ExecStart= pointed
#     at the DESTDIR binaries) and rates <= 1.5 in systemd-analyze security
#     --offline=yes;
#   - sysusers.d and tmpfiles.d apply to an empty root: the user, 0700 dirs;
#   - the unit, the example configuration and brudvagt.conf(5) agree: the
#     credentials the unit loads are the password files the config names,
#     store and spool are writable, every settings key is in the man page;
#   - every man page renders without a groff or man warning.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
[ -x "$BUILD/brudvagtd" ] || { echo "ops: $BUILD/brudvagtd not built" >&2; exit 1; }

. tests/lib/check.sh
T=$(mktemp -d /tmp/brudvagt-ops.XXXXXX)
trap 'rm -rf "$T"' EXIT
D=$T/dest

# --- install ---------------------------------------------------------------
make -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" > "$T/install1.out" 2>&1 ||
	{ bad "make install failed: $(tail -3 "$T/install1.out")"; exit 1; }
want="usr/bin/brudvagtctl usr/sbin/brudvagtd usr/sbin/brudvagt-milter
usr/lib/systemd/system/brudvagtd.service usr/lib/sysusers.d/brudvagt.conf
usr/lib/tmpfiles.d/brudvagt.conf usr/share/man/man8/brudvagtd.8
usr/share/man/man8/brudvagt-milter.8 usr/share/man/man1/brudvagtctl.1
usr/share/man/man5/brudvagt.conf.5 usr/share/doc/brudvagt/README.md
etc/brudvagt/brudvagt.conf usr/share/brudvagt/install.manifest"
for u in systemd/*.service; do want="$want usr/lib/systemd/system/$(basename "$u")"; done
for m in man/*.[0-9]; do want="$want usr/share/man/man${m##*.}/$(basename "$m")"; done
for f in docs/*.md; do [ -f "$f" ] && want="$want usr/share/doc/brudvagt/$(basename "$f")"; done
if [ -d conf/templates ]; then
	for f in $(cd conf && find templates -type f); do want="$want etc/brudvagt/$f"; done
fi
missing=""
for f in $want; do [ -f "$D/$f" ] || missing="$missing $f"; done
[ -z "$missing" ] && ok "make install placed all $(echo $want | wc -w) files" ||
	bad "make install did not place:$missing"
for b in usr/bin/brudvagtctl usr/sbin/brudvagtd usr/sbin/brudvagt-milter; do
	[ -x "$D/$b" ] || bad "$b is not executable"
done
mode=$(stat -c %a "$D/etc/brudvagt/brudvagt.conf")
[ "$mode" = 640 ] && ok "brudvagt.conf is 0640" || bad "brudvagt.conf mode $mode"
mode=$(stat -c %a "$D/etc/brudvagt")
[ "$mode" = 750 ] && ok "/etc/brudvagt is 0750" || bad "/etc/brudvagt mode $mode"
"$D/usr/sbin/brudvagtd" -c "$D/etc/brudvagt/brudvagt.conf" --check-config > /dev/null &&
	ok "the installed configuration passes --check-config" || bad "installed config refused"

# --- systemd units ----------------------------------------------------------
mkdir -p "$T/units"
for u in "$D"/usr/lib/systemd/system/*.service; do
	name=$(basename "$u")
	sed "s|=/usr/|=$D/usr/|g" "$u" > "$T/units/$name"
	# verify exits 0 for an unknown key: any word from it is a failure.
	if systemd-analyze verify --man=no --generators=no "$T/units/$name" > "$T/verify.out" 2>&1 &&
	   [ ! -s "$T/verify.out" ]; then
		ok "systemd-analyze verify $name"
	else
		bad "systemd-analyze verify $name: $(cat "$T/verify.out")"
	fi
	systemd-analyze security --offline=yes "$u" > "$T/security.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$T/security.out")
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'; then
		ok "systemd-analyze security $name: $score (<= 1.5)"
	else
		bad "systemd-analyze security $name: '$score' (want <= 1.5): $(tail -1 "$T/security.out")"
	fi
done
unit=systemd/brudvagtd.service
for k in Type=notify NotifyAccess=main WatchdogSec= Restart=on-failure User=brudvagt \
	 StateDirectory=brudvagt ExecReload= LoadCredential=; do
	grep -q "^$k" "$unit" || bad "$unit lacks $k"
done

# The credentials the unit loads are the password files the example names.
creds=$(sed -n 's/^LoadCredential=\([^:]*\):.*/\1/p' "$unit" | sort | tr '\n' ' ')
named=$(sed -n 's|.*password_file = "/run/credentials/brudvagtd.service/\([^"]*\)".*|\1|p' \
	conf/brudvagt.conf | sort | tr '\n' ' ')
[ -n "$creds" ] && [ "$creds" = "$named" ] && ok "LoadCredential= matches password_file: $creds" ||
	bad "unit loads '$creds', conf names '$named'"
store=$(sed -n 's|^store = { path = "\([^"]*\)".*|\1|p' conf/brudvagt.conf)
spool=$(sed -n 's|^spool = { path = "\([^"]*\)".*|\1|p' conf/brudvagt.conf)
case $store in /var/lib/brudvagt/*) ok "store.path $store is in StateDirectory=" ;;
	*) bad "store.path '$store' is not under /var/lib/brudvagt" ;; esac
grep -q "^ReadWritePaths=.*$spool" "$unit" && grep -q "^d $spool" systemd/brudvagt.tmpfiles &&
	ok "spool.path $spool is made by tmpfiles.d and writable" || bad "spool.path '$spool' not writable"

# --- sysusers.d, tmpfiles.d on an empty root --------------------------------
R=$T/root
mkdir -p "$R/etc"
if systemd-sysusers --root="$R" - < systemd/brudvagt.sysusers > "$T/sysusers.out" 2>&1 &&
   grep -q '^brudvagt:x:[0-9]*:[0-9]*:brudvagt breach watch:/var/lib/brudvagt:' "$R/etc/passwd"; then
	ok "sysusers.d creates the brudvagt user"
else
	bad "sysusers.d: $(cat "$T/sysusers.out")"
fi
# With --root, tmpfiles.d resolves brudvagt in the root's /etc/passwd.
uid=$(awk -F: '$1 == "brudvagt" { print $3 }' "$R/etc/passwd")
if systemd-tmpfiles --root="$R" --create - < systemd/brudvagt.tmpfiles > "$T/tmpfiles.out" 2>&1; then
	got=$(stat -c '%a %u' "$R/var/lib/brudvagt" "$R/var/spool/brudvagt" | tr '\n' ' ')
	[ "$got" = "700 $uid 700 $uid " ] && ok "tmpfiles.d makes the store and spool dirs 0700 brudvagt's" ||
		bad "tmpfiles.d: '$got', want 0700 uid $uid"
else
	bad "tmpfiles.d: $(cat "$T/tmpfiles.out")"
fi

# --- man pages ---------------------------------------------------------------
for m in man/*.[0-9]; do
	w=$(groff -man -ww -z -t "$m" 2>&1; MANWIDTH=80 man -l --warnings=w "$m" 2>&1 > /dev/null)
	[ -z "$w" ] && ok "$(basename "$m") renders without warnings" || bad "$(basename "$m"): $w"
done
sh scripts/conf-keys.sh --check 2> "$T/keys.out" && ok "brudvagt.conf.5 is up to date with conf/settings.c" ||
	bad "$(tail -1 "$T/keys.out")"
MANWIDTH=200 man -l "$D/usr/share/man/man5/brudvagt.conf.5" 2>/dev/null > "$T/conf5.txt"
n=0 gone=""
for k in $(sh scripts/conf-keys.sh --keys); do
	n=$((n + 1))
	grep -qF -- "$k" "$T/conf5.txt" || gone="$gone $k"
done
[ -z "$gone" ] && ok "all $n settings keys appear in the installed brudvagt.conf(5)" ||
	bad "keys missing from brudvagt.conf(5):$gone"

# --- reinstall, uninstall ------------------------------------------------------
echo '# changed by the operator' >> "$D/etc/brudvagt/brudvagt.conf"
make -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" > "$T/install2.out" 2>&1
if tail -1 "$D/etc/brudvagt/brudvagt.conf" | grep -q 'changed by the operator' &&
   cmp -s conf/brudvagt.conf "$D/etc/brudvagt/brudvagt.conf.dist" &&
   grep -q "kept your changed /etc/brudvagt/brudvagt.conf" "$T/install2.out"; then
	ok "a second install keeps the changed brudvagt.conf, new one as .dist, and says so"
else
	bad "second install: $(cat "$T/install2.out")"
fi
echo '# stale' >> "$D/usr/share/doc/brudvagt/README.md"
make -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" > "$T/install3.out" 2>&1
cmp -s README.md "$D/usr/share/doc/brudvagt/README.md" && ok "a reinstall replaces files outside /etc" ||
	bad "README.md not replaced"
make -s uninstall DESTDIR="$D" PREFIX=/usr > "$T/uninstall.out" 2>&1 || bad "make uninstall failed"
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./etc/brudvagt/brudvagt.conf " ] && ok "make uninstall removes all but the changed config" ||
	bad "after uninstall: $left"
grep -q "kept your changed /etc/brudvagt/brudvagt.conf" "$T/uninstall.out" ||
	bad "uninstall did not say it kept the changed config"

# An untouched install uninstalls to nothing.
D2=$T/dest2
make -s install DESTDIR="$D2" PREFIX=/usr/local BUILD="$BUILD" > /dev/null 2>&1
grep -q "^ExecStart=/usr/local/sbin/brudvagtd " "$D2/usr/local/lib/systemd/system/brudvagtd.service" &&
	ok "PREFIX=/usr/local: ExecStart= follows PREFIX" || bad "ExecStart= does not follow PREFIX"
make -s uninstall DESTDIR="$D2" PREFIX=/usr/local > /dev/null 2>&1
[ -z "$(find "$D2" -type f)" ] && ok "install + uninstall leaves no file" ||
	bad "left after uninstall: $(find "$D2" -type f | tr '\n' ' ')"

[ $fails = 0 ]
