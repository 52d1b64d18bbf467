# SPDX-License-Identifier: MIT
#
# reports.sh — generate many distinct breach reports straight into Maildirs
# (POSIX sh + awk; source it after tests/lib/dovecot.sh and dovecot_setup).
#
#	reports_maildir USER FIRST LAST TAG [NOMID_EVERY]
#
# writes reports FIRST..LAST into USER's Maildir/cur (Dovecot assigns the
# UIDs at its next sync, in file-name order), one awk process for all of
# them. Each report is tests/corpus/sample/01-horsens-fejlsendt-chatlog.eml
# with
#   - Message-ID <TAG-NNNNNN@brudvagt.test>, or none at all when
#     NOMID_EVERY > 0 and NNNNNN is a multiple of it;
#   - Subject "Sikkerhedsbrud i MUNI - TAG-NNNNNN" (the test's handle on
#     each report, with or without a Message-ID), and the same token in the
#     body, so reports without a Message-ID differ in their body hash;
#   - a sender from one of four municipalities (N mod 4): Horsens,
#     Silkeborg, Viborg, Favrskov.
# Calling it for the same N and TAG with two users gives the same message in
# both mailboxes (the cross-account duplicate). Files are owned by the mail
# user. Line ends follow the template (CRLF). Measured: 10,000 reports in ~0.5 s.

REPORTS_TEMPLATE=tests/corpus/sample/01-horsens-fejlsendt-chatlog.eml

reports_maildir() {
	_md=$DV_DIR/mail/$1/Maildir/cur
	awk -v first="$2" -v last="$3" -v tag="$4" -v nomid="${5:-0}" \
	    -v dir="$_md" -v user="$1" '
	{ tmpl[++n] = $0 }
	END {
		split("horsens silkeborg viborg favrskov", dom, " ")
		for (i = first; i <= last; i++) {
			id = sprintf("%s-%06d", tag, i)
			f = sprintf("%s/1700000000.M%06dP0.brudvagt:2,", dir, i)
			d = dom[i % 4 + 1]
			inbody = 0
			for (k = 1; k <= n; k++) {
				l = tmpl[k]
				cr = sub(/\r$/, "", l) ? "\r" : ""
				if (!inbody && l ~ /^Message-ID:/) {
					if (nomid > 0 && i % nomid == 0)
						continue
					l = "Message-ID: <" id "@brudvagt.test>"
				} else if (!inbody && l ~ /^Subject:/)
					l = "Subject: Sikkerhedsbrud i MUNI - " id
				else if (!inbody && (l ~ /^(From|Return-Path):/ ||
						     l ~ /dmarc=pass|spf=pass/))
					gsub(/horsens/, d, l)
				if (l == "")
					inbody = 1
				print l cr > f
				if (inbody && k == n)
					print "Sag " id cr > f
			}
			close(f)
		}
	}' "$REPORTS_TEMPLATE" || return 1
	chown -R $DV_MAIL_UID:$DV_MAIL_GID "$_md"
}

#	reports_copies USER FIRST LAST TAG FILE
#
# writes copies FIRST..LAST of the message FILE into USER's Maildir/cur,
# each with Message-ID <TAG-NNNNNN@brudvagt.test> and "TAG-NNNNNN " put in
# front of its Subject; sender and body stay as they are (one sender, many
# reports: tests/integration/flood.sh). File names as reports_maildir's,
# with "C" for "P", so both may fill one Maildir.
reports_copies() {
	_md=$DV_DIR/mail/$1/Maildir/cur
	awk -v first="$2" -v last="$3" -v tag="$4" -v dir="$_md" '
	{ tmpl[++n] = $0 }
	END {
		for (i = first; i <= last; i++) {
			id = sprintf("%s-%06d", tag, i)
			f = sprintf("%s/1700000000.M%06dC0.brudvagt:2,", dir, i)
			inbody = 0
			for (k = 1; k <= n; k++) {
				l = tmpl[k]
				cr = sub(/\r$/, "", l) ? "\r" : ""
				if (!inbody && l ~ /^Message-ID:/)
					l = "Message-ID: <" id "@brudvagt.test>"
				else if (!inbody && l ~ /^Subject: /)
					sub(/^Subject: /, "Subject: " id " ", l)
				if (l == "")
					inbody = 1
				print l cr > f
			}
			close(f)
		}
	}' "$5" || return 1
	chown -R $DV_MAIL_UID:$DV_MAIL_GID "$_md"
}
