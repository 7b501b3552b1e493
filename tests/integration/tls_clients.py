"""TLS clients of the live TLS tests (test_tls_*.py): every way a test talks TLS to a VIP from `mta`.

Owns:
- `TlsLeg`: TLS (Python `ssl`, MemoryBIO) over a rawsmtp.RawSession's socket after its 220, so a test
  controls every byte: the ClientHello can be sent in the same write as STARTTLS, in 1-byte TCP segments or
  1-byte records, the connection can end with or without close_notify; after the handshake the RawSession
  reads and writes through TLS (cmd, reply, transaction work unchanged).
- `client_hello()` / `server_answer()`: a hand-built ClientHello (any legacy version, suites, padding to
  16 KiB and beyond, ALPN) and what the server sent back (ServerHello and its version, an alert, a close).
- `SClient`: `openssl s_client` driven line by line (STARTTLS or implicit), with what it printed.
- `swaks_tls()`: one swaks --tls / --tlsc session and the TLS it reported; `showcerts()`: the chain a VIP
  presents and its SHA-256 fingerprints.
May call: rawsmtp, tools/lib/testpki.py, openssl s_client and swaks inside the namespaces.
"""
import re
import secrets
import socket
import ssl
import struct
import subprocess
import threading
import time

import itlib  # noqa: F401  (puts tools/lib on sys.path)
import testpki
from rawsmtp import Closed, RawSession

MAIL_NAME = testpki.MAIL_NAME
HANDSHAKE_S = 20.0           # one handshake on a loaded 2-core machine (both legs, RSA)
SCLIENT_EXIT_S = 10.0        # s_client ends after its stdin closes or the peer closes


# ---- Python ssl over a RawSession
def context(ca=None, min_version=None, max_version=None, ciphers=None, verify=True, alpn=None, sigalgs=None):
    """A client SSLContext: verifies against `ca` (host name mail.sluice.test) unless verify=False."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify and ca:
        ctx.load_verify_locations(ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    if ciphers:
        ctx.set_ciphers(ciphers)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


class TlsLeg:
    """TLS over `raw.sock` with memory BIOs. `start()` runs the handshake; afterwards `raw` speaks through
    TLS. `hello()` gives the ClientHello bytes without sending them (for tests that send them their way)."""

    def __init__(self, raw, ctx, server_hostname=MAIL_NAME, session=None):
        self.raw, self.tcp = raw, raw.sock
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname=server_hostname, session=session)
        self.alert = None            # the SSLError text when the peer's alert (or garbage) ended TLS
        self.eof = None              # "close_notify" | "fin" once the peer ended its side
        self.handshake_s = None

    # ciphertext plumbing
    def flush(self):
        data = self.out.read()
        if data:
            self.tcp.sendall(data)
        return len(data)

    def _pull(self, timeout):
        self.tcp.settimeout(timeout)
        try:
            data = self.tcp.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = self.eof or "fin"
            self.inc.write_eof()
            return False
        self.inc.write(data)
        return True

    def hello(self):
        """The ClientHello, generated but not sent."""
        try:
            self.obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        return self.out.read()

    def start(self, timeout=HANDSHAKE_S, hello_sent=False):
        """Runs the handshake (after `hello()` was sent by the caller when hello_sent); raises ssl.SSLError,
        Closed or socket.timeout. Then wires `raw` through TLS."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                if not hello_sent or self.out.pending:
                    self.flush()
                hello_sent = True
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("handshake: no answer")
                if not self._pull(left):
                    raise Closed("closed during the handshake")
            except ssl.SSLError as e:
                self.alert = str(e)
                self.flush()
                raise
        self.flush()
        self.handshake_s = time.monotonic() - t0
        self.raw.sock = _TlsSocket(self)
        return self

    @property
    def version(self):
        return self.obj.version()

    @property
    def cipher(self):
        c = self.obj.cipher()
        return c[0] if c else None

    def peer_fingerprint(self):
        der = self.obj.getpeercert(binary_form=True)
        return testpki.fingerprint_of_pem(ssl.DER_cert_to_PEM_cert(der)) if der else None

    def close_notify(self):
        """Sends close_notify (and keeps TCP open)."""
        try:
            self.obj.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self.flush()

    def fin(self):
        """Ends the TCP stream without close_notify (TLS-8 truncation)."""
        self.tcp.shutdown(socket.SHUT_WR)


