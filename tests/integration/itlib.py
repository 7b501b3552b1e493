"""Shared helpers of the live integration tests: skip rules, checks that print their figures, senders.

Owns: what every test_*.py in this folder repeats. May call: tools/lib (topology, mailgen), swaks,
smtp-source, tools/lib/smtpclient.py inside the namespaces.
"""
import concurrent.futures
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "lib"))
import mailgen  # noqa: E402
import topology  # noqa: E402
from topology import (BACKEND4, CLIENT4, CLIENT4_B, CLIENT4_C, CLIENT6, VIP6, VIP_A, VIP_B,  # noqa: E402,F401
                      PASSTHROUGH_PORT, Impairment, Topology)

SKIP = 77   # meson's exit code for a skipped test


def require_root_and_netns():
    """Exits 77 (skip) unless root with namespaces and the tools; makes SIGTERM (meson's time-out) unwind
    through the Topology's teardown instead of leaving namespaces and Postfix behind."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ok, why = topology.can_run()
    if not ok:
        print(f"SKIP: {why}")
        sys.exit(SKIP)
    appliance = os.environ.get("SLUICE_APPLIANCE", topology.DEFAULT_APPLIANCE)
    if appliance == "sluice" and not os.path.exists(topology.sluice_binary()):
        print(f"SKIP: {topology.sluice_binary()} not built")
        sys.exit(SKIP)


def require_sluice(what):
    """Exits 77 (skip) when the appliance under test is not Sluice: `what` is Sluice's own (the kernel stand-in
    only forwards)."""
    if os.environ.get("SLUICE_APPLIANCE", topology.DEFAULT_APPLIANCE) != "sluice":
        print(f"SKIP: {what} (SLUICE_APPLIANCE=sluice)")
        sys.exit(SKIP)


class Checker:
    """Collects failed expectations so one run reports all of them; every check prints its figures."""

    def __init__(self, name):
        self.name, self.failures, self.checks, self.t0 = name, 0, 0, time.monotonic()

    def eq(self, what, got, want):
        self.true(what, got == want, f"got {got!r}, want {want!r}")

    def true(self, what, condition, detail=""):
        self.checks += 1
        if not condition:
            self.failures += 1
        print(f"{'ok  ' if condition else 'FAIL'} {what}{': ' + detail if detail else ''}", flush=True)

    def finish(self):
        print(f"{self.name}: {self.checks} checks, {self.failures} failed, "
              f"{time.monotonic() - self.t0:.1f} s", flush=True)
        sys.exit(1 if self.failures else 0)


def swaks(t, path, server, port=25, source=None, timeout=120):
    """One swaks session from `mta`; returns (exit code, seconds, last server reply line)."""
    argv = ["swaks", "--server", server, "--port", str(port), "--from", "sender@client.test", "--to", "user@sluice.test",
            "--data", "@" + path, "--timeout", str(timeout), "--suppress-data"]
    if ":" in server:
        argv.append("-6")
    if source:
        argv += ["--local-interface", source]
    t0 = time.monotonic()
    try:
        p = subprocess.run(["ip", "netns", "exec", t.mta, *argv], capture_output=True, text=True,
                           timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        return -1, time.monotonic() - t0, f"*** swaks hung: no end after {timeout + 30} s"
    secs = time.monotonic() - t0
    lines = [ln.strip() for ln in (p.stdout + "\n" + p.stderr).splitlines()]
    errors = [ln for ln in lines if ln.startswith(("***", "<**"))]
    replies = [ln for ln in lines if ln.startswith("<-")]
    # The reply to the end of data is the one before QUIT's 221; on failure, swaks' own error lines.
    reply = " / ".join(errors[-2:]) if errors else (replies[-2] if len(replies) > 1 else " ".join(replies))
    return p.returncode, secs, reply


def swaks_many(t, jobs, parallel, timeout=120):
    """jobs: [(Sent, server, port, source)]; runs them `parallel` at a time; returns {test_id: (rc, s, reply)}.
    `timeout`: swaks' own per-step time-out; a session still running 30 s past it counts as hung."""
    for sent, *_ in jobs:
        mailgen.write(sent, t.dir, for_swaks=True)
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        futs = {pool.submit(swaks, t, os.path.join(t.dir, f"{s.test_id}.eml"), srv, port, src, timeout): s.test_id
                for s, srv, port, src in jobs}
        return {futs[f]: f.result() for f in concurrent.futures.as_completed(futs)}


