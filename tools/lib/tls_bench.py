"""The measuring side of tools/bench/tls (issue 5): TLS handshakes, full STARTTLS sessions and bulk relay,
each beside its crypto limit from `openssl speed` taken in the same run and beside the peers.

Owns:
- the crypto limits: `openssl speed` runs and their parsing, and the formulas (see `limits`);
- the in-process rows: runs of `sluice-bench-tls handshakes|bulk` (tools/bench/tls_bench.cc);
- the peers' topology (tools/lib/topology.py's kernel stand-in with `tls=`: backend Postfix requiring
  STARTTLS in `mx`, router namespace `fw`), and in `fw`: Postfix as an inbound TLS relay (smtpd STARTTLS,
  relaying to the backend over verified TLS) and nginx's mail proxy (`starttls on`, auth_http served by the
  same nginx), their configuration files, and their CPU accounting (a cgroup v1 `cpuacct` group each);
- the live Sluice row: tools/lib/topology.py's `sluice` appliance with `tls=`, and its threads' CPU
  (/proc/<pid>/task/*/stat);
- the load: `sluice-bench-tls load` run inside `mta` (EHLO, STARTTLS, handshake, EHLO, one small message,
  QUIT; many sessions in flight).
May call: tools/lib/topology.py and tools/lib/testpki.py (not edited here), openssl, postfix/postconf/
postqueue, nginx, the built sluice-bench-tls and sluice, ip netns, /proc and /sys/fs/cgroup/cpuacct. Kills only
what it started (by pid; Topology's teardown removes the rest with the namespaces).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

LIB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(LIB))
sys.path.insert(0, LIB)
import telemetry  # noqa: E402
import topology  # noqa: E402
from topology import BACKEND4, CLIENT4, CLIENT4_B, CLIENT4_C, VIP_A, Postfix, Topology, TlsOptions, run  # noqa: E402

USER_HZ = os.sysconf("SC_CLK_TCK")
CPUACCT = "/sys/fs/cgroup/cpuacct"
POSTFIX_RELAY_IP, NGINX_IP = "198.51.100.20", "198.51.100.21"   # the peers' own addresses in `fw`
NGINX_BACKEND_PORT = 2526        # backend Postfix without mandatory TLS: nginx's mail proxy speaks plain upstream
NGINX_AUTH_PORT = 8025           # auth_http, served by the same nginx on 127.0.0.1 in `fw`
NGINX_MAIL_MODULE = "/usr/lib/nginx/modules/ngx_mail_module.so"
LOAD_DOMAIN = "load.test"        # the backend discards it (transport_maps): the disk does not fill
LOAD_RCPT = f"sink@{LOAD_DOMAIN}"
# The load generator's signature algorithms pick the server certificate (RSA and ECDSA side by side).
SIGALGS = {"rsa": "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pkcs1_sha256",
           "ecdsa": "ecdsa_secp256r1_sha256"}
KEYS = ("rsa", "ecdsa")


@dataclass
class BenchConfig:
    """Every knob and limit of one run, with defaults for this 2-core machine."""
    speed_seconds: int = 2            # openssl speed -seconds
    handshake_seconds: float = 5.0    # in-process handshakes, per key
    inflight: int = 64                # in-process handshakes in flight
    bulk_mb: int = 512                # in-process bulk, per variant (scan off / on)
    sessions: int = 2000              # live sessions per peer and key
    concurrency: int = 32             # live sessions in flight
    message_bytes: int = 1024         # the small message of each session
    peers: tuple = ("postfix", "nginx")
    sluice: bool = True               # the live Sluice row (needs the daemon's TLS: /tmp/h5/TLS_READY)
    tls_workers: int = 0              # config system tls / set workers
    load_timeout_s: float = 600.0     # one load run
    drain_timeout_s: float = 300.0    # Postfix: the relay's queue empty after a run
    start_timeout_s: float = 20.0     # a peer accepting on its address
    idle_sample_s: float = 2.0        # Sluice's CPU rate with no load (pure poll burns a core)
    quick: bool = False


class Recorder:
    """The exact command lines, in order and without repeats, for the report."""

    def __init__(self):
        self.commands = []

    def note(self, argv):
        line = " ".join(str(a) for a in argv)
        if line not in self.commands:
            self.commands.append(line)


def bench_binary():
    build = os.environ.get("SLUICE_BUILD", os.path.join(ROOT, "build"))
    return os.path.join(build, "tools", "bench", "sluice-bench-tls")


# ---------------------------------------------------------------------------------------------- limits

def openssl_speed(rec, seconds):
    """Operations per second from `openssl speed` on this machine now: rsa2048 sign/verify, ecdsap256
    sign/verify, X25519 derive, AES-256-GCM and AES-128-GCM on 16 KiB blocks (bytes/s)."""
    argv = ["openssl", "speed", "-seconds", str(seconds), "rsa2048", "ecdsap256", "ecdhx25519"]
    rec.note(argv)
    out = run(argv, timeout=60 + 10 * seconds).stdout
    rates = {}
    m = re.search(r"^rsa\s+2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out, re.M)
    rates["rsa2048_sign"], rates["rsa2048_verify"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"^\s*256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out, re.M)
    rates["ecdsap256_sign"], rates["ecdsap256_verify"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"^\s*253 bits ecdh \(X25519\)\s+\S+s\s+([\d.]+)", out, re.M)
    rates["x25519"] = float(m.group(1))
    for cipher in ("aes-256-gcm", "aes-128-gcm"):
        argv = ["openssl", "speed", "-seconds", str(seconds), "-bytes", "16384", "-evp", cipher]
        rec.note(argv)
        out = run(argv, timeout=60 + 10 * seconds).stdout
        m = re.search(rf"^{cipher.upper()}\s+([\d.]+)k\s*$", out, re.M)
        rates[cipher.replace("-", "_")] = float(m.group(1)) * 1000.0
    return rates


def limits(r, backend_key="rsa", ca_key="rsa"):
    """The crypto limits (per second of one core):
    - one server handshake: one signature plus an X25519 key generation and derivation (2 X25519 ops):
      1 / (1/sign + 2/x25519);
    - one full session, both legs: that, plus the backend leg as a TLS client: the backend's chain (one
      verify with the CA's key) and its CertificateVerify (one verify with the backend's key), and its own
      key exchange (2 X25519): 1 / (1/sign + 2/x25519 + 1/verify_ca + 1/verify_backend + 2/x25519). The live
      topology's backend certificate and CA are RSA-2048 (tools/lib/testpki.py); backend-verify is on;
    - bulk decrypt -> encrypt: every relayed byte is AES-GCM'd twice (opened on the client leg, sealed on the
      backend leg), so the limit for relayed bytes is half the one-pass rate: aes_gcm / 2. The cipher is the
      one the legs negotiate (TLS_AES_256_GCM_SHA384: OpenSSL's clients put it first)."""
    verify = {"rsa": r["rsa2048_verify"], "ecdsa": r["ecdsap256_verify"]}
    sign = {"rsa": r["rsa2048_sign"], "ecdsa": r["ecdsap256_sign"]}
    kx = 2.0 / r["x25519"]
    out = {"formulas": {
        "handshake": "1 / (1/sign + 2/x25519)",
        "session": f"1 / (1/sign + 2/x25519 + 1/verify_{ca_key}(CA) + 1/verify_{backend_key}(backend) + 2/x25519)",
        "bulk": "aes_256_gcm / 2 (decrypt + encrypt: two passes per relayed byte)",
        "one_leg_session": "1 / (1/sign + 2/x25519) (nginx: no TLS to the backend)"}}
    for k in KEYS:
        out[f"handshake_{k}"] = 1.0 / (1.0 / sign[k] + kx)
        out[f"session_{k}"] = 1.0 / (1.0 / sign[k] + kx + 1.0 / verify[ca_key] + 1.0 / verify[backend_key] + kx)
    out["bulk_bytes"] = r["aes_256_gcm"] / 2.0
    out["aes_256_gcm_one_pass"] = r["aes_256_gcm"]
    return out


# ------------------------------------------------------------------------------------------ in-process

def run_bench(rec, argv, timeout):
    argv = [str(a) for a in argv]
    rec.note(argv)
    p = run(argv, timeout=timeout)
    return json.loads(p.stdout.strip().splitlines()[-1])


def in_process(cfg, rec, corpus, log):
    exe = bench_binary()
    out = {"handshakes": {}, "bulk": {}}
    for k in KEYS:
        out["handshakes"][k] = run_bench(rec, [exe, "handshakes", "--key", k, "--seconds", cfg.handshake_seconds,
                                               "--inflight", cfg.inflight], 120 + cfg.handshake_seconds)
        h = out["handshakes"][k]
        log(f"tls_bench: in-process {k} handshakes: {h['per_cpu_s']:.0f}/s of server CPU ({h['version']})")
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
    conf = os.path.join(ROOT, "control", "default.conf")
    for scan in ("off", "on"):
        out["bulk"][scan] = run_bench(rec, [exe, "bulk", "--config", conf, "--scan", scan, "--mb", cfg.bulk_mb,
                                            *files], 600)
        b = out["bulk"][scan]
        log(f"tls_bench: in-process bulk, scan {scan}: {b['bytes_per_cpu_s'] / 1e9:.3f} GB/s per core")
    out["corpus"] = {"files": len(files), "bytes": sum(os.path.getsize(f) for f in files)}
    return out


# ------------------------------------------------------------------------------------------------ CPU

class CpuGroup:
    """A cgroup v1 cpuacct group: every process moved into it, and all they fork, is counted together
    (Postfix's short-lived smtpd/smtp/cleanup processes included)."""

    def __init__(self, name):
        self.path = os.path.join(CPUACCT, f"sluice-tls-bench-{os.getpid()}-{name}")
        os.makedirs(self.path, exist_ok=True)

    def add(self, pid):
        try:
            with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
                f.write(str(pid))
        except (ProcessLookupError, OSError):
            pass

    def add_tree(self, root_pid):
        """root_pid and every descendant alive now."""
        children = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        todo = [root_pid]
        while todo:
            pid = todo.pop()
            self.add(pid)
            todo += children.get(pid, [])

    def cpu_s(self):
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)   # processes still exiting


