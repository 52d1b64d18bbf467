#!/bin/sh
# SPDX-License-Identifier: MIT
#
# demo.sh BUILD — brudvagt's main job, end to end, on this machine.
#
# `make demo` runs it after `make deps all`, as root on Debian 12. It
# starts a private Dovecot (tests/lib/dovecot.sh: the system owner's two
# mailboxes, borgerservice and dpo, over IMAPS with a test CA) and an SMTP
# sink on 127.0.0.1 (Postfix's smtp-sink, capturing every mail), both in a
# temp dir and on free ports; nothing under /etc is used and no system
# service is touched. Then it
#
#   1. delivers a municipality's report holding CPR numbers (Silkeborg) and
#      the supplier's report affecting all municipalities (Deloitte);
#   2. runs brudvagtd --once: two cases are opened;
#   3. delivers a municipality's reply to the first case and an
#      out-of-office to the second, and a meeting invitation, and runs
#      brudvagtd --once again: the reply counts as an acknowledgement, the
#      out-of-office and the invitation open nothing;
#   4. shows what happened: brudvagtctl cases, one case in full, the mails
#      each party received (CPR numbers redacted), what brudvagtd logged.
#
# Everything it started is stopped when it ends or is interrupted (the trap
# of tests/lib/dovecot.sh), and the temp dir is removed (DEMO_KEEP=1 keeps
# it). Exit status 0 when the demo ran to its end.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BVD=$BUILD/brudvagtd
CTL=$BUILD/brudvagtctl
SAMPLE=tests/corpus/sample

die() { echo "demo: $*" >&2; exit 1; }
if [ -t 1 ]; then BOLD=$(printf '\033[1m') PLAIN=$(printf '\033[0m'); else BOLD= PLAIN=; fi
section() { printf '\n%s== %s ==%s\n\n' "$BOLD" "$*" "$PLAIN"; }
say() { printf '%s\n' "$*" | fold -s -w 78; }

[ "$(id -u)" = 0 ] || die "run me as root (Dovecot drops privileges itself): sudo make demo"
for b in "$BVD" "$CTL"; do [ -x "$b" ] || die "$b is not built: make all"; done
for p in dovecot doveadm smtp-sink openssl; do
	command -v "$p" > /dev/null || die "$p is missing: make deps"
done

. tests/lib/dovecot.sh
[ "${DEMO_KEEP:-0}" = 1 ] && DV_KEEP=1

section "Starting a private mail server"
dovecot_setup || die "cannot set up Dovecot"
dovecot_start || die "cannot start Dovecot"
D=$DV_DIR/demo
SINK=$DV_DIR/sink
mkdir -p "$D" "$SINK"
chown nobody "$SINK"
dv_free_port SMTP_PORT || die "no free port"
smtp-sink -u nobody -d "$SINK/" "127.0.0.1:$SMTP_PORT" 100 &
dovecot_track $!
dv_wait_port "$SMTP_PORT" || die "smtp-sink did not start"
say "Dovecot (IMAPS) on 127.0.0.1:$DV_IMAPS_PORT with the system owner's two mailboxes, borgerservice and dpo; an SMTP sink on 127.0.0.1:$SMTP_PORT that keeps every mail it is given. All of it lives in $DV_DIR and goes away at the end."

# The example configuration with the accounts, SMTP, store and spool
# pointed here; the parties (40 municipalities, Deloitte, Borgerservice)
# stay as they are.
CONF=$D/brudvagt.conf
{
	cat <<EOF
# demo configuration, written by scripts/demo.sh
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE"; },
  { name = "dpo"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "dpo"; password_file = "$DV_PW_DPO"; } );
smtp = { host = "127.0.0.1"; port = $SMTP_PORT; tls = "none";
         from = "brudvagt@aarhus.dk"; message_id_domain = "brudvagt.aarhus.dk"; };
