#!/usr/bin/env python3
"""TLS record-level evasions end to end (issue 8): THREATS SM-14 (the end of data split across writes) and
TCP-5 (a session in 1-byte pieces), both inside TLS, on STARTTLS port 25 and SMTPS port 465 of VIP A.

Why records and not segments: Sluice reassembles TCP, then decrypts; what its SMTP parser sees is the
plaintext of one TLS record at a time. Each `ssl` write of a small buffer is exactly one record (counted
here from the ciphertext's record headers, not assumed), so these cases make the parser meet `\\r\\n.\\r\\n`
and every command in pieces that no TCP-level test can produce.

- SM-14 over TLS: in one session per port, 16 messages whose final `\\r\\n.\\r\\n` is written as every
  composition of its 5 bytes into records (4 cut points: 2^4 ways, among them `\\r\\n` / `.` / `\\r\\n` and
  five 1-byte records), each record in its own TCP segment, then `NOOP\\r\\n` in a record of its own. Checks:
  exactly one 250 to each end of data, then the NOOP's 250 (so the dot ended the data and the NOOP was read
  as a command), nothing more before QUIT's 221; the backend stores each message exactly once with its body
  byte for byte (SHA-256) and without the NOOP.
- TCP-5 over TLS: the same session (EHLO, MAIL, RCPT, DATA, body, dot, QUIT; on 25 after STARTTLS) once in
  ordinary writes and once in 1-byte records; the replies are the same (queue ids masked), and the two stored
  bodies are identical and equal to the one sent.
Runs under SLUICE_APPLIANCE=kernel too (the backend terminates TLS there): a check of the harness itself.
May call: tls_clients (TlsLeg over a RawSession), backend_mail, itlib (Topology, mailgen).
"""
import itertools
import re
import sys
import time

import backend_mail
import itlib
import tls_clients as tc
from itlib import CLIENT4, VIP_A, mailgen, topology
from rawsmtp import RawSession, stuffed

PORTS = (25, 465)
RCPT = "user@sluice.test"
END = b"\r\n.\r\n"
PIECE_PAUSE_S = 0.05          # between records of the end of data: one TCP segment, one poll iteration each
SM14_SIZE = 700               # bytes of each SM-14 message (several lines start with a dot)
TCP5_SIZE = 3000              # bytes of the TCP-5 message (one TLS record per byte)
REPLY_S = 20.0                # one reply wait on a loaded 2-core machine
QUIET_S = 0.5                 # how long nothing more may arrive after the NOOP's reply
DELIVERY_S = 60.0
RECORD_HEADER = 5             # type, version, length


ctx = tc.appliance_context
text = tc.reply_text
code = tc.reply_code


def masked(r):
    """A reply's text with what differs between two equal sessions (Postfix's queue id) replaced."""
    return re.sub(r"queued as [0-9A-Za-z]+", "queued as QID", text(r))


class Records:
    """Writes plaintext into an established TlsLeg one ssl write (= one record) per call and counts the
    records that really went out by parsing the ciphertext's record headers."""

    def __init__(self, s):
        self.s, self.leg = s, s.leg
        self.records, self.cipher_bytes, self.writes = 0, 0, 0

    def write(self, piece):
        self.s.log.append(("C", piece))
        self.leg.obj.write(piece)
        wire = self.leg.out.read()
        self.writes += 1
        self.records += count_records(wire)
        self.cipher_bytes += len(wire)
        self.leg.tcp.sendall(wire)

    def write_bytes(self, data):
        """Every byte in a record of its own."""
        for i in range(len(data)):
            self.write(data[i:i + 1])


def count_records(wire):
    n, off = 0, 0
    while off + RECORD_HEADER <= len(wire):
        off += RECORD_HEADER + int.from_bytes(wire[off + 3:off + 5], "big")
        n += 1
    if off != len(wire):
        raise ValueError(f"ciphertext of {len(wire)} bytes is not whole records")
    return n


def open_tls(t, port, ehlo=True):
    """A RawSession to VIP A inside TLS, with EHLO done there unless `ehlo` is False: STARTTLS on 25, implicit
    on 465. Returns (session, the TLS EHLO reply or None, [replies before the first TLS command])."""
    if port == 465:
        s = tc.implicit(t, VIP_A, port, ctx(t), source=CLIENT4, timeout=REPLY_S)
        if not ehlo:
            return s, None, [s.reply()]
        return s, s.hello(b"records"), []
    s = RawSession(t.mta, VIP_A, port, source=CLIENT4, timeout=REPLY_S)
    try:
        plain = [s.reply(), s.cmd(b"EHLO records\r\n")]
        r, leg = tc.starttls(s, ctx(t))
        plain.append(r)
        if leg is None:
            raise RuntimeError(f"STARTTLS refused: {text(r)}")
        s.leg = leg
        return s, (s.cmd(b"EHLO records\r\n") if ehlo else None), plain
    except BaseException:
        s.close()
        raise


