#!/bin/sh
# SPDX-License-Identifier: MIT
#
# install.sh DESTDIR PREFIX BUILD       — make install
# install.sh --uninstall DESTDIR PREFIX — make uninstall
#
# Installs (paths under DESTDIR):
#   PREFIX/bin/brudvagtctl, PREFIX/sbin/brudvagtd, PREFIX/sbin/brudvagt-milter
#   PREFIX/lib/systemd/system/*.service   (ExecStart= paths follow PREFIX)
#   PREFIX/lib/sysusers.d/brudvagt.conf, PREFIX/lib/tmpfiles.d/brudvagt.conf
#   PREFIX/share/man/man{1,5,8}/...
#   PREFIX/share/doc/brudvagt/            README.md, docs/*.md
#   /etc/brudvagt/brudvagt.conf, /etc/brudvagt/templates/...
#   PREFIX/share/brudvagt/install.manifest  what was installed, with checksums
#
# Configuration under /etc is never overwritten once changed: a file that
# differs both from what we installed last time (the manifest's checksum)
# and from the new one stays as it is, and the new one is installed next to
# it as FILE.dist, which is said on stdout. Uninstall removes every file of
# the manifest except a configuration file that was changed (it says so),
# and the .dist files, then the directories it leaves empty.
#
# With an empty DESTDIR, as root, it also creates the brudvagt user and the
# directories (systemd-sysusers, systemd-tmpfiles) and reloads systemd; it
# neither enables nor starts anything.
set -eu

say() { echo "install: $*"; }
die() { echo "install: $*" >&2; exit 1; }

SYSCONFDIR=/etc/brudvagt

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The manifest: "SHA256 MODE PATH" a line, PATH without DESTDIR.
manifest_path() { echo "$D$PREFIX/share/brudvagt/install.manifest"; }

# recorded PATH: the checksum the last install recorded for PATH, or nothing.
recorded() {
	[ -f "$OLD_MANIFEST" ] || return 0
	awk -v p="$1" '$3 == p { print $1 }' "$OLD_MANIFEST"
}

# put SRC MODE PATH: install SRC as DESTDIR/PATH, creating directories.
put() {
	mkdir -p "$(dirname "$D$3")"
	install -m "$2" "$1" "$D$3"
	echo "$(sha "$1") $2 $3" >> "$NEW_MANIFEST"
}

# put_conf SRC MODE PATH: like put, but keep a changed file (see the top).
put_conf() {
	new=$(sha "$1")
	if [ -e "$D$3" ]; then
		have=$(sha "$D$3")
		if [ "$have" != "$new" ] && [ "$have" != "$(recorded "$3")" ]; then
			mkdir -p "$(dirname "$D$3")"
			install -m "$2" "$1" "$D$3.dist"
			echo "$new $2 $3.dist" >> "$NEW_MANIFEST"
			# Still ours only if we installed it once: keep that checksum.
			old=$(recorded "$3")
			if [ -n "$old" ]; then echo "$old $2 $3" >> "$NEW_MANIFEST"; fi
			say "kept your changed $3; the new one is $3.dist"
			return 0
		fi
	fi
	put "$1" "$2" "$3"
}

# unit SRC: a systemd unit with its /usr/sbin and /usr/bin paths made PREFIX's.
unit() {
	sed -e "s|/usr/sbin/|$PREFIX/sbin/|g" -e "s|/usr/bin/brudvagt|$PREFIX/bin/brudvagt|g" \
		"$1" > "$TMP/$(basename "$1")"
	put "$TMP/$(basename "$1")" 0644 "$PREFIX/lib/systemd/system/$(basename "$1")"
}

