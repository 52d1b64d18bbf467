# SPDX-License-Identifier: MIT
"""imapproxy.py — a misbehaving TCP proxy for brudvagt's IMAP fault tests.

    /usr/bin/python3 tests/lib/imapproxy.py LISTEN_PORT SERVER_PORT CTL LOG

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to
127.0.0.1:SERVER_PORT (plain IMAP: the proxy must see the commands). What
it does is read from the file CTL at each decision (one word; a missing or
unknown word means "pass"), so a test switches it while brudvagtd runs:

  pass            forward both ways untouched
  hang            once the client has sent a UID FETCH of message bodies
                  (BODY.PEEK) and HANG_AFTER bytes of the server's answer
                  have passed, forward nothing more to the client; the
                  socket stays open (a server that stops answering mid-FETCH)
  reset           at that same point, reset the client's connection
                  (SO_LINGER 0: the client sees ECONNRESET)
  strip-starttls  remove STARTTLS from the server's CAPABILITY lists (a
                  man in the middle downgrading to plaintext)
  bad-starttls    answer the client's STARTTLS with BAD, never passing it on

LOG gets one line per event, "EPOCH_MS CONN EVENT [DETAIL]": accept, hang,
reset, strip, bad-starttls, and "cmd NAME" for each client command (its
name only: LOGIN's arguments never reach the log). Runs until killed.
"""
import os
import socket
import struct
import sys
import threading
import time

HANG_AFTER = 2048
BUF = 16384


def mode(ctl):
    try:
        with open(ctl) as f:
            return f.read().strip() or "pass"
    except OSError:
        return "pass"


class Conn:
    def __init__(self, n, client, ctl, log):
        self.n, self.client, self.ctl, self.log = n, client, ctl, log
        self.server = socket.create_connection(("127.0.0.1", SERVER_PORT))
        self.body_fetch = False     # a BODY.PEEK fetch was sent
        self.passed = 0             # server bytes since then
        self.held = False           # hanging: nothing more to the client
        self.tls = False            # STARTTLS passed: no more parsing
        self.lock = threading.Lock()

    def note(self, event):
        self.log.write("%d %d %s\n" % (time.time() * 1000, self.n, event))
        self.log.flush()

    def send_client(self, data):
        with self.lock:
            if not self.held:
                self.client.sendall(data)

    def reset(self):
        self.note("reset")
        self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               struct.pack("ii", 1, 0))
        # wake the reader thread first: the RST leaves only when the last
        # user of the socket lets go of it
        self.client.shutdown(socket.SHUT_RD)
        self.client.close()
        self.server.close()

    def from_client(self):
        buf = b""
        while True:
            data = self.client.recv(BUF)
            if not data:
                break
            if self.tls:            # past STARTTLS: bytes, not lines
                self.server.sendall(data)
                continue
            buf += data
            while b"\n" in buf and not self.tls:
                line, buf = buf.split(b"\n", 1)
                self.command(line + b"\n")
            if self.tls and buf:
                self.server.sendall(buf)
                buf = b""
        self.server.close()

    def command(self, line):
        words = line.split()
        name = words[1].upper() if len(words) > 1 else b"?"
        if name == b"UID" and len(words) > 2:
            name += b" " + words[2].upper()
        self.note("cmd " + name.decode("ascii", "replace"))
        if name == b"UID FETCH" and b"BODY.PEEK" in line.upper():
            self.body_fetch, self.passed = True, 0
        if name == b"STARTTLS" and mode(self.ctl) == "bad-starttls":
            self.note("bad-starttls")
            self.send_client(words[0] + b" BAD STARTTLS not here (proxy)\r\n")
            return
        self.tls = name == b"STARTTLS"
        self.server.sendall(line)

    def from_server(self):
        while True:
            try:
                data = self.server.recv(BUF)
            except OSError:
                data = b""
            if not data:
                break
            m = mode(self.ctl)
            if m == "strip-starttls" and not self.tls and b"STARTTLS" in data:
                data = data.replace(b" STARTTLS", b"")
                self.note("strip")
            if self.body_fetch and m in ("hang", "reset") and not self.held:
                room = HANG_AFTER - self.passed
                if len(data) >= room:
                    self.send_client(data[:max(room, 0)])
                    if m == "reset":
                        self.reset()
                        return
                    self.note("hang")
                    with self.lock:
                        self.held = True
                    continue
                self.passed += len(data)
            try:
                self.send_client(data)
            except OSError:
                break
        try:
            self.client.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def run(self):
        self.note("accept")
        for fn in (self.from_client, self.from_server):
            threading.Thread(target=self.guard, args=(fn,), daemon=True).start()

    @staticmethod
    def guard(fn):
        try:
            fn()
        except OSError:
            pass


def main():
    global SERVER_PORT
    port, SERVER_PORT, ctl, logpath = (int(sys.argv[1]), int(sys.argv[2]),
                                       sys.argv[3], sys.argv[4])
    log = open(logpath, "a")
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(16)
    n = 0
    while True:
        client, _ = lsock.accept()
        n += 1
        try:
            Conn(n, client, ctl, log).run()
        except OSError as e:
            log.write("%d %d error %s\n" % (time.time() * 1000, n, e))
            log.flush()
            client.close()


if __name__ == "__main__":
    main()