def smtp_source(t, ns, server, count, size, parallel, subject, timeout=300):
    """Postfix's smtp-source: `count` messages of `size` bytes over `parallel` sessions; (rc, seconds, stderr)."""
    t0 = time.monotonic()
    p = subprocess.run(["ip", "netns", "exec", ns, "smtp-source", "-c", "-l", str(size), "-m", str(count),
                        "-s", str(parallel), "-f", "sender@client.test", "-t", "user@sluice.test",
                        "-S", subject, f"{server}:25"], capture_output=True, text=True, timeout=timeout)
    return p.returncode, time.monotonic() - t0, p.stderr.strip()[-500:]


def wait_delivered(t, count, timeout, stall=15.0):
    """Polls the backend's Maildir until `count` messages are there and its queue is empty, or nothing has
    moved for `stall` seconds with an empty queue; returns seconds."""
    t0 = last_change = time.monotonic()
    last = -1
    while time.monotonic() - t0 < timeout:
        n = len(t.backend.delivered_files())
        empty = t.backend.queue_empty()
        if n >= count and empty:
            break
        if n != last:
            last, last_change = n, time.monotonic()
        elif empty and time.monotonic() - last_change > stall:
            break
        time.sleep(0.5)
    return time.monotonic() - t0


def check_messages(c, delivered, sent_list, client_ip, label):
    """Every sent message delivered exactly once, body hash equal, the backend saw `client_ip`."""
    missing, dup, bad_hash, bad_ip = [], [], [], []
    for s in sent_list:
        got = delivered.get(s.test_id, [])
        if not got:
            missing.append(s.test_id)
            continue
        if len(got) > 1:
            dup.append(f"{s.test_id}x{len(got)}")
        if got[0].body_sha256 != s.body_sha256:
            bad_hash.append(f"{s.test_id} sent {s.body_sha256[:16]} got {got[0].body_sha256[:16]}")
        if got[0].client_ip != client_ip:
            bad_ip.append(f"{s.test_id} saw {got[0].client_ip}")
    n = len(sent_list)
    total = sum(s.size for s in sent_list)
    c.true(f"{label}: {n - len(missing)}/{n} delivered ({total} bytes sent)", not missing, " ".join(missing[:10]))
    c.true(f"{label}: each delivered once", not dup, " ".join(dup[:10]))
    c.true(f"{label}: SHA-256 of every delivered body equals the sent one "
           f"(e.g. {sent_list[0].body_sha256[:16]}...)", not bad_hash, "; ".join(bad_hash[:5]))
    c.true(f"{label}: backend saw client {client_ip}", not bad_ip, "; ".join(bad_ip[:5]))


def smtp_source_reference(t, size, subject):
    """The body hash smtp-source's message of `size` bytes has when delivered without the appliance: the
    same client sends one copy inside `mx`, straight to the backend."""
    rc, _, err = smtp_source(t, t.mx, BACKEND4, 1, size, 1, subject)
    if rc != 0:
        raise RuntimeError(f"reference smtp-source failed: {err}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for d in by_subject(t).get(subject, []):
            return d.body_sha256
        time.sleep(0.2)
    raise RuntimeError(f"reference message {subject} not delivered")


def by_subject(t):
    out = {}
    for p in t.backend.delivered_files():
        d = mailgen.parse(p)
        out.setdefault(d.headers.get("subject", [""])[0], []).append(d)
    return out


FLOW_KEYS = ("sessions_open", "passthrough_open", "sessions_opened", "sessions_closed", "sessions_refused",
             "sessions_reset", "sessions_idle_expired", "retransmits", "out_of_order", "duplicates",
             "syn_cookies_sent", "syn_cookies_accepted", "drops_no_policy", "conntrack_entries")


def flow_summary(counts):
    """The appliance counters worth printing, in a fixed order (sluice telemetry or the stand-in's)."""
    return ", ".join(f"{k} {counts[k]}" for k in FLOW_KEYS if k in counts)
