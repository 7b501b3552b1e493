"""A raw SMTP client for the inline-verdict and smuggling tests: the exact bytes given are the bytes sent.

Owns: opening a TCP connection from inside a namespace (the socket is created there, then this thread
returns to its own namespace; a socket keeps the namespace it was made in), sending bytes in one write or
in small TCP_NODELAY writes with pauses, and reading SMTP replies (multi-line, codes, close detected).
It does no dot-stuffing and adds no line ends: the tests build the wire bytes themselves.
May call: sockets and libc setns(2) only.
"""
import ctypes
import os
import socket
import time
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextmanager
def in_netns(name):
    """Runs the block with this thread in network namespace `name` (/var/run/netns/<name>)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
        try:
            yield
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the test's own namespace")
    finally:
        os.close(target)
        os.close(own)


class Closed(Exception):
    """The server closed the connection (or reset it) before a whole reply arrived."""


class Reply:
    def __init__(self, lines):
        self.lines = lines                       # text of every line, without CRLF
        self.code = int(lines[-1][:3]) if lines and lines[-1][:3].isdigit() else 0

    @property
    def text(self):
        return " / ".join(self.lines)

    def __repr__(self):
        return repr(self.text)


class RawSession:
    """with RawSession(ns, server, port, source) as s: s.banner(); s.cmd(b"EHLO t\\r\\n") ..."""

    def __init__(self, ns, server, port=25, source=None, timeout=30.0, nodelay=True):
        family = socket.AF_INET6 if ":" in server else socket.AF_INET
        with in_netns(ns):
            self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.timeout = timeout                   # every wait for a reply, unless a call names its own
        self.sock.settimeout(timeout)
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((server, port))
        self.buf = b""
        self.closed = False
        self.log = []                            # ("C"|"S", bytes/text) in order, for failure output

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- sending
    def send(self, data):
        """All of `data` in one write."""
        self.log.append(("C", data))
        self.sock.sendall(data)

    def send_pieces(self, pieces, pause_s=0.05):
        """Each piece in its own write (TCP_NODELAY), `pause_s` between them: one segment per piece."""
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(pause_s)
            self.send(piece)

    # ---- receiving
    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no whole reply line")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
                raise Closed(self.buf.decode("latin-1"))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("latin-1")

    def reply(self, timeout=None):
        """One (possibly multi-line) reply; raises Closed or socket.timeout."""
        timeout = self.timeout if timeout is None else timeout
        lines = []
        while True:
            line = self._line(timeout)
            lines.append(line)
            if len(line) < 4 or line[3:4] != "-":
                r = Reply(lines)
                self.log.append(("S", r.text))
                return r

    def try_reply(self, timeout=None):
        """One reply, or None when the connection closed or nothing came within `timeout`."""
        try:
            return self.reply(timeout)
        except (Closed, socket.timeout, OSError):
            return None

    def cmd(self, line, timeout=None):
        """Sends one command (bytes, sent as given) and returns its reply."""
        self.send(line)
        return self.reply(timeout)

    def replies_until_close(self, timeout=5.0):
        """Every reply until the server closes the connection; (replies, closed within `timeout`)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out, False
            try:
                out.append(self.reply(left))
            except Closed:
                return out, True
            except socket.timeout:
                return out, False
            except OSError:
                return out, True

    def quit_collect(self, timeout=5.0):
        """Sends QUIT and returns every reply that came before the 221 (replies to commands pipelined or
        smuggled earlier), and the 221 itself (None when the connection closed instead)."""
        extra = []
        try:
            self.send(b"QUIT\r\n")
        except OSError:
            return extra, None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.try_reply(max(0.1, deadline - time.monotonic()))
            if r is None:
                return extra, None
            if r.code == 221:
                return extra, r
            extra.append(r)
        return extra, None

    def transcript(self, limit=1200):
        parts = []
        for who, what in self.log:
            text = what if isinstance(what, str) else repr(what)[2:-1]
            parts.append(f"{who}: {text[:200]}")
        return " | ".join(parts)[-limit:]

    # ---- common openings
    def hello(self, name=b"t"):
        """Banner and EHLO; returns the EHLO reply (raises on anything but 220/250)."""
        banner = self.reply()
        if banner.code != 220:
            raise RuntimeError(f"banner {banner.text!r}")
        r = self.cmd(b"EHLO " + name + b"\r\n")
        if r.code != 250:
            raise RuntimeError(f"EHLO {r.text!r}")
        return r


def capabilities(ehlo_reply):
    """The EHLO keywords (upper case, first word of each line after the greeting line)."""
    return [line[4:].split()[0].upper() for line in ehlo_reply.lines[1:] if len(line) > 4]


def stuffed(data):
    """DATA content as sent on the wire (RFC 5321 4.5.2: a leading dot doubled), with the final ".\\r\\n"."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    out = data.replace(b"\r\n.", b"\r\n..")
    return (b"." + out if out.startswith(b".") else out) + b".\r\n"


def transaction(s, sender, rcpts, data, mail_params=""):
    """One mail transaction, command by command; {"mail", "rcpt": [...], "data", "final"} replies (None where
    not reached). DATA is sent when at least one recipient was accepted; the content is dot-stuffed here."""
    out = {"mail": None, "rcpt": [], "data": None, "final": None}
    out["mail"] = s.cmd(f"MAIL FROM:<{sender}>{' ' + mail_params if mail_params else ''}\r\n".encode())
    if out["mail"].code != 250:
        return out
    for r in rcpts:
        out["rcpt"].append(s.cmd(f"RCPT TO:<{r}>\r\n".encode()))
    if not any(r.code == 250 for r in out["rcpt"]):
        return out
    out["data"] = s.cmd(b"DATA\r\n")
    if out["data"].code != 354:
        return out
    s.send(stuffed(data))
    out["final"] = s.try_reply()
    return out
