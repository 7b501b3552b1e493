"""The SMTP smuggling cases of ../shared/THREATS.md section 2 that concern message content (SM-1..SM-15):
the exact bytes each sends through Sluice, the replies the client must get, and what the backend must hold.

Owns: the case table, the model of Sluice's canonical content (scan/smtp relay, "bare-newline"), and the
client-side checks. Storage checks are returned as Expect rows, judged by test_smuggling.py once the backend
is quiet. May call: rawsmtp.py (sockets from `mta`).

Every address and subject of a case carries its tag ("sm4-no": case SM-4, backend round "no"), so a stored
message is attributed to its case whatever its headers look like, smuggled ones included.

Sluice modes: "normalize" (bare LF -> CRLF, bare CR -> space, one leading dot removed only at a true line
start, dots re-stuffed to the backend) and "reject" (a message with a bare CR or LF, or a "." line next to a
NUL, -> 550 5.5.2, nothing stored). relay_behaviour.md is the reference for both.
"""
import time
from dataclasses import dataclass

import rawsmtp
from itlib import CLIENT4, VIP_A

RCPT = "u@sluice.test"
CR, LF = 0x0D, 0x0A

# SM-1..SM-12: <SEQ> between "body1" and the smuggled transaction of the THREATS.md template.
SEQUENCES = [
    ("sm1", "SM-1 LF.LF", b"\n.\n"),
    ("sm2", "SM-2 LF.CRLF", b"\n.\r\n"),
    ("sm3", "SM-3 CRLF.LF", b"\r\n.\n"),
    ("sm4", "SM-4 CR.CR", b"\r.\r"),
    ("sm5", "SM-5 CR.LF", b"\r.\n"),
    ("sm6", "SM-6 LF.CR", b"\n.\r"),
    ("sm7", "SM-7 CR.CRLF", b"\r.\r\n"),
    ("sm8", "SM-8 CRLF.CR", b"\r\n.\r"),
    ("sm9", "SM-9 CRLF.CRCRLF", b"\r\n.\r\r\n"),
    ("sm10", "SM-10 CRCRLF.CRCRLF", b"\r\r\n.\r\r\n"),
    ("sm11", "SM-11 CRLF NUL.CRLF", b"\r\n\x00.\r\n"),
    ("sm12", "SM-12 CRLF.NUL CRLF", b"\r\n.\x00\r\n"),
]
LINE_LENGTHS = [998, 999, 1000, 2047, 2048, 2049, 65536]      # SM-15; 65536 > every internal buffer
SPLIT_PAUSE_S = 0.05                                           # between small writes (TCP_NODELAY)
REPLY_WAIT_S = 10.0                                            # a reply later than this counts as none


@dataclass
class Expect:
    """What the backend must hold for one tag once it is quiet."""
    tag: str
    label: str
    stored: int                      # messages attributed to the tag (0 or 1)
    body: bytes = None               # the exact stored body (LF line ends), when known
    contains: tuple = ()             # byte strings the stored body must contain
    saw_rule: str = ""               # a spamfilter rule Sluice's record of the message must show ("" = none)


def has_bare(content):
    """True when `content` holds a CR not followed by LF or an LF not preceded by CR."""
    for i, b in enumerate(content):
        if b == CR and (i + 1 >= len(content) or content[i + 1] != LF):
            return True
        if b == LF and (i == 0 or content[i - 1] != CR):
            return True
    return False


def canonical(content):
    """Sluice's canonical form of DATA content (the bytes between the 354 and the final CRLF.CRLF, the last
    CRLF included): a leading dot removed at a true line start (after a client CRLF), then bare LF -> CRLF
    and bare CR -> space. A line start made by a bare LF is not a true one: its dot stays content."""
    out, i, n, line_start = bytearray(), 0, len(content), True
    while i < n:
        b = content[i]
        if line_start and b == ord("."):
            i += 1
            line_start = False
            continue
        line_start = False
        if b == CR and i + 1 < n and content[i + 1] == LF:
            out += b"\r\n"
            i += 2
            line_start = True
        elif b == CR:
            out += b" "
            i += 1
        elif b == LF:
            out += b"\r\n"
            i += 1
        else:
            out.append(b)
            i += 1
    return bytes(out)


