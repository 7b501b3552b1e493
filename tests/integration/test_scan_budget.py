#!/usr/bin/env python3
"""Scanning within budgets (issue 4), live through Sluice to a real Postfix backend.

- The per-iteration slice: with `slice-cycles` at its minimum (10,000 cycles, a few microseconds) large
  messages take many poll iterations to scan. An 8 MB clean message is still delivered intact, EICAR at the
  end of a 4 MB message is still refused with 550, the worker counted iterations whose slice ran out with
  input left (`scan_slices_spent`), and packet I/O was never starved: pings to the VIP during the transfers
  are all answered, in milliseconds.
- The per-message budget: with `cycles-per-message` at its minimum (1,000,000) a 4 MB message cannot be
  scanned to its end; `scan-timeout-action tempfail` answers `451 4.7.1 Message deferred: scan:timeout`, and
  the backend stores nothing; a 1 KB message still passes.
"""
import re
import subprocess

import itlib
import verdict_mail as vm
from itlib import CLIENT4, VIP_A, mailgen

SLICE_CONF = """config scan budget
  set slice-cycles 10000
end
"""
BUDGET_CONF = """config scan budget
  set cycles-per-message 1000000
  set scan-timeout-action tempfail
end
"""
PINGS, PING_INTERVAL_S = 400, 0.01
PING_MAX_MS = 50.0   # a starved poll loop would leave echo requests unanswered for the length of a scan


def raw_sent(test_id, data):
    return mailgen.Sent(test_id, data, mailgen.body_sha256(data.partition(b"\r\n\r\n")[2]), len(data))


def send(c, t, sent, want):
    path = mailgen.write(sent, t.dir, for_swaks=True)
    code, secs, reply = itlib.swaks(t, path, VIP_A, 25, CLIENT4)
    c.true(f"{sent.test_id} ({sent.size} B) -> {want} in {secs:.2f} s", want in reply, reply)


def slice_round(c):
    with itlib.Topology(appliance="sluice", sluice_conf_extra=SLICE_CONF) as t:
        print(f"topology up in {t.setup_s:.1f} s (slice-cycles 10000)", flush=True)
        before = t.flow_counts().get("scan_slices_spent", 0)
        ping = subprocess.Popen(["ip", "netns", "exec", t.mta, "ping", "-n", "-q", "-i", str(PING_INTERVAL_S),
                                 "-c", str(PINGS), "-W", "1", VIP_A], stdout=subprocess.PIPE, text=True)
        big = vm.clean("slice-8mb", 8 * 1024 * 1024)
        small = vm.clean("slice-1kb", 1024)
        send(c, t, big, "250 2.0.0")
        send(c, t, raw_sent("slice-eicar", vm.eicar_base64("slice-eicar", text_size=4 * 1024 * 1024)), "550 5.7.1")
        send(c, t, small, "250 2.0.0")
        out = ping.communicate(timeout=60)[0]
        spent = t.flow_counts().get("scan_slices_spent", 0) - before
        c.true(f"the slice ran out with input left in {spent} poll iterations (scanning was spread out)", spent > 0)
        loss = re.search(r"(\d+(?:\.\d+)?)% packet loss", out)
        rtt = re.search(r"= [\d.]+/([\d.]+)/([\d.]+)/", out)
        c.true(f"pings to the VIP during the transfers: {loss.group(1) if loss else '?'}% lost",
               loss is not None and float(loss.group(1)) == 0.0, out.strip()[-200:])
        c.true(f"echo replies avg {rtt.group(1) if rtt else '?'} ms, max {rtt.group(2) if rtt else '?'} ms "
               f"(< {PING_MAX_MS} ms: packet I/O never starved)",
               rtt is not None and float(rtt.group(2)) < PING_MAX_MS, out.strip()[-200:])
        itlib.wait_delivered(t, 2, 60)
        itlib.check_messages(c, mailgen.index(t.backend.delivered_files()), [big, small], CLIENT4, "slice round")


def budget_round(c):
    with itlib.Topology(appliance="sluice", sluice_conf_extra=BUDGET_CONF) as t:
        print(f"topology up in {t.setup_s:.1f} s (cycles-per-message 1000000, scan-timeout-action tempfail)",
              flush=True)
        big = vm.clean("budget-4mb", 4 * 1024 * 1024)
        small = vm.clean("budget-1kb", 1024)
        send(c, t, big, "451 4.7.1 Message deferred: scan:timeout")
        send(c, t, small, "250 2.0.0")
        itlib.wait_delivered(t, 1, 30)
        delivered = mailgen.index(t.backend.delivered_files())
        c.true("the message over its budget was not stored", big.test_id not in delivered, str(sorted(delivered)))
        itlib.check_messages(c, delivered, [small], CLIENT4, "budget round")
        records = {r.get("email", {}).get("subject", ""): r for r in t.sluice_records()}
        r = records.get(f"sluice integration {big.test_id}", {})
        c.true("its record says scan_timeout and the 451 the client got",
               r.get("scan_timeout") is True and r.get("relay", {}).get("client_reply") == 451, str(r)[:300])


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("budgets are Sluice's")
    c = itlib.Checker("scan-budget")
    slice_round(c)
    budget_round(c)
    c.finish()


if __name__ == "__main__":
    main()
