"""The peers' side of tools/bench/forward: CPU per SMTP session inside Linux kernel DNAT and inside HAProxy.

Owns: one benchmark topology (tools/lib/topology.py's kernel stand-in `fw` between `mta` and `mx`, without
Postfix, plus a direct mta<->mx veth used as the control run), smtp-sink in `mx`, HAProxy in `fw`, the
smtp-source runs, and the CPU accounting (/proc/stat, /proc/<pid>/stat).
May call: tools/lib/topology.py (builds and destroys namespaces; its teardown kills only what lives in
them), ip, nft, smtp-source, smtp-sink, haproxy. Kills only the processes it started, by pid.

Why a control run: the kernel time a run adds includes the TCP work of smtp-source and smtp-sink themselves
(their syscalls and the receive softirq of their sockets), which every peer pays the same way. The brief says
the generator's and the sink's cost is not counted, so the same workload is also sent over a plain veth
straight from `mta` to `mx` (no router); its kernel time is subtracted from each peer's. Kernel time is read
per task (see Bench.measured: the other jobs on a shared machine are not in it); the brief's /proc/stat form
(system + softirq minus an idle period bracketing the run) is reported beside it. Rounds are repeated;
medians are kept.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

LIB = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, LIB)
from topology import BACKEND4, VIP_A, Topology, run  # noqa: E402

USER_HZ = os.sysconf("SC_CLK_TCK")
# HAProxy's own address in `fw`: the stand-in's input chain drops TCP to VIP_A/VIP_B (they are DNATed only),
# so the proxy listens on a third public address.
HAPROXY_VIP = "198.51.100.20"
DIRECT_MTA, DIRECT_MX = "192.0.2.1", "192.0.2.25"   # the control link (RFC 5737 TEST-NET-1)


@dataclass
class BenchConfig:
    """Every knob and limit of one benchmark run, with the defaults the brief names."""
    # smtp-source -m: one message per SMTP session (no -d). 2000 sessions pass in well under a second here,
    # which /proc/stat's 10 ms ticks and the other jobs on a shared machine drown: 10000 by default.
    sessions: int = 10000
    concurrency: int = 20           # smtp-source -s: sessions in parallel
    length: int = 4096              # smtp-source -l: payload bytes per message
    rounds: int = 5                 # each peer measured this many times, interleaved; medians reported
    run_timeout_s: float = 300.0    # one smtp-source run
    start_timeout_s: float = 10.0   # smtp-sink / haproxy accepting
    haproxy_threads: int = 1        # one thread: HAProxy's cheapest configuration per session, one core
    sink_backlog: int = 1024
    extra_sessions_pct: int = 1     # sessions the peer may count beyond those sent (SYN retransmits)
    haproxy_maxconn: int = 4096     # HAProxy wants 2 fds per connection under the process's fd limit


class Recorder:
    """Keeps the exact command lines, in order and without repeats, so the report can print them."""

    def __init__(self):
        self.commands = []

    def note(self, argv):
        line = " ".join(argv)
        if line not in self.commands:
            self.commands.append(line)


def proc_stat():
    """The aggregate `cpu` line of /proc/stat in seconds, by field name."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    return {n: int(v) / USER_HZ for n, v in zip(names, fields)}


def pid_cpu(pid):
    """(utime, stime) of one process in seconds, threads included (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) / USER_HZ, int(rest[12]) / USER_HZ


def ksoftirqd_pids():
    """The per-CPU softirq threads: softirq work deferred out of the sender's context is charged to them."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/comm") as f:
                    if f.read().startswith("ksoftirqd/"):
                        out.append(int(d))
            except OSError:
                pass
    return out


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


def kernel_s(d):
    """Kernel time of a /proc/stat delta: system + softirq + hardirq (hardirq is ~0 on veth, kept for NICs)."""
    return d["system"] + d["softirq"] + d["irq"]


