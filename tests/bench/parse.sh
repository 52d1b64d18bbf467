#!/bin/sh
# SPDX-License-Identifier: MIT
#
# parse.sh [BUILD] — throughput and memory of the analysis (analysis_run +
# analysis_to_json, what `brudvagtctl parse` does per message), on one core.
#
# Cases, each a row of one table (columns: see tests/itest_benchparse.c):
#   sample            the 16 files of tests/corpus/sample, for >= 3 s
#   synthetic-4k      200 generated ~4 KB Danish reports (labelled fields,
#                     prose, a quoted earlier mail), for >= 3 s
#   synthetic-4k-milter  the same 200 through analysis_run_triage, what
#                     brudvagt-milter runs (no JSON either)
#   external          every message file of tests/corpus/external, 3 passes
#   25mb-base64       a report with a ~19 MB attachment, base64 (26 MB),
#                     alone in a fresh process
#   25mb-text         a report with 25 MB of text body, alone in a fresh
#                     process
# then the same two 25 MB files through `brudvagtctl parse` under
# /usr/bin/time (wall time and max RSS of the whole CLI).
# Targets (issue 2): >= 5,000 typical 4 KB reports/s on one core; a 25 MB
# message analysed in < 64 MB RSS. Prints met/MISSED; exits 0 unless a tool
# fails, since a benchmark's figures depend on the machine.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-${BUILD:-build}}
BENCH=$BUILD/tests/itest_benchparse
CTL=$BUILD/brudvagtctl
TARGET_RATE=5000
TARGET_RSS_MB=64
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# make bench builds only "all"; the driver is a test helper.
make -s BUILD="$BUILD" "$BENCH" "$CTL" >&2 || exit 1
# One core: pin when taskset is there.
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"

