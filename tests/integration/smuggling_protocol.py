"""The SMTP smuggling cases of ../shared/THREATS.md section 2 that concern commands and the transport
(SM-16 BDAT, SM-17 bare CR/LF in commands, SM-18 pipelining after a failed DATA, SM-20 the deployment
trap): the exact bytes each sends, the replies the client must get, what the backend must hold or must
never have been sent (its log's per-session command counts).

Owns: those cases. May call: rawsmtp.py, smuggling_cases.py (Expect, session, envelope), backend_mail.py.
"""
import backend_mail
from itlib import CLIENT4
from rawsmtp import capabilities
from smuggling_cases import RCPT, Expect, envelope, ok, session

# What Sluice may advertise (relay_behaviour.md, EHLO); everything else the backend offers is dropped.
HONOURED = {"PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8", "AUTH", "VRFY", "ETRN",
            "CHUNKING"}
BACKEND_REFUSED_RCPT = "nosuchuser@sluice.test"     # the backend's own access map rejects it (see test)
BACKEND_EXTRA = {"smtpd_recipient_restrictions":
                 f"check_recipient_access inline:{{{BACKEND_REFUSED_RCPT}=REJECT}}, permit_mynetworks, "
                 "reject_unauth_destination"}


def bdat_payload(size=62):
    """SM-16's chunk of `size` bytes: a Subject (so MIME sees a header block, not a header without a colon),
    then "x" (padded), ".", a MAIL FROM and a RCPT line, all of them content."""
    head, tail = b"Subject: sm16\r\n\r\n", b"\r\n.\r\nMAIL FROM:<ceo@p>\r\nRCPT TO:<u@p>\r\n"
    return head + b"x" * (size - len(head) - len(tail)) + tail


def sm16(c, t, rnd, chunking):
    """SM-16: BDAT 62 LAST whose bytes hold "x CRLF . CRLF MAIL FROM...": one message holding those lines
    (never commands); a second transaction in two chunks whose boundary splits CRLF.CRLF. With `chunking
    disable`: no CHUNKING in EHLO, BDAT -> 521 5.5.1 and close, nothing stored."""
    tag, label = f"sm16-{rnd}", f"SM-16 BDAT 62 LAST [{rnd}]"
    payload = bdat_payload()
    out = []
    with session(t) as s:
        caps = capabilities(s.hello())
        c.eq(f"{label}: CHUNKING advertised", "CHUNKING" in caps, chunking)
        r1 = s.cmd(f"MAIL FROM:<{tag}@ext.example>\r\n".encode())
        r2 = s.cmd(f"RCPT TO:<{RCPT}>\r\n".encode())
        c.true(f"{label}: MAIL/RCPT accepted", (r1.code, r2.code) == (250, 250), f"{r1.text} | {r2.text}")
        s.send(b"BDAT %d LAST\r\n" % len(payload) + payload)
        if not chunking:
            replies, closed = s.replies_until_close()
            c.true(f"{label}: 521 5.5.1 and close when CHUNKING is off",
                   [r.code for r in replies] == [521] and "5.5.1" in replies[0].text and closed,
                   f"{[r.text for r in replies]}, closed {closed}")
            return [Expect(tag, label, 0)]
        final = s.try_reply()
        c.true(f"{label}: one 250 from the backend", final is not None and final.code == 250 and
               "queued" in final.text, repr(final))
        out.append(Expect(tag, label, 1, body=payload.partition(b"\r\n\r\n")[2].replace(b"\r\n", b"\n"),
                          contains=(b"\n.\nMAIL FROM:<ceo@p>\nRCPT TO:<u@p>\n",)))

        tag2, label2 = f"sm16two-{rnd}", f"SM-16 BDAT in two chunks split inside CRLF.CRLF [{rnd}]"
        chunk1 = f"Subject: one {tag2}\r\n\r\nx\r\n.\r".encode()
        chunk2 = f"\nMAIL FROM:<ceo.{tag2}@sluice.test>\r\n".encode()
        r1 = s.cmd(f"MAIL FROM:<{tag2}@ext.example>\r\n".encode())
        r2 = s.cmd(f"RCPT TO:<{RCPT}>\r\n".encode())
        r3 = s.cmd(b"BDAT %d\r\n" % len(chunk1) + chunk1)
        c.true(f"{label2}: first chunk answered 250 ... {len(chunk1)} octets",
               r3.code == 250 and f" {len(chunk1)} " in r3.text, f"{r1.text} | {r2.text} | {r3.text}")
        r4 = s.cmd(b"BDAT %d LAST\r\n" % len(chunk2) + chunk2)
        c.true(f"{label2}: LAST chunk -> 250 from the backend", r4.code == 250 and "queued" in r4.text, r4.text)
        out.append(Expect(tag2, label2, 1, body=f"x\n.\nMAIL FROM:<ceo.{tag2}@sluice.test>\n".encode()))
        extra, bye = s.quit_collect()
        c.true(f"{label}: no further reply before QUIT's 221", not extra and bye is not None,
               f"extra {[r.text for r in extra]}, QUIT -> {bye!r}")
    return out