class _TlsSocket:
    """What RawSession needs of a socket, through a TlsLeg."""

    def __init__(self, leg):
        self.leg = leg

    def settimeout(self, t):
        self.leg.tcp.settimeout(t)

    def setsockopt(self, *a):
        self.leg.tcp.setsockopt(*a)

    def sendall(self, data):
        view = memoryview(data)
        while view:
            n = self.leg.obj.write(view)
            view = view[n:]
            self.leg.flush()

    def recv(self, n):
        leg = self.leg
        while True:
            try:
                return leg.obj.read(n)
            except ssl.SSLWantReadError:
                leg.flush()
                if not leg._pull(leg.tcp.gettimeout()):
                    continue            # EOF written: the next read raises (ragged EOF) or returns
            except ssl.SSLZeroReturnError:
                leg.eof = "close_notify"
                return b""
            except ssl.SSLEOFError:
                leg.eof = leg.eof or "fin"
                return b""
            except ssl.SSLError as e:
                leg.alert = str(e)
                raise ConnectionResetError(f"TLS: {e}")

    def shutdown(self, how):
        self.leg.tcp.shutdown(how)

    def close(self):
        self.leg.tcp.close()


def appliance_context(t, **kw):
    """A client context trusting the test CA of topology `t`; through Sluice the name checked is mail.sluice.test
    (through the kernel stand-in, used only to try the harness, the backend's mx.sluice.test answers instead)."""
    c = context(t.pki.ca.cert, **kw)
    c.check_hostname = t.appliance == "sluice"
    return c


def reply_text(r):
    """A rawsmtp reply's text, or why there is none."""
    return r.text if r is not None else "(none: closed or timed out)"


def reply_code(r):
    return r.code if r is not None else None


def starttls(s, ctx, server_hostname=MAIL_NAME, timeout=HANDSHAKE_S, session=None):
    """STARTTLS on an open RawSession: (its reply, TlsLeg after the handshake or None when not 220)."""
    r = s.cmd(b"STARTTLS\r\n")
    if r.code != 220:
        return r, None
    return r, TlsLeg(s, ctx, server_hostname, session).start(timeout)


def implicit(t, server, port, ctx, source=None, server_hostname=MAIL_NAME, timeout=30.0, session=None):
    """A RawSession to an implicit-TLS port with the handshake done (banner not yet read); its TlsLeg is
    `s.leg`."""
    s = RawSession(t.mta, server, port, source=source, timeout=timeout)
    try:
        s.leg = TlsLeg(s, ctx, server_hostname, session).start()
    except BaseException:
        s.close()
        raise
    return s


# ---- hand-built TLS records
SUITES_GOOD = [0x1302, 0x1301, 0x1303, 0xC02C, 0xC030, 0xC02B, 0xC02F, 0xCCA9, 0xCCA8]
SUITES_WEAK = {   # name: code (RFC 8446 registry): none of these may ever be chosen
    "NULL-SHA": 0x0002, "NULL-SHA256": 0x003B, "EXP-RC4-MD5": 0x0003, "EXP-DES-CBC-SHA": 0x0008,
    "RC4-SHA": 0x0005, "RC4-MD5": 0x0004, "ECDHE-RSA-RC4-SHA": 0xC011, "DES-CBC3-SHA": 0x000A,
    "ECDHE-RSA-DES-CBC3-SHA": 0xC012, "DES-CBC-SHA": 0x0009, "ADH-AES128-SHA": 0x0034,
    "AECDH-AES128-SHA": 0xC018, "ADH-AES256-GCM-SHA384": 0x00A7,
}
SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
GROUPS = [0x001D, 0x0017, 0x0018]
VERSION_NAMES = {0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
          40: "handshake_failure", 42: "bad_certificate", 47: "illegal_parameter", 50: "decode_error",
          51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
          86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation", 109: "missing_extension",
          110: "unsupported_extension", 112: "unrecognized_name", 120: "no_application_protocol"}
MAX_RECORD = 16384


def _ext(kind, body):
    return struct.pack("!HH", kind, len(body)) + body


def _vec16(items, width=2):
    body = b"".join(i.to_bytes(width, "big") for i in items)
    return struct.pack("!H", len(body)) + body


