#!/usr/bin/env python3
"""Two dataplane workers on net_tap ports (issue 7): `sluice --workers 2` between a real sending side (smtp-source,
swaks) and a real Postfix backend, each connection owned by the worker of its client port.

net_tap has no rte_flow QUEUE rules for TCP port masks here, so the kernel spreads frames over the tap's two
queues by its own hash: about half of them arrive at the worker that does not own them and cross the redirect
mesh. Checked:
- the daemon reports 2 worker lcores and the steering it got per port (rte_flow rules, or the fallback and why);
- 600 messages over 16 parallel sessions (smtp-source): every one delivered, both workers opened sessions,
  their sessions add up, each handled TCP frames as owner, frames crossed the mesh (out = in) and none was
  dropped for want of room, no frame found no session, no backend reset;
- ARP: each worker learnt the neighbours (both transmit, so both resolved the backend and the clients);
- execute pause refuses new sessions on both workers (swaks: connection refused), resume accepts them again;
- `show session` answers from both workers while sessions are open;
- STARTTLS through both workers (TLS topology, inline TLS on each worker): 24 swaks --tls sessions, all 250,
  records with TLS on both legs, TLS handshakes counted on both workers.
"""
import concurrent.futures
import os
import re
import threading
import time

import itlib
import tls_clients as tc
import topology
from ctl import ctl
from itlib import VIP_A

WORKERS = 2
MESSAGES = 600
PARALLEL = 16
ARGS = ["--workers", str(WORKERS), "--idle-sleep", "50"]   # two polling cores would starve the peers on 2 CPUs


def per_core(t):
    """[{counter: value}] per worker from `show stats per-core`."""
    workers, current = [], None
    for line in ctl(t, "show", "stats", "per-core").lines:
        if line.startswith("worker "):
            current = {}
            workers.append(current)
            continue
        parts = line.split()
        if current is not None and len(parts) == 2 and parts[1].isdigit():
            current[parts[0]] = int(parts[1])
    return workers


def delta(after, before, key):
    return [a.get(key, 0) - b.get(key, 0) for a, b in zip(after, before)]


def plain_phase(c):
    with itlib.Topology(appliance="sluice", sluice_args=ARGS) as t:
        out = t.sluice_output()
        c.true("daemon runs 2 worker lcores", "live, 2 worker lcores" in out, out[-600:])
        steering = re.findall(r"sluice: (\w+) steering: (.*)", out)
        c.true("steering reported per port", len(steering) == 2, str(steering))
        print("steering: " + "; ".join(f"{p}: {m}" for p, m in steering), flush=True)
        before = per_core(t)
        c.eq("show stats per-core lists both workers", len(before), WORKERS)

        # `show session` from both workers while sessions are open: a slow swaks keeps one open.
        sessions_seen = {}

        def watch():
            time.sleep(1.0)
            sessions_seen["lines"] = ctl(t, "show", "session").lines

        watcher = threading.Thread(target=watch)
        watcher.start()
        rc, secs, err = itlib.smtp_source(t, t.mta, VIP_A, MESSAGES, 2000, PARALLEL, "multiworker load")
        watcher.join()
        c.eq(f"smtp-source {MESSAGES} messages over {PARALLEL} sessions ({secs:.1f} s) exit", rc, 0)
        itlib.wait_delivered(t, MESSAGES, 120)
        delivered = len(t.backend.delivered_files())
        c.eq("every message delivered", delivered, MESSAGES)
        c.true("show session answered (both workers asked)", sessions_seen.get("lines") is not None)
        time.sleep(1.0)
        after = per_core(t)
        opened = delta(after, before, "sessions_opened")
        print(f"sessions opened per worker: {opened}", flush=True)
        c.true("both workers opened sessions", all(n > 0 for n in opened), str(opened))
        c.eq("sessions of both workers add up to the messages", sum(opened), MESSAGES)
        owned = delta(after, before, "tcp_frames_owned")
        c.true("both workers handled TCP frames as owners", all(n > 0 for n in owned), str(owned))
        out_, in_ = delta(after, before, "redirected_out"), delta(after, before, "redirected_in")
        print(f"redirected out {out_}, in {in_}", flush=True)
        c.eq("every frame handed over reached its owner (sum out = sum in)", sum(out_), sum(in_))
        c.eq("no hand-over dropped", sum(delta(after, before, "redirect_dropped")), 0)
        # smtp-source ends each session with a RST right after QUIT's 221; a segment of that tail can cross the
        # RST and find its session gone (integration-commit-load sees 1 in 1,400 with one worker). A frame
        # steered to a worker that does not own its session would miss on every segment, not on one in hundreds.
        stray = sum(delta(after, before, "drops_no_session"))
        c.true(f"frames of no session: {stray} (at most 1 per 100 sessions: RST tails)", stray <= MESSAGES // 100)
        c.eq("no backend reset", sum(delta(after, before, "sessions_backend_reset")), 0)
        c.true("both workers transmitted (each resolved its neighbours)",
               all(n > 0 for n in delta(after, before, "tx_packets")), str(delta(after, before, "tx_packets")))

        body = os.path.join(t.dir, "pause.eml")
        with open(body, "w") as f:
            f.write("Subject: pause test\r\n\r\nhello\r\n")
        ctl(t, "execute", "pause")
        refused = [itlib.swaks(t, body, VIP_A, timeout=10)[0] for _ in range(4)]
        c.true("paused: every new session refused (both workers)", all(rc != 0 for rc in refused), str(refused))
        paused = delta(per_core(t), after, "sessions_paused_refused")
        print(f"paused refusals per worker: {paused}", flush=True)
        ctl(t, "execute", "resume")
        rc, _, reply = itlib.swaks(t, body, VIP_A)
        c.eq(f"resumed: delivered ({reply})", rc, 0)


def tls_phase(c):
    tls = topology.TlsOptions(sender_level="may")
    with itlib.Topology(appliance="sluice", tls=tls, sluice_args=ARGS) as t:
        before = per_core(t)
        body = os.path.join(t.dir, "tls.eml")
        with open(body, "w") as f:
            f.write("Subject: multiworker tls\r\n\r\nhello over STARTTLS\r\n")
        sender = "tls-multi@client.test"
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: tc.swaks_tls(t, VIP_A, 25, sender, body), range(24)))
        ok = [r for r in results if r["rc"] == 0 and "250" in r["reply"]]
        c.eq("24 STARTTLS sessions through 2 workers: all 250", len(ok), 24)
        time.sleep(1.0)
        records = [r for r in t.sluice_records() if sender in str(r)]
        both = [r for r in records if (r.get("tls") or {}).get("client") and (r.get("tls") or {}).get("backend")]
        c.eq("records with TLS on both legs", len(both), 24)
        handshakes = delta(per_core(t), before, "tls_handshakes")
        print(f"TLS handshakes per worker: {handshakes}", flush=True)
        c.true("TLS handshakes on both workers", all(n > 0 for n in handshakes), str(handshakes))


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("two dataplane workers")
    c = itlib.Checker("integration-multiworker")
    plain_phase(c)
    tls_phase(c)
    c.finish()


if __name__ == "__main__":
    main()
