#!/usr/bin/env python3
"""SYN flood (issue 3, acceptance 4): a bounded flood of SYNs to VIP A:25 from random addresses and ports
of the client /24 (tools/lib/synflood.py, inside `mta`), while 20 legitimate swaks sessions run: all 20
deliver intact."""
import json
import os
import re
import subprocess
import time

import itlib
from itlib import CLIENT4, VIP_A, mailgen

FLOOD_COUNT, FLOOD_RATE = 20000, 4000     # SYNs, SYNs per second: five seconds of flood
LEGIT, LEGIT_SIZE = 20, 10 * 1024
LEGIT_BOUND_S = 60.0


def tcp_counters(t, ns):
    """A few of the namespace's kernel TCP counters (Tcp: from /proc/net/snmp, TcpExt: from netstat)."""
    out = {}
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        lines = t.ns(ns, "cat", path).stdout.splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            prefix = names.split(":")[0]
            for k, v in zip(names.split()[1:], values.split()[1:]):
                out[f"{prefix}.{k}"] = int(v)
    keep = ("Tcp.InSegs", "Tcp.PassiveOpens", "TcpExt.SyncookiesSent", "TcpExt.ListenDrops", "TcpExt.ListenOverflows")
    return {k: out.get(k, 0) for k in keep}


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("syn-flood")
    with itlib.Topology() as t:
        print(f"appliance {t.appliance}, topology up in {t.setup_s:.1f} s", flush=True)
        neigh = t.ns(t.mta, "ip", "neigh", "show", VIP_A, "dev", t.mta_if).stdout
        mac = re.search(r"lladdr ([0-9a-f:]{17})", neigh)
        c.true(f"appliance MAC for {VIP_A}: {mac.group(1) if mac else neigh!r}", mac is not None)
        if not mac:
            c.finish()
        before = tcp_counters(t, t.mx)
        jobs = [(mailgen.make(f"legit-{i}", LEGIT_SIZE), VIP_A, 25, CLIENT4) for i in range(LEGIT)]
        flood = subprocess.Popen(["ip", "netns", "exec", t.mta, itlib.sys.executable,
                                  os.path.join(itlib.ROOT, "tools", "lib", "synflood.py"), t.mta_if, mac.group(1),
                                  VIP_A, "25", "--count", str(FLOOD_COUNT), "--rate", str(FLOOD_RATE)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)      # the flood is under way before the first legitimate SYN
        t0 = time.monotonic()
        results = itlib.swaks_many(t, jobs, parallel=LEGIT)
        legit_s = time.monotonic() - t0
        out, err = flood.communicate(timeout=120)
        fl = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"sent": 0, "error": err[-300:]}
        c.eq(f"flood: {fl}", fl.get("sent"), FLOOD_COUNT)
        after = tcp_counters(t, t.mx)
        print(f"backend TCP counters during the test: "
              f"{ {k: after[k] - before[k] for k in after} }", flush=True)
        ok = [k for k, (rc, _, reply) in results.items() if rc == 0 and " 250 " in reply]
        slow = max(results.items(), key=lambda kv: kv[1][1])
        c.true(f"{len(ok)}/{LEGIT} legitimate sessions got 250 during the flood, all within {legit_s:.1f} s "
               f"(slowest {slow[0]} {slow[1][1]:.2f} s, bound {LEGIT_BOUND_S:.0f} s)",
               len(ok) == LEGIT and legit_s < LEGIT_BOUND_S,
               "; ".join(f"{k}: {v[2]}" for k, v in results.items() if k not in ok)[:500])
        itlib.wait_delivered(t, LEGIT, 60)
        itlib.check_messages(c, mailgen.index(t.backend.delivered_files()), [s for s, *_ in jobs], CLIENT4,
                             "legitimate sessions")
        print(f"appliance after the flood: {itlib.flow_summary(t.flow_counts())}", flush=True)
    c.finish()


if __name__ == "__main__":
    main()