def client_hello(legacy_version=0x0303, suites=None, versions=(0x0304, 0x0303), sni=MAIL_NAME, padding=0,
                 alpn=None, compression=(0,), record_version=0x0301, renegotiation_info=True):
    """The handshake message (type 1) of a ClientHello, and its records (split at 16 KiB): (message, records).
    versions=None leaves out supported_versions (a pre-1.3 client). padding: bytes of extension 21."""
    suites = list(SUITES_GOOD if suites is None else suites)
    exts = b""
    if sni:
        name = sni.encode()
        exts += _ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts += _ext(10, _vec16(GROUPS))
    exts += _ext(11, b"\x01\x00")
    exts += _ext(13, _vec16(SIGALGS))
    if alpn:
        body = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
        exts += _ext(16, struct.pack("!H", len(body)) + body)
    if renegotiation_info:
        exts += _ext(0xFF01, b"\x00")
    if versions:
        vbody = b"".join(v.to_bytes(2, "big") for v in versions)
        exts += _ext(43, bytes([len(vbody)]) + vbody)
        if 0x0304 in versions:
            exts += _ext(45, b"\x01\x01")                                     # psk_key_exchange_modes
            share = struct.pack("!HH", 0x001D, 32) + secrets.token_bytes(32)   # any 32 bytes are an X25519 key
            exts += _ext(51, struct.pack("!H", len(share)) + share)
    if padding:
        exts += _ext(21, b"\x00" * padding)
    body = (struct.pack("!H", legacy_version) + secrets.token_bytes(32) + b"\x20" + secrets.token_bytes(32)
            + _vec16(suites) + bytes([len(compression)]) + bytes(compression)
            + struct.pack("!H", len(exts)) + exts)
    msg = b"\x01" + len(body).to_bytes(3, "big") + body
    return msg, records(22, msg, record_version)


def records(content_type, payload, version=0x0303, size=MAX_RECORD):
    """`payload` as records of at most `size` bytes each."""
    out = b""
    for i in range(0, len(payload), size):
        chunk = payload[i:i + size]
        out += struct.pack("!BHH", content_type, version, len(chunk)) + chunk
    return out


def split_records(data):
    """[(content type, version, payload)] of the whole records at the start of `data`."""
    out, i = [], 0
    while i + 5 <= len(data):
        ctype, ver, n = struct.unpack("!BHH", data[i:i + 5])
        if i + 5 + n > len(data):
            break
        out.append((ctype, ver, data[i + 5:i + 5 + n]))
        i += 5 + n
    return out


def server_answer(sock, timeout=10.0):
    """What the server sent after a ClientHello: ("serverhello", version name) | ("alert", name) |
    ("closed", "") | ("timeout", "") | ("other", text)."""
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        for ctype, _, payload in split_records(buf):
            if ctype == 21 and len(payload) >= 2:
                return "alert", ALERTS.get(payload[1], str(payload[1]))
            if ctype == 22 and payload[:1] == b"\x02" and len(payload) >= 6:
                return "serverhello", _server_hello_version(payload)
            return "other", f"record type {ctype} ({len(payload)} bytes)"
        left = deadline - time.monotonic()
        if left <= 0:
            return ("timeout", "") if not buf else ("other", repr(buf[:60]))
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, OSError):
            chunk = b""
        if not chunk:
            if buf and not buf[:1] in (b"\x15", b"\x16"):
                return "other", repr(buf[:80])
            return "closed", ""
        buf += chunk


def drain(sock, timeout):
    """Reads until the peer closes: (closed within `timeout`, alert names seen in plaintext records, bytes)."""
    buf, closed = b"", False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            closed = True
            break
        buf += chunk
    alerts = [ALERTS.get(p[1], str(p[1])) for ct, _, p in split_records(buf) if ct == 21 and len(p) == 2]
    return closed, alerts, len(buf)


def _server_hello_version(payload):
    legacy = struct.unpack("!H", payload[4:6])[0]
    # supported_versions (43) in the extensions says 1.3; walk them.
    try:
        i = 6 + 32
        sid = payload[i]
        i += 1 + sid + 2 + 1
        ext_len = struct.unpack("!H", payload[i:i + 2])[0]
        i += 2
        end = i + ext_len
        while i + 4 <= end:
            kind, n = struct.unpack("!HH", payload[i:i + 4])
            if kind == 43 and n == 2:
                return VERSION_NAMES.get(struct.unpack("!H", payload[i + 4:i + 6])[0], "?")
            i += 4 + n
    except (IndexError, struct.error):
        pass
    return VERSION_NAMES.get(legacy, hex(legacy))