def envelope(s, w, sender):
    """MAIL, RCPT and DATA, one record each; None when DATA got its 354, else what went wrong."""
    for line in (f"MAIL FROM:<{sender}>\r\n".encode(), f"RCPT TO:<{RCPT}>\r\n".encode(), b"DATA\r\n"):
        w.write(line)
        r = s.try_reply()
        if code(r) != (354 if line == b"DATA\r\n" else 250):
            return f"{line.strip().decode()} -> {text(r)}"
    return None


def compositions(data):
    """Every way to cut `data` into consecutive non-empty pieces (2^(len-1) of them)."""
    out = []
    for cuts in itertools.product((False, True), repeat=len(data) - 1):
        pieces, start = [], 0
        for i, cut in enumerate(cuts, 1):
            if cut:
                pieces.append(data[start:i])
                start = i
        pieces.append(data[start:])
        out.append(pieces)
    return out


# ======================================================================================= SM-14
def sm14(c, t, port):
    print(f"---- SM-14 over TLS, port {port}: end of data split across TLS records", flush=True)
    splits = compositions(END)
    sent, finals, noops, problems = [], [], [], []
    with open_tls(t, port)[0] as s:
        w = Records(s)
        print(f"     TLS {s.leg.version} {s.leg.cipher}", flush=True)
        for i, pieces in enumerate(splits):
            label = "+".join(repr(p)[2:-1] for p in pieces)
            msg = mailgen.make(f"tlsrec-sm14-{port}-{i:02d}", SM14_SIZE, sender=f"sm14-{port}@client.test")
            refused = envelope(s, w, f"sm14-{port}@client.test")
            if refused:
                problems.append(f"{label}: {refused}")
                break
            wire = stuffed(msg.data)
            w.write(wire[:-len(END)])
            for piece in pieces:
                time.sleep(PIECE_PAUSE_S)
                w.write(piece)
            time.sleep(PIECE_PAUSE_S)
            w.write(b"NOOP\r\n")
            final, noop = s.try_reply(), s.try_reply()
            extra = s.try_reply(QUIET_S) if noop is not None else None
            sent.append(msg)
            finals.append((label, final))
            noops.append((label, noop, extra))
            if final is None or noop is None:
                problems.append(f"{label}: end of data {text(final)}, NOOP {text(noop)}: session ended here; "
                                f"{s.transcript(400)}")
                break
        extra_before_quit, bye = s.quit_collect()
    c.true(f":{port} SM-14 {len(finals)}/{len(splits)} splits sent ({w.records} records from {w.writes} writes, "
           f"{w.cipher_bytes} ciphertext bytes)", len(finals) == len(splits) and w.records == w.writes,
           "; ".join(problems))
    bad = [f"{label}: {text(r)}" for label, r in finals if code(r) != 250]
    c.true(f":{port} SM-14 a 250 to each end of data ({sum(code(r) == 250 for _, r in finals)}/{len(finals)})",
           not bad, "; ".join(bad[:6]))
    bad = [f"{label}: NOOP {text(n)}, then {text(x)}" for label, n, x in noops if code(n) != 250 or x is not None]
    c.true(f":{port} SM-14 the NOOP after each dot read as a command (250) and nothing more "
           f"({sum(code(n) == 250 and x is None for _, n, x in noops)}/{len(noops)})", not bad, "; ".join(bad[:6]))
    c.true(f":{port} SM-14 QUIT: 221 with no reply left over before it: {[x.text for x in extra_before_quit]} "
           f"{text(bye)}", code(bye) == 221 and not extra_before_quit)
    return sent


def check_stored(c, t, sent, label):
    """Each of `sent` stored exactly once, body SHA-256 equal, no NOOP in it."""
    delivered = mailgen.index(t.backend.delivered_files())
    missing = [m.test_id for m in sent if not delivered.get(m.test_id)]
    dup = [f"{m.test_id}x{len(delivered[m.test_id])}" for m in sent if len(delivered.get(m.test_id, [])) > 1]
    bad = [m.test_id for m in sent if delivered.get(m.test_id) and delivered[m.test_id][0].body_sha256 != m.body_sha256]
    noop = [m.test_id for m in sent for d in delivered.get(m.test_id, [])
            if b"NOOP" in backend_mail.parse(d.path).body]
    c.true(f"{label}: {len(sent) - len(missing)}/{len(sent)} stored at the backend", not missing, " ".join(missing))
    c.true(f"{label}: each stored once", not dup, " ".join(dup))
    c.true(f"{label}: every stored body equals the sent one (SHA-256)", not bad, " ".join(bad))
    c.true(f"{label}: no stored body holds the NOOP written after the dot", not noop, " ".join(noop))
    return len(sent) - len(missing)


