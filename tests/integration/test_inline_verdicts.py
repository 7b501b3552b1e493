#!/usr/bin/env python3
"""Inline verdicts (issue 4): Sluice answers the client with its verdict and the backend (real Postfix in
`mx`) holds only what was accepted. Raw SMTP from `mta` so every reply is seen as sent.

- EICAR as plain text, as a base64 attachment, inside a zip, and at the end of a message larger than the
  hold limit (it streams; the backend connection is aborted): 550 5.7.1 with the record id, nothing stored,
  nothing queued, no trace of the sender in the backend's queue log.
- Clean mail of 1 KB, 200 KB and 900 KB (past the hold limit): 250 from the backend, stored once, body SHA-256
  equal to the sent one, the backend saw the real client address.
- Relay control (protected domain sluice.test, exact): elsewhere.test and sub.sluice.test get
  550 5.7.1 Relay access denied; the message still goes to the protected recipient, and only to it.
- Oversize (oversize-limit 1 MB): EHLO offers SIZE 1048576, MAIL SIZE=2000000 gets 552 5.3.4, a bad SIZE
  501 5.5.4, 1.5 MB of DATA 552 5.3.4 and nothing stored.
- Sluice's JSON record of each message: id, verdict_latency_us, the reply the client got.
- Greylisting (second topology, delay 2 s): 451 4.7.1 ... Greylisted, again 451 before the delay, 250 after
  it, remembered afterwards; a new triplet is greylisted; the sending Postfix in `mta` is deferred once
  and delivers on its own retry.
"""
import re
import time

import backend_mail
import itlib
import verdict_mail as vm
from itlib import CLIENT4, CLIENT4_B, VIP_A, mailgen
from rawsmtp import RawSession, transaction

PROTECTED = """config smtp envelope
  set protected-domains sluice.test
end
"""
VERDICT_CONF = PROTECTED + """config smtp protocol-options
  set oversize-limit 1
end
"""
GREY_CONF = PROTECTED + """config greylist
  set status enable
  set delay 2
end
"""
OVERSIZE_BYTES = 1024 * 1024
RCPT = "user@sluice.test"


def send(t, sender, rcpts, data, mail_params="", source=CLIENT4):
    """One session from `mta` to VIP A: (EHLO reply, transaction replies)."""
    with RawSession(t.mta, VIP_A, source=source, timeout=60) as s:
        ehlo = s.hello()
        r = transaction(s, sender, rcpts, data, mail_params)
        s.quit_collect()
    return ehlo, r


def text(reply):
    return reply.text if reply is not None else "(none: closed or timed out)"


def record_field(rec, name):
    """A record field wherever the relay put it: top level, or under "relay", "smtp" or "verdict"."""
    for where in (rec, rec.get("relay", {}), rec.get("smtp", {}), rec.get("verdict", {})):
        if isinstance(where, dict) and name in where:
            return where[name]
    return None


def check_records(c, t, expected):
    """expected: {sender: (client reply code, reply text)}: each message has one record with an id, a
    verdict latency and the reply the client got; a refusal names the record id."""
    by_sender = {}
    for rec in t.sluice_records():
        by_sender.setdefault(rec.get("smtp", {}).get("mail_from", ""), []).append(rec)
    for sender, (code, reply) in expected.items():
        recs = by_sender.get(sender, [])
        if not recs:
            c.true(f"record of {sender}: present", False, f"{len(t.sluice_records())} records in the log")
            continue
        rec = recs[-1]
        rid, latency, client = (record_field(rec, k) for k in ("id", "verdict_latency_us", "client_reply"))
        c.true(f"record of {sender}: id {rid!r}, verdict_latency_us {latency!r}",
               bool(rid) and isinstance(latency, (int, float)) and latency >= 0)
        ctext = record_field(rec, "client_reply_text")
        c.true(f"record of {sender}: client_reply matches the {code} the client got",
               str(client) == str(code) and (ctext is None or str(ctext) in reply),
               f"record {client!r} {ctext!r}, client {reply!r}")
        if code >= 400:
            c.true(f"record of {sender}: the refusal names the record id", bool(rid) and f"id {rid}" in reply,
                   f"reply {reply!r}")