store = { path = "$D/lib/brudvagt.db"; };
spool = { path = "$D/spool"; };
EOF
	# Drop the top-level groups set above (and templates/milter, which
	# name system paths), by brace depth.
	awk '
	depth == 0 && /^(accounts|smtp|store|spool|templates|milter)[ \t]*=/ { skip = 1 }
	{
		line = $0; sub(/#.*/, "", line)
		opened = gsub(/[({[]/, "&", line); closed = gsub(/[)}\]]/, "&", line)
		if (!skip) print
		depth += opened - closed
		if (skip && depth == 0 && line ~ /;[ \t]*$/) skip = 0
	}' conf/brudvagt.conf
} > "$CONF"
"$BVD" -c "$CONF" --check-config > /dev/null || die "the demo configuration was refused"

# deliver MAILBOX FILE WHAT
deliver() {
	dovecot_deliver "$1" "$2" || die "cannot deliver $2"
	printf '  %-14s <- %s\n' "$1" "$3"
}

# run_once: brudvagtd --once, its log kept for the end.
run_once() {
	echo
	echo "  # brudvagtd -c brudvagt.conf --once"
	if ! timeout 120 "$BVD" -c "$CONF" --once 2>> "$D/brudvagtd.log"; then
		tail -n 20 "$D/brudvagtd.log" >&2
		die "brudvagtd --once failed"
	fi
}

section "1. Two breach reports arrive"
deliver dpo "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml" \
	"Silkeborg Kommune: its users can see chats of Viborg and Favrskov; the report quotes two CPR numbers"
deliver borgerservice "$SAMPLE/09-deloitte-alle-kommuner-base64.eml" \
	"Deloitte (the supplier): chat text logged in a test environment, all municipalities affected"
run_once

ref_of() {	# the case whose reporter's address matches $1
	"$CTL" -c "$CONF" cases --json |
		grep -o '"ref": *"BV-[0-9]*-[0-9]*"' | sed 's/.*"\(BV-[^"]*\)"/\1/' |
		while read -r r; do
			"$CTL" -c "$CONF" show --json "$r" | grep -q "\"reporter\": *\"[^\"]*$1" && echo "$r"
		done | head -n 1
}
SILKEBORG=$(ref_of silkeborg.dk)
DELOITTE=$(ref_of deloitte.dk)
[ -n "$SILKEBORG" ] && [ -n "$DELOITTE" ] || die "the two reports did not become cases"
say "  -> $SILKEBORG (Silkeborg's report) and $DELOITTE (Deloitte's) are open."

section "2. Replies come back"
sed "s/BV-2026-0003/$SILKEBORG/g" "$SAMPLE/12-kvittering-sv-bv-2026-0003.eml" > "$D/reply.eml"
sed "s/BV-2026-0006/$DELOITTE/g" "$SAMPLE/14-autosvar-ferie.eml" > "$D/ooo.eml"
deliver dpo "$D/reply.eml" "Viborg replies 'SV: [$SILKEBORG] ...': an acknowledgement"
deliver dpo "$D/ooo.eml" "Herning's out-of-office on $DELOITTE: no acknowledgement"
deliver borgerservice "$SAMPLE/16-moedeinvitation.eml" "a meeting invitation: not a breach report"
run_once

section "3. The cases: brudvagtctl cases"
"$CTL" -c "$CONF" cases || die "brudvagtctl cases failed"
echo
say "OUTSTANDING lists who has not acknowledged yet; Viborg's reply took it off $SILKEBORG's list. The out-of-office and the invitation opened no case."

section "4. One case in full: brudvagtctl show $SILKEBORG"
"$CTL" -c "$CONF" show "$SILKEBORG" || die "brudvagtctl show failed"
echo
say "The report held two CPR numbers: the case records how many, never the numbers, and every text brudvagtctl prints has them replaced by [CPR fjernet]."

