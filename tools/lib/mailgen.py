"""Test messages with a unique id, and the check of what a Maildir received against what was sent.

Owns: building deterministic messages of an exact size (CRLF, lines of 76 characters, some starting with
'.' so dot-stuffing is exercised), the SHA-256 of a body as the backend stores it (LF line ends), and
parsing delivered Maildir files (the id header, the body hash, the top Received header's client address).
May call: nothing outside the standard library.
"""
import email.utils
import hashlib
import os
import random
import re
from dataclasses import dataclass, field

ID_HEADER = "X-Sluice-Test-Id"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
LINE = 76


@dataclass
class Sent:
    test_id: str
    data: bytes             # the whole message, CRLF line ends, not dot-stuffed
    body_sha256: str        # of the body with LF line ends (what a Maildir holds)
    size: int


def make(test_id, size, sender="sender@client.test", rcpt="user@sluice.test", seed=None):
    """A message of about `size` bytes whose body is deterministic for (test_id, seed)."""
    rng = random.Random(seed if seed is not None else test_id)
    head = (f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: sluice integration {test_id}\r\n"
            f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{test_id}@client.test>\r\n"
            f"{ID_HEADER}: {test_id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
    lines, total = [], len(head)
    n = 0
    while total < size:
        n += 1
        width = min(LINE, max(1, size - total - 2))
        text = "".join(rng.choice(ALPHABET) for _ in range(width)) if n <= 64 else None
        if text is None:
            # Past the first lines, rotate a random block: the same entropy for far less CPU than choice().
            base = lines[n % 64]
            k = rng.randrange(LINE)
            text = (base[k:] + base[:k])[:width]
        if n % 97 == 0:
            text = "." + text[1:]       # dot-stuffing must be undone exactly once
        lines.append(text)
        total += len(text) + 2
    body = "".join(f"{line}\r\n" for line in lines).encode()
    data = head.encode() + body
    return Sent(test_id, data, body_sha256(body), len(data))


def body_sha256(body_crlf):
    return hashlib.sha256(body_crlf.replace(b"\r\n", b"\n")).hexdigest()


@dataclass
class Delivered:
    path: str
    test_id: str
    body_sha256: str
    client_ip: str          # from the Received header the backend added (the top one)
    headers: dict = field(default_factory=dict)


_RECEIVED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")


def parse(path):
    """One delivered Maildir file (LF line ends)."""
    with open(path, "rb") as f:
        raw = f.read()
    head, _, body = raw.partition(b"\n\n")
    text = head.decode("latin-1")
    unfolded = re.sub(r"\n[ \t]+", " ", text)
    headers = {}
    for line in unfolded.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    received = headers.get("received", [""])[0]
    m = _RECEIVED_IP.search(received)
    test_id = headers.get(ID_HEADER.lower(), [""])[0]
    return Delivered(path, test_id, hashlib.sha256(body).hexdigest(), m.group(1) if m else "", headers)


def index(paths):
    """test_id -> [Delivered]; messages without the id header are under ''."""
    out = {}
    for p in paths:
        d = parse(p)
        out.setdefault(d.test_id, []).append(d)
    return out


def write(sent, directory, for_swaks=False):
    """The message as a file. swaks always appends CRLF "." to its data: its copy leaves out the final CRLF
    (else the backend would store one more empty line than was meant)."""
    path = os.path.join(directory, f"{sent.test_id}.eml")
    with open(path, "wb") as f:
        f.write(sent.data[:-2] if for_swaks and sent.data.endswith(b"\r\n") else sent.data)
    return path
