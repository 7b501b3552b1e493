"""The measuring side of tools/bench/verdict: verdict latency at end of data while other sessions load Sluice.

Owns: one benchmark run on tools/lib/topology.py's `sluice` appliance with its real Postfix backend: the
background load (smtp-source in `mta`, clean 100 KB messages to a domain the backend discards), the measured
messages (one SMTP session each from this process, a socket made inside `mta`), the timing of the client's
side, and reading Sluice's JSON records of the measured and the load messages back. Figures only: the
verdicts are judged by tools/bench/verdict.
May call: tools/lib/topology.py (builds and destroys the namespaces, Postfix and Sluice), tools/lib/mailgen.py
(the deterministic message bodies), smtp-source, libc setns(2). Kills only the processes it started, by pid
(Topology's teardown removes the rest with the namespaces).

What is timed, for each measured message:
- verdict_latency_us, from Sluice's record (matched by the message's unique Subject): from the poll iteration
  in which Sluice began reading the oldest client byte still unread when the end of data was reached, to the
  verdict decision, TSC time, as Sluice logs it (dataplane/proxy_session.cc, scan/inspector/relay_inspector.cc).
- client_ms, in this process: from handing the final ".\r\n" to the socket until the whole reply has been read.
  The client sends as an MTA does: the body, then at once its last 4 KB and the final dot in one write. Its socket's send buffer is kept small
  (SO_SNDBUF `sndbuf`), so at the dot at most about twice that is still unacknowledged (logged per message as
  unacked_at_dot); the client figure includes pushing that through, and Sluice's includes working through what
  its receive buffer held. With `drain_before_dot` the client waits until every body byte is acknowledged
  (TIOCOUTQ 0) before the dot: the end of data then arrives alone, the best case. For an accepted message the
  client figure includes the backend's own work (held: the whole message goes to Postfix after the verdict;
  streamed: its held end), Postfix's queue-file write and its 250.
"""
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from dataclasses import asdict, dataclass

LIB = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, LIB)
import mailgen  # noqa: E402
from topology import CLIENT4, VIP_A, Topology  # noqa: E402

USER_HZ = os.sysconf("SC_CLK_TCK")
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)

# The EICAR test file (eicar.org), assembled at run time so that no file of the repository holds it whole.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
LOAD_DOMAIN = "load.test"               # the backend discards it (transport_maps), so the disk does not fill
LOAD_SUBJECT = "verdict-bench load"
MEASURED_SENDER, MEASURED_RCPT = "bench@client.test", "user@sluice.test"
TAIL_WITH_DOT = 4096                    # body bytes written together with the final dot


@dataclass
class BenchConfig:
    """Every knob and limit of one run, with the defaults of the issue's benchmark."""
    load_sessions: int = 8              # smtp-source -s: background sessions in parallel, for the whole run
    load_size: int = 100 * 1024         # smtp-source -l: payload bytes of each load message
    small_count: int = 50               # measured 10 KB messages
    large_count: int = 10               # measured 10 MB messages
    small_size: int = 10 * 1024
    large_size: int = 10 * 1024 * 1024
    eicar_every: int = 5                # message i carries EICAR when i % eicar_every == 1 (so 2 messages suffice)
    verdict_timeout_ms: int = 30000     # Sluice's `config scan budget` / `set verdict-timeout`: the bound
    warmup_load_messages: int = 0       # load records to see in Sluice's log before measuring (0: 2 x sessions)
    warmup_max_s: float = 30.0          # ... or at most this long
    reply_timeout_s: float = 180.0      # each wait for one SMTP reply of a measured session
    sndbuf: int = 64 * 1024             # SO_SNDBUF of a measured session (the kernel doubles it)
    drain_before_dot: bool = False      # wait until the body is acknowledged before the final dot
    drain_timeout_s: float = 120.0      # ... at most this long
    records_wait_s: float = 30.0        # wait for the measured messages' records after the last reply
    pause_s: float = 0.05               # between measured sessions (one at a time)

    def sluice_conf(self):
        return (f"config scan budget\n  set verdict-timeout {self.verdict_timeout_ms}\nend\n")

    def backend_extra(self):
        return {"transport_maps": f"inline:{{{LOAD_DOMAIN}=discard:}}"}


