# SPDX-License-Identifier: MIT
#
# conf.sh — a brudvagt configuration for the integration tests (POSIX sh;
# source it after tests/lib/dovecot.sh and dovecot_setup).
#
#	conf_write FILE DIR [BORGERSERVICE_KEYS [DPO_KEYS]]
#
# writes FILE: the accounts borgerservice and dpo on the private Dovecot's
# IMAPS port with the test CA, or $CONF_CA when set (timeout_seconds = 10; the extra keys, e.g.
# 'processed_mailbox = "Behandlet";', go into each account), an SMTP
# server on 127.0.0.1:2525 that nobody runs, the municipalities of the
# sample reports, and the store and spool under DIR.
conf_write() {
	cat > "$1" <<EOF
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "${CONF_CA:-$DV_CA}"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; ${3:-} },
  { name = "dpo"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "${CONF_CA:-$DV_CA}"; user = "dpo"; password_file = "$DV_PW_DPO";
    mailbox = "INBOX"; timeout_seconds = 10; ${4:-} } );
smtp = { host = "127.0.0.1"; port = 2525; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ ]; };
municipalities = (
  { name = "Horsens"; domains = [ "horsens.dk" ]; contacts = ( { email = "dpo@horsens.dk"; } ); },
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; contacts = ( { email = "dpo@silkeborg.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; } ); },
  { name = "Odder"; domains = [ "odder.dk" ]; contacts = ( { email = "dpo@odder.dk"; } ); },
  { name = "Samsø"; domains = [ "samsoe.dk" ]; contacts = ( { email = "dpo@samsoe.dk"; } ); },
  { name = "Skanderborg"; domains = [ "skanderborg.dk" ]; contacts = ( { email = "dpo@skanderborg.dk"; } ); },
  { name = "Aarhus"; domains = [ "aarhus.dk" ]; contacts = ( { email = "dpo@aarhus.dk"; } ); },
  { name = "Brønderslev"; domains = [ "bronderslev.dk" ]; contacts = ( { email = "dpo@bronderslev.dk"; } ); } );
store = { path = "$2/brudvagt.db"; };
spool = { path = "$2/spool"; };
EOF
}