def raw_hello_probe(t, server, port, hello_records, starttls, timeout=10.0, pieces=None, pause_s=0.0):
    """Opens a session, does STARTTLS when asked, sends the ClientHello records (in `pieces`-byte writes
    with `pause_s` between, or at once) and returns (STARTTLS reply text or "", server_answer(...))."""
    with RawSession(t.mta, server, port, timeout=timeout) as s:
        st = ""
        if starttls:
            s.hello()
            r = s.cmd(b"STARTTLS\r\n")
            st = r.text
            if r.code != 220:
                return st, ("refused", r.text)
        if pieces:
            for i in range(0, len(hello_records), pieces):
                s.sock.sendall(hello_records[i:i + pieces])
                if pause_s:
                    time.sleep(pause_s)
        else:
            s.sock.sendall(hello_records)
        return st, server_answer(s.sock, timeout)


# ---- openssl s_client
class SClient:
    """`openssl s_client` from `mta`, fed line by line; stdout and stderr collected as they come."""

    def __init__(self, t, server, port, starttls=True, args=(), quiet=True):
        argv = ["ip", "netns", "exec", t.mta, "openssl", "s_client", "-connect", f"{server}:{port}", "-crlf"]
        if starttls:
            argv += ["-starttls", "smtp", "-name", "client.test"]
        if quiet:
            argv += ["-brief", "-nocommands"]    # -nocommands: a line starting R or Q is SMTP, not a command
        argv += list(args)
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = bytearray(), bytearray()
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for r in self.readers:
            r.start()
        self.pos = 0

    @staticmethod
    def _read(pipe, buf):
        while True:
            chunk = pipe.read1(65536)
            if not chunk:
                return
            buf += chunk

    @property
    def stdout(self):
        return self.out.decode("latin-1")

    @property
    def stderr(self):
        return self.err.decode("latin-1")

    def wait_for(self, pattern, timeout=HANDSHAKE_S, where="stdout"):
        """Waits until `pattern` (regex) appears in stdout after the last match (or stderr); the match or None."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while time.monotonic() < deadline:
            text = self.stdout[self.pos:] if where == "stdout" else self.stderr
            m = rx.search(text)
            if m:
                if where == "stdout":
                    self.pos += m.end()
                return m
            if self.p.poll() is not None:
                time.sleep(0.1)
                text = self.stdout[self.pos:] if where == "stdout" else self.stderr
                m = rx.search(text)
                if m and where == "stdout":
                    self.pos += m.end()
                return m
            time.sleep(0.02)
        return None

    def reply(self, timeout=HANDSHAKE_S):
        """The next whole SMTP reply on stdout (last line 'NNN '), or None."""
        m = self.wait_for(r"^(\d{3})[ ](.*)$", timeout)
        return m.group(0).strip() if m else None

    def send(self, text):
        try:
            self.p.stdin.write(text.encode("latin-1"))
            self.p.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def cmd(self, line, timeout=HANDSHAKE_S):
        return self.reply(timeout) if self.send(line + "\n") else None

    def finish(self, timeout=SCLIENT_EXIT_S):
        """Closes stdin and waits for the exit: the exit code (None when it had to be killed)."""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        finally:
            for r in self.readers:
                r.join(2)

    def brief(self):
        """-brief's summary on stderr: {"version", "cipher", "sigtype", "verification", ...}."""
        info = {}
        for key, rx in (("version", r"Protocol version: (\S+)"), ("cipher", r"Ciphersuite: (\S+)"),
                        ("sigtype", r"Signature type: (\S+)"), ("verification", r"Verification: (.+)"),
                        ("peer", r"Peer certificate: (.+)"), ("tempkey", r"Server Temp Key: (.+)")):
            m = re.search(rx, self.stderr)
            if m:
                info[key] = m.group(1).strip()
        return info

    def transcript(self, limit=600):
        return (f"stdout: {self.stdout[-limit:]!r} stderr: {self.stderr[-limit:]!r}")


