#!/usr/bin/env python3
"""THREATS.md section 1 (ST-1..ST-15, STARTTLS injection and stripping) and section 6 (TLS-1..TLS-11, TLS
termination guarantees) against Sluice, each case named by its id in the output and asserting what
/tmp/h5/tls_behaviour.md (the daemon's TLS behaviour, tests/integration/README.md "TLS tests") says.

Two topologies:
- A, the real backend Postfix (requires STARTTLS itself): VIP A 25/465/587 on profile "protect"
  (handshake-timeout 3 s for TLS-10's trickle), VIP B:25 on "protect-b" (same settings, its own ticket keys:
  TLS-9), the IPv6 VIP with no ssl-profile (ST-10: STARTTLS not offered, 502).
- B, tools/lib/tls_fake_backend.py in place of Postfix (ST-6, ST-7, ST-8's last line, ST-13, ST-14's
  banner, TLS-7): VIP A on "protect" (backend-tls starttls, verify against the test CA and mx.sluice.test),
  VIP B on "opportunistic".
Raw sockets and Python ssl (MemoryBIO) inject exactly the bytes each case names; openssl s_client where only
it can (TLS-3 renegotiation, TLS-9 early data); posttls-finger for TLS-11. Cases that cannot run here are
printed as SKIP with the reason (and listed in the README).
"""
import json
import os
import random
import re
import socket
import ssl
import sys
import time

import backend_mail
import itlib
import tls_clients as tc
import tls_fake_backend as fb
import verdict_mail as vm
from itlib import CLIENT4, VIP6, VIP_A, VIP_B, mailgen, topology
from rawsmtp import Closed, RawSession, capabilities, stuffed

HANDSHAKE_TIMEOUT_S = 3          # topology A's handshake-timeout (TLS-10 trickle)
QUIET_S = 2.0                    # ST-1/ST-2: how long nothing may arrive inside TLS
CLOSE_WAIT_S = 8.0               # a refusal must close within this
FUZZ_REPLY_S = 3.0               # ST-13: one reply wait
ST13_CODES = (220, 221, 354, 421, 454, 500, 501, 530, 554)
ST13_STEPS = ("BANNER", "EHLO", "STARTTLS", "RSET", "QUIT")
MUTANTS = 30                     # TLS-10: mutated ClientHellos
FLOOD_RECORDS = 2000             # TLS-10: warning alerts / empty records in one write
RCPT = "user@sluice.test"

A_PROFILES = {"protect": {"handshake-timeout": str(HANDSHAKE_TIMEOUT_S)},
              "protect-b": {"handshake-timeout": str(HANDSHAKE_TIMEOUT_S)}}
A_VIPS = {"mail-a": "protect", topology.TLS_VIP: "protect", "mail-b": "protect-b", "mail-v6": ""}
B_PROFILES = {"protect": {}, "opportunistic": {"backend-tls": "opportunistic"}}
B_VIPS = {"mail-a": "protect", topology.TLS_VIP: "protect", "mail-b": "opportunistic", "mail-v6": ""}


class Cases(itlib.Checker):
    """A Checker whose lines carry the current THREATS id, with skips printed (never silent)."""

    def __init__(self, name):
        super().__init__(name)
        self.case, self.skipped = "", []

    def start(self, case, what):
        self.case = case
        print(f"---- {case}: {what}", flush=True)

    def true(self, what, condition, detail=""):
        super().true(f"{self.case} {what}", condition, detail)

    def skip(self, case, why):
        self.skipped.append(case)
        print(f"SKIP {case}: {why}", flush=True)


ctx = tc.appliance_context
text = tc.reply_text
code = tc.reply_code


def controls(s):
    return [hex(ord(ch)) for ch in s if ord(ch) < 0x20 or ord(ch) == 0x7F]


def session(t, port=25, server=VIP_A, timeout=15.0):
    return RawSession(t.mta, server, port, source=CLIENT4, timeout=timeout)


def alive(c, t):
    running = t.sluice is None or t.sluice.poll() is None
    c.true(f"Sluice still running (pid {t.sluice.pid if t.sluice else '-'})", running,
           "" if running else t.sluice_output()[-1500:])


def records_with(t, needle, since=0):
    return [r for r in t.sluice_records()[since:] if needle in json.dumps(r)]


