"""tools/lib/bench_report.py — tools/bench/run's tables: each benchmark's JSON turned into rows of figure | measured
| peer or limit (same run) | ratio | target | met?, and the number formatting they share.

Owns: the targets named in the issues and the row builders per benchmark. Pinned by `tools/bench/run --self-test`.
May call: the Python standard library only.
"""

# Targets named in the issues (tools/bench/README.md). Scan and memory name none: their rows say so.
PASSTHROUGH_TARGET_CYCLES = 150       # issue 3: pass-through <= 150 cycles/packet
PROXY_TARGET_RATIO = 0.2              # issue 3: CPU per proxied session <= 1/5 of HAProxy's
SCALE_TARGET = 1.8                    # issue 7 brief: 2 workers >= 1.8 x one worker, pass-through and proxy
RELOAD_LOSS_TARGET = 0                # issue 6: no session refused or reset while the policy reloads


# ---------------------------------------------------------------- rendering helpers (pinned by --self-test)

def num(v, digits=None):
    """A figure for the table: thousands separated by a thin space as in tools/bench/README.md; '-' for None."""
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, int) and digits is None:
        return f"{v:,}".replace(",", "\u202f")
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 0.1 else 4
    s = f"{v:,.{digits}f}"
    return s.replace(",", "\u202f")


