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
"""
import concurrent.futures
import os
import subprocess
import sys
import time

import itlib
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


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("Sluice's own counters and options")
    c = itlib.Checker("faults")
    base = os.path.join("/run", f"sluice-faults-{os.getpid()}")
    os.makedirs(base, exist_ok=True)
    try:
        log_disk_full(c, base)
        backend_restart(c)
        tarpit(c)
    finally:
        os.rmdir(os.path.join(base, "tinylog")) if os.path.isdir(os.path.join(base, "tinylog")) else None
        os.rmdir(base)
    c.finish()


if __name__ == "__main__":
    main()