def tsc_hz_from_cpuinfo():
    """The TSC rate: on this x86 guest `cpu MHz` is the (constant, invariant) TSC frequency."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    return 0.0


class PeerTopology(Topology):
    """topology.Topology's kernel stand-in without Postfix (smtp-sink is the backend here) and with a direct
    mta<->mx veth for the control run."""

    def __init__(self, rec):
        super().__init__(appliance="kernel")
        self.rec = rec
        self.direct_mta, self.direct_mx = f"sdm{self.tag}", f"sdx{self.tag}"

    def up(self):
        t0 = time.monotonic()
        self._add_ns(self.mta)
        self._add_ns(self.mx)
        self._kernel_appliance()
        self._address_sides()
        # Thousands of short sessions per run from one client address (and, for HAProxy, from `fw` to one
        # backend): ports in TIME_WAIT must not run out between rounds.
        for ns in (self.mta, self.fw):
            self.ns(ns, "sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1")
            self.ns(ns, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000")
        self.ns(self.fw, "ip", "addr", "add", f"{HAPROXY_VIP}/32", "dev", f"fwo{self.tag}")
        run(["ip", "link", "add", self.direct_mta, "netns", self.mta, "type", "veth",
             "peer", "name", self.direct_mx, "netns", self.mx])
        self.ns(self.mta, "ip", "addr", "add", f"{DIRECT_MTA}/24", "dev", self.direct_mta)
        self.ns(self.mx, "ip", "addr", "add", f"{DIRECT_MX}/24", "dev", self.direct_mx)
        self.ns(self.mta, "ip", "link", "set", self.direct_mta, "up")
        self.ns(self.mx, "ip", "link", "set", self.direct_mx, "up")
        self._wait_reachable()
        self.setup_s = time.monotonic() - t0

    def spawn(self, ns, argv, log_name):
        full = ["ip", "netns", "exec", ns, *argv]
        self.rec.note(full)
        log = open(os.path.join(self.dir, log_name), "w")
        # `ip netns exec` execs the command: the Popen pid is the program's own pid.
        return self.popen(ns, argv, stdout=log, stderr=subprocess.STDOUT)

    def wait_accepting(self, ns, host, port, timeout, log_name=None):
        deadline = time.monotonic() + timeout
        probe = f"import socket; socket.create_connection(('{host}', {port}), 1).close()"
        while time.monotonic() < deadline:
            if subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", probe],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        why = ""
        if log_name:
            with open(os.path.join(self.dir, log_name), errors="replace") as f:
                why = ":\n" + f.read()[-2000:]
        raise RuntimeError(f"nothing accepts on {host}:{port} in {ns} after {timeout}s{why}")


class Bench:
    def __init__(self, cfg, rec):
        self.cfg, self.rec = cfg, rec
        self.last_wall = {}

    # ---- the peers
    def start_sink(self, t):
        # One sink on every address of `mx`: the backend of all three paths.
        self.sink = t.spawn(t.mx, ["smtp-sink", "-u", "nobody", ":25", str(self.cfg.sink_backlog)], "smtp-sink.log")
        t.wait_accepting(t.mx, BACKEND4, 25, self.cfg.start_timeout_s, "smtp-sink.log")

    def start_haproxy(self, t):
        self.haproxy_sock = os.path.join(t.dir, "haproxy.sock")
        cfg = f"""global
    nbthread {self.cfg.haproxy_threads}
    maxconn {self.cfg.haproxy_maxconn}
    stats socket {self.haproxy_sock} mode 600 level admin
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
listen smtp
    bind {HAPROXY_VIP}:25
    server mx {BACKEND4}:25