# synth DIR N — N reproducible ~4 KB reports in the procedure's style.
synth() {
	mkdir -p "$1"
	awk -v dir="$1" -v n="$2" 'BEGIN {
		srand(1)
		nm = split("Egedal egekom.dk Favrskov favrskov.dk Horsens horsens.dk " \
		    "Hjørring hjoerring.dk Silkeborg silkeborg.dk Viborg viborg.dk " \
		    "Randers randers.dk Skive skivekommune.dk Thisted thisted.dk " \
		    "Furesø furesoe.dk Holbæk holb.dk Hørsholm horsholm.dk", m, " ")
		ncat = split("navn og adresse|CPR-nummer og helbredsoplysninger|" \
		    "telefonnummer og e-mailadresse|oplysninger om økonomi|" \
		    "navne- og adressebeskyttelse|straffedomme|fagforeningsmedlemskab|" \
		    "sociale forhold", cat, "|")
		npad = split("Medarbejderen har efterfølgende gennemgået loggen " \
		    "sammen med sin leder, og vi har ikke fundet andre samtaler, " \
		    "der er sendt til forkerte modtagere.|Sagen er drøftet på " \
		    "morgenmødet, og alle i teamet er mindet om retningslinjerne " \
		    "for brug af MUNI og videresendelse af chatlogs.|Vi har bedt " \
		    "leverandøren undersøge, om fejlen kan genskabes i testmiljøet, " \
		    "og afventer deres svar i løbet af ugen.|Borgeren er ringet op " \
		    "og har fået en forklaring på, hvad der er sket, og hvilke " \
		    "oplysninger der var tale om.|Vores informationssikkerhedskoordinator " \
		    "følger op på sagen og vender tilbage, hvis der kommer nye " \
		    "oplysninger frem.|Der er oprettet en sag i ESDH-systemet, " \
		    "hvor korrespondancen med borgeren og leverandøren journaliseres.", pad, "|")
		for (k = 1; k <= n; k++) {
			i = int(rand() * nm / 2) * 2 + 1
			muni = m[i]; dom = m[i + 1]
			day = 1 + int(rand() * 27); h = 7 + int(rand() * 9)
			mi = int(rand() * 60); cnt = 1 + int(rand() * 400)
			other = m[int(rand() * nm / 2) * 2 + 1]
			f = sprintf("%s/synth-%03d.eml", dir, k)
			printf "Return-Path: <medarbejder@%s>\r\n", dom > f
			printf "Received: from mail.%s (mail.%s [192.0.2.%d])\r\n\tby mx.aarhus.dk (Postfix) with ESMTPS id 4R7kQ%04dZ;\r\n\tTue, %d Nov 2026 %02d:%02d:19 +0100 (CET)\r\n", dom, dom, k % 250, k, day + 1, h, mi > f
			printf "Authentication-Results: mx.aarhus.dk; spf=pass smtp.mailfrom=%s;\r\n\tdkim=pass header.d=%s; dmarc=pass header.from=%s\r\n", dom, dom, dom > f
			printf "From: Medarbejder %d <medarbejder@%s>\r\nTo: \"borgerservice@aarhus.dk\" <borgerservice@aarhus.dk>\r\n", k, dom > f
			printf "CC: databeskyttelse@aarhus.dk\r\nSubject: Sikkerhedsbrud i MUNI - %s (%d)\r\n", muni, k > f
			printf "Date: Tue, %d Nov 2026 %02d:%02d:17 +0100\r\nMessage-ID: <synth-%d.%d@%s>\r\n", day + 1, h, mi, k, day, dom > f
			printf "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" > f
			body = "Kære Borgerservice og Databeskyttelse\r\n\r\nHermed orientering om et brud på persondatasikkerheden i MUNI, jf. den fælles procedure for håndtering af it-sikkerhedsbrud.\r\n\r\n"
			body = body sprintf("Dato og tidspunkt for bruddet: %02d.11.2026 kl. %02d.%02d\r\n", day, h, mi)
			body = body sprintf("Dato og tidspunkt for underretning: %02d.11.2026 kl. %02d.%02d\r\n", day + 1, 8, mi)
			body = body sprintf("Hvad skete der: En medarbejder i %s Kommune sendte en udskrift af en samtale med MUNI-chatbotten til en forkert modtager. Udskriften nævnte også en borger fra %s Kommune. CPR-nummer %02d%02d%02d-%04d fremgik af udskriften.\r\n", muni, other, 1 + int(rand() * 28), 1 + int(rand() * 12), int(rand() * 100), int(rand() * 10000))
			body = body "Årsag: Menneskelig fejl ved udfyldning af modtagerfeltet.\r\n"
			body = body sprintf("Personoplysninger: %s samt %s.\r\n", cat[1 + int(rand() * ncat)], cat[1 + int(rand() * ncat)])
			body = body sprintf("Antal berørte: ca. %d borgere\r\n", cnt)
			body = body "Konsekvenser: Risiko for at uvedkommende har set oplysningerne.\r\n"
			body = body "Foranstaltninger: Modtageren har bekræftet sletning, og borgeren er underrettet.\r\n"
			body = body sprintf("Anmeldt til Datatilsynet: %s\r\nAlvorlighed: %s\r\n\r\n", rand() < 0.5 ? "Ja" : "Nej, ikke endnu", rand() < 0.5 ? "middel" : "lav")
			while (length(body) < 2650)
				body = body pad[1 + int(rand() * npad)] " "
			body = body "\r\n\r\nVenlig hilsen\r\nMedarbejder " k "\r\n" muni " Kommune\r\n\r\n-----Oprindelig meddelelse-----\r\nFra: Leder <leder@" dom ">\r\nSendt: " day ". november 2026 " h ":" mi "\r\nTil: Medarbejder " k "\r\nEmne: Fejlsendt chatlog\r\n\r\n"
			while (length(body) < 3300)
				body = body pad[1 + int(rand() * npad)] " "
			printf "%s\r\n", body > f
			close(f)
		}
	}'
}