def verdicts(c, t):
    """Clean, EICAR, relay and oversize, all from CLIENT4; returns {sender: (code, text)} for the records."""
    replies = {}

    clean = [vm.clean(f"clean-{k}", k * 1024, sender=f"clean-{k}@client.test") for k in (1, 200, 900)]
    for s in clean:
        sender = f"{s.test_id}@client.test"
        _, r = send(t, sender, [RCPT], s.data)
        c.true(f"clean {s.test_id} ({s.size} bytes): 250 from the backend",
               r["final"] is not None and r["final"].code == 250 and "queued as" in r["final"].text, text(r["final"]))
        replies[sender] = (r["final"].code if r["final"] else 0, text(r["final"]))

    infected = {"eicar-plain": vm.eicar_plain("eicar-plain"), "eicar-base64": vm.eicar_base64("eicar-base64"),
                "eicar-zip": vm.eicar_zip("eicar-zip"),
                "eicar-streamed": vm.eicar_base64("eicar-streamed", text_size=600 * 1024)}
    for test_id, data in infected.items():
        sender = f"{test_id}@client.test"
        _, r = send(t, sender, [RCPT], data)
        f = r["final"]
        c.true(f"{test_id} ({len(data)} bytes): 550 5.7.1 Message rejected",
               f is not None and f.code == 550 and "5.7.1" in f.text and "rejected" in f.text.lower(), text(f))
        replies[sender] = (f.code if f else 0, text(f))

    # Relay control: exact domain; a recipient outside it is refused, the protected one still gets the mail.
    relay = vm.clean("relay-mixed", 2048, sender="relay-mixed@client.test")
    _, r = send(t, "relay-mixed@client.test", ["user@elsewhere.test", "user@sub.sluice.test", "User@Sluice.Test"],
                relay.data)
    for rcpt, reply in zip(("user@elsewhere.test", "user@sub.sluice.test"), r["rcpt"]):
        c.true(f"relay: RCPT {rcpt} -> 550 5.7.1 Relay access denied",
               reply.code == 550 and "5.7.1" in reply.text and "Relay access denied" in reply.text, reply.text)
    c.true("relay: RCPT User@Sluice.Test (protected, any case) -> 250", len(r["rcpt"]) == 3 and r["rcpt"][2].code == 250,
           text(r["rcpt"][2]) if len(r["rcpt"]) == 3 else "")
    c.true("relay: the message to the protected recipient gets 250", r["final"] is not None and r["final"].code == 250,
           text(r["final"]))
    replies["relay-mixed@client.test"] = (r["final"].code if r["final"] else 0, text(r["final"]))

    # Oversize.
    big = vm.clean("oversize-data", OVERSIZE_BYTES * 3 // 2, sender="oversize-data@client.test")
    ehlo, r = send(t, "oversize-size@client.test", [RCPT], b"", mail_params="SIZE=2000000")
    c.true(f"oversize: EHLO offers SIZE {OVERSIZE_BYTES}", f"SIZE {OVERSIZE_BYTES}" in ehlo.lines[-1] or
           any(line[4:].strip() == f"SIZE {OVERSIZE_BYTES}" for line in ehlo.lines), ehlo.text)
    c.true("oversize: MAIL FROM SIZE=2000000 -> 552 5.3.4", r["mail"].code == 552 and "5.3.4" in r["mail"].text,
           r["mail"].text)
    _, r = send(t, "oversize-badsize@client.test", [RCPT], b"", mail_params="SIZE=12abc")
    c.true("oversize: MAIL FROM SIZE=12abc -> 501 5.5.4", r["mail"].code == 501 and "5.5.4" in r["mail"].text,
           r["mail"].text)
    _, r = send(t, "oversize-data@client.test", [RCPT], big.data)
    f = r["final"]
    c.true(f"oversize: {big.size} bytes of DATA without SIZE -> 552 5.3.4",
           f is not None and f.code == 552 and "5.3.4" in f.text, text(f))
    replies["oversize-data@client.test"] = (f.code if f else 0, text(f))

    waited = backend_mail.wait_quiet(t.backend, 60, expect="deferred-ok")
    delivered = mailgen.index(t.backend.delivered_files())
    print(f"backend quiet after {waited:.1f} s; {sum(len(v) for v in delivered.values())} messages stored", flush=True)
    itlib.check_messages(c, delivered, clean, CLIENT4, "clean")
    got = delivered.get("relay-mixed", [])
    c.true("relay: the mixed-recipient message is stored once, for the protected recipient only",
           len(got) == 1 and got[0].headers.get("delivered-to", [""])[0].lower() == RCPT,
           f"{[d.headers.get('delivered-to') for d in got]}")
    refused = list(infected) + ["oversize-data"]
    stored = [i for i in refused if delivered.get(i)]
    c.true(f"refused messages ({', '.join(refused)}): none stored at the backend", not stored, f"stored {stored}")
    c.true("backend queue empty", not backend_mail.queue(t.backend), f"{backend_mail.queue(t.backend)[:3]}")
    log = t.backend.log()
    queued = [i for i in refused if re.search(rf"from=<{re.escape(i)}@client\.test>, size=", log)]
    c.true("refused messages: the backend never queued one (no qmgr from= line)", not queued, f"{queued}")
    leaked = [d for d in ("elsewhere.test", "sub.sluice.test") if d in log]
    c.true("relay: the backend log never names a refused recipient's domain", not leaked, f"{leaked}")
    sizes = [i for i in ("oversize-size", "oversize-badsize") if f"{i}@client.test" in log]
    c.true("oversize: MAIL FROM refused by Sluice never reached the backend", not sizes, f"{sizes}")
    check_records(c, t, replies)


def greylisting(c, t):
    """Raw sessions from CLIENT4, then the sending Postfix (bound to CLIENT4_B) retrying on its own."""
    sender, msg = "grey@client.test", vm.clean("grey-raw", 4096, sender="grey@client.test")
    with RawSession(t.mta, VIP_A, source=CLIENT4, timeout=30) as s:
        s.hello()
        t_first = time.monotonic()
        r = transaction(s, sender, [RCPT], msg.data)
        first = r["rcpt"][0] if r["rcpt"] else None
        m = re.search(r"try again in (\d+) seconds", text(first))
        c.true("greylist: first RCPT -> 451 4.7.1 <rcpt>: Recipient address rejected: Greylisted, try again in N s",
               first is not None and first.code == 451 and "4.7.1" in first.text and "Greylisted" in first.text and
               f"<{RCPT}>" in first.text and m is not None and 0 < int(m.group(1)) <= 2, text(first))
        s.cmd(b"RSET\r\n")
        r = transaction(s, sender, [RCPT], msg.data)
        again = r["rcpt"][0] if r["rcpt"] else None
        c.true("greylist: retry before the delay -> 451 again", again is not None and again.code == 451, text(again))
        s.quit_collect()
    time.sleep(max(0.0, 2.6 - (time.monotonic() - t_first)))
    _, r = send(t, sender, [RCPT], msg.data)
    c.true(f"greylist: retry after the delay ({time.monotonic() - t_first:.1f} s) -> RCPT 250 and the message 250",
           r["rcpt"] and r["rcpt"][0].code == 250 and r["final"] is not None and r["final"].code == 250,
           f"{[x.text for x in r['rcpt']]} / {text(r['final'])}")
    again = vm.clean("grey-raw-2", 2048, sender=sender)
    _, r = send(t, sender, [RCPT], again.data)
    c.true("greylist: the accepted triplet is remembered (next message 250 at once)",
           r["rcpt"] and r["rcpt"][0].code == 250 and r["final"] is not None and r["final"].code == 250,
           f"{[x.text for x in r['rcpt']]} / {text(r['final'])}")
    _, r = send(t, sender, ["other@sluice.test"], b"")
    c.true("greylist: a new recipient is a new triplet -> 451", r["rcpt"] and r["rcpt"][0].code == 451,
           f"{[x.text for x in r['rcpt']]}")

    # The sending Postfix: deferred by the 451, delivered by its own retry (minimal_backoff_time 5 s).
    pf_msg = vm.clean("grey-postfix", 8192, sender="grey-postfix@client.test")
    with RawSession(t.mta, "127.0.0.1", timeout=30) as s:
        s.hello()
        r = transaction(s, "grey-postfix@client.test", [RCPT], pf_msg.data)
        s.quit_collect()
    c.true("greylist: the sending Postfix took the message", r["final"] is not None and r["final"].code == 250,
           text(r["final"]))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not mailgen.index(t.backend.delivered_files()).get("grey-postfix"):
        time.sleep(0.5)
    backend_mail.wait_quiet(t.backend, 20)
    status = backend_mail.outcomes(t.sender).get("grey-postfix@client.test", {}).get("status", [])
    kinds = [st for st, _, _ in status]
    c.true(f"greylist: the sending Postfix logged deferred then sent ({kinds})",
           "deferred" in kinds and kinds[-1:] == ["sent"] and any("Greylisted" in d for _, _, d in status),
           "; ".join(d[:120] for _, _, d in status))
    delivered = mailgen.index(t.backend.delivered_files())
    itlib.check_messages(c, delivered, [pf_msg], CLIENT4_B, "greylist via the sending Postfix")
    itlib.check_messages(c, delivered, [msg, again], CLIENT4, "greylist raw retries")


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("inline verdicts are Sluice's")
    c = itlib.Checker("inline-verdicts")
    try:
        with itlib.Topology(sluice_conf_extra=VERDICT_CONF) as t:
            print(f"topology up in {t.setup_s:.1f} s (oversize-limit 1 MB, protected sluice.test)", flush=True)
            verdicts(c, t)
    except RuntimeError as e:
        c.true("verdict topology ran", False, str(e)[-800:])
    try:
        with itlib.Topology(sluice_conf_extra=GREY_CONF, mta_postfix=True) as t:
            print(f"topology up in {t.setup_s:.1f} s (greylist delay 2 s)", flush=True)
            greylisting(c, t)
    except RuntimeError as e:
        c.true("greylist topology ran", False, str(e)[-800:])
    c.finish()


if __name__ == "__main__":
    main()