"""
        path = os.path.join(t.dir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        self.haproxy_cfg_text = cfg
        self.haproxy = t.spawn(t.fw, ["haproxy", "-db", "-f", path], "haproxy.log")
        t.wait_accepting(t.mta, HAPROXY_VIP, 25, self.cfg.start_timeout_s, "haproxy.log")

    def haproxy_sessions(self):
        """The `smtp` frontend's total sessions (`stot`) from the stats socket's `show stat` CSV."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.haproxy_sock)
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        head = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(head, line.split(",")))
            if row.get("pxname") == "smtp" and row.get("svname") == "FRONTEND":
                return int(row["stot"])
        raise RuntimeError("haproxy: no smtp FRONTEND row in show stat")

    def fw_rx_packets(self, t):
        """Frames received by the router on both of its links: every packet it forwarded or terminated."""
        links = json.loads(t.ns(t.fw, "ip", "-j", "-s", "link", "show").stdout)
        return sum(link["stats64"]["rx"]["packets"] for link in links if link["ifname"] != "lo")

    def dnat_sessions(self, t):
        """Packets counted by the VIP_A:25 DNAT rule: the nat hook sees only a connection's first packet."""
        out = t.ns(t.fw, "nft", "list", "chain", "inet", "sluice_it", "prerouting").stdout
        for line in out.splitlines():
            if f"ip daddr {VIP_A} tcp dport 25 " in line:
                return int(re.search(r"counter packets (\d+)", line).group(1))
        raise RuntimeError("no VIP_A:25 rule in the stand-in's prerouting chain")

    # ---- one measured run
    def source(self, t, target):
        argv = ["ip", "netns", "exec", t.mta, "smtp-source", "-s", str(self.cfg.concurrency),
                "-m", str(self.cfg.sessions), "-l", str(self.cfg.length),
                "-f", "bench@sluice.test", "-t", "sink@sluice.test", f"{target}:25"]
        self.rec.note(argv)
        return argv

    def idle_rates(self, seconds):
        """/proc/stat per-second rates over an idle period (nothing of ours runs)."""
        a = proc_stat()
        time.sleep(seconds)
        return {k: v / seconds for k, v in delta(a, proc_stat()).items()}

    def measured(self, t, argv, path):
        """Runs one smtp-source to completion. Returns wall seconds; the /proc/stat delta; the idle rate, the mean
        of an idle period of the path's previous length before and one of this run's length after (the other
        jobs on the machine change slowly; bracketing the run follows them); the generator's own rusage
        (os.wait4: `ip netns exec` execs it, so the child is smtp-source) and the sink's and HAProxy's
        /proc/<pid>/stat deltas."""
        before = self.idle_rates(self.last_wall.get(path, 1.0))
        pids = {"sink": self.sink.pid, "haproxy": self.haproxy.pid}
        pids.update({f"ksoftirqd{i}": pid for i, pid in enumerate(self.ksoftirqd)})
        p0 = {k: pid_cpu(v) for k, v in pids.items()}
        err_path = os.path.join(t.dir, f"smtp-source-{path}.err")
        with open(err_path, "w") as err:
            s0, w0 = proc_stat(), time.monotonic()
            child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
            deadline = w0 + self.cfg.run_timeout_s
            while True:
                pid, status, ru = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    child.kill()
                    raise RuntimeError(f"{' '.join(argv)}: no end after {self.cfg.run_timeout_s}s")
                time.sleep(0.01)
            w1, s1 = time.monotonic(), proc_stat()
        child.returncode = os.waitstatus_to_exitcode(status)
        p1 = {k: pid_cpu(v) for k, v in pids.items()}
        if child.returncode != 0:
            with open(err_path, errors="replace") as f:
                raise RuntimeError(f"{' '.join(argv)} -> {child.returncode}: {f.read()[-2000:]}")
        wall = w1 - w0
        self.last_wall[path] = wall
        after = self.idle_rates(wall)
        rate = {k: (before[k] + after[k]) / 2 for k in before}
        out = {"wall_s": wall, "stat": delta(s0, s1), "idle": {k: v * wall for k, v in rate.items()},
               "source_user_s": ru.ru_utime, "source_sys_s": ru.ru_stime}
        for k in pids:
            out[f"{k}_user_s"], out[f"{k}_sys_s"] = p1[k][0] - p0[k][0], p1[k][1] - p0[k][1]
        # The brief's definition: system + softirq over the run minus idle (the endpoints' kernel work included).
        out["kernel_raw_s"] = kernel_s(out["stat"]) - kernel_s(out["idle"])
        # The low-noise form: kernel time charged to the tasks of this run. A tick is charged to the task it
        # interrupts, softirq included (kernel/sched/cputime.c, account_system_index_time), and veth's receive
        # softirq runs when the sender re-enables bottom halves: the router's forwarding work lands in the
        # stime of smtp-source/smtp-sink (or HAProxy), the rest in ksoftirqd. Other jobs' compiles are not in it.
        out["ksoftirqd_s"] = sum(out[f"{k}_user_s"] + out[f"{k}_sys_s"] for k in pids if k.startswith("ksoftirqd"))
        out["endpoints_sys_s"] = out["source_sys_s"] + out["sink_sys_s"]
        out["kernel_s"] = out["endpoints_sys_s"] + out["ksoftirqd_s"]
        return out

    def one_round(self, t):
        n = self.cfg.sessions
        direct = self.measured(t, self.source(t, DIRECT_MX), "direct")
        c0, f0 = self.dnat_sessions(t), self.fw_rx_packets(t)
        dnat = self.measured(t, self.source(t, VIP_A), "dnat")
        dnat["sessions"], dnat["fw_rx_packets"] = self.dnat_sessions(t) - c0, self.fw_rx_packets(t) - f0
        h0, f0 = self.haproxy_sessions(), self.fw_rx_packets(t)
        hap = self.measured(t, self.source(t, HAPROXY_VIP), "haproxy")
        hap["sessions"], hap["fw_rx_packets"] = self.haproxy_sessions() - h0, self.fw_rx_packets(t) - f0
        for name, m in (("kernel DNAT", dnat), ("HAProxy", hap)):
            # Every session must have passed the peer. A few more are allowed: a SYN retransmitted before its
            # conntrack entry was confirmed goes through the nat hook again.
            if not n <= m["sessions"] <= n + max(1, n * self.cfg.extra_sessions_pct // 100):
                raise RuntimeError(f"{name}: {m['sessions']} sessions counted, {n} sent")
        for name, m in (("control", direct), ("kernel DNAT", dnat)):
            if m["haproxy_user_s"] + m["haproxy_sys_s"] > 0.05:
                raise RuntimeError(f"{name} run: HAProxy was busy ({m['haproxy_user_s'] + m['haproxy_sys_s']}s)")
        us = 1e6 / n
        ctl = direct["kernel_s"]
        return {
            "dnat_sessions_counted": dnat["sessions"],
            "haproxy_sessions_counted": hap["sessions"],
            "control_kernel_us": ctl * us,
            "control_raw_us": direct["kernel_raw_s"] * us,
            "dnat_us": (dnat["kernel_s"] - ctl) * us,
            "dnat_softirq_stat_us": ((dnat["stat"]["softirq"] - dnat["idle"]["softirq"])
                                     - (direct["stat"]["softirq"] - direct["idle"]["softirq"])) * us,
            # The brief's form: (system + softirq - idle) / sessions, without and with the control subtracted.
            "dnat_raw_us": dnat["kernel_raw_s"] * us,
            "dnat_raw_net_us": (dnat["kernel_raw_s"] - direct["kernel_raw_s"]) * us,
            "haproxy_process_us": (hap["haproxy_user_s"] + hap["haproxy_sys_s"]) * us,
            "haproxy_user_us": hap["haproxy_user_s"] * us,
            "haproxy_sys_us": hap["haproxy_sys_s"] * us,
            # Kernel work of the HAProxy run beyond the control charged to tasks other than HAProxy: the
            # endpoints' and ksoftirqd's (softirq for HAProxy's sockets that ran outside its own context).
            "haproxy_kernel_share_us": (hap["kernel_s"] - ctl) * us,
            # Packets the router received per session (both directions; HAProxy: both of its connections).
            "dnat_packets_per_session": dnat["fw_rx_packets"] / n,
            "dnat_us_per_packet": (dnat["kernel_s"] - ctl) * 1e6 / dnat["fw_rx_packets"],
            "haproxy_packets_per_session": hap["fw_rx_packets"] / n,
            "wall_s": {"direct": direct["wall_s"], "dnat": dnat["wall_s"], "haproxy": hap["wall_s"]},
            "detail": {"direct": direct, "dnat": dnat, "haproxy": hap},
        }

    def run(self, log=print):
        rounds = []
        with PeerTopology(self.rec) as t:
            self.start_sink(t)
            self.start_haproxy(t)
            self.ksoftirqd = ksoftirqd_pids()
            log(f"peer_bench: topology {t.mta}/{t.fw}/{t.mx} up in {t.setup_s:.1f}s; "
                f"{self.cfg.rounds} rounds of {self.cfg.sessions} sessions each on 3 paths")
            for i in range(self.cfg.rounds):
                r = self.one_round(t)
                rounds.append(r)
                log(f"peer_bench: round {i + 1}: kernel DNAT {r['dnat_us']:.1f} us/session "
                    f"(brief's raw form {r['dnat_raw_us']:.1f}, net of control {r['dnat_raw_net_us']:.1f}); "
                    f"HAProxy process {r['haproxy_process_us']:.1f} + kernel share {r['haproxy_kernel_share_us']:.1f}; "
                    f"control {r['control_kernel_us']:.1f}; wall " + ", ".join(f"{k} {v:.2f}s" for k, v in r["wall_s"].items()))
        med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0] if k not in ("wall_s", "detail")}
        med["haproxy_total_us"] = med["haproxy_process_us"] + max(0.0, med["haproxy_kernel_share_us"])
        return {"config": asdict(self.cfg), "median": med, "rounds": rounds,
                "haproxy_cfg": self.haproxy_cfg_text}


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d = BenchConfig()
    ap.add_argument("--sessions", type=int, default=d.sessions)
    ap.add_argument("--concurrency", type=int, default=d.concurrency)
    ap.add_argument("--length", type=int, default=d.length)
    ap.add_argument("--rounds", type=int, default=d.rounds)
    a = ap.parse_args(argv)
    rec = Recorder()
    cfg = BenchConfig(sessions=a.sessions, concurrency=a.concurrency, length=a.length, rounds=a.rounds)
    res = Bench(cfg, rec).run(log=lambda s: print(s, file=sys.stderr))
    res["commands"] = rec.commands
    res["tsc_hz"] = tsc_hz_from_cpuinfo()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