def stored_body(content):
    """The body the backend stores for DATA `content`: canonical, after the header block, LF line ends."""
    canon = canonical(content)
    _, sep, body = canon.partition(b"\r\n\r\n")
    return (body if sep else b"").replace(b"\r\n", b"\n")


def ok(c, what, condition, detail=""):
    """c.true that also returns the condition (a case stops at the first reply out of step)."""
    c.true(what, condition, detail)
    return condition


def session(t):
    return rawsmtp.RawSession(t.mta, VIP_A, source=CLIENT4, timeout=REPLY_WAIT_S)


def envelope(c, s, label, sender, rcpt=RCPT):
    """MAIL, RCPT, DATA one by one; True when all three were accepted (each checked)."""
    r1 = s.cmd(f"MAIL FROM:<{sender}>\r\n".encode())
    r2 = s.cmd(f"RCPT TO:<{rcpt}>\r\n".encode())
    r3 = s.cmd(b"DATA\r\n")
    ok = (r1.code, r2.code, r3.code) == (250, 250, 354)
    c.true(f"{label}: MAIL/RCPT/DATA accepted", ok, f"{r1.text} | {r2.text} | {r3.text}")
    return ok


def final_checks(c, s, label, final, want_refused, reject_text="5.5.2"):
    """The reply to the end of data, then QUIT: no reply in between (a smuggled command would have one)."""
    extra, bye = s.quit_collect()
    if want_refused:
        c.true(f"{label}: refused at end of data with 550 {reject_text}",
               final is not None and final.code == 550 and reject_text in final.text, repr(final))
    else:
        c.true(f"{label}: one final 250 from the backend (queued as ...)",
               final is not None and final.code == 250 and "queued as" in final.text, repr(final))
    clean = not extra and bye is not None
    c.true(f"{label}: no further reply before QUIT's 221 (nothing smuggled)", clean,
           "" if clean else f"extra {[r.text for r in extra]}, QUIT -> {bye!r}; {s.transcript()}")


def seq_case(c, t, key, label, seq, rnd, mode):
    """SM-1..SM-12: the THREATS.md template with <SEQ>."""
    tag = f"{key}-{rnd}"
    content = (f"From: {tag}@ext.example\r\nSubject: one {tag}\r\n\r\nbody1".encode() + seq +
               f"MAIL FROM:<ceo.{tag}@sluice.test>\r\nRCPT TO:<{RCPT}>\r\nDATA\r\n"
               f"From: ceo.{tag}@sluice.test\r\nSubject: smuggled {tag}\r\n\r\nbody2\r\n".encode())
    # reject mode refuses bare CR/LF and a "." line made with a NUL (SM-11/12: `smuggling_sequence`).
    refused = mode == "reject" and (has_bare(content) or b"\0" in seq)
    label = f"{label} [{rnd}]"
    with session(t) as s:
        s.hello()
        if not envelope(c, s, label, f"{tag}@ext.example"):
            return [Expect(tag, label, 0)]
        s.send(content + b".\r\n")
        final = s.try_reply()
        final_checks(c, s, label, final, refused)
    if refused:
        return [Expect(tag, label, 0)]
    return [Expect(tag, label, 1, body=stored_body(content),
                   contains=(b"body1", b"body2", f"MAIL FROM:<ceo.{tag}@sluice.test>".encode(),
                             f"Subject: smuggled {tag}".encode()), saw_rule="saw-body2")]


