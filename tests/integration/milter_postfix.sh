#!/bin/sh
# SPDX-License-Identifier: MIT
#
# milter_postfix.sh — brudvagt-milter behind a real, private Postfix.
#
# Postfix (config, queue and data under a temp dir, smtpd on a free port on
# 127.0.0.1, relayhost = smtp-sink on another) runs with
# smtpd_milters = inet:127.0.0.1:MPORT and milter_default_action = accept.
# Sent with SMTP: a breach report, an acknowledgement, a newsletter with a
# forged X-Brudvagt-Kind: report, and a message to someone else. The sink's
# copies must carry the right X-Brudvagt-* headers and not the forged one.
# SIGHUP reloads the settings (a bad file keeps the old). Then the milter
# is killed and a message must still flow. Postfix, the
# sink and the milter are always stopped (trap); every wait is bounded.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MILTER=$BUILD/brudvagt-milter
. tests/lib/postfix.sh

T=$(mktemp -d)
MPID=
cleanup() {
	rc=$?
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null || true
	pf_stop "$T"
	sink_stop
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "milter_postfix: FAIL: $*" >&2
	echo "--- milter log" >&2; cat "$T/milter.log" >&2 || true
	echo "--- maillog" >&2; tail -20 "$T/maillog" >&2 || true
	exit 1
}

SMTP=$(pf_port); SINK=$(pf_port); MPORT=$(pf_port)
sed "s|^\([[:space:]]*\)socket = .*|\1socket = \"inet:$MPORT@127.0.0.1\";|" \
	conf/brudvagt.conf > "$T/brudvagt.conf"
grep -q "inet:$MPORT@127.0.0.1" "$T/brudvagt.conf" || fail "config"

"$MILTER" -c "$T/brudvagt.conf" -v > "$T/milter.log" 2>&1 &
MPID=$!
wait_port "$MPORT" 10 || fail "milter does not listen"
pf_setup "$T" "$SMTP" "$SINK" "inet:127.0.0.1:$MPORT"
sink_start "$T" "$SINK"
pf_start "$T" || fail "postfix does not start: $(cat "$T/postfix-start.log")"
wait_port "$SMTP" 10 || fail "postfix smtpd does not listen"
wait_port "$SINK" 10 || fail "smtp-sink does not listen"

mkdir "$T/msg"
cat > "$T/msg/report" <<'EOM'
From: Databeskyttelse Hjørring <dpo@hjoerring.dk>
To: borgerservice@aarhus.dk
Subject: Brud på persondatasikkerheden i MUNI
Message-ID: <report-1@hjoerring.dk>
Date: Mon, 30 Nov 2026 09:12:00 +0100
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hjørring Kommune anmelder et brud på persondatasikkerheden i MUNI.
Chatbotten har vist samtaler med CPR-numre til forkerte borgere.
Omfang: ca. 12 borgere. Opdaget 29.11.2026 kl. 14.00.
Alvorlighed: høj.
EOM
cat > "$T/msg/ack" <<'EOM'
From: dpo@viborg.dk
To: borgerservice@aarhus.dk
Subject: Re: [BV-2026-0003] Brud på persondatasikkerheden i MUNI
Message-ID: <ack-1@viborg.dk>
In-Reply-To: <case-BV-2026-0003.1@brudvagt.aarhus.dk>
References: <case-BV-2026-0003.1@brudvagt.aarhus.dk>
Date: Mon, 30 Nov 2026 10:00:00 +0100

Viborg Kommune bekræfter modtagelsen.
EOM
cat > "$T/msg/news" <<'EOM'
From: Nyhedsbrev <news@example.org>
To: borgerservice@aarhus.dk
Subject: Nyhedsbrev november
Message-ID: <news-1@example.org>
X-Brudvagt-Kind: report
X-Brudvagt-Case: BV-2026-0001
Date: Mon, 30 Nov 2026 11:00:00 +0100

Månedens nyheder.
EOM
cat > "$T/msg/other" <<'EOM'
From: a@example.org
To: someone@example.org
Subject: Brud på alt
Message-ID: <other-1@example.org>
X-Brudvagt-Kind: report

Not for the system owner.
EOM
sed 's/<news-1@/<after-kill-1@/' "$T/msg/news" > "$T/msg/afterkill"