# bigmsg FILE base64|text — a report of about 25 MB.
bigmsg() {
	{
		printf 'From: Kasper Nielsen <kani@bronderslev.dk>\r\n'
		printf 'To: borgerservice@aarhus.dk\r\n'
		printf 'Subject: Brud i MUNI - logudtræk vedhæftet\r\n'
		printf 'Date: Tue, 10 Nov 2026 10:00:00 +0100\r\n'
		printf 'Message-ID: <big-%s@bronderslev.dk>\r\nMIME-Version: 1.0\r\n' "$2"
		if [ "$2" = base64 ]; then
			printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
			printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
			printf 'I dag kl. 10.15 fik en borger vist en anden borgers samtale i MUNI. Logudtrækket er vedhæftet.\r\n'
			printf -- '--b1\r\nContent-Type: application/zip; name="log.zip"\r\n'
			printf 'Content-Transfer-Encoding: base64\r\n'
			printf 'Content-Disposition: attachment; filename="log.zip"\r\n\r\n'
			awk 'BEGIN { srand(1); for (i = 0; i < 16; i++) s = s sprintf("%c", 65 + int(rand() * 26)); l = ""; for (i = 0; i < 19; i++) l = l s; l = substr(l, 1, 76); for (i = 0; i < 342000; i++) printf "%s\r\n", l }'
			printf -- '--b1--\r\n'
		else
			printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
			printf 'I dag kl. 10.15 fik en borger vist en anden borgers samtale i MUNI. Hele logudtrækket følger herunder.\r\n\r\n'
			awk 'BEGIN { for (i = 0; i < 250000; i++) printf "2026-11-10 10:%02d:%02d chat %06d: Borgeren skrev at hun bor på Østergade og spurgte om boligstøtte.\r\n", i % 60, i % 60, i }'
		fi
	} >"$1"
}

row() { # LABEL ARGS... — one table row, pinned to one core.
	label=$1; shift
	# shellcheck disable=SC2086
	$PIN "$BENCH" -l "$label" "$@" >"$tmp/row" || {
		echo "parse.sh: $BENCH -l $label failed" >&2
		exit 1
	}
	cat "$tmp/row"
	cp "$tmp/row" "$tmp/row.$label"
}
col() { awk -v c="$2" '{ print $c }' "$tmp/row.$1"; }

synth "$tmp/synth" 200
bigmsg "$tmp/25mb-base64.eml" base64
bigmsg "$tmp/25mb-text.eml" text
find tests/corpus/external -type f ! -path '*/_licenses/*' \
	! -name SOURCES.md ! -name _manifest.tsv | sort >"$tmp/external.list"
synth_kb=$(cat "$tmp"/synth/*.eml | wc -c | awk '{ printf "%.1f", $1 / 200 / 1000 }')

echo "parse: analysis_run + analysis_to_json, one thread${PIN:+, $PIN}; $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null)"
"$BENCH" -H
row sample -t 3 tests/corpus/sample/*.eml
row synthetic-4k -t 3 "$tmp"/synth/*.eml
row synthetic-4k-milter -M -t 3 "$tmp"/synth/*.eml
# shellcheck disable=SC2046
row external -n 3 $(cat "$tmp/external.list")
row 25mb-base64 "$tmp/25mb-base64.eml"
row 25mb-text "$tmp/25mb-text.eml"

echo
echo "brudvagtctl parse, whole process (/usr/bin/time):"
for f in 25mb-base64 25mb-text; do
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%e %M" -o "$tmp/time" "$CTL" parse "$tmp/$f.eml" >"$tmp/out" 2>/dev/null
		rc=$?
		awk -v f="$f" -v rc="$rc" '{ printf "  %-14s exit %d, %.2f s, max RSS %.1f MB\n", f, rc, $1, $2 / 1024 }' "$tmp/time"
	else
		echo "  (no /usr/bin/time)"
	fi
done

echo
echo "targets:"
rate=$(col synthetic-4k 5)
awk -v r="$rate" -v s="$(col sample 5)" -v t=$TARGET_RATE -v kb="$synth_kb" 'BEGIN {
	printf "  typical 4 KB reports/s >= %d: %s (synthetic, %s KB avg: %d msg/s; samples: %d msg/s)\n",
	    t, (r >= t ? "met" : "MISSED"), kb, r, s }'
for f in 25mb-base64 25mb-text; do
	awk -v f="$f" -v m="$(col $f 10)" -v l="$(col $f 9)" -v t=$TARGET_RSS_MB -v ms="$(col $f 7)" 'BEGIN {
		printf "  %-12s peak RSS < %d MB: %s (%.1f MB peak, %.1f MB holding the message; analysed in %.0f ms)\n",
		    f, t, (m < t ? "met" : "MISSED"), m, l, ms }'
done
