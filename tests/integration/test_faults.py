#!/usr/bin/env python3
"""Fault injection (issue 8): the appliance under faults of its own resources and of the backend. For each: no
crash, no message acknowledged (250) that the backend did not accept, and a counter and a log line that say what
happened.

- Log disk full: Sluice's message log on a 16 KB tmpfs. 40 messages: every one 250 and delivered once; the
  records that did not fit are counted (messages_log_failed) and the rest logged (messages_logged), adding up to
  40; the daemon's output says "write failed (No space left on device)" once.
- Mbuf pool exhausted: not here (net_tap returns each mbuf the moment it is written, so a live pool never runs
  dry); pinned on ring ports, whose tx rings hold transmitted mbufs as a NIC's descriptors do (tests/adversarial).
- Backend restart mid-session: 24 messages of 300 KB, 8 at a time; the backend Postfix is killed (SIGKILL) while
  they flow and started again. Every message the client got 250 for is delivered exactly once; the others got
  an error reply or a closed connection within a bound (never a hang); 6 more messages after the restart are
  all delivered; the session table drains.
- Backend slow (tarpit, tools/lib/tls_fake_backend.py with delay_s): every reply 1 s late and the reply to the
  end of data 6 s late: the client still gets the backend's 250, which the fake recorded after the message. A
  backend that never answers the end of data: the client gets no 250 (it gives up after 20 s), `show session`
  lists the session meanwhile, and once the client is gone the session is closed (within the backend leg's
  FIN-WAIT-2 bound, `config system tcp` fin-wait2).
- TLS worker stalled (`diagnose tls stall`, tls/pool_stall.h): `config system tls workers 1`, handshake-timeout
  3 s, the one TLS worker stops polling for 6 s while STARTTLS (25) and SMTPS (465) sessions of 8 MB are in
  DATA and two more in their handshake, and more TLS sessions start during the stall. No crash; every 250 is
  delivered exactly once with its body (the backend accepted it), and the sessions in DATA through the whole
  stall get theirs after it; sessions that outlast handshake-timeout are closed, counted
  (tls_handshake_failures / tls_backend_failures) and logged (tls_failure records, "handshake-timeout"), and none
  hangs; plaintext sessions on port 25 are served during the stall (the banner within a second, messages 250 and
  delivered before the stall ends); after the stall STARTTLS and SMTPS deliver again. The stall itself is a line
  in the daemon's output and counted by the worker (reported by the next `diagnose tls stall`); requests out of
  range, for a worker that does not exist or while one is stalled are refused.

`test_faults.py NAME...` runs only the named faults (e.g. `meson test integration-faults --test-args tls_stall`).
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import time

import itlib
import rawsmtp
import tls_clients as tc
import tls_fake_backend as fb
import topology
from ctl import ctl
from itlib import CLIENT4, VIP_A, mailgen

DRAIN_BOUND_S = 60.0
# The fake backend as a plain SMTP server: no STARTTLS offered (this topology has no TLS).
PLAIN = {"replies": {"EHLO": fb.strip_starttls(fb.DEFAULT_REPLIES["EHLO"])}, "tls": False}


def stats(t):
    return {k: int(v) for k, v in t.flow_counts().items() if str(v).lstrip("-").isdigit()}


def send_all(t, msgs, parallel, timeout=60):
    """{test_id: (rc, secs, reply)} for swaks sessions from CLIENT4 to VIP A."""
    return itlib.swaks_many(t, [(m, VIP_A, 25, CLIENT4) for m in msgs], parallel, timeout)


def acked(result):
    rc, _, reply = result
    return rc == 0 and " 250 " in f" {reply} "


def check_accounting(c, t, label, msgs, results, expect_all=True):
    """250 => delivered exactly once with its body; no 250 => not delivered twice; returns the acked count."""
    itlib.wait_delivered(t, 0, 60, stall=5.0)
    delivered = mailgen.index(t.backend.delivered_files())
    ok = [m for m in msgs if acked(results[m.test_id])]
    bad = [f"{m.test_id} acked, delivered {len(delivered.get(m.test_id, []))}x" for m in ok
           if len(delivered.get(m.test_id, [])) != 1 or delivered[m.test_id][0].body_sha256 != m.body_sha256]
    c.true(f"{label}: every 250 ({len(ok)}/{len(msgs)}) delivered exactly once, body intact", not bad,
           "; ".join(bad[:5]))
    if expect_all:
        failed = [f"{k}: {v[2]}" for k, v in results.items() if not acked(v)]
        c.true(f"{label}: all {len(msgs)} got 250", not failed, "; ".join(failed[:5]))
    return len(ok)


def drained(c, t, label, bound_s=DRAIN_BOUND_S):
    t1 = time.monotonic()
    counts = t.flow_counts()
    while (counts["sessions_open"] or counts["passthrough_open"]) and time.monotonic() - t1 < bound_s:
        time.sleep(1.0)
        counts = t.flow_counts()
    c.true(f"{label}: session table empty after {time.monotonic() - t1:.1f} s: {itlib.flow_summary(counts)}",
           counts["sessions_open"] == 0 and counts["passthrough_open"] == 0)
    c.true(f"{label}: daemon still running", t.sluice.poll() is None, t.sluice_output()[-400:])


def log_disk_full(c, base):
    mount = os.path.join(base, "tinylog")
    os.makedirs(mount, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "sluice-test-tinylog", mount], check=True)
    try:
        with itlib.Topology(appliance="sluice", sluice_log=os.path.join(mount, "sluice.jsonl")) as t:
            msgs = [mailgen.make(f"logfull-{i}", 2048) for i in range(40)]
            results = send_all(t, msgs, 8)
            check_accounting(c, t, "log disk full", msgs, results)
            s = stats(t)
            logged, lost = s.get("messages_logged", 0), s.get("messages_log_failed", 0)
            c.true(f"log disk full: records lost and counted: messages_log_failed {lost}, messages_logged {logged}",
                   lost > 0 and logged > 0 and logged + lost == 40)
            out = t.sluice_output()
            c.eq("log disk full: one 'write failed (No space left on device)' line in the daemon's output",
                 out.count("write failed (No space left on device)"), 1)
            drained(c, t, "log disk full")
    finally:
        subprocess.run(["umount", mount], check=False)


def backend_restart(c):
    with itlib.Topology(appliance="sluice") as t:
        msgs = [mailgen.make(f"restart-{i}", 300 * 1024) for i in range(24)]
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            fut = pool.submit(send_all, t, msgs, 8, 30)
            time.sleep(1.5)
            killed = t.kill_backend()
            time.sleep(2.0)
            t.backend.start()
            results = fut.result()
        print(f"backend restart: killed {len(killed)} backend processes mid-flow", flush=True)
        n = check_accounting(c, t, "backend restart", msgs, results, expect_all=False)
        slow = [f"{k} {v[1]:.0f}s" for k, v in results.items() if not acked(v) and v[1] > 90]
        c.true(f"backend restart: the {len(msgs) - n} without 250 got an error or a closed connection in time",
               not slow, "; ".join(slow[:5]))
        after = [mailgen.make(f"restart-after-{i}", 4096) for i in range(6)]
        check_accounting(c, t, "after the restart", after, send_all(t, after, 3))
        drained(c, t, "backend restart")


def tarpit(c):
    scenario_path = {}

    def command(t):
        scenario_path["s"] = os.path.join(t.dir, "scenario.json")
        scenario_path["r"] = os.path.join(t.dir, "backend.jsonl")
        fb.write_scenario(scenario_path["s"], {"name": "slow", "delay_s": {"*": 1.0, "DOT": 6.0}, **PLAIN})
        return [sys.executable, os.path.join(topology.LIB, "tls_fake_backend.py"), "--listen", topology.BACKEND4,
                "--port", "25", "--scenario", scenario_path["s"], "--record", scenario_path["r"]]

    # fin-wait2 5: the bound on a half-closed backend leg the hung backend never closes (default 60 s).
    tcp = "config system tcp\n  set fin-wait2 5\nend\n"
    with itlib.Topology(appliance="sluice", backend_command=command, sluice_conf_extra=tcp) as t:
        msg = mailgen.make("tarpit-slow", 4096)
        rc, secs, reply = send_all(t, [msg], 1)[msg.test_id]
        conns = fb.load(scenario_path["r"])
        got_data = any(conn.messages for conn in conns.values())
        c.true(f"slow backend: the client got the backend's 250 after {secs:.1f} s ({reply})",
               acked((rc, secs, reply)) and secs >= 6.0 and got_data)

        fb.write_scenario(scenario_path["s"], {"name": "hung", "delay_s": {"DOT": 600.0}, "idle_s": 700, **PLAIN})
        hung = mailgen.make("tarpit-hung", 4096)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            fut = pool.submit(send_all, t, [hung], 1, 10)
            time.sleep(5.0)
            listing = ctl(t, "show", "session").out
            result = fut.result()[hung.test_id]
        c.true("hung backend: `show session` lists the waiting session", "0 session(s)" not in listing, listing[-300:])
        c.true(f"hung backend: no 250 for the client, which gave up after {result[1]:.0f} s ({result[2]})",
               not acked(result))
        # The client half-closed; Sluice half-closes the backend leg, which the hung backend never answers: the
        # leg's FIN-WAIT-2 bound (`config system tcp` fin-wait2, 5 s here) ends it.
        drained(c, t, "hung backend", bound_s=30.0)


# TLS worker stalled: the stall outlasts handshake-timeout, so handshakes caught by it end by the time-out.
STALL_S = 6
STALL_HANDSHAKE_TIMEOUT_S = 3
STALL_MSG_SIZE = 9 * 1024 * 1024 + 512 * 1024   # in DATA when the stall starts (under oversize-limit, 10 MB)
# The stall starts once the in-flight sessions are in DATA: when this many content bytes have crossed the appliance
# since they began (a fixed delay was wrong both ways: on an idle guest 8 MB had finished after 2.5 s, and swaks
# had not finished STARTTLS after 0.8 s on a loaded one).
STALL_AFTER_BYTES = 2 * 1024 * 1024
STALL_AFTER_MAX_S = 20
STALL_SWAKS_TIMEOUT_S = 30          # swaks' per-step time-out: a session longer than this plus 30 s "hung"
BANNER_BOUND_S = 1.0                # a plaintext banner while the TLS worker is stalled
TLS_QUIT_UNANSWERED = []            # sessions that got their end-of-data reply but no 221 to QUIT (a figure)


def end_of_data_reply(lines):
    """The server's reply to the end of data in swaks' transcript ("" when the session never got that far):
    the first server line after swaks' "N lines sent"."""
    for i, line in enumerate(lines):
        if line.endswith("lines sent"):
            return next((ln for ln in lines[i + 1:] if ln.startswith(("<-", "<~", "<**", "<~*", "***"))), "")
    return ""


