# SPDX-License-Identifier: MIT
"""imapproxy.py — a misbehaving TCP proxy for brudvagt's IMAP fault tests.

    /usr/bin/python3 tests/lib/imapproxy.py [--tls|--starttls CERT KEY] \
        LISTEN_PORT SERVER_PORT CTL LOG

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to
127.0.0.1:SERVER_PORT (plain IMAP: the proxy must see the commands).
With a TLS front the client's side is TLS, ended here with the
certificate CERT and its key KEY, and the server's side stays plain:

  --tls       implicit TLS (993-style) from the first byte
  --starttls  plain until the client's STARTTLS, which the proxy answers
              itself (OK, then the handshake) and never passes on; it adds
              STARTTLS to the server's CAPABILITY lists until then

What the proxy does is read from the file CTL at each decision (one word;
a missing or unknown word means "pass"), so a test switches it while
brudvagtd runs; behind a TLS front the modes act on the decrypted commands
and answers alike, and a reset resets the TCP connection beneath the TLS:

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
  idle-burst      once the server's "+ idling" has passed, send the client
                  BURST bytes in one write: 64-byte "* OK" lines and at the
                  end "* 99 EXISTS" (behind a TLS front: one full 16 KB
                  record), as a server does when many flags change

LOG gets one line per event, "EPOCH_MS CONN EVENT [DETAIL]": accept, tls
(a TLS front's handshake done), hang, reset, strip, bad-starttls, burst, and
"cmd NAME" for each client command (its name only: LOGIN's arguments never
reach the log). Runs until killed.
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

HANG_AFTER = 2048
BUF = 16384
BURST_LINE = b"* OK " + b"x" * 57 + b"\r\n"     # 64 bytes
BURST = (BURST_LINE * 255 + b"* OK " + b"x" * 44 + b"\r\n" +
         b"* 99 EXISTS\r\n")      # 16,384 bytes: one full TLS record


def mode(ctl):
    try:
        with open(ctl) as f:
            return f.read().strip() or "pass"
    except OSError:
        return "pass"


class TlsFront:
    """The client's side of a connection with TLS ended here: recv and
    sendall as on a socket, from the two threads of a Conn (the TLS state
    is locked, but never while waiting for the client), and setsockopt,
    shutdown and close on the TCP socket beneath. Plain until start_tls."""

    def __init__(self, raw, ctx):
        self.raw, self.ctx, self.obj = raw, ctx, None
        self.lock = threading.Lock()
        self.setsockopt, self.shutdown = raw.setsockopt, raw.shutdown
        self.close = raw.close

    def start_tls(self, first=b""):
        """Send first in the clear, then the server's side of the handshake."""
        with self.lock:
            self.raw.sendall(first)
            self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
            self.obj = self.ctx.wrap_bio(self.inc, self.out,
                                         server_side=True)
            while True:
                try:
                    self.obj.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    self.flush()
                    self.feed()
            self.flush()

    def flush(self):
        self.raw.sendall(self.out.read())

    def feed(self):
        data = self.raw.recv(BUF)
        if not data:
            raise ConnectionError("the client closed the connection")
        self.inc.write(data)

    def recv(self, n):
        if self.obj is None:
            return self.raw.recv(n)
        while True:
            with self.lock:
                try:
                    data = self.obj.read(n)
                    self.flush()
                    return data
                except ssl.SSLWantReadError:
                    self.flush()
                except ssl.SSLZeroReturnError:
                    return b""
            data = self.raw.recv(BUF)
            if not data:
                return b""
            with self.lock:
                self.inc.write(data)

    def sendall(self, data):
        with self.lock:
            if self.obj is None:
                self.raw.sendall(data)
                return
            self.obj.write(data)
            self.flush()


class Conn:
    def __init__(self, n, client, ctl, log):
        self.n, self.ctl, self.log = n, ctl, log
        self.client = client if FRONT is None else TlsFront(client, TLS_CTX)
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
        name = (words[1] if len(words) > 1 else words[0] if words else
                b"?").upper()
        if name == b"UID" and len(words) > 2:
            name += b" " + words[2].upper()
        self.note("cmd " + name.decode("ascii", "replace"))
        if name == b"UID FETCH" and b"BODY.PEEK" in line.upper():
            self.body_fetch, self.passed = True, 0
        if name == b"STARTTLS" and FRONT == "--starttls":
            self.client.start_tls(words[0] + b" OK Begin TLS (proxy)\r\n")
            self.note("tls")
            return
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
            if FRONT == "--starttls" and self.client.obj is None:
                data = data.replace(b"CAPABILITY IMAP4rev1 ",
                                    b"CAPABILITY IMAP4rev1 STARTTLS ")
            if m == "strip-starttls" and not self.tls and b"STARTTLS" in data:
                data = data.replace(b" STARTTLS", b"")
                self.note("strip")
            if m == "idle-burst" and data.startswith(b"+ idling"):
                self.send_client(data)
                self.note("burst")
                self.send_client(BURST)
                continue
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
        threading.Thread(target=self.guard, args=(self.start,),
                         daemon=True).start()

    def start(self):
        if FRONT == "--tls":
            self.client.start_tls()
            self.note("tls")
        threading.Thread(target=self.guard, args=(self.from_server,),
                         daemon=True).start()
        self.from_client()

    @staticmethod
    def guard(fn):
        try:
            fn()
        except OSError:
            pass


def main():
    global SERVER_PORT, FRONT, TLS_CTX
    args = sys.argv[1:]
    FRONT = TLS_CTX = None
    if args and args[0] in ("--tls", "--starttls"):
        FRONT = args[0]
        TLS_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS_CTX.load_cert_chain(args[1], args[2])
        args = args[3:]
    port, SERVER_PORT, ctl, logpath = (int(args[0]), int(args[1]),
                                       args[2], args[3])
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