@dataclass
class Sample:
    """One measured message: what the client saw and what Sluice logged."""
    subject: str
    size_label: str                     # "10 KB" / "10 MB" (from the configured size)
    size: int                           # bytes of the message (before dot-stuffing)
    eicar: bool
    expected_code: int                  # 550 for EICAR, else 250
    code: int = 0                       # the reply to the final dot (0: none)
    reply: str = ""
    client_ms: float = None             # final ".\r\n" handed to the socket -> reply read
    drain_ms: float = None              # body written -> send queue empty (drain_before_dot only)
    unacked_at_dot: int = None          # bytes of the socket's send queue unacknowledged at the final dot
    session_s: float = None             # connect -> reply to the final dot
    error: str = ""
    record_id: str = ""
    verdict_latency_us: float = None
    record_client_reply: int = None
    record_action: str = ""


def size_label(n):
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} B"


def percentile(values, p):
    """Nearest-rank percentile (of 10 samples, p90 is the 9th and p99 the largest); None for no values."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(k)]


def summary(values):
    return {"n": len(values), "median": percentile(values, 50), "p90": percentile(values, 90),
            "p99": percentile(values, 99), "max": max(values) if values else None}


def message(subject, size, eicar):
    """A message of about `size` bytes (CRLF, not dot-stuffed) with Subject `subject`; EICAR, when asked, on a
    line of its own at the very end, so the verdict cannot come before the last byte has been scanned."""
    tail = b"Test file follows.\r\n" + EICAR + b"\r\n" if eicar else b""
    long_subject = f"Subject: sluice integration {subject}\r\n".encode()   # mailgen's; ours is shorter
    short_subject = f"Subject: {subject}\r\n".encode()
    sent = mailgen.make(subject, size - len(tail) + len(long_subject) - len(short_subject))
    return sent.data.replace(long_subject, short_subject, 1) + tail


def stuffed(data):
    """DATA content as sent on the wire (RFC 5321 4.5.2), ending in CRLF, without the final dot."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    out = data.replace(b"\r\n.", b"\r\n..")
    return b"." + out if out.startswith(b".") else out


def socket_in_netns(ns, family):
    """A TCP socket made inside network namespace `ns`; this thread returns to its own namespace at once (a
    socket keeps the namespace it was made in)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        try:
            return socket.socket(family, socket.SOCK_STREAM)
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the benchmark's own namespace")
    finally:
        os.close(target)
        os.close(own)


class Session:
    """One SMTP client session, replies read whole (multi-line)."""

    def __init__(self, ns, server, source, timeout, sndbuf=0):
        self.sock = socket_in_netns(ns, socket.AF_INET6 if ":" in server else socket.AF_INET)
        self.sock.settimeout(timeout)
        if sndbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((server, 25))
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def reply(self):
        """(code, text); raises ConnectionError when the server closes first."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionAbortedError("closed by the server")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                return (int(line[:3]) if line[:3].isdigit() else 0), " / ".join(lines)

    def expect(self, command, code):
        self.sock.sendall(command)
        got, text = self.reply()
        if got != code:
            raise RuntimeError(f"{command.strip().decode()}: {text}")

    def unsent(self):
        """Bytes in the socket's send queue not yet acknowledged by the peer (TIOCOUTQ == SIOCOUTQ)."""
        return struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]