def tls_send(t, msg, port):
    """One swaks --tls (25, 587) or --tlsc (465) session to VIP A: (rc, seconds, reply) as send_all gives, where
    reply is the answer to the end of data (the acknowledgement this test is about) and rc is 0 when that answer
    came, whatever happened at QUIT; swaks' own errors when it never came."""
    path = mailgen.write(msg, t.dir, for_swaks=True)
    r = tc.swaks_tls(t, VIP_A, port, "sender@client.test", path, mode="tlsc" if port == 465 else "tls",
                     timeout=STALL_SWAKS_TIMEOUT_S)
    if r["rc"] == -1:
        return -1, r["secs"], r["reply"]
    reply = end_of_data_reply(r["lines"])
    quit_ok = any(ln.startswith(("<~  221", "<-  221")) for ln in r["lines"])
    TLS_QUIT_UNANSWERED.extend([] if quit_ok or not reply else [msg.test_id])
    return (0 if reply.startswith(("<~ ", "<- ")) else r["rc"] or 1), r["secs"], reply or r["reply"]


def tls_batch(pool, t, label, count, size):
    """count TLS sessions, alternating STARTTLS on 25 and SMTPS on 465, submitted to pool (as many threads as
    sessions): [(msg, future, when submitted)]."""
    msgs = [(mailgen.make(f"stall-{label}-{i}", size), 25 if i % 2 == 0 else 465) for i in range(count)]
    return [(m, pool.submit(tls_send, t, m, port), time.monotonic()) for m, port in msgs]