def wait_record(t, needle, since=0, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        got = records_with(t, needle, since)
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


def attempts(stat):
    """Postfix's per-command count in a disconnect line: "1" or "0/1" (ok/total) -> the total."""
    return int(str(stat).split("/")[-1]) if stat else 0


def new_backend_sessions(t, before, timeout=10.0):
    """The backend Postfix's smtpd sessions after the first `before`, once each has its disconnect line."""
    deadline = time.monotonic() + timeout
    while True:
        s = backend_mail.sessions(t.backend)[before:]
        if (s and all(x["stats"] for x in s)) or time.monotonic() > deadline:
            return s


def send_message(c, s, test_id, sender, label):
    """A whole transaction inside an open (TLS) session after EHLO; returns the final reply."""
    sent = mailgen.make(test_id, 2000, sender=sender)
    r = vm_transaction(s, sender, sent.data)
    c.true(f"{label}: message accepted: {text(r)}", code(r) == 250)
    return sent, r


def vm_transaction(s, sender, data):
    for line in (f"MAIL FROM:<{sender}>\r\n", f"RCPT TO:<{RCPT}>\r\n"):
        r = s.cmd(line.encode())
        if r.code != 250:
            return r
    r = s.cmd(b"DATA\r\n")
    if r.code != 354:
        return r
    s.send(stuffed(data))
    return s.try_reply()


# ======================================================================================= topology A
def st1_st2(c, t):
    for case, injected, after in (("ST-1", b"RSET\r\n", None), ("ST-2", b"EHLO commandinjectiontester\r\n", b"FAKE x\r\n")):
        c.start(case, f"STARTTLS\\r\\n{injected.decode().strip()}\\r\\n in one write")
        before = len(backend_mail.sessions(t.backend))
        n_rec = len(t.sluice_records())
        with session(t) as s:
            s.hello()
            s.send(b"STARTTLS\r\n" + injected)
            r = s.reply()
            c.true(f"reply to STARTTLS: {text(r)}", r.code == 220 and "Ready to start TLS" in r.text)
            if r.code != 220:
                continue
            leg = tc.TlsLeg(s, ctx(t)).start()
            quiet = s.try_reply(QUIET_S)
            c.true(f"nothing inside TLS for {QUIET_S:.0f} s after the handshake ({leg.version})", quiet is None,
                   f"got {text(quiet)}")
            if after:
                r = s.cmd(after)
                c.true(f"FAKE x inside TLS: {text(r)} (502, never 250)", code(r) in (500, 502))
            s.cmd(b"EHLO v\r\n")
            sender = f"{case.lower()}@client.test"
            send_message(c, s, case.lower(), sender, case)
            s.quit_collect()
        recs = wait_record(t, sender, n_rec)
        c.true(f"record of {sender} carries starttls_injection",
               any("starttls_injection" in json.dumps(x) for x in recs), json.dumps(recs[-1])[:300] if recs else "no record")
        sessions = new_backend_sessions(t, before)
        stats = sessions[-1]["stats"] if sessions else {}
        c.true(f"backend session: {stats}: no injected command reached it (no rset, ehlo=2: before TLS and the "
               f"client's own inside)", bool(stats) and "rset" not in stats and stats.get("ehlo") == "2"
               and stats.get("starttls") == "1")


def st3(c, t):
    c.start("ST-3", "credential theft: STARTTLS + AUTH + MAIL + RCPT + DATA in one write")
    before = len(backend_mail.sessions(t.backend))
    att = "att@x.test"
    with session(t) as s:
        s.hello()
        s.send(b"STARTTLS\r\nAUTH PLAIN AGF0dABwdw==\r\nMAIL FROM:<" + att.encode() + b">\r\nRCPT TO:<" +
               att.encode() + b">\r\nDATA\r\n")
        r = s.reply()
        c.true(f"reply to STARTTLS: {text(r)}", r.code == 220)
        if r.code == 220:
            tc.TlsLeg(s, ctx(t)).start()
            e = s.cmd(b"EHLO v\r\n")
            c.true(f"EHLO inside TLS: {e.code}", e.code == 250)
            a = s.try_reply(0) or s.cmd(b"AUTH PLAIN AHZpY3RpbQBzZWNyZXQ=\r\n")
            c.true(f"victim's AUTH is a command, answered at once: {text(a)}", code(a) in (235, 502, 503, 504, 535, 538))
            sender = "st3-victim@client.test"
            send_message(c, s, "st3", sender, "ST-3 victim")
            s.quit_collect()
    backend_mail.wait_quiet(t.backend, 10)
    log = t.backend.log()
    c.true(f"backend never saw {att} (log, queue, Maildir)", f"<{att}>" not in log and not backend_mail.queue(t.backend)
           and not any(m.return_path == att for m in backend_mail.stored(t.backend)))
    sessions = new_backend_sessions(t, before)
    stats = sessions[-1]["stats"] if sessions else {}
    c.true(f"backend session: {stats}: one AUTH at most (the victim's, inside TLS), one MAIL (the victim's)",
           bool(stats) and attempts(stats.get("auth")) <= 1 and attempts(stats.get("mail")) == 1)


def st4(c, t):
    c.start("ST-4", "split injection: STARTTLS\\r\\nRS, wait, ET\\r\\n, then a real ClientHello")
    with session(t) as s:
        s.hello()
        s.send(b"STARTTLS\r\nRS")
        r = s.reply()
        c.true(f"reply to STARTTLS: {text(r)}", r.code == 220)
        time.sleep(0.3)
        s.sock.sendall(b"ET\r\n")
        time.sleep(0.3)
        s.sock.sendall(tc.client_hello()[1])
        kind, detail = tc.server_answer(s.sock, CLOSE_WAIT_S)
    c.true(f"every byte after the 220 is TLS input: the handshake fails ({kind} {detail}), never 250",
           kind in ("alert", "closed") and "250" not in detail)


def st5(c, t):
    c.start("ST-5", "STARTTLS and a ClientHello in the same write (client does not wait for 220)")
    with session(t) as s:
        s.hello()
        s.send(b"STARTTLS\r\n" + tc.client_hello()[1])
        t0 = time.monotonic()
        r = s.try_reply(10)
        kind, detail = tc.server_answer(s.sock, HANDSHAKE_TIMEOUT_S + CLOSE_WAIT_S)
        secs = time.monotonic() - t0
    c.true(f"reply {text(r)}; then {kind} {detail} after {secs:.1f} s: the early ClientHello was discarded "
           f"(no ServerHello), closed by handshake-timeout {HANDSHAKE_TIMEOUT_S} s",
           code(r) in (220, None) and kind in ("alert", "closed"), f"{kind} {detail}")
    alive(c, t)


def st8_st11_tls11(c, t):
    c.start("ST-8", "STARTTLS offered before TLS, never after; replies well terminated")
    for port in (25, 587):
        with session(t, port) as s:
            pre = s.hello()
            _, leg = tc.starttls(s, ctx(t))
            post = s.cmd(b"EHLO v\r\n")
            c.true(f":{port} before TLS {capabilities(pre)} has STARTTLS; inside TLS {capabilities(post)} has not "
                   f"(last lines {pre.lines[-1][:4]!r} {post.lines[-1][:4]!r})",
                   "STARTTLS" in capabilities(pre) and "STARTTLS" not in capabilities(post)
                   and pre.lines[-1][3:4] == " " and post.lines[-1][3:4] == " ")
            if port == 587:
                c.start("TLS-11", "after TLS: STARTTLS absent, AUTH only if policy allows (backend offers none)")
                c.true(f"EHLO inside TLS on 587 offers neither STARTTLS nor AUTH: {capabilities(post)}",
                       "STARTTLS" not in capabilities(post) and "AUTH" not in capabilities(post))
                c.start("ST-8", "continued")
            s.quit_collect()
    c.start("ST-11", "587 before TLS: no AUTH offered, AUTH 538 5.7.11, MAIL 530 5.7.0; after TLS MAIL 250")
    with session(t, 587) as s:
        pre = s.hello()
        a = s.cmd(b"AUTH PLAIN AGF0dABwdw==\r\n")
        m = s.cmd(b"MAIL FROM:<st11@client.test>\r\n")
        c.true(f"EHLO before TLS offers no AUTH: {capabilities(pre)}", "AUTH" not in capabilities(pre))
        c.true(f"AUTH before TLS: {text(a)}", a.code == 538 and "5.7.11" in a.text)
        c.true(f"MAIL before TLS: {text(m)}", m.code == 530 and "5.7.0" in m.text)
        _, leg = tc.starttls(s, ctx(t))
        s.cmd(b"EHLO v\r\n")
        m = s.cmd(b"MAIL FROM:<st11@client.test>\r\n")
        c.true(f"MAIL inside TLS: {text(m)}", m.code == 250)
        s.quit_collect()
    c.start("TLS-11", "posttls-finger: verified chain of mail.sluice.test, EHLO inside TLS without STARTTLS")
    for port in (25, 587):
        p = t.ns(t.mta, "posttls-finger", "-t", "15", "-T", "15", "-l", "secure", "-F", t.pki.ca.cert, "-d", "sha256",
                 f"[{VIP_A}]:{port}", "mail.sluice.test", check=False, timeout=60)
        out = p.stdout + p.stderr
        established = re.search(r"(\w+) TLS connection established to [^:]+:\d+: (\S+) with cipher (\S+)", out)
        after = out.split("TLS connection established", 1)[-1] if established else ""
        c.true(f":{port} posttls-finger: {established.group(0) if established else 'no TLS'}; STARTTLS after TLS: "
               f"{'STARTTLS' in after}", bool(established) and established.group(1) == "Verified"
               and "STARTTLS" not in after, out[-600:])


def st9(c, t):
    c.start("ST-9", "state reset after TLS (RFC 3207): EHLO, MAIL, STARTTLS, then RCPT / MAIL before EHLO")
    with session(t) as s:
        s.hello(b"a")
        m = s.cmd(b"MAIL FROM:<x@y.test>\r\n")
        _, leg = tc.starttls(s, ctx(t))
        r1 = s.cmd(b"RCPT TO:<u@sluice.test>\r\n")
        m2 = s.cmd(b"MAIL FROM:<x@y.test>\r\n")
        s.cmd(b"EHLO a\r\n")
        r2 = s.cmd(b"RCPT TO:<u@sluice.test>\r\n")
        s.quit_collect()
    c.true(f"MAIL before STARTTLS {m.code}; inside TLS RCPT: {text(r1)}", r1.code == 503 and "5.5.1" in r1.text)
    c.true(f"MAIL before a new EHLO: {text(m2)}", m2.code == 503 and "5.5.1" in m2.text)
    c.true(f"after EHLO, RCPT without MAIL: {text(r2)}", r2.code == 503 and "5.5.1" in r2.text)
    c.skip("ST-9 (AUTH before STARTTLS)", "the backend offers no AUTH and Sluice refuses AUTH before TLS on 587 "
           "(ST-11), so no AUTH can exist before STARTTLS to survive it")


def st10(c, t):
    c.start("ST-10", "double and parameterised STARTTLS; STARTTLS on 465; no ssl-profile")
    for port in (25, 587):
        with session(t, port) as s:
            s.hello()
            r = s.cmd(b"STARTTLS foo\r\n")
            c.true(f":{port} STARTTLS foo: {text(r)}", r.code == 501 and "5.5.4" in r.text)
            _, leg = tc.starttls(s, ctx(t))
            s.cmd(b"EHLO v\r\n")
            r = s.cmd(b"STARTTLS\r\n")
            c.true(f":{port} STARTTLS inside TLS: {text(r)}", r.code == 503 and "5.5.1" in r.text)
            s.quit_collect()
    s = tc.implicit(t, VIP_A, 465, ctx(t))
    with s:
        s.reply()
        s.cmd(b"EHLO v\r\n")
        r = s.cmd(b"STARTTLS\r\n")
        c.true(f":465 STARTTLS: {text(r)}", r.code == 503)
    with RawSession(t.mta, VIP6, 25, timeout=15) as s:
        e = s.hello()
        r = s.cmd(b"STARTTLS\r\n")
        c.true(f"[{VIP6}]:25 (no ssl-profile): EHLO {capabilities(e)} without STARTTLS; STARTTLS: {text(r)}",
               "STARTTLS" not in capabilities(e) and r.code == 502)


def st12(c, t):
    c.start("ST-12", "EHLO x\\r\\nSTARTTLS\\r\\n pipelined in one write")
    with session(t) as s:
        s.reply()
        s.send(b"EHLO x\r\nSTARTTLS\r\n")
        e = s.try_reply(10)
        r = s.try_reply(10)
        outcome = f"EHLO {code(e)}, STARTTLS {text(r)}"
        if code(r) == 220:
            tc.TlsLeg(s, ctx(t)).start()
            e2 = s.cmd(b"EHLO v\r\n")
            c.true(f"{outcome}; TLS then EHLO inside {e2.code}", code(e) == 250 and e2.code == 250)
        else:
            _, closed = s.replies_until_close(5)
            c.true(f"{outcome}; refused and closed {closed}", code(e) in (250, 554) and code(r) in (554, None, 503))
        s.quit_collect()


def st14(c, t):
    c.start("ST-14", "reply splitting: attachment name decoding to CR LF + '250 2.0.0 Ok: queued.txt', inside TLS")
    name = "x%0D%0A250%202.0.0%20Ok%3A%20queued.txt"
    boundary = "st14-boundary"
    for kind, payload in (("EICAR", vm.EICAR), ("clean", b"hello world")):
        test_id = f"st14-{kind.lower()}"
        data = (f"From: <{test_id}@client.test>\r\nTo: <{RCPT}>\r\nSubject: {test_id}\r\n"
                f"Message-ID: <{test_id}@client.test>\r\n{mailgen.ID_HEADER}: {test_id}\r\nMIME-Version: 1.0\r\n"
                f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
                f"Content-Type: text/plain\r\n\r\nsee attachment\r\n--{boundary}\r\n"
                f"Content-Type: application/octet-stream; name*=us-ascii''{name}\r\n"
                f"Content-Disposition: attachment; filename*=us-ascii''{name}\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n").encode() + vm._b64(payload) + f"--{boundary}--\r\n".encode()
        with session(t) as s:
            s.hello()
            tc.starttls(s, ctx(t))
            s.cmd(b"EHLO v\r\n")
            final = vm_transaction(s, f"{test_id}@client.test", data)
            extra = s.try_reply(1.0)
            s.quit_collect()
        want = 550 if kind == "EICAR" else 250
        c.true(f"{kind}: one reply {text(final)!r} (want {want}), no control characters, nothing more before QUIT "
               f"({text(extra) if extra else 'nothing'})", code(final) == want and not controls(text(final))
               and extra is None and (kind != "EICAR" or "queued" not in text(final)))


def st15(c, t):
    c.start("ST-15", "wrong protocol: a ClientHello in plaintext on 25/587, plaintext EHLO on 465")
    for port in (25, 587):
        with session(t, port) as s:
            s.reply()
            s.send(tc.client_hello()[1])
            replies, closed = s.replies_until_close(CLOSE_WAIT_S)
        codes = [r.code for r in replies]
        c.true(f":{port} ClientHello as SMTP: replies {codes}, closed {closed}",
               all(x in (500, 501, 502, 421, 554) for x in codes) and (closed or codes))
    with session(t, 465) as s:
        s.sock.sendall(b"EHLO x\r\n")
        kind, detail = tc.server_answer(s.sock, CLOSE_WAIT_S)
    c.true(f":465 plaintext EHLO: {kind} {detail} (a TLS alert or close, no SMTP reply)",
           kind in ("alert", "closed"))
    alive(c, t)


def tls1_tls2(c, t):
    c.start("TLS-1", "protocol floor: SSLv3, TLS 1.0, 1.1 refused on 25, 587, 465; 1.2 and 1.3 accepted")
    n_rec = len(t.sluice_records())
    for port in (25, 587, 465):
        starttls = port != 465
        for legacy in (0x0300, 0x0301, 0x0302, 0x0303):
            hello = tc.client_hello(legacy, versions=None, record_version=min(legacy, 0x0301))[1]
            st, (kind, detail) = tc.raw_hello_probe(t, VIP_A, port, hello, starttls)
            name = tc.VERSION_NAMES[legacy]
            if legacy >= 0x0303:
                c.true(f":{port} {name} ClientHello: {kind} {detail}", kind == "serverhello" and detail == name)
            else:
                c.true(f":{port} {name} ClientHello: {kind} {detail} (refused)", kind in ("alert", "closed"))
        st, (kind, detail) = tc.raw_hello_probe(t, VIP_A, port, tc.client_hello()[1], starttls)
        c.true(f":{port} TLS 1.3 ClientHello: {kind} {detail}", kind == "serverhello" and detail == "TLSv1.3")
    fails = wait_record(t, "tls_failure", n_rec)
    fails = [r for r in fails if r.get("event_type") == "tls_failure" and r.get("leg") == "client"]
    sample = fails[0] if fails else {}
    bad = [r for r in fails if not (r.get("action") == "close" and r.get("reason") and "offered_versions" in r
                                    and "offered_ciphers" in r and r.get("dest_port") in (25, 465, 587))]
    c.true(f"{len(fails)} client-leg tls_failure records (9 refused hellos), e.g. reason "
           f"{str(sample.get('reason'))[:120]!r}, offered {sample.get('offered_versions')!r}, action "
           f"{sample.get('action')!r}", len(fails) >= 9 and not bad, json.dumps(bad[:2])[:600])
    c.start("TLS-2", "no NULL/EXPORT/anon/RC4/3DES/DES suites; forward secrecy; no compression")
    for name, suite in tc.SUITES_WEAK.items():
        st, (kind, detail) = tc.raw_hello_probe(t, VIP_A, 465, tc.client_hello(suites=[suite], versions=None)[1], False)
        c.true(f"only {name} offered: {kind} {detail}", kind in ("alert", "closed"))
    for label, ciphers, want in (("static RSA first", "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
                                 ("static RSA only", "AES128-GCM-SHA256:AES256-SHA", None)):
        fps, info, out = tc.showcerts(t, VIP_A, 25, args=["-tls1_2", "-cipher", ciphers])
        c.true(f"TLS 1.2, {label} ({ciphers}): cipher {info.get('cipher')}",
               info.get("cipher") == want if want else info.get("cipher") in (None, "0000", "(NONE)"))
        if want:
            m = re.search(r"^Compression: (\S+)", out, re.M)
            c.true(f"compression {m.group(1) if m else None}", bool(m) and m.group(1) == "NONE")


def tls3(c, t):
    c.start("TLS-3", "client-initiated renegotiation (openssl s_client -no_tls1_3, then R)")
    for port in (25, 587, 465):
        sc = tc.SClient(t, VIP_A, port, starttls=(port != 465), quiet=False, args=["-no_tls1_3", "-CAfile", t.pki.ca.cert])
        if port == 465:
            sc.reply()                        # the banner, inside TLS
        first = sc.cmd("EHLO client.test")
        mark = len(sc.stdout)
        sc.send("R\n")
        t0 = time.monotonic()
        renegotiating = sc.wait_for("RENEGOTIATING", 5, where="stderr") is not None
        # s_client ends when the server closes (it is not -ign_eof); stdin stays open meanwhile.
        while sc.p.poll() is None and time.monotonic() - t0 < CLOSE_WAIT_S:
            time.sleep(0.05)
        secs = time.monotonic() - t0
        rc = sc.finish(1)
        later = sc.stdout[mark:]
        m = re.search(r"alert ([a-z ]+)", sc.stderr)
        c.true(f":{port} EHLO {first!r}; after R: closed in {secs:.1f} s (rc {rc}), "
               f"{m.group(0) if m else 'no alert text'}; no SMTP reply after it",
               renegotiating and secs < CLOSE_WAIT_S and not re.search(r"^\d{3}[ -]", later, re.M),
               sc.transcript(300))


def tls4(c, t):
    c.start("TLS-4", "full chain, SNI, key protection")
    fps, info, _ = tc.showcerts(t, VIP_A, 25, args=["-servername", "mail.sluice.test", "-sigalgs", "rsa_pss_rsae_sha256"])
    names = [t.pki.by_fingerprint(f) for f in fps]
    c.true(f"chain presented on 25: {names} (leaf, then the test CA)", names == ["rsa", "ca"])
    fps, info, _ = tc.showcerts(t, VIP_A, 465, starttls=False, args=["-servername", "nobody.example", "-sigalgs",
                                                                       "rsa_pss_rsae_sha256"])
    names = [t.pki.by_fingerprint(f) for f in fps]
    c.true(f"unknown SNI nobody.example on 465: {names} (the default certificate, no unrecognized_name)",
           names == ["rsa", "ca"])
    c.skip("TLS-4 (key protection)", "a key file group or others can read, or owned by another user, is refused at "
           "load: unit-tested in tests/unit/tls/server_context_test.cc (testpki writes 0600); no HSM")


def tls5(c, t):
    c.start("TLS-5", "ALPN (ALPACA): only http/1.1 or h2 offered to 465/587")
    for port in (465, 587):
        st, (kind, detail) = tc.raw_hello_probe(t, VIP_A, port, tc.client_hello(alpn=["http/1.1", "h2"])[1], port != 465)
        c.true(f":{port} ClientHello offering http/1.1,h2: {kind} {detail} (no_application_protocol or no ALPN)",
               kind in ("alert", "closed", "serverhello") and (kind != "alert" or detail == "no_application_protocol"))
    try:
        s = tc.implicit(t, VIP_A, 465, ctx(t, alpn=["http/1.1"]))
    except (ssl.SSLError, Closed, OSError) as e:
        c.true(f":465 Python ssl with ALPN http/1.1: refused ({e})", "NO_APPLICATION_PROTOCOL" in str(e).upper()
               or isinstance(e, Closed))
        return
    with s:
        proto = s.leg.obj.selected_alpn_protocol()
        banner = s.try_reply(5)
        s.send(b"GET / HTTP/1.1\r\nHost: mail.sluice.test\r\n\r\n")
        replies, _ = s.replies_until_close(3)
    reflected = [r.text for r in replies if "GET" in r.text or "HTTP" in r.text]
    c.true(f":465 ALPN http/1.1 accepted without selecting it ({proto}); banner {code(banner)}; HTTP request "
           f"answered {[r.code for r in replies]}, nothing reflected", proto is None and not reflected, str(reflected))


def tls6(c, t):
    c.start("TLS-6", "client certificates not requested")
    _, _, out = tc.showcerts(t, VIP_A, 465, starttls=False, args=["-tls1_2"])
    ok = "No client certificate CA names sent" in out
    c.true("TLS 1.2 on 465: 'No client certificate CA names sent', no CertificateRequest", ok, "" if ok else out[-300:])
    c.skip("TLS-6 (ask / XCLIENT)", "Sluice has no client-certificate setting and passes no identity (no XCLIENT)")


def tls8(c, t):
    c.start("TLS-8", "truncation inside DATA: FIN without close_notify, close_notify before the dot")
    before = len(backend_mail.sessions(t.backend))
    ids = []
    for how in ("fin", "close_notify"):
        test_id = f"tls8-{how}"
        ids.append(test_id)
        sent = mailgen.make(test_id, 200_000, sender=f"{test_id}@client.test")
        with session(t) as s:
            s.hello()
            _, leg = tc.starttls(s, ctx(t))
            s.cmd(b"EHLO v\r\n")
            s.cmd(f"MAIL FROM:<{test_id}@client.test>\r\n".encode())
            s.cmd(f"RCPT TO:<{RCPT}>\r\n".encode())
            d = s.cmd(b"DATA\r\n")
            s.send(stuffed(sent.data)[:100_000])
            if how == "close_notify":
                leg.close_notify()
            leg.fin()
            replies, closed = s.replies_until_close(CLOSE_WAIT_S)
        c.true(f"{how}: DATA {d.code}, then the client got {[r.text for r in replies]} and a close ({closed})",
               d.code == 354 and closed and not any(r.code == 250 for r in replies))
    backend_mail.wait_quiet(t.backend, 5)
    stored = [i for i in ids if i in mailgen.index(t.backend.delivered_files())]
    c.true(f"nothing delivered ({stored})", not stored and not backend_mail.queue(t.backend))
    sessions = new_backend_sessions(t, before)
    # The backend leg is dropped: no final dot (no completed DATA), no RSET, no QUIT.
    lost = [x for x in sessions if any("lost connection after" in ln for ln in x["lines"])
            and x["stats"].get("data") in (None, "0/1") and "rset" not in x["stats"] and "quit" not in x["stats"]]
    c.true(f"backend: {len(lost)}/{len(sessions)} sessions lost their connection without a final dot, RSET or "
           f"QUIT: {[x['stats'] for x in sessions]}", len(sessions) == 2 and len(lost) == 2,
           " | ".join(ln for x in sessions for ln in x["lines"] if "lost connection" in ln))


def tls9(c, t):
    c.start("TLS-9", "session resumption by ticket, per profile; no 0-RTT")
    context = ctx(t)                    # a session resumes only through the context that made it
    with session(t) as s:
        s.hello()
        _, leg = tc.starttls(s, context)
        s.cmd(b"EHLO v\r\n")
        s.quit_collect()
        sess = leg.obj.session
    c.true(f"first session {leg.version}: ticket received (lifetime hint {getattr(sess, 'ticket_lifetime_hint', 0)} s)",
           sess is not None and getattr(sess, "has_ticket", False))
    if sess is None:
        return
    n_rec = len(t.sluice_records())
    for label, server, want in (("VIP A:25 (same profile)", VIP_A, True), ("VIP B:25 (profile protect-b)", VIP_B, False)):
        with session(t, 25, server) as s:
            s.hello()
            _, leg2 = tc.starttls(s, context, session=sess)
            s.cmd(b"EHLO v\r\n")
            reused = leg2.obj.session_reused
            if want:
                send_message(c, s, "tls9-resumed", "tls9-resumed@client.test", "TLS-9 resumed")
            s.quit_collect()
        c.true(f"ticket from VIP A presented to {label}: resumed {reused} (want {want})", reused == want)
    recs = wait_record(t, "tls9-resumed@client.test", n_rec)
    resumed = ((recs[-1].get("tls") or {}).get("client") or {}).get("resumed") if recs else None
    c.true(f"record of the resumed session: tls.client.resumed {resumed!r}", resumed is True)
    early = os.path.join(t.dir, "early.txt")
    sess_file = os.path.join(t.dir, "tls9.sess")
    with open(early, "w") as f:
        f.write("EHLO early\r\nMAIL FROM:<tls9-early@client.test>\r\n")
    first = tc.SClient(t, VIP_A, 465, starttls=False, args=["-tls1_3", "-sess_out", sess_file])
    first.reply()
    first.cmd("QUIT")
    first.finish()
    second = tc.SClient(t, VIP_A, 465, starttls=False, quiet=False,
                        args=["-tls1_3", "-sess_in", sess_file, "-early_data", early])
    second.wait_for(r"^220 ", 10)
    second.cmd("QUIT")
    second.finish()
    out = second.stdout + second.stderr
    m = re.search(r"Early data was (\w+( \w+)?)", out)
    ok = "Early data was accepted" not in out
    c.true(f"0-RTT on 465: '{m.group(0) if m else 'no early-data line'}' (never accepted)", ok, "" if ok else out[-300:])


def tls10(c, t):
    c.start("TLS-10", "handshake robustness: 1-byte segments and records, 16 KiB+ extension, alert/empty floods, "
                      "trickle, mutated ClientHellos")
    # 1-byte TCP segments of a real ClientHello: legal TCP, the handshake must complete.
    for port in (25, 465):
        with session(t, port) as s:
            if port == 25:
                s.hello()
                s.cmd(b"STARTTLS\r\n")
            leg = tc.TlsLeg(s, ctx(t))
            hello = leg.hello()
            t0 = time.monotonic()
            for i in range(len(hello)):
                s.sock.sendall(hello[i:i + 1])
            try:
                leg.start(hello_sent=True)
                ok, what = True, f"{leg.version} in {time.monotonic() - t0:.2f} s"
            except (ssl.SSLError, Closed, OSError) as e:
                ok, what = False, str(e)
        c.true(f":{port} ClientHello of {len(hello)} bytes in {len(hello)} 1-byte segments: {what}", ok)
    # 1-byte records: a fragmented handshake message; either served or refused, promptly.
    msg, _ = tc.client_hello()
    st, (kind, detail) = tc.raw_hello_probe(t, VIP_A, 465, tc.records(22, msg, 0x0301, size=1), False)
    c.true(f":465 ClientHello in {len(msg)} 1-byte records: {kind} {detail}", kind in ("serverhello", "alert", "closed"))
    msg, recs = tc.client_hello(padding=17000)
    st, (kind, detail) = tc.raw_hello_probe(t, VIP_A, 465, recs, False)
    c.true(f":465 ClientHello of {len(msg)} bytes (17,000-byte padding extension, 2 records): {kind} {detail}",
           kind in ("serverhello", "alert", "closed"))
    for label, flood in (("warning alerts (user_canceled)", tc.records(21, b"\x01\x5a", 0x0303) * FLOOD_RECORDS),
                         ("empty handshake records", b"\x16\x03\x03\x00\x00" * FLOOD_RECORDS)):
        hello = tc.client_hello(versions=None)[1]
        with session(t, 465, timeout=CLOSE_WAIT_S) as s:
            t0 = time.monotonic()
            try:
                s.sock.sendall(hello + flood)
            except OSError:
                pass
            closed, alerts, nbytes = tc.drain(s.sock, CLOSE_WAIT_S)
            secs = time.monotonic() - t0
        c.true(f":465 TLS 1.2 ClientHello + {FLOOD_RECORDS} {label} in one write: closed {closed} after "
               f"{secs:.2f} s, alerts {alerts}, {nbytes} bytes back", closed and secs < CLOSE_WAIT_S)
    # Trickle: one byte every 0.5 s; handshake-timeout (3 s here) must close it.
    for port in (465, 25):
        with session(t, port, timeout=20) as s:
            if port == 25:
                s.hello()
                s.cmd(b"STARTTLS\r\n")
            hello = tc.client_hello()[1]
            t0, sent, closed_at = time.monotonic(), 0, None
            s.sock.settimeout(0.5)
            while sent < len(hello) and time.monotonic() - t0 < HANDSHAKE_TIMEOUT_S + CLOSE_WAIT_S:
                try:
                    s.sock.sendall(hello[sent:sent + 1])
                    sent += 1
                    data = s.sock.recv(4096)
                    if not data:
                        closed_at = time.monotonic() - t0
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_at = time.monotonic() - t0
                    break
        c.true(f":{port} trickled ClientHello (1 byte / 0.5 s): closed after {closed_at if closed_at is None else round(closed_at, 1)} s "
               f"having sent {sent}/{len(hello)} bytes (handshake-timeout {HANDSHAKE_TIMEOUT_S} s)",
               closed_at is not None and HANDSHAKE_TIMEOUT_S - 0.5 <= closed_at <= HANDSHAKE_TIMEOUT_S + CLOSE_WAIT_S - 2)
    # Mutated ClientHellos (zzuf-like: byte flips, fixed seed), each followed by FIN.
    rng = random.Random(5)
    base = tc.client_hello()[1]
    outcomes, slow = {}, []
    for i in range(MUTANTS):
        m = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            m[rng.randrange(len(m))] = rng.randrange(256)
        t0 = time.monotonic()
        with session(t, 465, timeout=CLOSE_WAIT_S) as s:
            try:
                s.sock.sendall(bytes(m))
                s.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            kind, _ = tc.server_answer(s.sock, CLOSE_WAIT_S)
        outcomes[kind] = outcomes.get(kind, 0) + 1
        if time.monotonic() - t0 > CLOSE_WAIT_S - 1:
            slow.append(i)
    c.true(f"{MUTANTS} mutated ClientHellos + FIN on 465: {outcomes}, none left hanging", not slow
           and "timeout" not in outcomes, f"slow {slow}")
    c.skip("TLS-10 (scapy/zzuf pcap replay)", "covered by the seeded byte-flip mutants above; no pcap replay here")
    alive(c, t)


def run_topology_a(c):
    tls = topology.TlsOptions(profiles=A_PROFILES, vip_profiles=A_VIPS)
    with itlib.Topology(tls=tls) as t:
        print(f"topology A (real backend Postfix) up in {t.setup_s:.1f} s", flush=True)
        for case in (st1_st2, st3, st4, st5, st8_st11_tls11, st9, st10, st12, st14, st15, tls1_tls2, tls3, tls4,
                     tls5, tls6, tls8, tls9, tls10):
            t0 = time.monotonic()
            try:
                case(c, t)
            except Exception as e:       # one broken case must not hide the others
                c.true(f"{case.__name__} ran to the end", False, f"{type(e).__name__}: {e}")
            print(f"     ({case.__name__}: {time.monotonic() - t0:.1f} s)", flush=True)
        alive(c, t)
        stats = t.flow_counts() if t.appliance == "sluice" else {}
        print("telemetry A: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k.startswith("tls")), flush=True)
        c.true(f"telemetry: tls_handshakes {stats.get('tls_handshakes')}, tls_handshake_failures "
               f"{stats.get('tls_handshake_failures')}", (stats.get("tls_handshakes") or 0) > 0
               and (stats.get("tls_handshake_failures") or 0) > 0)


# ======================================================================================= topology B
class Fake:
    """The fake backend of topology B: its scenario file and its record."""

    def __init__(self, t):
        self.t = t
        self.scenario = os.path.join(t.dir, "scenario.json")
        self.record = os.path.join(t.dir, "backend.jsonl")

    def command(self, t):
        fb.write_scenario(self.scenario, {"name": "default"})
        return [sys.executable, os.path.join(topology.LIB, "tls_fake_backend.py"), "--listen", topology.BACKEND4,
                "--port", "25", "--port", "587", "--implicit-port", "465", "--scenario", self.scenario,
                "--record", self.record, "--cert", t.pki["mx"].bundle]

    def play(self, scenario):
        fb.write_scenario(self.scenario, scenario)
        self.mark = max(fb.load(self.record) or {0: None})

    def conns(self, wait_closed=True, timeout=5.0):
        """Connections accepted since the last play() (waiting until each has closed)."""
        deadline = time.monotonic() + timeout
        while True:
            got = [x for k, x in sorted(fb.load(self.record).items()) if k > self.mark]
            if not wait_closed or (got and all(x.closed for x in got)) or time.monotonic() > deadline:
                return got


def st6(c, t, fake):
    c.start("ST-6", "backend answers STARTTLS with 220 + forged capabilities in one write (EAST B_1)")
    fake.play({"name": "st6", "replies": {"STARTTLS": "220 Ready\r\n250-evil\r\n250 AUTH PLAIN\r\n"}})
    with session(t) as s:
        s.hello()
        r = s.cmd(b"STARTTLS\r\n")
        replies, closed = s.replies_until_close(CLOSE_WAIT_S)
    got = [text(r)] + [x.text for x in replies]
    conns = fake.conns()
    c.true(f"client got {got}, closed {closed}: 421 4.7.0, never 220, never the forged lines",
           r.code == 421 and "4.7.0" in r.text and closed and not any("evil" in g for g in got))
    plain_after = [x.commands("plain")[x.commands("plain").index("STARTTLS") + 1:] for x in conns
                   if "STARTTLS" in x.commands("plain")]
    c.true(f"backend leg closed: nothing more in plaintext after STARTTLS {plain_after}",
           bool(conns) and all(x.closed for x in conns) and all(set(p) <= {"QUIT"} for p in plain_after),
           " || ".join(x.summary() for x in conns))


def st7(c, t, fake):
    c.start("ST-7", "STARTTLS stripping on the backend leg")
    stripped = fb.strip_starttls(fb.DEFAULT_REPLIES["EHLO"])
    for label, scen in (("no STARTTLS in EHLO", {"replies": {"EHLO": stripped}}),
                        ("STARTTLS -> 454", {"replies": {"STARTTLS": "454 4.7.0 TLS not available due to local problem\r\n"}}),
                        ("STARTTLS -> 502", {"replies": {"STARTTLS": "502 5.5.1 Error: command not implemented\r\n"}})):
        fake.play({"name": f"st7 {label}", **scen})
        with session(t) as s:
            e = s.hello()
            r = s.cmd(b"STARTTLS\r\n")
            replies, closed = s.replies_until_close(CLOSE_WAIT_S)
        conns = fake.conns()
        plain = [x.commands("plain") for x in conns]
        c.true(f"starttls policy, backend {label}: client EHLO offers STARTTLS {'STARTTLS' in capabilities(e)}; "
               f"STARTTLS -> {text(r)}; closed {closed}", "STARTTLS" in capabilities(e) and r.code == 421
               and "4.7.0" in r.text and closed)
        c.true(f"  backend got only {plain} in plaintext (nothing after the refusal but QUIT)",
               all(not [x for x in p[p.index("STARTTLS") + 1 if "STARTTLS" in p else 1:] if x.split()[0].upper() != "QUIT"]
                   for p in plain), " || ".join(x.summary() for x in conns))
    n_rec = len(t.sluice_records())
    for label, scen in (("no STARTTLS in EHLO", {"replies": {"EHLO": stripped}}),
                        ("STARTTLS -> 454", {"replies": {"STARTTLS": "454 4.7.0 TLS not available\r\n"}})):
        fake.play({"name": f"st7 opportunistic {label}", **scen})
        sender = f"st7-opp-{label.split()[-1].lower()}@client.test"
        with session(t, 25, VIP_B) as s:
            s.hello()
            r, leg = tc.starttls(s, ctx(t))
            if leg:
                s.cmd(b"EHLO v\r\n")
                send_message(c, s, sender.split("@")[0], sender, f"opportunistic, backend {label}")
            s.quit_collect()
        conns = fake.conns()
        plain_data = [m for x in conns for m in x.messages if m["phase"] == "plain"]
        c.true(f"opportunistic, backend {label}: client STARTTLS {text(r)}, TLS {leg.version if leg else None}; "
               f"message reached the backend in plaintext ({len(plain_data)})", leg is not None and len(plain_data) == 1)
        recs = wait_record(t, sender, n_rec)
        rec = recs[-1] if recs else {}
        tls = rec.get("tls") or {}
        c.true(f"  record: tls.backend {tls.get('backend')!r}, flag backend_plaintext "
               f"{'backend_plaintext' in json.dumps(rec)}", bool(rec) and tls.get("backend") is None
               and "backend_plaintext" in json.dumps(rec), json.dumps(rec)[:300])


def st8_fake(c, t, fake):
    c.start("ST-8", "backend's last EHLO line is 250 CHUNKING (a keyword the proxy may hide)")
    ehlo = f"250-{fb.BACKEND_HOST}\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 CHUNKING\r\n"
    fake.play({"name": "st8", "replies": {"EHLO": ehlo}, "tls_replies": {"EHLO": f"250-{fb.BACKEND_HOST}\r\n250 CHUNKING\r\n"}})
    with session(t, timeout=5) as s:
        try:
            pre = s.hello()
            _, leg = tc.starttls(s, ctx(t))
            post = s.cmd(b"EHLO v\r\n")
            c.true(f"well-terminated EHLO replies: before TLS {pre.lines}, inside {post.lines}",
                   pre.lines[-1][3:4] == " " and post.lines[-1][3:4] == " " and "STARTTLS" not in capabilities(post))
        except (Closed, socket.timeout, OSError) as e:
            c.true("EHLO replies arrived whole", False, f"{type(e).__name__}: {e}: {s.transcript()}")


def st13(c, t, fake):
    c.start("ST-13", f"backend reply fuzz: {', '.join(ST13_STEPS)} answered {ST13_CODES}")
    bad, confused, t0 = [], [], time.monotonic()
    for step in ST13_STEPS:
        for code_ in ST13_CODES:
            fake.play({"name": f"st13 {step} {code_}", "replies": {step: f"{code_} 4.0.0 fuzz {step.lower()}\r\n"},
                       "tls_replies": {step: f"{code_} 4.0.0 fuzz {step.lower()}\r\n"}, "idle_s": 10})
            got, client_tls = [], False
            try:
                with session(t, timeout=FUZZ_REPLY_S) as s:
                    got.append(code(s.try_reply()))
                    s.send(b"EHLO t\r\n")
                    got.append(code(s.try_reply()))
                    s.send(b"STARTTLS\r\n")
                    r = s.try_reply()
                    got.append(code(r))
                    if code(r) == 220:
                        tc.TlsLeg(s, ctx(t)).start(FUZZ_REPLY_S * 2)
                        client_tls = True
                        for line in (b"EHLO t\r\n", b"RSET\r\n", b"QUIT\r\n"):
                            s.send(line)
                            got.append(code(s.try_reply()))
            except (Closed, socket.timeout, OSError, ssl.SSLError) as e:
                got.append(type(e).__name__)
            conns = fake.conns(timeout=2)
            backend_tls = any(x.tls for x in conns)
            if client_tls and not backend_tls:
                bad.append(f"{step} {code_}: client TLS without backend TLS {got}")
            # The client's reply to a fuzzed step carries the backend's code, never one the proxy made up
            # (BANNER and EHLO are relayed; a refused STARTTLS becomes 421, fail closed).
            idx = {"BANNER": 0, "EHLO": 1}.get(step)
            if idx is not None and len(got) > idx and isinstance(got[idx], int) and got[idx] != code_:
                confused.append(f"{step} {code_} -> client {got[idx]}")
            print(f"     {step:8} {code_}: client saw {got}, backend TLS {backend_tls}", flush=True)
    c.true(f"45 fuzzed backends in {time.monotonic() - t0:.1f} s: TLS to the client only when the backend leg "
           f"reached TLS", not bad, "; ".join(bad[:5]))
    c.true("the client's replies to the fuzzed greeting and EHLO carry the backend's codes (no state confusion)",
           not confused, "; ".join(confused))
    alive(c, t)


def st14_fake(c, t, fake):
    c.start("ST-14", "hostile backend banner: ESC[2J and 1,000 continuation lines")
    banner = "220-mx.sluice.test \x1b[2J cleared\r\n" + "".join(f"220-line {i}\r\n" for i in range(1000)) + "220 end\r\n"
    fake.play({"name": "st14", "replies": {"BANNER": banner}})
    with session(t, timeout=10) as s:
        try:
            b = s.reply()
            e = s.cmd(b"EHLO v\r\n")
            ctl = controls(b.text)
            c.true(f"banner relayed as {len(b.lines)} lines, {len(b.text)} characters, control characters {ctl[:5]}; "
                   f"then EHLO {e.code}", not ctl and len(b.lines) <= 1001 and e.code == 250)
        except (Closed, socket.timeout, OSError) as e:
            c.true("banner arrived whole and the session went on", False, f"{type(e).__name__}: {e}")


def tls7(c, t, fake):
    c.start("TLS-7", "backend certificate: expired, self-signed, wrong name -> fail closed; a 454 -> no 220")
    n_rec = len(t.sluice_records())
    for name in ("expired", "selfsigned", "other"):
        fake.play({"name": f"tls7 {name}", "cert": t.pki[name].bundle})
        with session(t) as s:
            s.hello()
            r = s.cmd(b"STARTTLS\r\n")
            replies, closed = s.replies_until_close(CLOSE_WAIT_S)
        conns = fake.conns()
        after_tls = [x.commands("tls") for x in conns]
        c.true(f"{name} backend certificate on 25: client STARTTLS -> {text(r)}, closed {closed}; backend got "
               f"nothing inside TLS {after_tls}", r.code == 421 and "4.7.0" in r.text and closed
               and not any(after_tls), " || ".join(x.summary() for x in conns))
        fake.play({"name": f"tls7 {name} 465", "cert": t.pki[name].bundle})
        try:
            s = tc.implicit(t, VIP_A, 465, ctx(t), timeout=CLOSE_WAIT_S)
            with s:
                b = s.try_reply(CLOSE_WAIT_S)
                replies, closed = s.replies_until_close(CLOSE_WAIT_S)
            result = f"greeting {text(b)}, closed {closed}"
            ok = (b is None or b.code == 421) and not any(x.code == 250 for x in replies)
        except (ssl.SSLError, Closed, OSError) as e:
            result, ok = f"handshake refused ({type(e).__name__})", True
        conns = fake.conns()
        c.true(f"{name} backend certificate on 465: {result}; backend got {[x.commands() for x in conns]}",
               ok and not any(x.commands() for x in conns))
    fake.play({"name": "tls7 good"})
    sender = "tls7-good@client.test"
    with session(t) as s:
        s.hello()
        r, leg = tc.starttls(s, ctx(t))
        if leg:
            s.cmd(b"EHLO v\r\n")
            send_message(c, s, "tls7-good", sender, "TLS-7 control (mx.sluice.test from the test CA)")
        s.quit_collect()
    conns = fake.conns()
    sni = [x.tls.get("sni") for x in conns if x.tls]
    c.true(f"control: STARTTLS {text(r)}; backend leg {[x.tls.get('version') for x in conns if x.tls]}, SNI {sni}",
           leg is not None and sni == ["mx.sluice.test"])
    recs = wait_record(t, sender, n_rec)
    verify = (((recs[-1].get("tls") or {}).get("backend")) or {}).get("verify") if recs else None
    c.true(f"control record: tls.backend.verify {verify!r}", verify == "verified")
    c.start("TLS-7", "a backend 454 to STARTTLS: the client does not get 220 (see ST-7)")


def run_topology_b(c):
    fake = None

    def command(t):
        nonlocal fake
        fake = Fake(t)
        return fake.command(t)
    tls = topology.TlsOptions(profiles=B_PROFILES, vip_profiles=B_VIPS)
    with itlib.Topology(tls=tls, backend_command=command) as t:
        print(f"topology B (fake backend) up in {t.setup_s:.1f} s", flush=True)
        for case in (st6, st7, st8_fake, st14_fake, tls7, st13):
            t0 = time.monotonic()
            try:
                case(c, t, fake)
            except Exception as e:
                c.true(f"{case.__name__} ran to the end", False, f"{type(e).__name__}: {e}")
            print(f"     ({case.__name__}: {time.monotonic() - t0:.1f} s)", flush=True)
        stats = t.flow_counts() if t.appliance == "sluice" else {}
        print("telemetry B: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k.startswith("tls")), flush=True)
        c.true(f"telemetry: tls_backend_failures {stats.get('tls_backend_failures')}",
               (stats.get("tls_backend_failures") or 0) > 0)


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("THREATS §1 and §6 are Sluice's own TLS termination")
    c = Cases("tls-threats")
    which = os.environ.get("SLUICE_TLS_THREATS", "ab")
    if "a" in which:
        run_topology_a(c)
    if "b" in which:
        run_topology_b(c)
    if c.skipped:
        print(f"skipped (reason printed above): {', '.join(c.skipped)}", flush=True)
    c.finish()


if __name__ == "__main__":
    main()