do_install() {
	for b in brudvagtd brudvagtctl brudvagt-milter; do
		[ -x "$BUILD/$b" ] || die "$BUILD/$b is not built (make all)"
	done
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	OLD_MANIFEST=$TMP/old.manifest
	NEW_MANIFEST=$TMP/new.manifest
	if [ -f "$(manifest_path)" ]; then cp "$(manifest_path)" "$OLD_MANIFEST"; fi
	: > "$NEW_MANIFEST"

	put "$BUILD/brudvagtctl" 0755 "$PREFIX/bin/brudvagtctl"
	put "$BUILD/brudvagtd" 0755 "$PREFIX/sbin/brudvagtd"
	put "$BUILD/brudvagt-milter" 0755 "$PREFIX/sbin/brudvagt-milter"
	for u in systemd/*.service; do
		if [ -f "$u" ]; then unit "$u"; fi
	done
	put systemd/brudvagt.sysusers 0644 "$PREFIX/lib/sysusers.d/brudvagt.conf"
	put systemd/brudvagt.tmpfiles 0644 "$PREFIX/lib/tmpfiles.d/brudvagt.conf"
	for m in man/*.[0-9]; do
		if [ -f "$m" ]; then put "$m" 0644 "$PREFIX/share/man/man${m##*.}/$(basename "$m")"; fi
	done
	put README.md 0644 "$PREFIX/share/doc/brudvagt/README.md"
	for f in docs/*.md; do
		if [ -f "$f" ]; then put "$f" 0644 "$PREFIX/share/doc/brudvagt/$(basename "$f")"; fi
	done
	put_conf conf/brudvagt.conf 0640 "$SYSCONFDIR/brudvagt.conf"
	if [ -d conf/templates ]; then
		find conf/templates -type f | sort | while read -r t; do
			put_conf "$t" 0640 "$SYSCONFDIR/templates/${t#conf/templates/}"
		done
	fi
	find "$D$SYSCONFDIR" -type d -exec chmod 0750 {} +

	mkdir -p "$(dirname "$(manifest_path)")"
	install -m 0644 "$NEW_MANIFEST" "$(manifest_path)"
	say "installed $(wc -l < "$NEW_MANIFEST") files under ${D:-/} (manifest $(manifest_path))"
	[ -z "$D" ] && [ "$(id -u)" = 0 ] && activate
	return 0
}

# A live install: the user, the directories, systemd told. Nothing started.
activate() {
	if command -v systemd-sysusers > /dev/null; then
		systemd-sysusers "$PREFIX/lib/sysusers.d/brudvagt.conf" || true
	fi
	if getent group brudvagt > /dev/null; then
		chgrp -R brudvagt "$SYSCONFDIR"
	fi
	if command -v systemd-tmpfiles > /dev/null; then
		systemd-tmpfiles --create "$PREFIX/lib/tmpfiles.d/brudvagt.conf" || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
	fi
	say "next: edit $SYSCONFDIR/brudvagt.conf, put the passwords in" \
	    "$SYSCONFDIR/{borgerservice,dpo,smtp}.pw (root, 0600), then" \
	    "systemctl enable --now brudvagtd"
}

do_uninstall() {
	m=$(manifest_path)
	[ -f "$m" ] || die "nothing to uninstall: no $m"
	while read -r sum _mode path; do
		[ -e "$D$path" ] || continue
		case $path in
		"$SYSCONFDIR"/*.dist) rm -f "$D$path" ;;
		"$SYSCONFDIR"/*)
			if [ "$(sha "$D$path")" = "$sum" ]; then
				rm -f "$D$path"
			else
				say "kept your changed $path"
			fi ;;
		*) rm -f "$D$path" ;;
		esac
	done < "$m"
	dirs=$(awk '{ print $3 }' "$m" | sed 's|/[^/]*$||' | sort -u)
	rm -f "$m"
	# Remove the directories left empty, deepest first, up to (not into)
	# the shared ones (PREFIX/lib, /etc, ...): rmdir refuses what is not empty.
	for dir in $dirs "$PREFIX/share/brudvagt"; do
		while [ -n "$dir" ] && [ "$dir" != / ]; do
			case $dir in
			"$PREFIX"/share/brudvagt|"$PREFIX"/share/doc/brudvagt|"$SYSCONFDIR"|"$SYSCONFDIR"/*) ;;
			*) break ;;
			esac
			rmdir "$D$dir" 2>/dev/null || break
			dir=$(dirname "$dir")
		done
	done
	say "uninstalled from ${D:-/}"
}

cd "$(dirname "$0")/.."
if [ "${1:-}" = --uninstall ]; then
	[ $# -ge 3 ] || die "usage: install.sh --uninstall DESTDIR PREFIX"
	D=$2 PREFIX=$3
	do_uninstall
else
	[ $# -ge 3 ] || die "usage: install.sh DESTDIR PREFIX BUILD"
	D=$1 PREFIX=$2 BUILD=$3
	case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
	do_install
fi
