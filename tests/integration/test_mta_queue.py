#!/usr/bin/env python3
"""A sending Postfix in `mta` (relayhost = Sluice's VIP A, bound to 198.51.100.3) empties a queue of 100
mixed messages through Sluice into the real Postfix backend (issue 4). Every message ends exactly as its
kind says, nothing lost and nothing duplicated:

- clean (60, 2 KB..400 KB; the large ones stream past the hold limit): status=sent, stored once at the
  backend with the sent body's SHA-256;
- infected (15: EICAR plain, base64, zip): 550 5.7.1 -> status=bounced, one bounce in the sender's mailbox;
- oversize (8, 1.1..1.5 MB over oversize-limit 1 MB): bounced (Postfix honours Sluice's SIZE, or 552 5.3.4);
- relay-denied (9, to elsewhere.test): 550 5.7.1 Relay access denied -> bounced;
- deferred (8, a link to a domain on a url-filter list whose action is tempfail): 451 4.7.1 -> status=deferred,
  still in the sending queue, never delivered, never bounced.

Each message has its own sender address (<id>@client.test, a local mailbox of the sending Postfix), its id in
Message-ID and X-Sluice-Test-Id; outcomes come from the sending Postfix's log (status= per queue id), its
queue, its local mailbox (the bounces) and the backend's Maildir.
"""
import os
import random
import re
import time

import backend_mail
import itlib
import verdict_mail as vm
from itlib import CLIENT4_B, mailgen
from rawsmtp import RawSession, transaction

DEFER_DOMAIN = "defer.example"
SLUICE_CONF = f"""config smtp envelope
  set protected-domains sluice.test
end
config smtp protocol-options
  set oversize-limit 1
end
config url-filter
  set domain-lists "defer-domains.txt"
  set action tempfail
end
"""
COUNTS = {"clean": 60, "infected": 15, "oversize": 8, "relay": 9, "deferred": 8}
SETTLE_TIMEOUT_S = 150.0
BOUNCE_DETAIL = {"infected": ("550 5.7.1",), "relay": ("Relay access denied",),
                 "oversize": ("552 5.3.4", "exceeds size limit")}


def build_mix():
    """[(test_id, kind, data, rcpt, body_sha256 or None)], kinds interleaved in a fixed order."""
    out = []
    for i in range(COUNTS["clean"]):
        size = 400 * 1024 if i % 10 == 9 else (2 + 7 * i) * 1024
        s = vm.clean(f"q-clean-{i}", size, sender=f"q-clean-{i}@client.test")
        out.append((s.test_id, "clean", s, "user@sluice.test"))
    makers = (vm.eicar_plain, vm.eicar_base64, vm.eicar_zip)
    for i in range(COUNTS["infected"]):
        tid = f"q-infected-{i}"
        out.append((tid, "infected", makers[i % 3](tid, sender=f"{tid}@client.test"), "user@sluice.test"))
    for i in range(COUNTS["oversize"]):
        tid = f"q-oversize-{i}"
        s = vm.clean(tid, 1100 * 1024 + i * 60 * 1024, sender=f"{tid}@client.test")
        out.append((tid, "oversize", s, "user@sluice.test"))
    for i in range(COUNTS["relay"]):
        tid = f"q-relay-{i}"
        s = vm.clean(tid, 3000, sender=f"{tid}@client.test", rcpt="user@elsewhere.test")
        out.append((tid, "relay", s, "user@elsewhere.test"))
    for i in range(COUNTS["deferred"]):
        tid = f"q-deferred-{i}"
        out.append((tid, "deferred", vm.link(tid, DEFER_DOMAIN, sender=f"{tid}@client.test"), "user@sluice.test"))
    random.Random(4).shuffle(out)
    return out


def data_of(item):
    return item.data if hasattr(item, "data") else item


def submit(c, t, mix):
    t0 = time.monotonic()
    refused = []
    with RawSession(t.mta, "127.0.0.1", timeout=60) as s:
        s.hello()
        for tid, _, item, rcpt in mix:
            r = transaction(s, f"{tid}@client.test", [rcpt], data_of(item))
            if r["final"] is None or r["final"].code != 250:
                refused.append((tid, r["final"] and r["final"].text))
        s.quit_collect()
    c.true(f"{len(mix)} messages submitted to the sending Postfix in {time.monotonic() - t0:.1f} s", not refused,
           f"{refused[:5]}")


def bounces_by_id(t):
    """test id -> bounce notifications in the sending Postfix's local mailbox that carry it."""
    out = {}
    for path in t.sender.delivered_files():
        with open(path, "rb") as f:
            raw = f.read().decode("latin-1")
        for tid in set(re.findall(rf"{mailgen.ID_HEADER}: (\S+)", raw)):
            out.setdefault(tid, []).append(path)
    return out


