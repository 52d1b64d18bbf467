# SPDX-License-Identifier: MIT
#
# tests/lib/postfix.sh — a private Postfix and smtp-sink on 127.0.0.1, for
# the milter's integration test and benchmark (sourced, not run).
#
# Everything lives under one temp dir: config, queue and data directories,
# the sink's dump directory. Nothing under /etc is touched and no system
# service is started. Needs root (Postfix's master), as TESTING.md says.
#
#   pf_port                         print a free TCP port on 127.0.0.1
#   pf_setup DIR SMTPPORT SINKPORT [MILTER [PLAINPORT]]
#                                   write DIR/etc/{main,master}.cf; smtpd
#                                   on PLAINPORT (if given) has no milter
#   pf_start DIR / pf_stop DIR      start / stop that Postfix
#   sink_start DIR PORT [nodump] / sink_stop
#                                   smtp-sink dumping to DIR/sink/ (or not)
#   wait_count DIR N SECONDS        wait until DIR holds N files (bounded)

pf_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pf_setup() {
	_d=$1; _smtp=$2; _sink=$3; _milter=${4:-}; _plain=${5:-}
	mkdir -p "$_d/etc" "$_d/spool" "$_d/data"
	chmod 0755 "$_d"
	chown postfix "$_d/data"
	cat > "$_d/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $_d/spool
data_directory = $_d/data
mail_owner = postfix
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mx.brudvagt.test
mydomain = brudvagt.test
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$_sink
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = $_d
maillog_file = $_d/maillog
smtpd_milters = $_milter
non_smtpd_milters =
milter_default_action = accept
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 30s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
default_destination_concurrency_limit = 20
smtp_connection_cache_on_demand = yes
biff = no
CF
	cat > "$_d/etc/master.cf" <<CF
127.0.0.1:$_smtp inet n - n - 20 smtpd
${_plain:+127.0.0.1:$_plain inet n - n - 20 smtpd -o smtpd_milters=}
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
}

pf_start() {
	postfix -c "$1/etc" start >"$1/postfix-start.log" 2>&1
}

pf_stop() {
	[ -f "$1/etc/main.cf" ] || return 0
	postfix -c "$1/etc" stop >/dev/null 2>&1 || true
	# bounded: the master may take a moment to go
	_i=0
	while [ -f "$1/spool/pid/master.pid" ] && [ $_i -lt 50 ] &&
	      kill -0 "$(tr -d ' ' < "$1/spool/pid/master.pid")" 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1))
	done
}

sink_start() {
	mkdir -p "$1/sink"
	chmod 0777 "$1/sink"
	if [ "${3:-}" = nodump ]; then
		smtp-sink -u nobody "127.0.0.1:$2" 256 >"$1/sink.log" 2>&1 &
	else
		smtp-sink -u nobody -d "$1/sink/" "127.0.0.1:$2" 100 \
			>"$1/sink.log" 2>&1 &
	fi
	SINK_PID=$!
}

sink_stop() {
	if [ -n "${SINK_PID:-}" ]; then
		kill "$SINK_PID" 2>/dev/null || true
		wait "$SINK_PID" 2>/dev/null || true
	fi
	SINK_PID=
}

wait_count() {
	_i=0
	while [ "$(find "$1" -type f | wc -l)" -lt "$2" ]; do
		[ $_i -ge $(($3 * 10)) ] && return 1
		sleep 0.1; _i=$((_i + 1))
	done
}

# wait_port PORT SECONDS: until something listens on 127.0.0.1:PORT
wait_port() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, end = int(sys.argv[1]), time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}