def sm17(c, t, rnd):
    """SM-17: "RCPT TO:<a@b>\\nDATA\\r\\n" and "MAIL FROM:<a@b>\\rRCPT TO:<c@d>\\r\\n" each get one 500 5.5.2
    and reach the backend in no form; the session goes on and delivers two clean messages. The case stops at
    the first reply out of step (the session is then desynchronised)."""
    tag, label = f"sm17-{rnd}", f"SM-17 bare CR/LF in commands [{rnd}]"
    steps = [("RCPT ... LF DATA", f"{tag}@ext.example", f"RCPT TO:<a.{tag}@sluice.test>\nDATA\r\n".encode()),
             ("MAIL ... CR RCPT", f"{tag}.2@ext.example",
              f"MAIL FROM:<b.{tag}@ext.example>\rRCPT TO:<c.{tag}@sluice.test>\r\n".encode())]
    qids = []
    with session(t) as s:
        s.hello()
        for what, sender, bad in steps:
            # The first bad line comes inside a transaction (after MAIL), the second opens one: had it been
            # forwarded, the good MAIL after it would be a nested MAIL at the backend (503).
            if what.startswith("RCPT"):
                r = s.cmd(f"MAIL FROM:<{sender}>\r\n".encode())
                if not ok(c, f"{label}: MAIL FROM:<{sender}> accepted", r.code == 250, r.text):
                    break
            got = s.cmd(bad)
            if not ok(c, f"{label}: {what} -> 500 5.5.2 bare <CR> or <LF>", got.code == 500 and "5.5.2" in got.text,
                          got.text):
                break
            noop = s.cmd(b"NOOP\r\n")
            if not ok(c, f"{label}: {what}: exactly one reply (NOOP's 250 comes next)", noop.code == 250, noop.text):
                break
            if what.startswith("MAIL"):
                r = s.cmd(f"MAIL FROM:<{sender}>\r\n".encode())
                if not ok(c, f"{label}: MAIL FROM:<{sender}> after it accepted (not nested)", r.code == 250, r.text):
                    break
            r2, r3 = s.cmd(f"RCPT TO:<{RCPT}>\r\n".encode()), s.cmd(b"DATA\r\n")
            if not ok(c, f"{label}: {what}: RCPT/DATA accepted", (r2.code, r3.code) == (250, 354),
                          f"{r2.text} | {r3.text}"):
                break
            final = s.cmd(f"Subject: one {tag}\r\n\r\nok\r\n.\r\n".encode())
            # A refusal here is a failure but leaves the session in step: the next step still runs.
            if ok(c, f"{label}: {what}: the clean message after it gets 250", final.code == 250, final.text):
                qids.append(backend_mail.queued_id(final.text))
        else:
            extra, bye = s.quit_collect()
            c.true(f"{label}: no further reply before QUIT's 221", not extra and bye is not None,
                   f"extra {[r.text for r in extra]}")
    return [Expect(tag, label, 2, body=b"ok\n")], {"tag": tag, "qids": qids}


def sm17_backend(c, t, info):
    """After the backend is quiet: the SM-17 session it saw had two MAIL and two RCPT commands only, and no
    address of the malformed lines appears anywhere in its log."""
    tag = info["tag"]
    sess = backend_mail.session_of(t.backend, info["qids"][0]) if info["qids"] and info["qids"][0] else None
    stats = sess["stats"] if sess else {}
    c.true(f"SM-17 [{tag}]: backend session counts mail=2 rcpt=2, no unknown command",
           stats.get("mail") == "2" and stats.get("rcpt") == "2" and "unknown" not in stats, f"stats {stats}")
    log = t.backend.log()
    leaked = [a for a in (f"a.{tag}@", f"b.{tag}@", f"c.{tag}@") if a in log]
    c.true(f"SM-17 [{tag}]: backend log never mentions the malformed lines' addresses", not leaked, f"{leaked}")


