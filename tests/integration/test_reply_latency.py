#!/usr/bin/env python3
"""Banner passthrough (issue 3): the extra latency the appliance adds to the backend's 220 and to each reply.

A backend in `mx` stamps every reply as it sends it; a client in `mta` stamps it as it arrives (both read
CLOCK_MONOTONIC, shared by all namespaces). The same pair over loopback inside one namespace gives the
stacks' own one-way latency; the difference is what the appliance adds. The field report's failure mode
is a banner held for 15 s; the bound here is milliseconds."""
import os
import statistics
import subprocess
import sys
import time

import itlib
from itlib import BACKEND4, VIP_A

REPLIES = 200
BOUND_BANNER_MS = 20.0   # extra one-way latency of the 220 through the appliance
BOUND_P99_MS = 20.0      # extra one-way latency of the replies, 99th percentile
TIMER = os.path.join(itlib.ROOT, "tools", "lib", "reply_timer.py")


def measure(t, server_ns, server_host, client_ns, client_host, port, label):
    """Runs one server/client pair; returns one-way latencies in ms, banner first."""
    server_out, client_out = (os.path.join(t.dir, f"{label}-{side}.stamps") for side in ("server", "client"))
    server = t.popen(server_ns, [sys.executable, TIMER, "server", server_host, str(port), server_out, str(REPLIES)],
                     stdout=subprocess.PIPE, text=True)
    if server.stdout.readline().strip() != "listening":
        raise RuntimeError(f"{label}: reply timer server did not start")
    t.ns(client_ns, sys.executable, TIMER, "client", client_host, str(port), client_out, str(REPLIES), timeout=60)
    server.wait(timeout=30)
    with open(server_out) as s, open(client_out) as c:
        sent, received = [int(x) for x in s.read().split()], [int(x) for x in c.read().split()]
    return [(r - s) / 1e6 for s, r in zip(sent, received)]


def p99(values):
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)]


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("reply-latency")
    # 200 NOOPs in one session: more than max-junk-commands (100) allows before they count as errors.
    with itlib.Topology(sluice_conf_extra="config smtp protocol-options\n  set max-junk-commands 1000\nend\n") as t:
        print(f"appliance {t.appliance}", flush=True)
        t.kill_backend()  # the timer takes port 25 of the backend address
        time.sleep(0.2)
        through = measure(t, t.mx, BACKEND4, t.mta, VIP_A, 25, "through")
        direct = measure(t, t.mx, "127.0.0.1", t.mx, "127.0.0.1", 2600, "loopback")
        c.eq("replies measured through the appliance", len(through), REPLIES + 1)
        banner_extra = through[0] - direct[0]
        replies, base = through[1:], direct[1:]
        extra_p50 = statistics.median(replies) - statistics.median(base)
        extra_p99 = p99(replies) - p99(base)
        print(f"one-way ms: banner {through[0]:.3f} (loopback {direct[0]:.3f}); replies p50 "
              f"{statistics.median(replies):.3f} p99 {p99(replies):.3f} max {max(replies):.3f} "
              f"(loopback p50 {statistics.median(base):.3f} p99 {p99(base):.3f})", flush=True)
        print(f"added by the appliance: banner {banner_extra:.3f} ms, replies p50 {extra_p50:.3f} ms, "
              f"p99 {extra_p99:.3f} ms", flush=True)
        c.true(f"banner crosses at once (added {banner_extra:.3f} ms < {BOUND_BANNER_MS} ms)",
               banner_extra < BOUND_BANNER_MS)
        c.true(f"replies cross at once (p99 added {extra_p99:.3f} ms < {BOUND_P99_MS} ms)", extra_p99 < BOUND_P99_MS)
    c.finish()


if __name__ == "__main__":
    main()
