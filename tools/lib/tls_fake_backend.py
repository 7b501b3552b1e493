#!/usr/bin/env python3
"""A scriptable fake SMTP backend for the TLS threat tests: the misbehaving servers a real Postfix cannot
play (THREATS.md ST-6 response injection, ST-7 STARTTLS stripping, ST-8 a last EHLO line the proxy may
hide, ST-13 reply fuzz, ST-14 hostile banners, TLS-7 bad backend certificates).

Owns: listening on the backend's address (run inside the `mx` namespace in place of Postfix, see
topology.Topology(backend_command=...)), answering each connection as the scenario file says at the moment
it is accepted, doing TLS with Python's `ssl` after its own 220 to STARTTLS (or from the first byte on an
implicit-TLS port), and recording every event of every connection, one JSON line each, so a test can see
what the appliance sent it (before and inside TLS) and whether TLS was reached.
May call: the Python standard library only (socket, ssl, threading, json).

Scenario (JSON object; every key optional):
  name            label copied into the records
  replies         {VERB: raw reply text} over DEFAULT_REPLIES; verbs: BANNER EHLO HELO STARTTLS MAIL RCPT
                  DATA DOT RSET NOOP QUIT AUTH DEFAULT (anything else). Text is sent as given (one write),
                  so "220 Ready\\r\\n250-evil\\r\\n250 AUTH PLAIN\\r\\n" is one write of three lines (ST-6).
  tls_replies     the same, after the TLS handshake (default: `replies`, and EHLO without STARTTLS)
  cert            PEM file with leaf, chain and key presented in TLS (default: --cert)
  tls             false: never start TLS even after a 220 to STARTTLS (default true)
  close_after     verbs after whose reply the connection is closed (421 and 221 replies always close)
  idle_s          a connection with no input for this long is closed (default 30)
  delay_s         {VERB: seconds} to wait before that reply (a tarpit: a slow or hung backend); "*" for all

Record lines: {"conn": n, "t": seconds, "ev": EV, ...}; EV is accept (port, peer, scenario, implicit),
recv (phase "plain"|"tls", line), sent (phase, text), tls (version, cipher, sni), tls_error (error),
data (phase, bytes, sha256 of the dot-unstuffed content), close (why). `load(path)` folds them per
connection.

    python3 tls_fake_backend.py --listen 10.0.0.25 --port 25 --implicit-port 465 \\
        --scenario DIR/scenario.json --record DIR/backend.jsonl --cert mx.bundle.pem
"""
import argparse
import hashlib
import json
import os
import socket
import ssl
import sys
import threading
import time

BACKEND_HOST = "mx.sluice.test"
DEFAULT_REPLIES = {
    "BANNER": f"220 {BACKEND_HOST} ESMTP fake\r\n",
    "EHLO": (f"250-{BACKEND_HOST}\r\n250-PIPELINING\r\n250-SIZE 67108864\r\n250-STARTTLS\r\n"
             "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"),
    "HELO": f"250 {BACKEND_HOST}\r\n",
    "STARTTLS": "220 2.0.0 Ready to start TLS\r\n",
    "MAIL": "250 2.1.0 Ok\r\n",
    "RCPT": "250 2.1.5 Ok\r\n",
    "DATA": "354 End data with <CR><LF>.<CR><LF>\r\n",
    "DOT": "250 2.0.0 Ok: queued as FAKE{conn}\r\n",
    "RSET": "250 2.0.0 Ok\r\n",
    "NOOP": "250 2.0.0 Ok\r\n",
    "AUTH": "535 5.7.8 Error: authentication failed\r\n",
    "QUIT": "221 2.0.0 Bye\r\n",
    "DEFAULT": "502 5.5.2 Error: command not recognized\r\n",
}
MAX_LINE = 4096            # a longer command line is answered 500 and cut
DEFAULT_IDLE_S = 30.0
ACCEPT_BACKLOG = 64


class Recorder:
    """Appends one JSON line per event to `path` (flushed at once: the test reads while we run)."""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()
        self.t0 = time.monotonic()

    def __call__(self, conn, ev, **fields):
        rec = {"conn": conn, "t": round(time.monotonic() - self.t0, 4), "ev": ev, **fields}
        with self.lock:
            self.f.write(json.dumps(rec) + "\n")