def sm18(c, t, rnd):
    """SM-18: one write of MAIL, a refused RCPT, DATA, then a second transaction. Expected: MAIL's 250, the
    RCPT refusal, DATA's 554 5.5.1, 554 5.5.0 synchronization error, close; nothing queued at all. Once with
    a recipient Sluice refuses (relay control), once with one the backend refuses."""
    out = []
    for key, rcpt, refused_by in (("sm18relay", "nosuchuser@elsewhere.test", "Relay access denied"),
                                  ("sm18backend", BACKEND_REFUSED_RCPT, "")):
        tag, label = f"{key}-{rnd}", f"SM-18 pipelined after failed DATA ({key[4:]}) [{rnd}]"
        wire = (f"MAIL FROM:<{tag}@ext.example>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n"
                f"MAIL FROM:<ceo.{tag}@sluice.test>\r\nRCPT TO:<{RCPT}>\r\nDATA\r\n"
                f"From: ceo.{tag}@sluice.test\r\nSubject: smuggled {tag}\r\n\r\nbody2\r\n.\r\n").encode()
        with session(t) as s:
            s.hello()
            s.send(wire)
            replies, closed = s.replies_until_close()
        codes = [r.code for r in replies]
        texts = [r.text for r in replies]
        ok = (codes[:1] == [250] and len(codes) == 4 and 500 <= codes[1] < 600 and
              (refused_by in texts[1]) and codes[2] == 554 and "5.5.1" in texts[2] and
              codes[3] == 554 and "5.5.0" in texts[3] and closed)
        c.true(f"{label}: 250, RCPT refused, 554 5.5.1, 554 5.5.0 and close", ok, f"{texts}, closed {closed}")
        out.append(Expect(tag, label, 0))
    return out


def sm18_backend(c, t, rnd):
    log = t.backend.log()
    leaked = [f"ceo.{k}-{rnd}" for k in ("sm18relay", "sm18backend") if f"ceo.{k}-{rnd}" in log]
    c.true(f"SM-18 [{rnd}]: the pipelined second transaction never reached the backend", not leaked, f"{leaked}")


def sm20(c, t, rnd):
    """SM-20: EHLO offers only what Sluice honours (no XCLIENT/XFORWARD/STARTTLS); client XCLIENT and XFORWARD
    get 550 5.7.0 from Sluice (the backend never counts one); a relay attempt is refused although the
    backend's mynetworks holds the client; a delivered message shows the real client address."""
    tag, label = f"sm20-{rnd}", f"SM-20 deployment trap [{rnd}]"
    with session(t) as s:
        caps = set(capabilities(s.hello()))
        c.true(f"{label}: EHLO offers only honoured extensions", caps <= HONOURED, f"{sorted(caps)}")
        for verb in (b"XCLIENT ADDR=203.0.113.9 NAME=spoof.example", b"XFORWARD ADDR=203.0.113.9"):
            r = s.cmd(verb + b"\r\n")
            c.true(f"{label}: {verb.split()[0].decode()} -> 550 5.7.0", r.code == 550 and "5.7.0" in r.text, r.text)
        s.cmd(f"MAIL FROM:<{tag}.relay@ext.example>\r\n".encode())
        r = s.cmd(f"RCPT TO:<victim.{tag}@elsewhere.test>\r\n".encode())
        c.true(f"{label}: relay to elsewhere.test -> 550 5.7.1 Relay access denied",
               r.code == 550 and "5.7.1" in r.text and "Relay access denied" in r.text, r.text)
        s.cmd(b"RSET\r\n")
        qid = ""
        if envelope(c, s, label, f"{tag}@ext.example"):
            final = s.cmd(f"Subject: one {tag}\r\n\r\nhello\r\n.\r\n".encode())
            qid = backend_mail.queued_id(final.text)
            c.true(f"{label}: delivered message gets the backend's 250", final.code == 250 and bool(qid), final.text)
        s.quit_collect()
    return [Expect(tag, label, 1, body=b"hello\n")], {"tag": tag, "qid": qid}


def sm20_backend(c, t, info, stored_for_tag):
    tag, qid = info["tag"], info["qid"]
    sess = backend_mail.session_of(t.backend, qid) if qid else None
    c.true(f"SM-20 [{tag}]: backend log: {qid} client=unknown[{CLIENT4}] (the real client, not the appliance)",
           sess is not None and sess["client"] == CLIENT4, f"session {sess and sess['client']}")
    stats = sess["stats"] if sess else {}
    c.true(f"SM-20 [{tag}]: backend was sent no XCLIENT/XFORWARD (its counts {stats})",
           sess is not None and "xclient" not in stats and "xforward" not in stats)
    log = t.backend.log()
    c.true(f"SM-20 [{tag}]: backend log never mentions the relay victim", f"victim.{tag}" not in log)
    rec = stored_for_tag[0].first("received") if stored_for_tag else ""
    c.true(f"SM-20 [{tag}]: stored message's Received names [{CLIENT4}]", f"[{CLIENT4}]" in rec, rec[:160])