def plaintext_during_stall(t):
    """A banner from VIP A:25 in plaintext, timed: (seconds, reply text)."""
    t0 = time.monotonic()
    with rawsmtp.RawSession(t.mta, VIP_A, 25, timeout=10.0) as s:
        banner = s.reply()
        secs = time.monotonic() - t0
        s.cmd(b"QUIT\r\n")
    return secs, banner.text


def log_records(t, event_type):
    records = []
    with open(t.sluice_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("event_type") == event_type:
                records.append(rec)
    return records


def tls_stall(c):
    tls = topology.TlsOptions(profiles={"protect": {"handshake-timeout": str(STALL_HANDSHAKE_TIMEOUT_S)}},
                              system={"workers": "1"}, backend_level="may")
    with itlib.Topology(appliance="sluice", tls=tls) as t:
        for words, want in ((["0"], "1..60"), (["61"], "1..60"), (["2s"], "1..60"),
                            (["2", "worker", "1"], "no TLS worker 1")):
            r = ctl(t, "diagnose", "tls", "stall", *words)
            c.true(f"diagnose tls stall {' '.join(words)}: refused ({(r.out + r.err).strip()[-90:]})",
                   r.rc != 0 and want in r.out + r.err and "stops polling" not in r.out, repr(r))

        before = [tls_send(t, m, port) for m, port in
                  ((mailgen.make("stall-before-25", 4096), 25), (mailgen.make("stall-before-465", 4096), 465))]
        c.true("before the stall: STARTTLS and SMTPS 250", all(acked(v) for v in before),
               "; ".join(v[2] for v in before))
        counts0 = stats(t)
        records0 = len(log_records(t, "tls_failure"))

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            # Messages big enough to be in DATA when the stall starts, and two sessions still in their handshake.
            inflight = tls_batch(pool, t, "inflight", 4, STALL_MSG_SIZE)
            deadline = time.monotonic() + STALL_AFTER_MAX_S
            while (stats(t).get("bytes_client_to_server", 0) - counts0.get("bytes_client_to_server", 0) <
                   STALL_AFTER_BYTES and time.monotonic() < deadline):
                time.sleep(0.05)
            inflight += tls_batch(pool, t, "handshaking", 2, 4096)
            time.sleep(0.3)
            stall_at = time.monotonic()
            r = ctl(t, "diagnose", "tls", "stall", str(STALL_S))
            c.true(f"diagnose tls stall {STALL_S}: {r.out.strip()}", r.rc == 0 and
                   f"TLS worker 0: stops polling for {STALL_S} s" in r.out, repr(r))
            busy = ctl(t, "diagnose", "tls", "stall", "2", "worker", "0")
            c.true(f"a second stall while stalled: refused ({(busy.out + busy.err).strip()[-80:]})",
                   busy.rc != 0 and "already stalled" in busy.out + busy.err, repr(busy))
            time.sleep(0.5)
            during = tls_batch(pool, t, "during", 4, 4096)
            banners = [plaintext_during_stall(t) for _ in range(3)]
            plain_msgs = [mailgen.make(f"stall-plain-{i}", 4096) for i in range(3)]
            plain = send_all(t, plain_msgs, 3, timeout=20)
            plain_done_s = time.monotonic() - stall_at
            results = {m.test_id: f.result() for m, f, _ in inflight + during}
            inflight_msgs, during_msgs = [m for m, _, _ in inflight], [m for m, _, _ in during]
            # The sessions in DATA when the stall began that were still running when it ended: it held them.
            spanned = [m.test_id for m, _, t0 in inflight if m.test_id.startswith("stall-inflight") and
                       t0 + results[m.test_id][1] > stall_at + STALL_S]
        wait_s = stall_at + STALL_S + 0.5 - time.monotonic()
        time.sleep(max(0.0, wait_s))
        after_msgs = [mailgen.make(f"stall-after-{i}", 20_000) for i in range(4)]
        after = {m.test_id: tls_send(t, m, (25, 465)[i % 2]) for i, m in enumerate(after_msgs)}

        slow = [f"{b[0]:.2f}s" for b in banners if b[0] > BANNER_BOUND_S or not b[1].startswith("220")]
        c.true(f"plaintext during the stall: 3 banners in {', '.join(f'{b[0]:.2f}' for b in banners)} s (220)",
               not slow, "; ".join(b[1] for b in banners))
        c.true(f"plaintext during the stall: 3 messages 250, the last done {plain_done_s:.1f} s into the {STALL_S} s "
               f"stall", all(acked(v) for v in plain.values()) and plain_done_s < STALL_S,
               "; ".join(v[2] for v in plain.values()))
        check_accounting(c, t, "plaintext during the stall", plain_msgs, plain)
        check_accounting(c, t, "after the stall", after_msgs, after)
        stalled = inflight_msgs + during_msgs
        n_acked = check_accounting(c, t, "TLS sessions caught by the stall", stalled, results, expect_all=False)
        c.true(f"{len(spanned)} sessions in DATA through the whole stall: each 250 after it ended",
               spanned and all(acked(results[k]) for k in spanned), "; ".join(results[k][2] for k in spanned))
        hung = [f"{k} {v[1]:.0f}s" for k, v in results.items() if v[0] == -1]
        c.true(f"TLS sessions caught by the stall: none hung (longest {max(v[1] for v in results.values()):.1f} s)",
               not hung, "; ".join(hung))
        delivered = mailgen.index(t.backend.delivered_files())
        unacked_delivered = [m.test_id for m in stalled if not acked(results[m.test_id]) and delivered.get(m.test_id)]

        counts1 = stats(t)
        fails = [r for r in log_records(t, "tls_failure")[records0:] if "handshake-timeout" in str(r.get("reason"))]
        closed = (counts1.get("tls_handshake_failures", 0) - counts0.get("tls_handshake_failures", 0) +
                  counts1.get("tls_backend_failures", 0) - counts0.get("tls_backend_failures", 0))
        c.true(f"sessions that outlasted handshake-timeout: closed and counted ({closed} TLS failures), logged "
               f"({len(fails)} tls_failure records naming handshake-timeout)", closed > 0 and len(fails) > 0,
               str(log_records(t, "tls_failure")[records0:])[:600])
        out = t.sluice_output()
        stall_lines = [ln for ln in out.splitlines() if "diagnose tls stall" in ln]
        c.true(f"the stall is a line in the daemon's output: {stall_lines[:1]}",
               any(f"diagnose tls stall: TLS worker 0 stops polling for {STALL_S} s" in ln for ln in stall_lines),
               out[-400:])
        again = ctl(t, "diagnose", "tls", "stall", "1")
        c.true(f"the worker counted the stall: {again.out.strip()}", again.rc == 0 and
               "injected before: 1 stall(s)" in again.out and
               int((again.out.split(" stall(s), ")[-1].split(" ms")[0] or "0")) >= STALL_S * 1000, repr(again))
        print(f"tls stall figures: {len(inflight_msgs)} in flight and {len(during_msgs)} started during a {STALL_S} s "
              f"stall: {n_acked} got 250 (all delivered once), {len(stalled) - n_acked} closed without 250 "
              f"({len(unacked_delivered)} of them delivered anyway: {unacked_delivered}); replies: "
              + "; ".join(f"{k} {v[1]:.1f}s {v[2][:60]}" for k, v in sorted(results.items())), flush=True)
        print(f"tls stall figures: TLS failures +{closed}, tls_failure records naming handshake-timeout "
              f"{len(fails)}; plaintext banners {[round(b[0], 3) for b in banners]} s; plaintext messages done "
              f"{plain_done_s:.1f} s into the stall; after: {[round(v[1], 2) for v in after.values()]} s; "
              f"TLS sessions whose QUIT got no 221: {len(TLS_QUIT_UNANSWERED)}", flush=True)
        drained(c, t, "TLS worker stalled")


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("Sluice's own counters and options")
    c = itlib.Checker("faults")
    base = os.path.join("/run", f"sluice-faults-{os.getpid()}")
    os.makedirs(base, exist_ok=True)
    faults = {"log_disk_full": lambda: log_disk_full(c, base), "backend_restart": lambda: backend_restart(c),
              "tarpit": lambda: tarpit(c), "tls_stall": lambda: tls_stall(c)}
    unknown = [n for n in sys.argv[1:] if n not in faults]
    if unknown:
        sys.exit(f"unknown fault(s) {unknown}; known: {list(faults)}")
    try:
        for name in sys.argv[1:] or list(faults):
            faults[name]()
    finally:
        os.rmdir(os.path.join(base, "tinylog")) if os.path.isdir(os.path.join(base, "tinylog")) else None
        os.rmdir(base)
    c.finish()


if __name__ == "__main__":
    main()