def read_scenario(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def write_scenario(path, scenario):
    """Replaces the scenario file atomically (the backend reads it at each accept)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(scenario, f)
    os.replace(tmp, path)


def strip_starttls(ehlo):
    """An EHLO reply without its STARTTLS line, still ending with a '250 ' line."""
    lines = [ln for ln in ehlo.split("\r\n") if ln and ln[4:].strip().upper() != "STARTTLS"]
    return "".join(f"{ln[:3]}{'-' if i < len(lines) - 1 else ' '}{ln[4:]}\r\n" for i, ln in enumerate(lines))


class Connection:
    def __init__(self, server, sock, peer, conn_id, port, implicit):
        self.server, self.sock, self.peer, self.id = server, sock, peer, conn_id
        self.port, self.implicit = port, implicit
        self.scenario = read_scenario(server.scenario_path)
        self.rec = server.rec
        self.phase = "plain"
        self.buf = b""
        self.replies = {**DEFAULT_REPLIES, **self.scenario.get("replies", {})}
        tls_default = {**self.replies, "EHLO": strip_starttls(self.replies["EHLO"])}
        self.tls_replies = {**tls_default, **self.scenario.get("tls_replies", {})}
        self.close_after = {v.upper() for v in self.scenario.get("close_after", [])}
        self.idle_s = float(self.scenario.get("idle_s", DEFAULT_IDLE_S))
        self.delay_s = {k.upper(): float(v) for k, v in self.scenario.get("delay_s", {}).items()}
        self.sni = None

    def log(self, ev, **fields):
        self.rec(self.id, ev, **fields)

    # ---- I/O
    def send(self, text):
        data = text.replace("{conn}", str(self.id)).encode("latin-1")
        self.sock.sendall(data)
        self.log("sent", phase=self.phase, text=data.decode("latin-1"))

    def read_line(self):
        """One line (without CRLF), or None at EOF/idle/error."""
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                line, self.buf = self.buf[:MAX_LINE], b""
                return line.decode("latin-1")
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                self.log("close", why=f"idle {self.idle_s}s")
                return None
            except (OSError, ssl.SSLError) as e:
                self.log("close", why=f"recv: {e}")
                return None
            if not chunk:
                self.log("close", why="eof", pending=self.buf.decode("latin-1"))
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")

    def start_tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.scenario.get("cert") or self.server.cert)

        def on_sni(_sock, name, _ctx):
            self.sni = name
        ctx.sni_callback = on_sni
        if self.buf:
            # Bytes the peer sent after STARTTLS before our 220 (a pipelining proxy): what injection looks like.
            self.log("injected", phase=self.phase, data=self.buf.decode("latin-1"))
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.log("tls_error", error=str(e))
            self.log("close", why="tls handshake failed")
            return False
        self.phase, self.buf = "tls", b""
        self.log("tls", version=self.sock.version(), cipher=self.sock.cipher()[0], sni=self.sni)
        return True

    def read_data(self):
        """DATA content up to the lone dot; logs its size and hash (dot-unstuffed, CRLF kept)."""
        lines = []
        while True:
            line = self.read_line()
            if line is None:
                self.log("data", phase=self.phase, bytes=sum(len(x) + 2 for x in lines), complete=False)
                return False
            if line == ".":
                break
            lines.append(line[1:] if line.startswith(".") else line)
        body = "".join(x + "\r\n" for x in lines).encode("latin-1")
        self.log("data", phase=self.phase, bytes=len(body), sha256=hashlib.sha256(body).hexdigest(),
                 complete=True, head=body[:200].decode("latin-1"))
        return True

    # ---- the dialogue
    def run(self):
        self.sock.settimeout(self.idle_s)
        self.log("accept", port=self.port, peer=f"{self.peer[0]}:{self.peer[1]}",
                 scenario=self.scenario.get("name", ""), implicit=self.implicit)
        try:
            if self.implicit and not self.start_tls():
                return
            self.sock.settimeout(self.idle_s)
            if not self.reply("BANNER"):
                return
            while True:
                line = self.read_line()
                if line is None:
                    return
                self.log("recv", phase=self.phase, line=line)
                verb = line.split(" ", 1)[0].upper() if line else ""
                if verb not in self.replies or verb in ("BANNER", "DOT", "DEFAULT"):
                    verb = "DEFAULT"
                if not self.reply(verb):
                    return
                if verb == "DATA" and self.current("DATA").startswith("354"):
                    if not self.read_data() or not self.reply("DOT"):
                        return
                if verb == "STARTTLS" and self.phase == "plain" and self.current("STARTTLS").startswith("220") \
                        and self.scenario.get("tls", True):
                    if not self.start_tls():
                        return
                    self.sock.settimeout(self.idle_s)
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def current(self, verb):
        return (self.tls_replies if self.phase == "tls" else self.replies)[verb]

    def reply(self, verb):
        """Sends the scripted reply to `verb`; False when the connection is to close now."""
        text = self.current(verb)
        delay = self.delay_s.get(verb, self.delay_s.get("*", 0.0))
        if delay > 0:
            self.log("delay", verb=verb, seconds=delay)
            time.sleep(delay)
        try:
            self.send(text)
        except (OSError, ssl.SSLError) as e:
            self.log("close", why=f"send: {e}")
            return False
        last = [ln for ln in text.split("\r\n") if ln][-1:] or [""]
        if verb in self.close_after or last[0][:3] in ("421", "221"):
            self.log("close", why=f"after {verb} {last[0][:3]}")
            return False
        return True


class Server:
    def __init__(self, listen, ports, implicit_ports, scenario_path, record_path, cert):
        self.scenario_path, self.cert = scenario_path, cert
        self.rec = Recorder(record_path)
        self.next_id, self.lock = 0, threading.Lock()
        self.sockets = []
        family = socket.AF_INET6 if ":" in listen else socket.AF_INET
        for port in list(ports) + list(implicit_ports):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((listen, port))
            s.listen(ACCEPT_BACKLOG)
            self.sockets.append((s, port, port in implicit_ports))

    def serve_forever(self):
        threads = [threading.Thread(target=self._accept_loop, args=a, daemon=True) for a in self.sockets]
        for t in threads:
            t.start()
        print(f"tls_fake_backend: listening on {[p for _, p, _ in self.sockets]}", flush=True)
        for t in threads:
            t.join()

    def _accept_loop(self, lsock, port, implicit):
        while True:
            sock, peer = lsock.accept()
            with self.lock:
                self.next_id += 1
                conn_id = self.next_id
            c = Connection(self, sock, peer, conn_id, port, implicit)
            threading.Thread(target=c.run, daemon=True).start()


# ---- reading the record (the test's side)
class Conn:
    """Everything one connection recorded, in order."""

    def __init__(self, conn_id):
        self.id, self.events = conn_id, []

    def of(self, ev):
        return [e for e in self.events if e["ev"] == ev]

    @property
    def scenario(self):
        a = self.of("accept")
        return a[0].get("scenario", "") if a else ""

    @property
    def port(self):
        a = self.of("accept")
        return a[0].get("port") if a else None

    @property
    def tls(self):
        """The tls event (version, cipher, sni), or None when no handshake completed."""
        t = self.of("tls")
        return t[0] if t else None

    def commands(self, phase=None):
        return [e["line"] for e in self.of("recv") if phase is None or e["phase"] == phase]

    @property
    def closed(self):
        return bool(self.of("close"))

    @property
    def messages(self):
        return [e for e in self.of("data") if e.get("complete")]

    def summary(self, limit=400):
        parts = []
        for e in self.events:
            if e["ev"] == "recv":
                parts.append(f"{e['phase'][0]}<{e['line'][:60]}")
            elif e["ev"] == "sent":
                parts.append(f"{e['phase'][0]}>{e['text'].splitlines()[0][:40] if e['text'] else ''}")
            elif e["ev"] in ("tls", "tls_error", "close", "injected", "data"):
                extra = {k: v for k, v in e.items() if k not in ("conn", "t", "ev", "head")}
                parts.append(f"{e['ev']}{extra}")
        text = " | ".join(parts)
        return text if len(text) <= limit else text[:limit] + "..."


def load(path):
    """{conn id: Conn} from a record file (a line still being written is left out)."""
    out = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if not line.endswith("\n"):
                    continue
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                out.setdefault(e["conn"], Conn(e["conn"])).events.append(e)
    except OSError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, action="append", default=[])
    ap.add_argument("--implicit-port", type=int, action="append", default=[])
    ap.add_argument("--scenario", required=True, help="JSON scenario, re-read at every accept")
    ap.add_argument("--record", required=True, help="JSON lines of every event")
    ap.add_argument("--cert", help="default PEM (leaf, chain, key) for TLS (without one, a scenario that reaches "
                    "TLS must name its own `cert`)")
    a = ap.parse_args()
    Server(a.listen, a.port or [25], a.implicit_port, a.scenario, a.record, a.cert).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
