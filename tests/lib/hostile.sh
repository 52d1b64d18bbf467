# SPDX-License-Identifier: MIT
#
# hostile.sh — hostile messages, generated reproducibly (POSIX sh + awk,
# awk srand(1); nothing large is committed). Source it, then:
#
#	hostile_small DIR	the set corpus_asan.sh parses under ASan: a
#				0-byte file, random binary, NUL bytes in
#				headers, a 2 MB header line, 200,000 folds,
#				300 nested multiparts, 300 nested message/rfc822,
#				2,000 parts, invalid UTF-8 in the body and in
#				encoded words, encoded words holding CR/LF,
#				broken base64/QP and RFC 2231, CR-only line
#				ends, a 2 MB HTML line (~5.5 MB in all)
#	hostile_big DIR MAX	what hostile_big.sh sends through the daemon
#				too: big50.eml (exactly 50,000,000 bytes, a
#				report with a base64 attachment), over.eml
#				(MAX + 2 MiB: past limits.max_message_bytes
#				when MAX is that limit), parts10k.eml (10,000
#				MIME parts), nest1000.eml (multiparts 1,000
#				deep, the text at the bottom)
#
# Every message but the deliberately broken ones carries a municipality's
# report headers (hostile_hdr), so the whole analysis runs; the big ones
# have Message-ID <hostile-NAME@viborg.dk>. CRLF line ends throughout.

# hostile_hdr ID [-]: the usual headers of a municipality's report; "-"
# leaves out Subject for the caller to write.
hostile_hdr() {
	printf 'From: Test <test@viborg.dk>\r\nTo: borgerservice@aarhus.dk\r\n'
	printf 'Date: Tue, 10 Nov 2026 10:00:00 +0100\r\nMessage-ID: <%s@viborg.dk>\r\n' "$1"
	[ "${2:-}" = - ] || printf 'Subject: Sikkerhedsbrud i MUNI\r\n'
	printf 'MIME-Version: 1.0\r\n'
}

hostile_small() {
	_h=$1
	: >"$_h/empty.eml"
	LC_ALL=C awk 'BEGIN { srand(1); for (i = 0; i < 65536; i++) printf "%c", int(rand() * 256) }' \
		>"$_h/random.bin"
	{ printf 'From: Te\000st <test@viborg.dk>\r\nSubject: Brud\000 i MUNI\r\n'
	  printf 'X-\000: \000\000\r\nMessage-ID: <nul\000@viborg.dk>\r\n\r\nCPR 010203-4567\000 hej\r\n'
	} >"$_h/nul-headers.eml"
	{ hostile_hdr long-header -; printf 'Subject: Sikkerhedsbrud '
	  awk 'BEGIN { for (i = 0; i < 2 * 1024 * 1024 / 8; i++) printf "Brud%04d", i % 10000 }'
	  printf '\r\n\r\nkort\r\n'
	} >"$_h/header-2mb.eml"
	{ hostile_hdr long-folded -; printf 'Subject: Sikkerhedsbrud'
	  awk 'BEGIN { for (i = 0; i < 200000; i++) printf "\r\n x" }'
	  printf '\r\n\r\nkort\r\n'
	} >"$_h/header-200k-folds.eml"
	{ hostile_hdr nested; printf 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
	  awk 'BEGIN { for (i = 0; i < 300; i++) printf "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i + 1
		printf "--b300\r\nContent-Type: text/plain\r\n\r\nDybt brud\r\n--b300--\r\n"
		for (i = 299; i >= 0; i--) printf "--b%d--\r\n", i }'
	} >"$_h/nested-300.eml"
	{ hostile_hdr rfc822-nested; awk 'BEGIN { for (i = 0; i < 300; i++) printf "Content-Type: message/rfc822\r\n\r\nSubject: lag %d\r\n", i
		printf "Content-Type: text/plain\r\n\r\nbund\r\n" }'
	} >"$_h/rfc822-300.eml"
	{ hostile_hdr parts; printf 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n'
	  awk 'BEGIN { for (i = 0; i < 2000; i++) printf "--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDel %d: CPR 0102%02d-%04d\r\n", i, i % 100, i
		printf "--p--\r\n" }'
	} >"$_h/parts-2000.eml"
	{ hostile_hdr bad-utf8-body; printf 'Content-Type: text/plain; charset=utf-8\r\n'
	  printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
	  printf 'Brud \377\376 \303( \355\240\200 \300\257 \370\210\200\200\200 \364\220\200\200 sidste\303\r\n'
	  printf 'Antal ber\370rte: 12\r\nCPR: 0102\30303-4567\r\n'
	} >"$_h/bad-utf8-body.eml"
	{ hostile_hdr bad-utf8-header -
	  printf 'Subject: Sikkerhedsbrud =?utf-8?B?/+7DKO2ggMCv?= =?utf-8?Q?=FF=FE=C3=28?= =?utf-8?Q?=E2=82?=\r\n'
	  printf 'X-Name: =?iso-8859-1?Q?=FF?= =?x-unknown-charset?B?AAAA?= =?utf-8?B?####?= =?utf-8??=\r\n'
	  printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nhej\r\n'
	} >"$_h/bad-utf8-encoded-word.eml"
	{ hostile_hdr crlf-encoded-word -
	  printf 'Subject: Sikkerhedsbrud =?utf-8?Q?Brud=0D=0ABcc:_evil@example.org=0D=0A=0D=0Akrop?=\r\n'
	  printf 'From: =?utf-8?B?VGVzdA0KVG86IGV2aWxAZXhhbXBsZS5vcmc=?= <x@viborg.dk>\r\n'
	  printf 'Content-Type: text/plain; name="=?utf-8?Q?a=0D=0Ab.txt?="\r\n\r\nhej\r\n'
	} >"$_h/crlf-encoded-word.eml"
	{ hostile_hdr cut-base64; printf 'Content-Type: multipart/mixed; boundary="c"\r\n\r\n--c\r\n'
	  printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	  printf 'SGVq!!!IG1lZCBk=ig=\r\nAAA\r\n--c\r\nContent-Type: text/plain\r\n'
	  printf 'Content-Transfer-Encoding: quoted-printable\r\n\r\nbrud =\r\n=Z=\r\n=0'
	} >"$_h/cut-encodings.eml"
	{ hostile_hdr rfc2231; printf 'Content-Type: multipart/mixed; boundary="d"\r\n\r\n--d\r\n'
	  printf "Content-Type: application/pdf; name*0*=utf-8''%%FF%%FE; name*1=\"x\"; name*99=\"y\"; name*=bogus''%%\r\n"
	  printf "Content-Disposition: attachment; filename*=utf-8'da'%%C3%%28%%00.pdf\r\n\r\nAAAA\r\n--d--\r\n"
	} >"$_h/rfc2231-broken.eml"
	{ printf 'From: a@b\rSubject: kun CR\rDate: i går\r\r'
	  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "linje %d\r", i }'
	} >"$_h/cr-only.eml"
	{ hostile_hdr long-body-line; printf 'Content-Type: text/html; charset=utf-8\r\n\r\n<p>'
	  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "<b><i>&aelig;&#x110000;&#0;" }'
	  printf '\r\n'
	} >"$_h/html-2mb-line.eml"
}