def ratio_of(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def fmt_ratio(r):
    if r is None:
        return "-"
    if r != 0 and (abs(r) < 0.01 or abs(r) >= 1000):
        return f"{r:.2e}"
    return f"{r:.2f}" if abs(r) < 100 else f"{r:.0f}"


def met_text(met):
    return "-" if met is None else "yes" if met else "**no**"


def cell(text):
    """Markdown table cell: '|' escaped, newlines folded."""
    return str(text).replace("|", "\\|").replace("\n", " ")


class Row:
    """One line of a benchmark's table. `met` is computed by the caller from the target's sense."""

    def __init__(self, figure, measured, unit="", against="-", against_value=None, ratio=None, target="-",
                 met=None):
        self.figure, self.measured, self.unit = figure, measured, unit
        self.against, self.against_value, self.ratio = against, against_value, ratio
        self.target, self.met = target, met

    def cells(self):
        measured = f"{num(self.measured)} {self.unit}".strip() if self.measured is not None else "-"
        against = self.against if self.against_value is None else f"{self.against}: {num(self.against_value)}"
        return [self.figure, measured, against, fmt_ratio(self.ratio), self.target, met_text(self.met)]

    def as_json(self):
        return dict(vars(self))


def table(rows):
    head = ["figure", "measured", "peer or limit (same run)", "ratio", "target", "met?"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(cell(c) for c in r.cells()) + " |")
    return "\n".join(lines)


def at_most(value, limit):
    return None if value is None else value <= limit


def at_least(value, limit):
    return None if value is None else value >= limit


# ---------------------------------------------------------------- per benchmark: rows from its JSON

def rows_scan(j):
    rows = []
    for r in j.get("runs", []):
        name = r["signatures"]
        rows.append(Row(f"MIME decode + scan, {name}", r["pipeline_mb_per_s"], "MB/s", "raw hs_scan of the decoded bytes",
                        r["raw_hs_scan_mb_per_s"], r["pipeline_over_raw"], "none stated (README: figures only)"))
        rows.append(Row(f"the same vs ClamAV, {name}", r["pipeline_mb_per_s"], "MB/s", "clamscan, same signature files",
                        r["clamscan_mb_per_s"], r["sluice_over_clamscan"], "none stated"))
    return rows


def rows_forward(j):
    rows = []
    s, p = j.get("sluice"), j.get("peers")
    tsc = j.get("tsc_hz") or 0
    m = (p or {}).get("median") or {}
    if s:
        pt = s["passthrough_cycles_per_packet"]
        dnat_cyc = m["dnat_us_per_packet"] * tsc / 1e6 if m.get("dnat_us_per_packet") is not None else None
        rows.append(Row("pass-through DNAT, cycles/packet", pt, "cycles",
                        "kernel DNAT cycles/packet" if dnat_cyc else "kernel DNAT: not run", dnat_cyc,
                        ratio_of(pt, dnat_cyc), f"≤ {PASSTHROUGH_TARGET_CYCLES} cycles", at_most(pt, PASSTHROUGH_TARGET_CYCLES)))
        rows.append(Row("pass-through packets per second per core", s["passthrough_packets_per_s"] / 1e6, "Mpps"))
        us = s["proxy_us_per_session"]
        hp = m.get("haproxy_process_us")
        r = ratio_of(us, hp)
        rows.append(Row("CPU per proxied SMTP session (split proxy + relay + inspection)", us, "µs",
                        "HAProxy mode tcp, process CPU" if hp else "HAProxy: not run", hp, r,
                        f"ratio ≤ {PROXY_TARGET_RATIO}", at_most(r, PROXY_TARGET_RATIO)))
        if m.get("haproxy_total_us"):
            rows.append(Row("the same vs HAProxy with its kernel share", us, "µs", "HAProxy process + kernel",
                            m["haproxy_total_us"], ratio_of(us, m["haproxy_total_us"])))
        if m.get("dnat_us"):
            rows.append(Row("the same vs kernel DNAT (forwarding only)", us, "µs", "kernel DNAT, per session",
                            m["dnat_us"], ratio_of(us, m["dnat_us"])))
    elif p:
        rows.append(Row("kernel DNAT CPU per session", m.get("dnat_us"), "µs", "Sluice: not built"))
        rows.append(Row("HAProxy CPU per session", m.get("haproxy_process_us"), "µs", "Sluice: not built"))
    return rows


def rows_tls(j):
    rows = []
    for r in j.get("rows", []):
        target, met = "-", None
        if r.get("target") is not None:
            target, met = f"ratio ≥ {r['target']}", at_least(r.get("ratio"), r["target"])
        rows.append(Row(f"{r['section']}: {r['what']}", r.get("figure"), r.get("unit", ""), r.get("against", "-"),
                        r.get("against_value"), r.get("ratio"), target, met))
    if j.get("live_skipped"):
        rows.append(Row("live STARTTLS sessions (Sluice, Postfix, nginx)", "not run", "", j["live_skipped"]))
    return rows


def rows_verdict(j):
    rows = []
    bound_ms = j.get("bound_ms")
    for t in j.get("table", []):
        label = t["rows"]
        if label != "all" and ("accepted" in label or "rejected" in label):
            continue
        v = t["verdict_us"]
        if not v.get("n"):
            continue
        p99 = v.get("p99")
        r = ratio_of(p99 / 1e3 if p99 is not None else None, bound_ms)
        rows.append(Row(f"verdict latency p99, {label} ({v['n']} messages)", p99, "µs", "verdict-timeout (ms)",
                        bound_ms, r, "p99 < bound", None if r is None else r < 1))
        rows.append(Row(f"verdict latency median, {label}", v.get("median"), "µs"))
        c = t.get("client_ms") or {}
        if c.get("n"):
            rows.append(Row(f"client: final dot → reply p99, {label}", c.get("p99"), "ms"))
    return rows


def rows_reload(j):
    rows = []
    for s in j.get("sizes", []):
        hs = (s.get("hs_compile") or {}).get("hs_compile_cpu_s")
        n = num(s["signatures"])
        rows.append(Row(f"commit latency (sluicectl commit), {n} signatures", s["commit_s"]["median"], "s",
                        "Hyperscan compile of the same patterns, CPU s", hs, s.get("commit_over_compile")))
        rows.append(Row(f"inotify reload latency (rename → new version), {n} signatures", s["reload_s"]["median"], "s",
                        f"Hyperscan compile, CPU s (settle delay {j.get('settle_ms')} ms not included)", hs,
                        s.get("reload_over_compile")))
    load = j.get("load")
    if load:
        n = load["refused_or_reset"]
        rows.append(Row(f"sessions refused or reset during the reloads ({load['sessions_opened']} opened)", n, "",
                        target=f"= {RELOAD_LOSS_TARGET}", met=n == RELOAD_LOSS_TARGET))
    return rows


def scale_pick(runs, mode, workers):
    """The run of `mode` with `workers`, owner-queue steering preferred (the appliance's own)."""
    mine = [r for r in runs if r.get("mode") == mode and r.get("workers") == workers and r.get("ok", True)]
    mine.sort(key=lambda r: r.get("steering") != "owner-queue")
    return mine[0] if mine else None


def rows_scale(j):
    rows = []
    runs = j.get("runs", [])
    for mode in ("passthrough", "proxy"):
        one = scale_pick(runs, mode, 1)
        for r in sorted((r for r in runs if r.get("mode") == mode), key=lambda r: (r["workers"], r["steering"])):
            if not r.get("ok", True):          # the binary marks a run whose set-up or traffic failed
                rows.append(Row(f"{mode}, {r['workers']} worker(s), {r['steering']}", "failed"))
                continue
            ideal = one["rate"] * r["workers"] if one else None
            rows.append(Row(f"{mode}, {r['workers']} worker(s), {r['steering']}: {r['units']}/s "
                            f"({num(r.get('cycles_per_unit'))} cycles/{r['units'].rstrip('s')})",
                            r["rate"], f"{r['units']}/s", "ideal: workers × 1-worker rate", ideal,
                            ratio_of(r["rate"], ideal)))
        two = scale_pick(runs, mode, 2)
        s = ratio_of(two["rate"], one["rate"]) if one and two else (j.get("scaling") or {}).get(mode)
        rows.append(Row(f"{mode}: 2 workers / 1 worker", s, "×", "ideal (linear)", 2.0, ratio_of(s, 2.0),
                        f"≥ {SCALE_TARGET}×", at_least(s, SCALE_TARGET)))
        machine = j.get("machine_parallel_ratio_2")
        if machine:
            rows.append(Row(f"{mode}: 2 / 1 workers beside the machine's own 2 / 1 threads (share-nothing loop in "
                            f"L2, same run)", s, "×", "machine limit, compute", machine, ratio_of(s, machine)))
        memory = j.get("machine_memory_ratio_2")
        if memory:
            rows.append(Row(f"{mode}: 2 / 1 workers beside the machine's own 2 / 1 threads (share-nothing "
                            f"memory-bound loop, same run)", s, "×", "machine limit, memory-bound", memory,
                            ratio_of(s, memory)))
    return rows


def rows_memory(j):
    return [Row("idle SMTP session, bytes", j.get("idle_smtp_bytes_per_session"), "B", target="none stated"),
            Row("TLS session, bytes", j.get("tls_bytes_per_session"), "B", target="none stated"),
            Row(f"RSS per session ({j.get('sessions')} sessions), bytes", j.get("rss_bytes_per_session"), "B",
                target="none stated"),
            Row("projected sessions in 64 GB", j.get("projected_sessions_64gb"), "", target="none stated")]