# ======================================================================================= TCP-5
def session_replies(t, port, msg, one_byte):
    """The whole session after TLS (EHLO, MAIL, RCPT, DATA, body and dot, QUIT), in ordinary writes or in
    1-byte records: (replies, the Records writer)."""
    s, _, plain = open_tls(t, port, ehlo=False)
    with s:
        w = Records(s)
        replies = []
        sender = f"tcp5-{port}@client.test"
        steps = [b"EHLO records\r\n", f"MAIL FROM:<{sender}>\r\n".encode(), f"RCPT TO:<{RCPT}>\r\n".encode(),
                 b"DATA\r\n", stuffed(msg.data), b"QUIT\r\n"]
        for step in steps:
            if one_byte:
                w.write_bytes(step)
            else:
                w.write(step)
            r = s.try_reply()
            replies.append(r)
            if r is None:
                break
        return plain + replies, w


def tcp5(c, t, port):
    print(f"---- TCP-5 over TLS, port {port}: a whole session in 1-byte TLS records", flush=True)
    seed = f"tcp5-{port}"
    # Ids of the same length: mailgen sizes the body to fill TCP5_SIZE after the header, so equal headers'
    # lengths and the same seed give the same body.
    normal = mailgen.make(f"tlsrec-tcp5-{port}-whole", TCP5_SIZE, seed=seed)
    tiny = mailgen.make(f"tlsrec-tcp5-{port}-bytes", TCP5_SIZE, seed=seed)
    if normal.body_sha256 != tiny.body_sha256:
        raise RuntimeError("the two TCP-5 messages do not have the same body (mailgen sizing changed?)")
    t0 = time.monotonic()
    want, wn = session_replies(t, port, normal, one_byte=False)
    t1 = time.monotonic()
    got, wt = session_replies(t, port, tiny, one_byte=True)
    t2 = time.monotonic()
    print(f"     ordinary: {wn.records} records, {wn.cipher_bytes} ciphertext bytes, {t1 - t0:.2f} s; "
          f"1-byte: {wt.records} records, {wt.cipher_bytes} ciphertext bytes, {t2 - t1:.2f} s", flush=True)
    c.true(f":{port} TCP-5 one record per byte: {wt.records} records for {wt.writes} one-byte writes",
           wt.records == wt.writes and wt.writes > TCP5_SIZE)
    codes_want, codes_got = [code(r) for r in want], [code(r) for r in got]
    c.true(f":{port} TCP-5 the ordinary session's replies {codes_want}", codes_want[-6:] == [250, 250, 250, 354, 250, 221],
           " | ".join(text(r) for r in want))
    diff = [f"{text(a)!r} vs {text(b)!r}" for a, b in itertools.zip_longest(want, got) if masked(a) != masked(b)]
    c.true(f":{port} TCP-5 1-byte records: the same {len(got)} replies ({codes_got})", not diff, "; ".join(diff[:4]))
    return normal, tiny


def check_same_body(c, t, normal, tiny, port):
    delivered = mailgen.index(t.backend.delivered_files())
    a, b = delivered.get(normal.test_id, []), delivered.get(tiny.test_id, [])
    c.true(f":{port} TCP-5 stored once each (ordinary {len(a)}, 1-byte {len(b)})", len(a) == 1 and len(b) == 1)
    if a and b:
        body_a, body_b = backend_mail.parse(a[0].path).body, backend_mail.parse(b[0].path).body
        c.true(f":{port} TCP-5 the two stored bodies are identical ({len(body_a)} and {len(body_b)} bytes) and "
               f"equal to the one sent (SHA-256 {normal.body_sha256[:16]}...)",
               body_a == body_b and b[0].body_sha256 == tiny.body_sha256 == normal.body_sha256)


def alive(c, t):
    running = t.sluice is None or t.sluice.poll() is None
    c.true(f"appliance still running ({t.appliance})", running, "" if running else t.sluice_output()[-1500:])


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("tls-records")
    with itlib.Topology(tls=topology.TlsOptions()) as t:
        print(f"topology up in {t.setup_s:.1f} s ({t.appliance})", flush=True)
        sm14_sent, tcp5_sent = {}, {}
        for port in PORTS:
            for name, case, into in (("SM-14", sm14, sm14_sent), ("TCP-5", tcp5, tcp5_sent)):
                t0 = time.monotonic()
                try:
                    into[port] = case(c, t, port)
                except Exception as e:          # one broken case must not hide the others
                    c.true(f":{port} {name} ran to the end", False, f"{type(e).__name__}: {e}")
                print(f"     ({name} :{port}: {time.monotonic() - t0:.1f} s)", flush=True)
        expected = sum(len(v) for v in sm14_sent.values()) + 2 * len(tcp5_sent)
        waited = itlib.wait_delivered(t, expected, DELIVERY_S)
        print(f"backend: {len(t.backend.delivered_files())} stored, {expected} expected, after {waited:.1f} s",
              flush=True)
        for port, sent in sm14_sent.items():
            check_stored(c, t, sent, f":{port} SM-14")
        for port, (normal, tiny) in tcp5_sent.items():
            check_same_body(c, t, normal, tiny, port)
        alive(c, t)
    c.finish()


if __name__ == "__main__":
    main()