def sm13(c, t, rnd, mode):
    """SM-13: dot-stuffed lines round-trip: the backend stores ".", ".MAIL FROM:<x@y>", "hidden"."""
    tag, label = f"sm13-{rnd}", f"SM-13 dot-stuffing [{rnd}]"
    wire = f"Subject: one {tag}\r\n\r\n".encode() + b"..\r\n..MAIL FROM:<x@y>\r\n.hidden\r\n"
    with session(t) as s:
        s.hello()
        if envelope(c, s, label, f"{tag}@ext.example"):
            s.send(wire + b".\r\n")
            final_checks(c, s, label, s.try_reply(), False)
    return [Expect(tag, label, 1, body=b".\n.MAIL FROM:<x@y>\nhidden\n")]


def sm14(c, t, rnd, mode):
    """SM-14: the real terminator split at every byte position (small TCP_NODELAY writes with pauses),
    byte by byte, and as the first bytes of the body (empty message), whole and byte by byte."""
    term = b"\r\n.\r\n"
    variants = [(f"k{k}", [term[:k], term[k:]]) for k in range(1, len(term))]
    variants.append(("bytes", [bytes([b]) for b in term]))
    out = []
    with session(t) as s:
        s.hello()
        for name, pieces in variants:
            tag, label = f"sm14{name}-{rnd}", f"SM-14 terminator split {name} [{rnd}]"
            if not envelope(c, s, label, f"{tag}@ext.example"):
                out.append(Expect(tag, label, 0))
                continue
            s.send(f"Subject: one {tag}\r\n\r\nline one\r\nline two".encode())
            time.sleep(SPLIT_PAUSE_S)
            s.send_pieces(pieces, SPLIT_PAUSE_S)
            final = s.try_reply()
            c.true(f"{label}: 250 from the backend", final is not None and final.code == 250, repr(final))
            out.append(Expect(tag, label, 1, body=b"line one\nline two\n"))
        for name, pieces in (("empty", [b".\r\n"]), ("emptybytes", [b".", b"\r", b"\n"])):
            tag, label = f"sm14{name}-{rnd}", f"SM-14 empty body, '.' CRLF first ({name}) [{rnd}]"
            if not envelope(c, s, label, f"{tag}@ext.example"):
                out.append(Expect(tag, label, 0))
                continue
            s.send_pieces(pieces, SPLIT_PAUSE_S)
            final = s.try_reply()
            c.true(f"{label}: 250 from the backend", final is not None and final.code == 250, repr(final))
            out.append(Expect(tag, label, 1, body=b""))
        extra, bye = s.quit_collect()
        c.true(f"SM-14 [{rnd}]: no further reply before QUIT's 221", not extra and bye is not None,
               f"extra {[r.text for r in extra]}, QUIT -> {bye!r}")
    return out


def sm15(c, t, rnd, mode):
    """SM-15: a line of N 'A's then ".\\r\\nMAIL FROM..." (the '.' starts a TCP segment of its own): the dot
    is no line start, so the smuggled transaction is content of one message."""
    out = []
    for n in LINE_LENGTHS:
        tag, label = f"sm15n{n}-{rnd}", f"SM-15 line of {n} + '.' [{rnd}]"
        head = f"Subject: one {tag}\r\n\r\n".encode() + b"A" * n
        rest = (f".\r\nMAIL FROM:<evil.{tag}@x.test>\r\nRCPT TO:<{RCPT}>\r\nDATA\r\n"
                f"Subject: smuggled {tag}\r\n\r\nbody2\r\n").encode()
        with session(t) as s:
            s.hello()
            if not envelope(c, s, label, f"{tag}@ext.example"):
                out.append(Expect(tag, label, 0))
                continue
            s.send_pieces([head, rest + b".\r\n"], SPLIT_PAUSE_S)
            final_checks(c, s, label, s.try_reply(), False)
        out.append(Expect(tag, label, 1, body=stored_body(head + rest),
                          contains=(b"A" * n + b".\n", f"MAIL FROM:<evil.{tag}@x.test>".encode())))
    return out

