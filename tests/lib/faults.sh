# SPDX-License-Identifier: MIT
#
# faults.sh — what the fault tests (tests/integration/faults_*.sh) share
# (POSIX sh; source it after tests/lib/dovecot.sh and tests/lib/reports.sh,
# with $T set to the test's directory and $DV_* from dovecot_setup).
#
#	faults_conf FILE SMTP_PORT ACCOUNTS   a brudvagt.conf: ACCOUNTS is the
#	                         inside of "accounts = ( ... );", the store in
#	                         $T/db/brudvagt.db, the spool in $T/spool, the
#	                         four municipalities of tests/lib/reports.sh
#	until_ok SECONDS CMD...  run CMD every 0.1 s until it succeeds (0) or
#	                         SECONDS pass (1)
#	reports USER FIRST LAST TAG   reports FIRST..LAST into USER's
#	                         Maildir/new (Dovecot assigns their UIDs at its
#	                         next sync; IDLE notices)
#	cases TAG                how many cases TAG's reports opened
#	unmarked USER            UIDs in USER's INBOX without $Brudvagt
#	all_marked USER          none of them
#	exactly_once TAG N       ok/bad: N reports of TAG, each one message and
#	                         one case
#	ok / bad MESSAGE         a check passed / failed ($fails counts)
#	q SQL                    run SQL on the store

faults_conf() {
	cat > "$1" <<EOF
accounts = ( $3 );
smtp = { host = "127.0.0.1"; port = $2; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; timeout_seconds = 5; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ ]; };
municipalities = (
  { name = "Horsens"; domains = [ "horsens.dk" ]; contacts = ( { email = "dpo@horsens.dk"; } ); },
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; contacts = ( { email = "dpo@silkeborg.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; } ); } );
deadlines = { digest_hour = -1; };
store = { path = "$T/db/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF
}

. tests/lib/check.sh
q() { sqlite3 -batch -noheader -cmd ".timeout 5000" "$T/db/brudvagt.db" "$1"; }
now_ms() { date +%s%3N; }

until_ok() {
	_end=$(( $(now_ms) + $1 * 1000 )); shift
	while [ "$(now_ms)" -lt "$_end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# (reports_maildir names files by number alone: keep a user's ranges apart.)
reports() {
	reports_maildir "$1" "$2" "$3" "$4" || bad "writing reports $4"
	for _i in $(seq "$2" "$3"); do
		_f=$(printf '1700000000.M%06dP0.brudvagt' "$_i")
		mv "$DV_DIR/mail/$1/Maildir/cur/$_f:2," "$DV_DIR/mail/$1/Maildir/new/$_f"
	done
}

cases() {
	q "select count(*) from cases c join messages m on m.id = c.report_message
	   where m.subject like '%- $1-0%'" 2>/dev/null || echo 0
}

has_cases() { [ "$(cases "$1")" -ge "$2" ]; }

unmarked() {
	doveadm -c "$DV_CONF" search -u "$1" mailbox INBOX not keyword '$Brudvagt' |
		awk '{print $2}' | tr '\n' ' '
}

all_marked() { [ -z "$(unmarked "$1")" ]; }

exactly_once() {
	_dup=$(q "select count(*) from (select subject from messages
		  where subject like '%- $1-0%' group by subject having count(*) > 1)")
	_n=$(q "select count(distinct m.subject) from cases c join messages m
		on m.id = c.report_message where m.subject like '%- $1-0%'")
	_c=$(cases "$1")
	if [ "$_n" = "$2" ] && [ "$_c" = "$2" ] && [ "$_dup" = 0 ]; then
		ok "$1: all $2 reports, each exactly one message and one case"
	else
		bad "$1: $_n distinct reports, $_c cases, $_dup messages twice (want $2, $2, 0)"
	fi
}
