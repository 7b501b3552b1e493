#!/usr/bin/env python3
"""A small SMTP client for the integration tests, run inside a namespace; prints JSON results.

Owns: one SMTP session per invocation (RFC 5321: EHLO, MAIL, RCPT, DATA with dot-stuffing), and the
"pause in the middle of DATA" mode the backend-dies test drives over stdin/stdout. May call: sockets only.

    smtpclient.py send --server 127.0.0.1 [--port 25] [--source IP] FILE.eml...
    smtpclient.py middata --server 198.51.100.10 FILE.eml   # prints HALF, waits for a line on stdin,
                                                            # sends the rest and the final dot
"""
import argparse
import json
import socket
import sys
import time


class Session:
    def __init__(self, server, port, source=None, timeout=60.0):
        self.s = socket.create_connection((server, port), timeout, (source, 0) if source else None)
        self.buf = b""

    def reply(self):
        """(code, text) of one possibly multi-line reply."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise ConnectionAbortedError("connection closed by peer")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    def command(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()

    def expect(self, text, code):
        got = self.command(text)
        if got[0] != code:
            raise RuntimeError(f"{text!r}: expected {code}, got {got[1]!r}")
        return got


def stuffed(data):
    """DATA content as sent on the wire (RFC 5321 4.5.2), without the final dot."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    out = data.replace(b"\r\n.", b"\r\n..")
    return b"." + out if out.startswith(b".") else out


def envelope(sess, sender, rcpt):
    code, text = sess.reply()
    if code != 220:
        raise RuntimeError(f"banner {text!r}")
    sess.expect("EHLO client.test", 250)
    sess.expect(f"MAIL FROM:<{sender}>", 250)
    sess.expect(f"RCPT TO:<{rcpt}>", 250)
    sess.expect("DATA", 354)


def send(a):
    results = []
    sess = Session(a.server, a.port, a.source)
    code, text = sess.reply()
    sess.expect("EHLO client.test", 250)
    for path in a.files:
        with open(path, "rb") as f:
            data = f.read()
        t0 = time.monotonic()
        sess.expect(f"MAIL FROM:<{a.sender}>", 250)
        sess.expect(f"RCPT TO:<{a.rcpt}>", 250)
        sess.expect("DATA", 354)
        sess.s.sendall(stuffed(data) + b".\r\n")
        code, text = sess.reply()
        results.append({"file": path, "code": code, "reply": text, "seconds": round(time.monotonic() - t0, 3)})
    sess.command("QUIT")
    print(json.dumps(results))
    return 0 if all(r["code"] == 250 for r in results) else 1


def middata(a):
    with open(a.files[0], "rb") as f:
        wire = stuffed(f.read())
    sess = Session(a.server, a.port, a.source, timeout=a.timeout)
    envelope(sess, a.sender, a.rcpt)
    half = len(wire) // 2
    sess.s.sendall(wire[:half])
    print("HALF", flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    result = {"outcome": "", "code": 0, "reply": ""}
    try:
        sess.s.sendall(wire[half:] + b".\r\n")
        code, text = sess.reply()
        result.update(outcome="reply", code=code, reply=text)
    except socket.timeout:
        result["outcome"] = "timeout"
    except ConnectionResetError as e:
        result.update(outcome="reset", reply=str(e))
    except (BrokenPipeError, ConnectionAbortedError) as e:
        result.update(outcome="closed", reply=str(e))
    result["seconds"] = round(time.monotonic() - t0, 3)
    print(json.dumps(result), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["send", "middata"])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--source")
    ap.add_argument("--sender", default="sender@client.test")
    ap.add_argument("--rcpt", default="user@sluice.test")
    ap.add_argument("--timeout", type=float, default=30.0, help="middata: the wait for the final reply")
    a = ap.parse_args()
    return send(a) if a.mode == "send" else middata(a)


if __name__ == "__main__":
    sys.exit(main())