def s_client_send(t, server, port, sender, rcpt, data, starttls=True, args=(), ehlo="client.test"):
    """One message through `openssl s_client`: ({"replies": [...], "final": reply to the dot, "brief"}, SClient)."""
    c = SClient(t, server, port, starttls, args)
    out = {"replies": [], "final": None, "brief": {}}
    try:
        if not starttls:
            out["replies"].append(c.reply())                  # the banner inside TLS
        ok = c.wait_for("CONNECTION ESTABLISHED", HANDSHAKE_S, where="stderr") is not None
        if not ok:
            return out, c
        for line in (f"EHLO {ehlo}", f"MAIL FROM:<{sender}>", f"RCPT TO:<{rcpt}>", "DATA"):
            r = c.cmd(line)
            out["replies"].append(r)
            if r is None or r[:1] not in "23":
                return out, c
        lines = data.decode("latin-1").split("\r\n")
        if lines and lines[-1] == "":
            lines.pop()
        # -crlf turns each LF into CRLF; a leading dot is doubled (RFC 5321 4.5.2).
        c.send("".join(("." + ln if ln.startswith(".") else ln) + "\n" for ln in lines) + ".\n")
        out["final"] = c.reply()
        out["replies"].append(c.cmd("QUIT"))
    finally:
        c.finish()
        out["brief"] = c.brief()
    return out, c


def showcerts(t, server, port, starttls=True, args=(), timeout=30.0):
    """The chain `openssl s_client -showcerts` saw: ([SHA-256 fingerprints, leaf first], brief info, text)."""
    argv = ["ip", "netns", "exec", t.mta, "openssl", "s_client", "-connect", f"{server}:{port}", "-showcerts"]
    if starttls:
        argv += ["-starttls", "smtp", "-name", "client.test"]
    argv += list(args)
    p = subprocess.run(argv, input=b"", capture_output=True, timeout=timeout)
    text = p.stdout.decode("latin-1") + p.stderr.decode("latin-1")
    fps = [testpki.fingerprint_of_pem(b) for b in testpki.pem_blocks(text)]
    info = {}
    for key, rx in (("version", r"Protocol\s*: (\S+)"), ("cipher", r"Cipher\s*: (\S+)"),
                    ("sigtype", r"Peer signature type: (\S+)"), ("new", r"^(New|Reused), (\S+)"),
                    ("verify", r"Verify return code: (\d+)")):
        m = re.search(rx, text, re.M)
        if m:
            info[key] = m.group(1)
    return fps, info, text


# ---- swaks
def swaks_tls(t, server, port, sender, path, mode="tls", protocol=None, cipher=None, sni=MAIL_NAME,
              peer_cert=None, timeout=60, extra=()):
    """One swaks session with --tls (STARTTLS) or --tlsc (implicit): {"rc", "reply" (to the dot), "tls"
    ("TLSv1.3:TLS_AES_256_GCM_SHA384:256"), "lines", "secs"}."""
    argv = ["swaks", "--server", server, "--port", str(port), f"--{mode}", "--from", sender,
            "--to", "user@sluice.test", "--data", "@" + path, "--timeout", str(timeout), "--suppress-data"]
    if protocol:
        argv += ["--tls-protocol", protocol]
    if cipher:
        argv += ["--tls-cipher", cipher]
    if sni:
        argv += ["--tls-sni", sni]
    if peer_cert:
        argv += ["--tls-get-peer-cert", peer_cert]
    argv += list(extra)
    t0 = time.monotonic()
    try:
        p = subprocess.run(["ip", "netns", "exec", t.mta, *argv], capture_output=True, text=True, timeout=timeout + 30)
        text, rc = p.stdout + "\n" + p.stderr, p.returncode
    except subprocess.TimeoutExpired:
        text, rc = "*** swaks hung", -1
    lines = [ln.strip() for ln in text.splitlines()]
    m = re.search(r"=== TLS started with cipher (\S+)", text)
    replies = [ln for ln in lines if ln.startswith(("<-", "<~", "<**", "<~*"))]
    errors = [ln for ln in lines if ln.startswith(("***", "<**", "<~*"))]
    # The reply to the end of data is the one before QUIT's 221; on failure, swaks' own error lines.
    final = " / ".join(errors[-2:]) if errors else (replies[-2] if len(replies) > 1 else " ".join(replies))
    return {"rc": rc, "reply": final, "tls": m.group(1) if m else None, "errors": errors, "lines": lines,
            "secs": time.monotonic() - t0}


def tls_version_of(swaks_tls_field):
    """'TLSv1.3:TLS_AES_256_GCM_SHA384:256' -> ('TLSv1.3', 'TLS_AES_256_GCM_SHA384')."""
    if not swaks_tls_field:
        return None, None
    parts = swaks_tls_field.split(":")
    return parts[0], parts[1] if len(parts) > 1 else None