# send FILE RCPT...: one SMTP session, CRLF line ends, 8BITMIME body.
send() {
	/usr/bin/python3 - "$SMTP" "$@" <<'PY'
import smtplib, sys
port, path, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.sendmail("sender@example.org", rcpts, data, mail_options=["BODY=8BITMIME"])
PY
}

send "$T/msg/report" borgerservice@aarhus.dk || fail "send report"
send "$T/msg/ack" Borgerservice@Aarhus.dk someone@example.org || fail "send ack"
send "$T/msg/news" databeskyttelse@aarhus.dk || fail "send news"
send "$T/msg/other" someone@example.org || fail "send other"
wait_count "$T/sink" 4 30 || fail "only $(ls "$T/sink" | wc -l) of 4 arrived"

# copy ID: the sink's file holding Message-ID ID
copy() {
	f=$(grep -l -i "^Message-ID: <$1>" "$T"/sink/* | head -1)
	[ -n "$f" ] || fail "no copy of <$1>"
	echo "$f"
}
# has FILE 'Header: value' / hasnt FILE 'Header: value'
has() { grep -q -i -x -F "$2" "$1" || fail "$(basename "$1"): lacks '$2'"; }
hasnt() { ! grep -q -i -F "$2" "$1" || fail "$(basename "$1"): has '$2'"; }

f=$(copy report-1@hjoerring.dk)
has "$f" "X-Brudvagt-Kind: report"
has "$f" "X-Brudvagt-Spoofed: no"
grep -q "^X-Brudvagt-CPR-Count: [0-9]" "$f" || fail "report: CPR-Count"
if [ ! -f filters/milter_stubs_tmp.c ]; then	# the real analysis
	grep -q "^X-Brudvagt-Municipality: .*reporting=3DHj=C3=B8rring" "$f" ||
		fail "report: Municipality"
	has "$f" "X-Brudvagt-Severity: high"
fi
f=$(copy ack-1@viborg.dk)
has "$f" "X-Brudvagt-Kind: ack"
has "$f" "X-Brudvagt-Case: BV-2026-0003"
f=$(copy news-1@example.org)
has "$f" "X-Brudvagt-Kind: other"
hasnt "$f" "X-Brudvagt-Kind: report"
hasnt "$f" "X-Brudvagt-Case:"
[ "$(grep -c -i '^X-Brudvagt-Kind:' "$f")" = 1 ] || fail "news: Kind twice"
f=$(copy other-1@example.org)	# not ours: untouched, forged or not
has "$f" "X-Brudvagt-Kind: report"
hasnt "$f" "X-Brudvagt-Spoofed:"
# the body is never changed
grep -q "^Månedens nyheder.\$" "$(copy news-1@example.org)" || fail "news body"

# SIGHUP reloads (libmilter alone would stop on it); a bad file keeps the
# old settings; the milter keeps tagging either way.
# log_wait TEXT: bounded wait for TEXT in the milter's log
log_wait() {
	i=0
	until grep -q "$1" "$T/milter.log"; do
		[ $i -ge 100 ] && fail "milter log lacks '$1'"
		sleep 0.1; i=$((i + 1))
	done
}
kill -HUP "$MPID"
log_wait "reload: ok"
echo "milter = { bogus = 1; };" >> "$T/brudvagt.conf"
kill -HUP "$MPID"
log_wait "reload: failed"
kill -0 "$MPID" || fail "milter died on SIGHUP"
sed 's/<news-1@/<after-hup-1@/' "$T/msg/news" > "$T/msg/afterhup"
send "$T/msg/afterhup" borgerservice@aarhus.dk || fail "send after HUP"
wait_count "$T/sink" 5 30 || fail "no mail after HUP"
f=$(copy after-hup-1@example.org)
has "$f" "X-Brudvagt-Kind: other"
hasnt "$f" "X-Brudvagt-Kind: report"

# The milter dies: Postfix must fail open (milter_default_action = accept).
kill -KILL "$MPID"; wait "$MPID" 2>/dev/null || true; MPID=
send "$T/msg/afterkill" borgerservice@aarhus.dk || fail "send after kill"
wait_count "$T/sink" 6 30 || fail "no mail flow without the milter"
f=$(copy after-kill-1@example.org)
has "$f" "X-Brudvagt-Kind: report"	# nobody removed it: expected
echo "milter_postfix: ok (tagged/untouched as expected, SIGHUP reloads, mail flows without the milter)"