def send_measured(t, s, data, cfg):
    """Sends one measured message in its own session and fills in the client's side of Sample `s`."""
    wire = stuffed(data)
    t_start = time.monotonic()
    sess = None
    try:
        sess = Session(t.mta, VIP_A, CLIENT4, cfg.reply_timeout_s, cfg.sndbuf)
        code, text = sess.reply()
        if code != 220:
            raise RuntimeError(f"banner: {text}")
        sess.expect(b"EHLO bench.client.test\r\n", 250)
        sess.expect(f"MAIL FROM:<{MEASURED_SENDER}>\r\n".encode(), 250)
        sess.expect(f"RCPT TO:<{MEASURED_RCPT}>\r\n".encode(), 250)
        sess.expect(b"DATA\r\n", 354)
        # An MTA writes the dot with the end of the body; the best case sends it alone after the drain.
        tail = b"" if cfg.drain_before_dot else wire[-TAIL_WITH_DOT:]
        sess.sock.sendall(wire[:len(wire) - len(tail)])
        if cfg.drain_before_dot:
            t_body = time.monotonic()
            while sess.unsent() > 0:
                if time.monotonic() - t_body > cfg.drain_timeout_s:
                    raise RuntimeError(f"{sess.unsent()} body bytes unacknowledged after {cfg.drain_timeout_s} s")
                time.sleep(0.0005)
            s.drain_ms = (time.monotonic() - t_body) * 1e3
        t0 = time.monotonic()
        sess.sock.sendall(tail + b".\r\n")
        s.unacked_at_dot = sess.unsent()
        s.code, s.reply = sess.reply()
        t1 = time.monotonic()
        s.client_ms = (t1 - t0) * 1e3
        s.session_s = t1 - t_start
        try:
            sess.sock.settimeout(5)
            sess.sock.sendall(b"QUIT\r\n")
            sess.reply()
        except (OSError, ConnectionError):
            pass     # after a reject of streamed content the session may already be closed: not measured
    except (OSError, RuntimeError, ConnectionError) as e:
        s.error = f"{type(e).__name__}: {e}"
    finally:
        if sess:
            sess.close()


def relay_field(rec, name):
    relay = rec.get("relay") or {}
    return relay.get(name, rec.get(name))


