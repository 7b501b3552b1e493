#!/usr/bin/env python3
"""Delivery through the appliance (issue 3, acceptance 1): real Postfix in `mx`; swaks, smtp-source and a
sending Postfix in `mta`. Every message arrives once, its body's SHA-256 equals the sent one, and the
backend saw the real client address (no SNAT). 1 KB to 20 MB, IPv4 to both VIPs, IPv6, and the DNAT-only
pass-through port 2525."""
import os
import time

import itlib
from itlib import CLIENT4, CLIENT4_B, CLIENT4_C, CLIENT6, PASSTHROUGH_PORT, VIP6, VIP_A, VIP_B, mailgen

SIZES = [1024, 100 * 1024, 1024 * 1024, 20 * 1024 * 1024]
SMTP_SOURCE_COUNT, SMTP_SOURCE_SIZE, SMTP_SOURCE_PARALLEL = 50, 10_000, 10
RELAY_COUNT = 20


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("delivery")
    with itlib.Topology(mta_postfix=True) as t:
        print(f"appliance {t.appliance}, topology up in {t.setup_s:.1f} s ({t.mta}, {t.mx})", flush=True)
        ref = itlib.smtp_source_reference(t, SMTP_SOURCE_SIZE, "reference")
        reference_files = len(t.backend.delivered_files())

        # swaks: every size on each path (VIP A from .2, VIP B from .4, IPv6), and the pass-through port.
        paths = [("v4-vip-a", VIP_A, 25, CLIENT4), ("v4-vip-b", VIP_B, 25, CLIENT4_C), ("v6-vip", VIP6, 25, CLIENT6),
                 ("v4-passthrough", VIP_A, PASSTHROUGH_PORT, CLIENT4)]
        jobs, groups = [], {}
        for label, server, port, source in paths:
            sizes = SIZES if port == 25 else [1024, 1024 * 1024]
            for size in sizes:
                s = mailgen.make(f"{label}-{size}", size)
                jobs.append((s, server, port, source))
                groups.setdefault(label, []).append(s)
        t0 = time.monotonic()
        results = itlib.swaks_many(t, jobs, parallel=4)
        swaks_s = time.monotonic() - t0
        for s, server, port, _ in jobs:
            rc, secs, reply = results[s.test_id]
            c.true(f"swaks {s.test_id} to {server}:{port}: {s.size} bytes in {secs:.2f} s", rc == 0 and " 250 " in reply,
                   reply)

        # smtp-source: 50 identical messages over 10 parallel sessions.
        rc, ss_s, err = itlib.smtp_source(t, t.mta, VIP_A, SMTP_SOURCE_COUNT, SMTP_SOURCE_SIZE, SMTP_SOURCE_PARALLEL,
                                          "smtp-source")
        c.true(f"smtp-source {SMTP_SOURCE_COUNT} x {SMTP_SOURCE_SIZE} bytes, {SMTP_SOURCE_PARALLEL} sessions, "
               f"in {ss_s:.2f} s", rc == 0, err)

        # The sending Postfix (relayhost [VIP A]:25, smtp_bind_address .3): 20 messages submitted on 127.0.0.1.
        relayed = [mailgen.make(f"relay-{i}", 1024 * (1 + 13 * i)) for i in range(RELAY_COUNT)]
        files = [mailgen.write(s, t.dir) for s in relayed]
        p = t.ns(t.mta, itlib.sys.executable, os.path.join(itlib.ROOT, "tools", "lib", "smtpclient.py"), "send",
                 "--server", "127.0.0.1", *files, check=False, timeout=120)
        c.true(f"{RELAY_COUNT} messages submitted to the sending Postfix", p.returncode == 0, p.stderr[-300:])

        expected = reference_files + len(jobs) + SMTP_SOURCE_COUNT + RELAY_COUNT
        waited = itlib.wait_delivered(t, expected, timeout=120)
        files_now = t.backend.delivered_files()
        c.eq(f"backend Maildir holds {expected} messages after {waited:.1f} s", len(files_now), expected)
        delivered = mailgen.index(files_now)
        for label, server, port, source in paths:
            itlib.check_messages(c, delivered, groups[label], source, f"swaks {label} ({server}:{port})")
        itlib.check_messages(c, delivered, relayed, CLIENT4_B, f"sending Postfix via {VIP_A}")

        sent_by_source = itlib.by_subject(t).get("smtp-source", [])
        hashes = {d.body_sha256 for d in sent_by_source}
        ips = {d.client_ip for d in sent_by_source}
        c.eq("smtp-source messages delivered", len(sent_by_source), SMTP_SOURCE_COUNT)
        c.true(f"smtp-source bodies equal the reference sent without the appliance ({ref[:16]}...)",
               hashes == {ref}, f"hashes {sorted(h[:16] for h in hashes)}")
        c.eq("smtp-source: backend saw client", ips, {CLIENT4})

        # The backend's own log: every client it saw is a real client (or the harness's probe from mx itself).
        seen = set()
        for line in t.backend.log().splitlines():
            if " connect from " in line:
                seen.add(line.rsplit("[", 1)[1].rstrip("]"))
        allowed = {CLIENT4, CLIENT4_B, CLIENT4_C, CLIENT6, itlib.BACKEND4}
        c.true(f"backend log: clients seen {sorted(seen)} are all real client addresses", seen <= allowed)
        total = sum(s.size for s, *_ in jobs)
        print(f"figures: swaks {len(jobs)} messages / {total} bytes in {swaks_s:.1f} s; "
              f"smtp-source {SMTP_SOURCE_COUNT} in {ss_s:.1f} s; delivery wait {waited:.1f} s", flush=True)
    c.finish()


if __name__ == "__main__":
    main()