# hostile_report_text: a text/plain part (headers and body) that the
# analysis reads as Viborg's report.
hostile_report_text() {
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	printf 'Viborg Kommune melder et sikkerhedsbrud i MUNI.\r\nAntal ber\303\270rte borgere: 12.\r\n'
}

# hostile_attached FILE BYTES: FILE (headers and the opening of a
# multipart/mixed with boundary "b", written by the caller) gets a base64
# application/pdf part and the closing boundary, so that it is exactly
# BYTES long.
hostile_attached() {
	{ printf -- '--b\r\nContent-Type: application/pdf; name="log.pdf"\r\n'
	  printf 'Content-Transfer-Encoding: base64\r\n\r\n'; } >>"$1"
	LC_ALL=C awk -v n=$(($2 - $(wc -c <"$1") - 9)) 'BEGIN {
		l = "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+"
		w = length(l) + 2
		for (; n >= w; n -= w) printf "%s\r\n", l
		printf "%s\r\n", substr(l, 1, n - 2)
	}' >>"$1"
	printf '\r\n--b--\r\n' >>"$1"
}

hostile_big() {
	for _n in big50 over; do
		{ hostile_hdr "hostile-$_n"
		  printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
		  hostile_report_text; } >"$1/$_n.eml"
	done
	hostile_attached "$1/big50.eml" 50000000
	hostile_attached "$1/over.eml" $(($2 + 2 * 1024 * 1024))
	{ hostile_hdr hostile-parts10k
	  printf 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n--p\r\n'
	  hostile_report_text
	  awk 'BEGIN { for (i = 1; i < 10000; i++) printf "--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBilag %d.\r\n", i
		printf "--p--\r\n" }'
	} >"$1/parts10k.eml"
	{ hostile_hdr hostile-nest1000
	  printf 'Content-Type: multipart/mixed; boundary="n0"\r\n\r\n'
	  awk 'BEGIN { for (i = 0; i < 1000; i++) printf "--n%d\r\nContent-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n", i, i + 1
		printf "--n1000\r\n" }'
	  hostile_report_text
	  awk 'BEGIN { printf "--n1000--\r\n"; for (i = 999; i >= 0; i--) printf "--n%d--\r\n", i }'
	} >"$1/nest1000.eml"
}
