#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# maildecode.py FILE... — print each captured mail decoded, for greps in
# tests/integration/outbound.sh: the header fields (RFC 2047 words decoded,
# one field a line, as "Name: value") and every text part's payload after
# its transfer encoding (quoted-printable, base64) is undone; an attached
# message/rfc822 is decoded the same way, recursively. Lines the SMTP
# capture adds before the message (smtp-sink's X-*, itest_smtp's X-Rcpt)
# are passed through.
import email, email.header, email.policy, sys


def hdr(v):
    return str(email.header.make_header(email.header.decode_header(v)))


def dump(msg, out):
    for k, v in msg.items():
        out.write("%s: %s\n" % (k, hdr(str(v))))
    out.write("\n")
    if msg.is_multipart():
        for part in msg.get_payload():
            dump(part, out)
        return
    data = msg.get_payload(decode=True)
    if data is not None:
        out.write(data.decode("utf-8", "replace"))
        out.write("\n")


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.compat32)
    dump(m, sys.stdout)
