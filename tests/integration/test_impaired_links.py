#!/usr/bin/env python3
"""Impaired links (issue 3, acceptance 2): netem's loss 5 %, delay 20 ms, reorder 25 % 50 %, duplicate 1 %
on both directions of the mta and the mx link; 200 messages of mixed sizes (1 KB..1 MB) from swaks and
smtp-source in parallel all arrive intact; then the appliance's flow table drains to empty within a bound.
(This kernel lacks sch_netem: tools/lib/impair.py applies the same parameters from user space.)"""
import concurrent.futures
import math
import random
import time

import itlib
from itlib import CLIENT4, CLIENT4_C, CLIENT6, VIP6, VIP_A, VIP_B, mailgen

SWAKS_COUNT, SWAKS_PARALLEL = 120, 16
SWAKS_TIMEOUT_S = 60          # swaks' per-step time-out; a session alive 30 s past it counts as hung
# (messages, bytes each, parallel sessions) per smtp-source run; 80 messages in all
SMTP_SOURCE_RUNS = [(40, 1024, 4), (30, 32 * 1024, 4), (10, 256 * 1024, 2)]
DRAIN_BOUND_S = 60.0
DELIVERY_BOUND_S = 240.0


def sizes(n, rng):
    """Log-uniform 1 KB..1 MB, both ends included."""
    out = [1024, 1024 * 1024]
    out += [int(math.exp(rng.uniform(math.log(1024), math.log(1024 * 1024)))) for _ in range(n - 2)]
    return out


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("impaired-links")
    rng = random.Random(3)
    imp = itlib.Impairment()
    with itlib.Topology(impair=imp) as t:
        print(f"appliance {t.appliance}, impairment {imp}, topology up in {t.setup_s:.1f} s", flush=True)
        refs = {size: itlib.smtp_source_reference(t, size, f"reference-{size}") for _, size, _ in SMTP_SOURCE_RUNS}
        before = len(t.backend.delivered_files())

        paths = [(VIP_A, CLIENT4), (VIP_A, CLIENT4), (VIP_B, CLIENT4_C), (VIP6, CLIENT6)]
        jobs, expect_ip = [], {}
        for i, size in enumerate(sizes(SWAKS_COUNT, rng)):
            server, source = paths[i % len(paths)]
            s = mailgen.make(f"imp-{i}-{size}", size)
            jobs.append((s, server, 25, source))
            expect_ip[s.test_id] = source
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(len(SMTP_SOURCE_RUNS) + 1) as pool:
            ss = [pool.submit(itlib.smtp_source, t, t.mta, VIP_A, n, size, par, f"impaired-{size}", 600)
                  for n, size, par in SMTP_SOURCE_RUNS]
            sw = pool.submit(itlib.swaks_many, t, jobs, SWAKS_PARALLEL, SWAKS_TIMEOUT_S)
            swaks_results = sw.result()
            ss_results = [f.result() for f in ss]
        send_s = time.monotonic() - t0
        failed = [f"{k}: {v[2]}" for k, v in swaks_results.items() if v[0] != 0 or " 250 " not in v[2]]
        slowest = max(swaks_results.items(), key=lambda kv: kv[1][1])
        c.true(f"swaks: {SWAKS_COUNT - len(failed)}/{SWAKS_COUNT} got 250 "
               f"(slowest {slowest[0]} {slowest[1][1]:.1f} s)", not failed, "; ".join(failed[:5]))
        for (n, size, par), (rc, secs, err) in zip(SMTP_SOURCE_RUNS, ss_results):
            c.true(f"smtp-source {n} x {size} bytes over {par} sessions in {secs:.1f} s", rc == 0, err)

        total = SWAKS_COUNT + sum(n for n, _, _ in SMTP_SOURCE_RUNS)
        waited = itlib.wait_delivered(t, before + total, DELIVERY_BOUND_S)
        delivered = mailgen.index(t.backend.delivered_files())
        for source in sorted(set(expect_ip.values())):
            group = [s for s, _, _, src in jobs if src == source]
            itlib.check_messages(c, delivered, group, source, f"swaks from {source}")
        subjects = itlib.by_subject(t)
        for n, size, _ in SMTP_SOURCE_RUNS:
            got = subjects.get(f"impaired-{size}", [])
            hashes = {d.body_sha256 for d in got}
            c.eq(f"smtp-source {size}-byte messages delivered", len(got), n)
            c.true(f"smtp-source {size}-byte bodies equal the reference ({refs[size][:16]}...)",
                   hashes == {refs[size]}, f"hashes {sorted(h[:16] for h in hashes)}")
        sent_bytes = sum(s.size for s, *_ in jobs) + sum(n * size for n, size, _ in SMTP_SOURCE_RUNS)

        stats = t.impair_stats()
        for side, st in sorted(stats.items()):
            c.true(f"impairment on the {side} link: {st}",
                   st.get("lost", 0) > 0 and st.get("reordered", 0) > 0 and st.get("duplicated", 0) > 0)

        # The appliance forgets every session once they are closed.
        t1 = time.monotonic()
        counts = t.flow_counts()
        while (counts["sessions_open"] or counts["passthrough_open"]) and time.monotonic() - t1 < DRAIN_BOUND_S:
            time.sleep(1.0)
            counts = t.flow_counts()
        drain_s = time.monotonic() - t1
        c.true(f"flow table empty {drain_s:.1f} s after the last message (bound {DRAIN_BOUND_S:.0f} s): "
               f"{itlib.flow_summary(counts)}",
               counts["sessions_open"] == 0 and counts["passthrough_open"] == 0)
        print(f"figures: {total} messages / {sent_bytes} bytes sent in {send_s:.1f} s, "
              f"delivery wait {waited:.1f} s", flush=True)
    c.finish()


if __name__ == "__main__":
    main()