def proc_cpu_s(pid):
    """utime + stime of a process, seconds (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / USER_HZ
    except (OSError, IndexError, ValueError):
        return None


class Bench:
    """Bench(cfg).run(log) -> dict of everything measured (see tools/bench/verdict for the judging)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.commands = []
        self.load_proc = None
        self.load_restarts = 0
        self.tag = f"vb{os.getpid()}"

    # ---- the background load
    def _load_argv(self):
        c = self.cfg
        # -m: more messages than the run can send; smtp-source is stopped when the measurement ends.
        return ["smtp-source", "-s", str(c.load_sessions), "-m", "100000000", "-l", str(c.load_size),
                "-f", f"load@client.test", "-t", f"sink@{LOAD_DOMAIN}", "-S", LOAD_SUBJECT, f"{VIP_A}:25"]

    def _start_load(self, t):
        argv = self._load_argv()
        if not self.commands or self.commands[-1] != f"ip netns exec {t.mta} " + " ".join(argv):
            self.commands.append(f"ip netns exec {t.mta} " + " ".join(argv))
        self._load_log = open(os.path.join(t.dir, "load.log"), "a")
        self.load_proc = t.popen(t.mta, argv, stdout=self._load_log, stderr=subprocess.STDOUT)

    def _check_load(self, t, log):
        """smtp-source gives up on some errors: the load must go on for the whole measurement."""
        if self.load_proc and self.load_proc.poll() is not None:
            self.load_restarts += 1
            log(f"verdict: smtp-source exited ({self.load_proc.returncode}); restarted "
                f"({self.load_restarts}): {self._load_tail(t)}")
            self._start_load(t)

    def _load_tail(self, t):
        try:
            with open(os.path.join(t.dir, "load.log"), errors="replace") as f:
                return f.read()[-300:].strip().replace("\n", " | ")
        except OSError:
            return ""

    def _stop_load(self):
        if self.load_proc and self.load_proc.poll() is None:
            os.killpg(self.load_proc.pid, signal.SIGTERM)
            try:
                self.load_proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.load_proc.pid, signal.SIGKILL)
                self.load_proc.wait()

    @staticmethod
    def _load_records(records):
        return [r for r in records if (r.get("email") or {}).get("subject") == LOAD_SUBJECT]

    # ---- the run
    def plan(self):
        c = self.cfg
        out = []
        for size, count in ((c.small_size, c.small_count), (c.large_size, c.large_count)):
            label = size_label(size)
            for i in range(count):
                eicar = c.eicar_every > 0 and i % c.eicar_every == min(1, c.eicar_every - 1)
                subject = f"{self.tag}-{label.replace(' ', '')}-{i:03d}{'-eicar' if eicar else ''}"
                out.append(Sample(subject, label, size, eicar, 550 if eicar else 250))
        return out

    def run(self, log):
        c = self.cfg
        samples = self.plan()
        t_gen = time.monotonic()
        bodies = {s.subject: message(s.subject, s.size, s.eicar) for s in samples}
        for s in samples:
            s.size = len(bodies[s.subject])
        log(f"verdict: {len(samples)} measured messages built in {time.monotonic() - t_gen:.1f} s")
        with Topology(appliance="sluice", sluice_conf_extra=c.sluice_conf(), backend_extra=c.backend_extra()) as t:
            log(f"verdict: topology up in {t.setup_s:.1f} s ({t.dir})")
            self._start_load(t)
            warm_n = c.warmup_load_messages or 2 * c.load_sessions
            t_w = time.monotonic()
            while time.monotonic() - t_w < c.warmup_max_s:
                self._check_load(t, log)
                if len(self._load_records(t.sluice_records())) >= warm_n:
                    break
                time.sleep(0.5)
            before = self._load_records(t.sluice_records())
            log(f"verdict: load running ({len(before)} load messages logged after {time.monotonic() - t_w:.1f} s); "
                f"measuring")
            cpu0, wall0 = proc_cpu_s(t.sluice.pid), time.monotonic()
            load0 = os.getloadavg()
            for n, s in enumerate(samples):
                self._check_load(t, log)
                send_measured(t, s, bodies[s.subject], c)
                if s.error or s.code != s.expected_code:
                    log(f"verdict: {s.subject}: {s.error or s.reply}")
                if (n + 1) % 10 == 0 or n + 1 == len(samples):
                    log(f"verdict: {n + 1}/{len(samples)} sent")
                time.sleep(c.pause_s)
            wall = time.monotonic() - wall0
            cpu1 = proc_cpu_s(t.sluice.pid)
            load_alive = self.load_proc.poll() is None
            records = t.sluice_records()
            after = self._load_records(records)
            self._stop_load()
            load1 = os.getloadavg()

            wanted = {s.subject: s for s in samples}
            deadline = time.monotonic() + c.records_wait_s
            while True:
                found = {(r.get("email") or {}).get("subject"): r for r in records
                         if (r.get("email") or {}).get("subject") in wanted}
                if len(found) == len(wanted) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
                records = t.sluice_records()
            for subject, rec in found.items():
                s = wanted[subject]
                s.record_id = rec.get("id", "")
                s.verdict_latency_us = relay_field(rec, "verdict_latency_us")
                s.record_client_reply = relay_field(rec, "client_reply")
                s.record_action = (rec.get("verdict") or {}).get("action", "")
            new_load = after[len(before):]
            load_lat = [relay_field(r, "verdict_latency_us") for r in new_load]
            load_lat = [x for x in load_lat if x is not None]
            load_codes = {}
            for r in new_load:
                code = relay_field(r, "client_reply")
                load_codes[str(code)] = load_codes.get(str(code), 0) + 1
            sluice_cpu = (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None
            return {
                "config": asdict(c),
                "sluice_conf_extra": c.sluice_conf(),
                "backend_extra": c.backend_extra(),
                "commands": self.commands,
                "measure_s": wall,
                "samples": [asdict(s) for s in samples],
                "load": {
                    "messages_during_measurement": len(new_load),
                    "messages_per_s": len(new_load) / wall if wall > 0 else None,
                    "payload_mb_per_s": len(new_load) * c.load_size / wall / 1e6 if wall > 0 else None,
                    "client_replies": load_codes,
                    "verdict_latency_us": summary(load_lat),
                    "alive_at_end": load_alive,
                    "restarts": self.load_restarts,
                },
                "sluice_cpu_s": sluice_cpu,
                "sluice_cpu_share": sluice_cpu / wall if sluice_cpu is not None and wall > 0 else None,
                "loadavg_before": load0, "loadavg_after": load1,
                "records_total": len(records),
            }