def thread_cpu(pid):
    """{tid: (comm, seconds)} for every thread of pid (/proc/<pid>/task/*/stat utime + stime)."""
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/stat") as f:
                text = f.read()
            comm = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            out[int(tid)] = (comm, (int(fields[11]) + int(fields[12])) / USER_HZ)
        except (OSError, ValueError):
            pass
    return out


def thread_delta(a, b):
    return {tid: {"comm": b[tid][0], "cpu_s": b[tid][1] - a.get(tid, (None, 0.0))[1]} for tid in b}


# ------------------------------------------------------------------------------------------- the load

def load_argv(t, cfg, target, key, sessions):
    exe = bench_binary()
    return ["ip", "netns", "exec", t.mta, exe, "load", "--connect", f"{target}:25",
            "--bind", ",".join((CLIENT4, CLIENT4_B, CLIENT4_C)), "--sessions", str(sessions),
            "--concurrency", str(cfg.concurrency), "--message-bytes", str(cfg.message_bytes),
            "--rcpt", LOAD_RCPT, "--sigalgs", SIGALGS[key]]


def run_load(rec, argv, timeout):
    rec.note(argv)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} -> {p.returncode}: {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def tune_namespaces(t):
    # Thousands of short sessions from three client addresses: ports must not run out.
    for ns in (t.mta, t.fw) if t.appliance == "kernel" else (t.mta,):
        t.ns(ns, "sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1")
        t.ns(ns, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000")


def backend_extra():
    return {"transport_maps": f"inline:{{{LOAD_DOMAIN}=discard:}}", "smtpd_tls_loglevel": "0",
            "smtpd_tls_received_header": "no"}


# ---------------------------------------------------------------------------------------------- peers

def postfix_relay_settings(pki):
    """main.cf of Postfix as an inbound TLS relay: STARTTLS offered with the same RSA and ECDSA certificates
    as Sluice's profile, every message relayed to the backend over TLS verified against the test CA with
    the backend's name (as Sluice's backend-verify), no session caches (Sluice resumes nothing either)."""
    return {
        "relayhost": f"[{BACKEND4}]:25",
        "smtpd_tls_security_level": "may",
        "smtpd_tls_cert_file": pki["rsa"].cert, "smtpd_tls_key_file": pki["rsa"].key,
        "smtpd_tls_eccert_file": pki["ecdsa"].cert, "smtpd_tls_eckey_file": pki["ecdsa"].key,
        "smtpd_tls_loglevel": "0",
        "smtpd_tls_mandatory_protocols": ">=TLSv1.2", "smtpd_tls_protocols": ">=TLSv1.2",
        "smtp_tls_security_level": "secure",
        # inline: splits entries at white space: a value holding some goes in its own braces.
        "smtp_tls_policy_maps": f"inline:{{ {{[{BACKEND4}]:25 = secure match=mx.sluice.test}} }}",
        "smtp_tls_CAfile": pki.ca.cert,
        "smtp_tls_loglevel": "0",
        "smtp_tls_connection_reuse": "no",
        "smtp_tls_session_cache_database": "",
        "smtpd_tls_session_cache_database": "",
        "default_destination_concurrency_limit": "64",
    }


def nginx_conf(d, pki, backend_port=NGINX_BACKEND_PORT):
    """nginx's mail proxy with `starttls on` and the same certificates; auth_http answered by an http
    `location` of the same nginx pointing every session at the backend (plain: the mail proxy has no TLS
    upstream). One worker process: one core, as Sluice's one TLS core and HAProxy's nbthread 1 in
    tools/bench/forward."""
    return f"""# tools/bench/tls: nginx mail proxy peer (generated)
load_module {NGINX_MAIL_MODULE};
worker_processes 1;
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
worker_rlimit_nofile 65536;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    client_body_temp_path {d}/nginx-tmp;
    proxy_temp_path {d}/nginx-tmp;
    fastcgi_temp_path {d}/nginx-tmp;
    uwsgi_temp_path {d}/nginx-tmp;
    scgi_temp_path {d}/nginx-tmp;
    server {{
        listen 127.0.0.1:{NGINX_AUTH_PORT};
        location = /auth {{
            add_header Auth-Status OK;
            add_header Auth-Server {BACKEND4};
            add_header Auth-Port {backend_port};
            return 204;
        }}
    }}
}}
mail {{
    auth_http 127.0.0.1:{NGINX_AUTH_PORT}/auth;
    server_name mail.sluice.test;
    ssl_certificate {pki["rsa"].cert};
    ssl_certificate_key {pki["rsa"].key};
    ssl_certificate {pki["ecdsa"].cert};
    ssl_certificate_key {pki["ecdsa"].key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    server {{
        listen {NGINX_IP}:25 backlog=4096;
        protocol smtp;
        smtp_auth none;
        starttls on;
        xclient off;
        proxy on;
        proxy_pass_error_message on;
    }}
}}
"""


class Peers:
    """Postfix relay and nginx in `fw` of a kernel-appliance topology with TLS."""

    def __init__(self, cfg, rec, log):
        self.cfg, self.rec, self.log = cfg, rec, log
        self.groups = {}

    def start(self, t):
        fo = f"fwo{t.tag}"
        for ip in (POSTFIX_RELAY_IP, NGINX_IP):
            t.ns(t.fw, "ip", "addr", "add", f"{ip}/32", "dev", fo)
        tune_namespaces(t)
        # The backend's plain listener for nginx (its port 25 requires STARTTLS, as in the live topology).
        with open(os.path.join(t.backend.conf, "master.cf"), "a") as f:
            f.write(f"{BACKEND4}:{NGINX_BACKEND_PORT} inet n - n - - smtpd\n"
                    f"  -o smtpd_tls_security_level=may\n  -o syslog_name=postfix/nginx-upstream\n")
        t.backend.postfix("reload")
        if "postfix" in self.cfg.peers:
            self.relay = Postfix(t.fw, t.dir, "relay", [POSTFIX_RELAY_IP], postfix_relay_settings(t.pki),
                                 master_extra=TlsOptions.TLSMGR)
            self.relay_main = open(os.path.join(self.relay.conf, "main.cf")).read()
            self.relay.start(self.cfg.start_timeout_s)
            self.groups["postfix"] = g = CpuGroup("postfix")
            g.add_tree(self.relay.master_pid())
            self.rec.note(["ip", "netns", "exec", t.fw, "postfix", "-c", self.relay.conf, "start"])
        if "nginx" in self.cfg.peers:
            os.makedirs(os.path.join(t.dir, "nginx-tmp"), exist_ok=True)
            path = os.path.join(t.dir, "nginx.conf")
            self.nginx_conf_text = nginx_conf(t.dir, t.pki)
            with open(path, "w") as f:
                f.write(self.nginx_conf_text)
            self.groups["nginx"] = g = CpuGroup("nginx")
            argv = ["nginx", "-c", path, "-e", os.path.join(t.dir, "nginx-error.log")]
            self.rec.note(["ip", "netns", "exec", t.fw, *argv])
            # Joins the group before exec, outside the namespace (`ip netns exec` mounts its own /sys): the
            # master and the worker it forks are counted from their start.
            self.nginx = subprocess.Popen(
                ["sh", "-c", f'echo $$ > {g.path}/cgroup.procs && exec "$@"', "sh", "ip", "netns", "exec", t.fw,
                 *argv], stdout=subprocess.DEVNULL, stderr=open(os.path.join(t.dir, "nginx.out"), "w"),
                start_new_session=True)
            t.procs.append(self.nginx)   # Topology's teardown stops it
            self._wait_accepting(t, NGINX_IP, os.path.join(t.dir, "nginx.out"))

    def _wait_accepting(self, t, ip, log_path):
        deadline = time.monotonic() + self.cfg.start_timeout_s
        while not t._tcp_ok(t.mta, ip):
            if time.monotonic() > deadline:
                with open(log_path, errors="replace") as f:
                    raise RuntimeError(f"nothing accepts on {ip}:25 after {self.cfg.start_timeout_s}s:\n{f.read()[-2000:]}")
            time.sleep(0.2)

    def relay_sent(self):
        return len(re.findall(r" status=sent ", self.relay.log()))

    def measure(self, t, peer, key, sessions):
        g = self.groups[peer]
        target = POSTFIX_RELAY_IP if peer == "postfix" else NGINX_IP
        if peer == "postfix":
            # The warm-up's messages leave the queue first: only this run's relaying is counted.
            deadline = time.monotonic() + self.cfg.drain_timeout_s
            while not self.relay.queue_empty() and time.monotonic() < deadline:
                time.sleep(0.2)
        sent0 = self.relay_sent() if peer == "postfix" else 0
        c0, w0 = g.cpu_s(), time.monotonic()
        load = run_load(self.rec, load_argv(t, self.cfg, target, key, sessions), self.cfg.load_timeout_s)
        w_load = time.monotonic() - w0
        out = {"load": load, "load_wall_s": w_load, "sessions_ok": load["ok"]}
        if peer == "postfix":
            # Store and forward: the backend leg happens after the client's session; wait until every accepted
            # message has left the queue and count the relay's CPU up to then.
            deadline = time.monotonic() + self.cfg.drain_timeout_s
            while self.relay_sent() - sent0 < load["ok"] and time.monotonic() < deadline:
                time.sleep(0.2)
            out["relayed"] = self.relay_sent() - sent0
            out["drain_wall_s"] = time.monotonic() - w0
        out["cpu_s"] = g.cpu_s() - c0
        out["per_cpu_s"] = load["ok"] / out["cpu_s"] if out["cpu_s"] > 0 else None
        out["per_wall_s"] = load["ok"] / out.get("drain_wall_s", w_load)
        return out

    def close(self):
        """Stops the relay (and takes it out of alternate_config_directories) while its namespace lives;
        the groups go once Topology's teardown has ended their processes."""
        if getattr(self, "relay", None):
            self.relay.close()
            self.relay = None

    def remove_groups(self):
        for g in self.groups.values():
            g.remove()


def measure_peers(t, peers, cfg, rec, log):
    res = {}
    peers.start(t)
    log(f"tls_bench: peers' topology {t.mta}/{t.fw}/{t.mx} up; {', '.join(cfg.peers)} in {t.fw}")
    for peer in cfg.peers:
        target = POSTFIX_RELAY_IP if peer == "postfix" else NGINX_IP
        for key in KEYS:
            # A short warm-up run first (process pools, caches), not counted.
            run_load(rec, load_argv(t, cfg, target, key, max(20, cfg.sessions // 20)), cfg.load_timeout_s)
            r = peers.measure(t, peer, key, cfg.sessions)
            res.setdefault(peer, {})[key] = r
            log(f"tls_bench: {peer} {key}: {r['sessions_ok']}/{cfg.sessions} sessions, "
                f"{r['per_wall_s']:.0f}/s wall, {r['per_cpu_s'] or 0:.0f}/s of its CPU ({r['cpu_s']:.2f} s); "
                f"failures {r['load']['failures']}")
    res["configs"] = {"postfix_main_cf": getattr(peers, "relay_main", ""),
                      "nginx_conf": getattr(peers, "nginx_conf_text", "")}
    return res


def run_peers(cfg, rec, log):
    peers = Peers(cfg, rec, log)
    try:
        with Topology(appliance="kernel", tls=TlsOptions(), backend_extra=backend_extra()) as t:
            try:
                return measure_peers(t, peers, cfg, rec, log)
            finally:
                peers.close()
    finally:
        peers.remove_groups()


# ---------------------------------------------------------------------------------------------- Sluice

def busy_seconds(t):
    """The dataplane worker's busy time so far (telemetry busy_cycles / tsc_hz), or None if unreadable."""
    try:
        stats = telemetry.query(t.file_prefix, "/sluice/stats")["/sluice/stats"]
        return stats["busy_cycles"] / stats["tsc_hz"]
    except Exception:
        return None


def run_sluice(cfg, rec, log):
    tls = TlsOptions(system={"workers": str(cfg.tls_workers)})
    res = {}
    with Topology(appliance="sluice", tls=tls, backend_extra=backend_extra()) as t:
        tune_namespaces(t)
        pid = t.sluice.pid
        log(f"tls_bench: sluice topology up (pid {pid}); config system tls workers {cfg.tls_workers}")
        rec.note([topology.sluice_binary(), "... --mode live (tools/lib/topology.py, tls=TlsOptions(system="
                  f"{{'workers': '{cfg.tls_workers}'}}))"])
        # Pure poll mode burns its cores whether or not there is work: sample the idle rate first.
        a = thread_cpu(pid)
        time.sleep(cfg.idle_sample_s)
        idle = thread_delta(a, thread_cpu(pid))
        res["idle_cpu_per_s"] = {str(tid): {"comm": v["comm"], "cpu_per_s": v["cpu_s"] / cfg.idle_sample_s}
                                 for tid, v in idle.items()}
        for key in KEYS:
            run_load(rec, load_argv(t, cfg, VIP_A, key, max(20, cfg.sessions // 20)), cfg.load_timeout_s)
            records0 = len(t.sluice_records())
            s0 = busy_seconds(t)
            a, w0 = thread_cpu(pid), time.monotonic()
            load = run_load(rec, load_argv(t, cfg, VIP_A, key, cfg.sessions), cfg.load_timeout_s)
            wall = time.monotonic() - w0
            d = thread_delta(a, thread_cpu(pid))
            busy_s = busy_seconds(t) - s0 if s0 is not None else None
            busy = {str(tid): v for tid, v in d.items() if v["cpu_s"] > 0.05 * wall}
            total = sum(v["cpu_s"] for v in d.values())
            # The TLS core: the busiest thread (workers 0: the dataplane worker; N: the TLS lcores together).
            tls_threads = [v for v in d.values() if re.search(r"tls", v["comm"], re.I)]
            thread_cpu_s = sum(v["cpu_s"] for v in tls_threads) if tls_threads else max(v["cpu_s"] for v in d.values())
            # workers 0: the TLS core is the dataplane worker, a poll-mode core that this 2-core rig cannot saturate;
            # its thread CPU includes empty polls. Its own busy_cycles counter (iterations that had work) is the
            # core's real work, so per-core rates divide by that; the thread CPU stays in the JSON.
            tls_cpu = busy_s if cfg.tls_workers == 0 and busy_s else thread_cpu_s
            records = t.sluice_records()[records0:]
            msgs = [r for r in records if r.get("event_type") == "smtp_message"]
            with_tls = [r for r in msgs if (r.get("tls") or {}).get("client") and (r.get("tls") or {}).get("backend")]
            r = {"load": load, "wall_s": wall, "sessions_ok": load["ok"], "threads": busy,
                 "process_cpu_s": total, "tls_core_cpu_s": tls_cpu, "tls_thread_cpu_s": thread_cpu_s,
                 "busy_s": busy_s, "per_tls_thread_cpu_s": load["ok"] / thread_cpu_s if thread_cpu_s else None,
                 "per_wall_s": load["ok"] / wall, "per_tls_core_cpu_s": load["ok"] / tls_cpu if tls_cpu else None,
                 "per_process_cpu_s": load["ok"] / total if total else None,
                 "records": len(msgs), "records_both_legs_tls": len(with_tls),
                 "record_tls_sample": with_tls[0].get("tls") if with_tls else None}
            res[key] = r
            log(f"tls_bench: sluice {key}: {load['ok']}/{cfg.sessions} sessions, {r['per_wall_s']:.0f}/s wall, "
                f"{r['per_tls_core_cpu_s'] or 0:.0f}/s of TLS-core CPU ({tls_cpu:.2f} s), records with both legs "
                f"TLS {len(with_tls)}; failures {load['failures']}")
        try:
            res["stats"] = t.flow_counts()
        except Exception as e:  # telemetry is a bonus in the report
            res["stats"] = {"error": str(e)}
    return res


# ------------------------------------------------------------------------------------------------ run

def make_corpus(d, rec):
    argv = [sys.executable, os.path.join(LIB, "bench_corpus.py"), d]
    rec.note(argv)
    run(argv, timeout=120)
    return d


class Bench:
    def __init__(self, cfg, rec=None):
        self.cfg, self.rec = cfg, rec or Recorder()

    def run(self, log=print, work_dir="/tmp"):
        cfg, rec = self.cfg, self.rec
        res = {"config": asdict(cfg), "errors": {}}
        res["loadavg_before"] = os.getloadavg()
        res["speed"] = openssl_speed(rec, cfg.speed_seconds)
        # The backend leg verifies the live backend's certificate and its chain (tools/lib/testpki.py: CA
        # RSA-2048). The backend Postfix holds `mx` (RSA) and `mxec` (ECDSA P-256); OpenSSL clients (Sluice's
        # backend leg, Postfix's smtp) list ECDSA signature algorithms first, so it signs with `mxec`
        # (`openssl s_client -starttls smtp` to it: "Peer signature type: ECDSA").
        import testpki
        res["backend_cert"] = {"backend_key": testpki.CERTS["mxec"][1], "ca_key": "rsa"}
        res["limits"] = limits(res["speed"], **res["backend_cert"])
        log("tls_bench: openssl speed: " + ", ".join(f"{k} {v:,.0f}" for k, v in res["speed"].items()))
        corpus = make_corpus(os.path.join(work_dir, "corpus"), rec)
        res["in_process"] = in_process(cfg, rec, corpus, log)
        if cfg.peers:
            try:
                res["peers"] = run_peers(cfg, rec, log)
            except Exception as e:
                res["errors"]["peers"] = f"{type(e).__name__}: {e}"
                log(f"tls_bench: peers failed: {e}")
        if cfg.sluice:
            try:
                res["sluice"] = run_sluice(cfg, rec, log)
            except Exception as e:
                res["errors"]["sluice"] = f"{type(e).__name__}: {e}"
                log(f"tls_bench: sluice failed: {e}")
        res["speed_after"] = openssl_speed(rec, cfg.speed_seconds)
        res["loadavg_after"] = os.getloadavg()
        res["commands"] = rec.commands
        return res