def settle(t, mix):
    """Waits until every message has its final place: delivered, bounced back, or deferred in the queue
    after at least one attempt. Returns seconds."""
    want_sent = {tid for tid, kind, *_ in mix if kind == "clean"}
    want_bounced = {tid for tid, kind, *_ in mix if kind in BOUNCE_DETAIL}
    want_deferred = {tid for tid, kind, *_ in mix if kind == "deferred"}
    t0 = time.monotonic()
    while time.monotonic() - t0 < SETTLE_TIMEOUT_S:
        delivered = set(mailgen.index(t.backend.delivered_files()))
        bounced = set(bounces_by_id(t))
        outs = backend_mail.outcomes(t.sender)
        tried = {tid for tid in want_deferred
                 if any(st == "deferred" for st, *_ in outs.get(f"{tid}@client.test", {}).get("status", []))}
        queue = backend_mail.queue(t.sender)
        if want_sent <= delivered and want_bounced <= bounced and tried == want_deferred and \
                all(m.get("queue_name") == "deferred" for m in queue) and len(queue) == len(want_deferred):
            break
        time.sleep(1.0)
    return time.monotonic() - t0


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("inline verdicts are Sluice's")
    c = itlib.Checker("mta-queue")
    mix = build_mix()
    t = itlib.Topology(mta_postfix=True, sluice_conf_extra=SLUICE_CONF)
    with open(os.path.join(t.dir, "defer-domains.txt"), "w") as f:
        f.write(f"{DEFER_DOMAIN}\n")
    uid, gid = (int(itlib.topology.run(["id", flag, "postfix"]).stdout) for flag in ("-u", "-g"))
    t.sender_extra.update({    # client.test is the sending Postfix's own: bounces land in its Maildir
        "virtual_mailbox_domains": "client.test", "virtual_mailbox_base": os.path.join(t.dir, "mta", "mail"),
        "virtual_mailbox_maps": "static:inbox/", "virtual_minimum_uid": "1",
        "virtual_uid_maps": f"static:{uid}", "virtual_gid_maps": f"static:{gid}"})
    try:
        with t:
            print(f"topology up in {t.setup_s:.1f} s; mix {COUNTS}", flush=True)
            submit(c, t, mix)
            waited = settle(t, mix)
            check(c, t, mix, waited)
    except RuntimeError as e:
        c.true("topology ran", False, str(e)[-800:])
    c.finish()


def check(c, t, mix, waited):
    delivered = mailgen.index(t.backend.delivered_files())
    bounces = bounces_by_id(t)
    outs = backend_mail.outcomes(t.sender)
    queued = {m.get("sender", "").split("@")[0]: m.get("queue_name") for m in backend_mail.queue(t.sender)}
    tally = {"sent": 0, "bounced": 0, "deferred": 0}
    wrong = {k: [] for k in COUNTS}
    for tid, kind, item, rcpt in mix:
        status = outs.get(f"{tid}@client.test", {}).get("status", [])
        kinds = [st for st, *_ in status]
        details = " ".join(d for *_, d in status)
        n_del, n_bounce = len(delivered.get(tid, [])), len(bounces.get(tid, []))
        if kind == "clean":
            ok = kinds == ["sent"] and n_del == 1 and n_bounce == 0 and tid not in queued
            tally["sent"] += ok
        elif kind == "deferred":
            ok = kinds and set(kinds) == {"deferred"} and "451 4.7.1" in details and n_del == 0 and \
                n_bounce == 0 and queued.get(tid) == "deferred"
            tally["deferred"] += bool(ok)
        else:
            ok = kinds == ["bounced"] and any(x in details for x in BOUNCE_DETAIL[kind]) and n_del == 0 and \
                n_bounce == 1 and tid not in queued
            tally["bounced"] += ok
        if not ok:
            wrong[kind].append(f"{tid}: log {kinds} {details[:140]!r}, stored {n_del}, bounces {n_bounce}, "
                               f"queue {queued.get(tid)}")
    for kind, n in COUNTS.items():
        c.true(f"{kind}: {n - len(wrong[kind])}/{n} ended as expected", not wrong[kind], "; ".join(wrong[kind][:4]))
    clean = [item for _, kind, item, _ in mix if kind == "clean"]
    itlib.check_messages(c, delivered, clean, CLIENT4_B, "clean via the sending Postfix")
    ours = {tid for tid, *_ in mix}
    strays = [k for k in delivered if k not in ours]
    c.true("backend holds nothing but the clean messages", not strays and
           sum(len(v) for v in delivered.values()) == COUNTS["clean"], f"strays {strays[:5]}")
    c.true("backend queue empty", not backend_mail.queue(t.backend))
    lost = [tid for tid, *_ in mix if not delivered.get(tid) and not bounces.get(tid) and tid not in queued]
    dup = [tid for tid, *_ in mix if len(delivered.get(tid, [])) + len(bounces.get(tid, [])) > 1]
    c.true(f"nothing lost, nothing duplicated (settled in {waited:.1f} s)", not lost and not dup,
           f"lost {lost[:6]}, duplicated {dup[:6]}")
    print(f"figures: sent {tally['sent']}, bounced {tally['bounced']}, deferred {tally['deferred']} "
          f"of {len(mix)}; expected {COUNTS['clean']}/{COUNTS['infected'] + COUNTS['oversize'] + COUNTS['relay']}/"
          f"{COUNTS['deferred']}", flush=True)


if __name__ == "__main__":
    main()
