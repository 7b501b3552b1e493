#!/usr/bin/env python3
"""Writes seed inputs for the libFuzzer targets into OUT/<target>/ (tools/fuzz calls it)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_mails import cases  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def framed(records):
    """smtp_session_fuzz framing: [bit7 = server, bits 0-6 = length][bytes]."""
    out = bytearray()
    for server, data in records:
        for i in range(0, len(data), 127):
            piece = data[i:i + 127]
            out.append((0x80 if server else 0) | len(piece))
            out += piece
    return bytes(out)


def smtp_dialogue(eml):
    body = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in eml.split(b"\r\n"))
    return framed([
        (True, b"220 mx ESMTP\r\n"), (False, b"EHLO a\r\n"),
        (True, b"250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n"),
        (False, b"MAIL FROM:<a@b> SIZE=10\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"),
        (True, b"250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n"), (False, body + b"\r\n.\r\n"),
        (True, b"250 queued\r\n"), (False, b"BDAT 5 LAST\r\nhello"), (True, b"250 ok\r\n"),
        (False, b"STARTTLS\r\nRSET\r\n"), (True, b"220 go\r\n")])


def main():
    out = sys.argv[1]
    mails = cases()
    for target in ("smtp_session_fuzz", "smtp_relay_fuzz", "mime_parser_fuzz", "config_parser_fuzz",
                   "message_inspector_fuzz"):
        os.makedirs(os.path.join(out, target), exist_ok=True)
    for name, (eml, _) in mails.items():
        if len(eml) > 60000:
            continue
        for target in ("mime_parser_fuzz", "message_inspector_fuzz"):
            with open(os.path.join(out, target, name), "wb") as f:
                f.write(bytes([len(name)]) + eml)
        for target in ("smtp_session_fuzz", "smtp_relay_fuzz"):   # the same framing for data records
            with open(os.path.join(out, target, name), "wb") as f:
                f.write(smtp_dialogue(eml))
    for conf in ("control/default.conf", "control/sluice.conf.example"):
        path = os.path.join(ROOT, conf)
        if os.path.exists(path):
            with open(path, "rb") as src, open(os.path.join(out, "config_parser_fuzz", os.path.basename(conf)),
                                              "wb") as dst:
                dst.write(src.read())


if __name__ == "__main__":
    main()