# show_mail FILE: the envelope, the headers a person reads, the text.
show_mail() {
	awk '
	/^(To|Subject|X-Brudvagt-Mail):/ { print "  " $0 }
	/^$/ { exit }' "$1"
	echo "  ----"
	body_text "$1" | sed -n '1,25p' | sed 's/^/  | /'
	echo
}

# body_text FILE: the first text part, quoted-printable or base64 decoded.
body_text() {
	awk '
	BEGIN { for (i = 0; i < 256; i++) hex[sprintf("%02X", i)] = i }
	!inbody && /^[Cc]ontent-[Tt]ransfer-[Ee]ncoding: *[Qq]uoted-[Pp]rintable/ { qp = 1 }
	!inbody && /^[Cc]ontent-[Tt]ransfer-[Ee]ncoding: *[Bb]ase64/ { b64 = 1 }
	!inbody && /^\r?$/ { inbody = 1; next }
	!inbody { next }
	/^--/ && seen { exit }
	{ sub(/\r$/, ""); seen = 1 }
	b64 { print | "base64 -d 2>/dev/null"; next }
	!qp { print; next }
	{
		soft = sub(/=$/, "")
		out = ""
		while (match($0, /=[0-9A-F][0-9A-F]/)) {
			out = out substr($0, 1, RSTART - 1) sprintf("%c", hex[substr($0, RSTART + 1, 2)])
			$0 = substr($0, RSTART + 3)
		}
		printf "%s%s", out $0, soft ? "" : "\n"
	}' "$1"
}

section "5. The mails each party received"
n=$(find "$SINK" -type f | wc -l)
if [ "$n" = 0 ]; then
	say "None were sent: this build of brudvagtd records the cases but does not send mail yet (outbound mail is issue 4). When it does, this section shows every mail the SMTP sink caught: the receipt to each reporter, the triaged case to Borgerservice and the forwards to Deloitte and the affected municipalities, with CPR numbers redacted."
else
	say "The SMTP sink caught $n mails. By kind (X-Brudvagt-Mail), with the recipients where they are few:"
	echo
	for k in receipt triage forward authority reminder escalation delivery-failure digest; do
		c=$(grep -l "^X-Brudvagt-Mail: $k" "$SINK"/* 2>/dev/null | wc -l)
		[ "$c" = 0 ] && continue
		to=""
		[ "$c" -le 4 ] && to=$(grep -l "^X-Brudvagt-Mail: $k" "$SINK"/* |
			while read -r f; do awk '/^To:/ { print; exit }' "$f"; done |
			grep -o '[^<> "]*@[^<> "]*' | sort | tr '\n' ' ')
		printf '  %-17s %3d  %s\n' "$k" "$c" "$to"
	done
	echo
	say "One of each kind in full (decoded):"
	echo
	for k in receipt triage forward authority reminder escalation delivery-failure digest; do
		f=$(grep -l "^X-Brudvagt-Mail: $k" "$SINK"/* 2>/dev/null | head -n 1)
		[ -n "$f" ] || continue
		echo "  ---- $k ----"
		/usr/bin/python3 tests/lib/maildecode.py "$f" |
			awk '/^(To|Subject|X-Brudvagt-Mail|In-Reply-To|Message-ID):/ && !b { print; next }
			     /^$/ { b = 1 } b' | sed -n '1,40p' | sed 's/^/  | /'
		echo
	done
	cprs=$(find "$SINK" -type f | while read -r f; do
		grep -qi '^To:.*\(borgerservice\|databeskyttelse\)@aarhus.dk' "$f" && continue
		body_text "$f"
	done | grep -cE '(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}[- ]?[0-9]{4}')
	say "CPR numbers in the mails to the supplier and the municipalities: $cprs."
fi

section "6. What brudvagtd logged"
say "One line per event, 'module: event: key=value'; no bodies, CPR numbers or passwords."
echo
sed 's/^/  /' "$D/brudvagtd.log" | tail -n 30

section "Done"
say "Everything the demo started is being stopped now. To run brudvagt for real: README.md, 'Deployment'."
exit 0
