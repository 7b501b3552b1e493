"""The live test topology: namespaces `mta` (clients) and `mx` (backend) joined through an appliance.

Owns: creating and destroying one run's namespaces, links, addresses, routes, the appliance between them
(`sluice` on two net_tap ports, or the `kernel` stand-in: a router namespace doing nftables DNAT), the
optional link impairment (tools/lib/impair.py), and the Postfix instances on both sides.
May call: ip, sysctl, ethtool, nft, conntrack, postfix/postconf, the built `sluice`, tools/lib/telemetry.py,
tools/lib/impair.py. Kills only processes it started (by pid) or that live in its own namespaces.

Addresses are fixed (issue 3, ../shared/FIELD-NOTES.md): clients 198.51.100.2-4 and 2001:db8:100::2 in
`mta`; VIPs 198.51.100.10/.11:25 and [2001:db8:100::10]:25 -> 10.0.0.25:25 / [fd00:25::25]:25 in `mx`;
198.51.100.10:2525 -> 10.0.0.25:25 is a pass-through (DNAT only) port. Names carry a per-run tag so two
runs never collide: namespaces `sit<tag>-mta`, interfaces `slo<tag>` (mta side) and `sli<tag>` (mx side).
"""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

LIB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(LIB))
sys.path.insert(0, LIB)
import telemetry  # noqa: E402

# The appliance under test; SLUICE_APPLIANCE=kernel runs the same tests through the nftables stand-in.
DEFAULT_APPLIANCE = "sluice"

CLIENT4, CLIENT4_B, CLIENT4_C = "198.51.100.2", "198.51.100.3", "198.51.100.4"
CLIENT6 = "2001:db8:100::2"
OUTSIDE4, OUTSIDE6 = "198.51.100.1", "2001:db8:100::1"
INSIDE4, INSIDE6 = "10.0.0.1", "fd00:25::1"
BACKEND4, BACKEND6 = "10.0.0.25", "fd00:25::25"
VIP_A, VIP_B, VIP6 = "198.51.100.10", "198.51.100.11", "2001:db8:100::10"
PASSTHROUGH_PORT = 2525
MAIL_DOMAIN = "sluice.test"

SLUICE_CONF = f"""config system interface
  edit "outside"
    set port 0
    set ip {OUTSIDE4}/24
    set ip6 {OUTSIDE6}/64
  next
  edit "inside"
    set port 1
    set ip {INSIDE4}/24
    set ip6 {INSIDE6}/64
  next
end
config firewall vip
  edit "mail-a"
    set extip {VIP_A}
    set mappedip {BACKEND4}
    set ports 25 {PASSTHROUGH_PORT}
    set mappedport 25
  next
  edit "mail-b"
    set extip {VIP_B}
    set mappedip {BACKEND4}
    set ports 25
  next
  edit "mail-v6"
    set extip {VIP6}
    set mappedip {BACKEND6}
    set ports 25
  next
end
config smtp protocol-options
  set ports 25
  set oversize-limit 64
end
config system tcp
  set time-wait 1
end
"""


@dataclass
class Limits:
    """Every wait of the harness, named, with a default that fits a loaded 2-core machine."""
    appliance_start_s: float = 60.0     # sluice: EAL start until both taps exist
    reachable_s: float = 20.0           # VIP answers ping from mta
    postfix_start_s: float = 20.0       # smtpd accepts on its address
    sluice_stop_s: float = 10.0         # SIGTERM to SIGKILL
    command_s: float = 30.0             # one ip/nft/postfix command


@dataclass
class Impairment:
    """netem's parameters (the same meaning), applied to both directions of the mta and the mx link."""
    loss_pct: float = 5.0
    delay_ms: float = 20.0
    reorder_pct: float = 25.0
    reorder_corr_pct: float = 50.0
    duplicate_pct: float = 1.0
    seed: int = 1

    def args(self):
        return ["--loss", str(self.loss_pct), "--delay-ms", str(self.delay_ms),
                "--reorder", str(self.reorder_pct), str(self.reorder_corr_pct),
                "--duplicate", str(self.duplicate_pct), "--seed", str(self.seed)]


# ---- TLS (issue 5): the optional `tls=` of Topology. Off by default; nothing above changes when it is off.
TLS_VIP = "mail-a-tls"                    # VIP A's implicit-TLS and submission ports (same port at the backend)
SMTPS_PORT, SUBMISSION_PORT = 465, 587
TLS_PORTS = (SMTPS_PORT, SUBMISSION_PORT)
TLS_VIPS = ("mail-a", TLS_VIP, "mail-b", "mail-v6")


def q(*words):
    """Config values quoted for a `set` line: q("a.pem", "b.pem") -> '"a.pem" "b.pem"'."""
    return " ".join(f'"{w}"' for w in words)


@dataclass
class TlsOptions:
    """What `Topology(tls=TlsOptions(...))` adds (tests/integration/README.md, "TLS tests"):
    - the backend Postfix gets TLS (testpki's mx.sluice.test), requires STARTTLS on 25 and 587
      (`backend_level`), and serves implicit TLS on 465 (smtpd_tls_wrappermode);
    - Sluice gets `config ssl profile` blocks (`profiles`: name -> {key: raw value} over default_profile()),
      VIPs naming them (`vip_profiles`: VIP entry -> profile name, "" = none; default: every VIP the first
      profile), VIP A's ports 465 and 587 (entry mail-a-tls) and smtp ports 25 465 587; the kernel stand-in
      DNATs 465 and 587 too;
    - the sending Postfix trusts the test CA with smtp_tls_security_level = `sender_level`.
    `pki`: a testpki.Pki (made in the run's directory when None)."""
    pki: object = None
    profiles: dict = None
    vip_profiles: dict = None
    sender_level: str = "may"
    backend_level: str = "encrypt"
    system: dict = None               # config system tls: {key: raw value}
    smtp_ports: str = "25 465 587"    # config smtp protocol-options ports

    def default_profile(self):
        pki = self.pki
        return {
            "mode": "protecting-server",
            "server-cert": q(pki["rsa"].bundle, pki["ecdsa"].bundle, pki["other"].bundle),
            "smtps-ports": str(SMTPS_PORT),
            "require-tls-ports": str(SUBMISSION_PORT),
            "backend-tls": "starttls",
            "backend-smtps-tls": "implicit",
            "backend-verify": "enable",
            "backend-ca-file": q(pki.ca.cert),
            "backend-server-name": q("mx.sluice.test"),
            "min-version": "tls1.2",
        }

    def profile_names(self):
        return list(self.profiles or {"protect": {}})

    def sluice_conf(self, base):
        """`base` (SLUICE_CONF) with ssl-profile on the VIPs, the TLS VIP, the smtp ports and the profiles."""
        names = self.profile_names()
        vip_profiles = self.vip_profiles if self.vip_profiles is not None else {v: names[0] for v in TLS_VIPS}
        out = base
        for vip in ("mail-a", "mail-b", "mail-v6"):
            if vip_profiles.get(vip):
                out = out.replace(f'  edit "{vip}"\n', f'  edit "{vip}"\n    set ssl-profile {q(vip_profiles[vip])}\n', 1)
        prof = f"    set ssl-profile {q(vip_profiles[TLS_VIP])}\n" if vip_profiles.get(TLS_VIP) else ""
        out += (f'config firewall vip\n  edit "{TLS_VIP}"\n    set extip {VIP_A}\n    set mappedip {BACKEND4}\n'
                f'    set ports {" ".join(map(str, TLS_PORTS))}\n{prof}  next\nend\n')
        out += f"config smtp protocol-options\n  set ports {self.smtp_ports}\nend\n"
        out += "config ssl profile\n"
        for name in names:
            settings = {**self.default_profile(), **((self.profiles or {}).get(name) or {})}
            out += f"  edit {q(name)}\n" + "".join(f"    set {k} {v}\n" for k, v in settings.items()
                                                   if v is not None) + "  next\n"
        out += "end\n"
        if self.system:
            out += "config system tls\n" + "".join(f"  set {k} {v}\n" for k, v in self.system.items()) + "end\n"
        return out

    def backend_settings(self):
        mx, mxec = self.pki["mx"], self.pki["mxec"]
        return {
            "smtpd_tls_cert_file": mx.cert,
            "smtpd_tls_key_file": mx.key,
            "smtpd_tls_eccert_file": mxec.cert,
            "smtpd_tls_eckey_file": mxec.key,
            "smtpd_tls_security_level": self.backend_level,
            "smtpd_tls_loglevel": "1",
            "smtpd_tls_received_header": "yes",       # the stored message says which TLS the backend leg had
            "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
        }

    # Postfix's TLS entropy and session-cache manager: without it smtpd/smtp disable TLS ("no entropy").
    TLSMGR = "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n"

    @staticmethod
    def backend_master():
        # Numeric service names: no dependence on /etc/services. Submission keeps main.cf's level (encrypt);
        # 465 is TLS from the first byte (RFC 8314).
        return TlsOptions.TLSMGR + (f"{SUBMISSION_PORT}       inet  n       -       n       -       -       smtpd\n"
                f"  -o syslog_name=postfix/submission\n"
                f"{SMTPS_PORT}       inet  n       -       n       -       -       smtpd\n"
                f"  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\n"
                f"  -o smtpd_tls_security_level=encrypt\n")

    def sender_settings(self):
        return {
            "smtp_tls_security_level": self.sender_level,
            "smtp_tls_CAfile": self.pki.ca.cert,
            "smtp_tls_loglevel": "1",
        }


def run(argv, check=True, timeout=30.0, **kw):
    """Runs a command, returns its CompletedProcess (text); raises with its stderr on failure."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} -> {p.returncode}: {p.stderr.strip()}")
    return p


def can_run():
    """(True, '') when this process may build a topology; else (False, why): tests exit 77 on False."""
    if os.geteuid() != 0:
        return False, "not root"
    name = f"sitprobe{os.getpid()}"
    p = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if p.returncode != 0:
        return False, f"no network namespaces: {p.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    for tool in ("nft", "postfix", "swaks", "smtp-source", "ethtool"):
        if not shutil.which(tool):
            return False, f"{tool} missing (tools/install-deps installs it)"
    return True, ""


def sluicectl_binary():
    build = os.environ.get("SLUICE_BUILD", os.path.join(ROOT, "build"))
    return os.path.join(build, "control", "cli", "sluicectl")


def sluice_binary():
    build = os.environ.get("SLUICE_BUILD", os.path.join(ROOT, "build"))
    return os.path.join(build, "control", "plane", "sluice")


class Postfix:
    """One Postfix instance with its own config, queue, data, mail and log directories under `base`,
    started inside a namespace. Listed in the default instance's alternate_config_directories while it lives
    (ARCHITECTURE.md, "Testing topology")."""

    MASTER_CF = "".join(f"{line}\n" for line in [
        # service type private unpriv chroot wakeup maxproc command: no chroot, the queue is a temp dir
        "smtp      inet  n       -       n       -       -       smtpd",
        "pickup    unix  n       -       n       60      1       pickup",
        "cleanup   unix  n       -       n       -       0       cleanup",
        "qmgr      unix  n       -       n       300     1       qmgr",
        "rewrite   unix  -       -       n       -       -       trivial-rewrite",
        "bounce    unix  -       -       n       -       0       bounce",
        "defer     unix  -       -       n       -       0       bounce",
        "trace     unix  -       -       n       -       0       bounce",
        "verify    unix  -       -       n       -       1       verify",
        "flush     unix  n       -       n       1000?   0       flush",
        "proxymap  unix  -       -       n       -       -       proxymap",
        "smtp      unix  -       -       n       -       -       smtp",
        "relay     unix  -       -       n       -       -       smtp",
        "showq     unix  n       -       n       -       -       showq",
        "error     unix  -       -       n       -       -       error",
        "retry     unix  -       -       n       -       -       error",
        "discard   unix  -       -       n       -       -       discard",
        "virtual   unix  -       n       n       -       -       virtual",
        "anvil     unix  -       -       n       -       1       anvil",
        "scache    unix  -       -       n       -       1       scache",
        "postlog   unix-dgram n  -       n       -       1       postlogd",
    ])

    def __init__(self, ns, base, name, listen, extra=None, master_extra=""):
        """extra: main.cf settings over the defaults; master_extra: master.cf lines appended (services)."""
        self.ns, self.name, self.listen = ns, name, list(listen)
        self.base = os.path.join(base, name)
        self.conf = os.path.join(self.base, "conf")
        self.mail = os.path.join(self.base, "mail")
        self.maildir = os.path.join(self.mail, "inbox")
        self.logfile = os.path.join(self.base, "log", "postfix.log")
        for d in ("conf", "queue", "data", "mail", "log"):
            os.makedirs(os.path.join(self.base, d), exist_ok=True)
        os.chmod(self.base, 0o755)
        os.chmod(os.path.dirname(self.base), 0o755)
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": os.path.join(self.base, "queue"),
            "data_directory": os.path.join(self.base, "data"),
            "maillog_file": self.logfile,
            "maillog_file_prefixes": os.path.join(self.base, "log"),
            "myhostname": f"{name}.{MAIL_DOMAIN}",
            "mydomain": MAIL_DOMAIN,
            "myorigin": "$myhostname",
            "mydestination": "",
            "inet_interfaces": ", ".join(self.listen),
            "inet_protocols": "all",
            "mynetworks": "127.0.0.0/8 [::1]/128 198.51.100.0/24 [2001:db8:100::]/64 10.0.0.0/24 [fd00:25::]/64",
            "alias_maps": "", "alias_database": "", "local_recipient_maps": "",
            "smtpd_peername_lookup": "no",          # no resolver inside the namespaces
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "message_size_limit": str(64 * 1024 * 1024),
            "virtual_mailbox_limit": "0",
            "mailbox_size_limit": "0",
            "in_flow_delay": "0",
            "smtpd_error_sleep_time": "0",
            "smtpd_client_connection_count_limit": "0",
            "smtpd_client_connection_rate_limit": "0",
            "default_process_limit": "200",
            "minimal_backoff_time": "5s", "maximal_backoff_time": "10s", "queue_run_delay": "5s",
            "biff": "no", "append_dot_mydomain": "no", "smtputf8_enable": "no",
        }
        settings.update(extra or {})
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            for k, v in settings.items():
                f.write(f"{k} = {v}\n")
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(self.MASTER_CF + master_extra)
        uid = int(run(["id", "-u", "postfix"]).stdout)
        gid = int(run(["id", "-g", "postfix"]).stdout)
        self.uid, self.gid = uid, gid
        for d in ("data", "mail"):
            shutil.chown(os.path.join(self.base, d), uid, gid)
        _alternate_config(self.conf, add=True)
        self.started = False

    def postfix(self, *args, check=True):
        return run(["ip", "netns", "exec", self.ns, "postfix", "-c", self.conf, *args], check=check, timeout=60)

    def start(self, timeout=20.0):
        self.postfix("start")
        self.started = True
        host = self.listen[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            p = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable, "-c",
                                f"import socket; socket.create_connection(('{host}', 25), 1).close()"],
                               capture_output=True)
            if p.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"postfix {self.name} does not accept on {host}:25 after {timeout}s\n{self.log()[-2000:]}")

    def stop(self):
        if self.started:
            self.postfix("stop", check=False)
            self.started = False

    def master_pid(self):
        try:
            with open(os.path.join(self.base, "queue", "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def close(self):
        self.stop()
        # A killed master leaves children; they live in this instance's namespace and are ours.
        _alternate_config(self.conf, add=False)

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def queue_empty(self):
        p = run(["ip", "netns", "exec", self.ns, "postqueue", "-c", self.conf, "-j"], check=False)
        return p.returncode == 0 and not p.stdout.strip()

    def delivered_files(self):
        """Paths of every message delivered to the Maildir (new/ and cur/)."""
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            if os.path.isdir(d):
                out += [os.path.join(d, n) for n in sorted(os.listdir(d))]
        return out


def _alternate_config(conf, add):
    """Adds/removes `conf` in /etc/postfix/main.cf's alternate_config_directories, under a lock (runs overlap)."""
    os.makedirs("/etc/postfix", exist_ok=True)
    main = "/etc/postfix/main.cf"
    with open("/etc/postfix/.sluice-it.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(main):
            open(main, "a").close()
        cur = run(["postconf", "-h", "alternate_config_directories"], check=False).stdout.split()
        cur = [d.rstrip(",") for d in cur if d.strip(",")]
        if add and conf not in cur:
            cur.append(conf)
        elif not add and conf in cur:
            cur.remove(conf)
        else:
            return
        run(["postconf", "-e", f"alternate_config_directories = {' '.join(cur)}"])


class Topology:
    """with Topology(appliance='kernel'|'sluice', impair=Impairment()|None) as t: ... — everything built on
    enter is destroyed on exit, even after a failure."""

    def __init__(self, appliance=None, impair=None, limits=None, mta_postfix=False, keep=False,
                 sluice_conf_extra="", backend_extra=None, sender_extra=None, tls=None, backend_command=None,
                 sluice_args=(), sluice_log=None):
        """sluice_conf_extra: configuration text appended to SLUICE_CONF (later blocks and `set`s win);
        backend_extra / sender_extra: main.cf settings over the backend's / the sending Postfix's own;
        tls: a TlsOptions (None: no TLS anywhere, as before); backend_command: f(topology) -> argv run in `mx`
        instead of the backend Postfix (e.g. tools/lib/tls_fake_backend.py); it must listen on
        10.0.0.25:25 (self.backend is then None); sluice_args: the daemon's own options after `--` (e.g.
        ["--workers", "2", "--idle-sleep", "50"])."""
        self.sluice_conf_extra, self.sluice_args = sluice_conf_extra, list(sluice_args)
        self.sluice_log_path = sluice_log    # None: sluice.jsonl in the run's directory
        self.tls, self.backend_command = tls, backend_command
        self.pki = None
        self.backend_extra, self.sender_extra = dict(backend_extra or {}), dict(sender_extra or {})
        self.appliance = appliance or os.environ.get("SLUICE_APPLIANCE", DEFAULT_APPLIANCE)
        if self.appliance not in ("kernel", "sluice"):
            raise ValueError(f"SLUICE_APPLIANCE must be sluice or kernel, not {self.appliance}")
        self.impair, self.limits, self.want_mta_postfix = impair, limits or Limits(), mta_postfix
        self.keep = keep or os.environ.get("SLUICE_IT_KEEP") == "1"
        self.tag = f"{os.getpid() % 1000000}"
        self.mta, self.mx, self.fw = f"sit{self.tag}-mta", f"sit{self.tag}-mx", f"sit{self.tag}-fw"
        self.out_link, self.in_link = f"slo{self.tag}", f"sli{self.tag}"   # the mta and mx ends of the links
        self.mta_if, self.mx_if = self.out_link, self.in_link               # where the addresses live
        self.dir = tempfile.mkdtemp(prefix=f"sluice-it-{self.tag}-")
        os.chmod(self.dir, 0o755)
        self.namespaces, self.procs, self.impairers = [], [], {}
        self.sluice = None
        self.file_prefix = f"sluice-it-{os.getpid()}"
        self.backend = self.sender = None

    # ---- commands inside a namespace
    def ns(self, ns, *argv, check=True, timeout=None):
        return run(["ip", "netns", "exec", ns, *argv], check=check, timeout=timeout or self.limits.command_s)

    def popen(self, ns, argv, **kw):
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], **kw)
        self.procs.append(p)
        return p

    # ---- building
    def __enter__(self):
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc):
        self.down()

    def _add_ns(self, name):
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.ns(name, "ip", "link", "set", "lo", "up")
        # Addresses are usable at once: DAD would only add seconds to every run.
        for key in ("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                    "net.ipv6.conf.all.dad_transmits=0", "net.ipv6.conf.default.dad_transmits=0"):
            self.ns(name, "sysctl", "-qw", key)

    def up(self):
        t0 = time.monotonic()
        self._make_pki()
        self._add_ns(self.mta)
        self._add_ns(self.mx)
        if self.appliance == "kernel":
            self._kernel_appliance()
        else:
            self._sluice_appliance()
        if self.impair:
            self.mta_if = self._impair_link(self.mta, self.out_link, f"imo{self.tag}", f"ipo{self.tag}", "mta")
            self.mx_if = self._impair_link(self.mx, self.in_link, f"imi{self.tag}", f"ipi{self.tag}", "mx")
        self._address_sides()
        if self.backend_command:
            self._custom_backend()
        else:
            self._postfix_backend()
        self._wait_reachable()
        if self.want_mta_postfix:
            tls_sender = self.tls.sender_settings() if self.tls else {}
            self.sender = Postfix(self.mta, self.dir, "mta", ["127.0.0.1"], {
                "relayhost": f"[{VIP_A}]:25",
                "smtp_bind_address": CLIENT4_B,              # a distinct client address the backend must see
                "default_destination_concurrency_limit": "20",
                **tls_sender,
                **self.sender_extra,
            }, master_extra=TlsOptions.TLSMGR if self.tls else "")
            self.sender.start(self.limits.postfix_start_s)
        self.setup_s = time.monotonic() - t0

    def _make_pki(self):
        """The run's test PKI (tools/lib/testpki.py), before anything that loads a certificate starts."""
        if self.tls and self.tls.pki is None:
            import testpki
            self.tls.pki = testpki.make(self.dir)
        self.pki = self.tls.pki if self.tls else None

    def _custom_backend(self):
        argv = self.backend_command(self)
        self.backend_out = open(os.path.join(self.dir, "backend.out"), "w")
        self.backend_proc = self.popen(self.mx, argv, stdout=self.backend_out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.limits.postfix_start_s
        while not self._tcp_ok(self.mx, BACKEND4):
            if self.backend_proc.poll() is not None or time.monotonic() > deadline:
                with open(self.backend_out.name, errors="replace") as f:
                    raise RuntimeError(f"backend command {argv} does not accept on {BACKEND4}:25 "
                                       f"(exit {self.backend_proc.poll()}):\n{f.read()[-2000:]}")
            time.sleep(0.2)

    def _postfix_backend(self):
        tls_main = self.tls.backend_settings() if self.tls else {}
        self.backend = Postfix(self.mx, self.dir, "mx", [BACKEND4, BACKEND6], {
            "virtual_mailbox_domains": MAIL_DOMAIN,
            "virtual_mailbox_base": os.path.join(self.dir, "mx", "mail"),
            "virtual_mailbox_maps": "static:inbox/",        # every recipient into one Maildir
            "virtual_minimum_uid": "1",
            "virtual_uid_maps": "static:%d" % int(run(["id", "-u", "postfix"]).stdout),
            "virtual_gid_maps": "static:%d" % int(run(["id", "-g", "postfix"]).stdout),
            **tls_main,
            **self.backend_extra,
        }, master_extra=self.tls.backend_master() if self.tls else "")
        self.backend.start(self.limits.postfix_start_s)

    def _kernel_appliance(self):
        self._add_ns(self.fw)
        fo, fi = f"fwo{self.tag}", f"fwi{self.tag}"
        run(["ip", "link", "add", fo, "netns", self.fw, "type", "veth", "peer", "name", self.out_link, "netns", self.mta])
        run(["ip", "link", "add", fi, "netns", self.fw, "type", "veth", "peer", "name", self.in_link, "netns", self.mx])
        for key in ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"):
            self.ns(self.fw, "sysctl", "-qw", key)
        for addr in (f"{OUTSIDE4}/24", f"{OUTSIDE6}/64", f"{VIP_A}/32", f"{VIP_B}/32", f"{VIP6}/128"):
            self.ns(self.fw, "ip", "addr", "add", addr, "dev", fo, "nodad")
        for addr in (f"{INSIDE4}/24", f"{INSIDE6}/64"):
            self.ns(self.fw, "ip", "addr", "add", addr, "dev", fi, "nodad")
        for dev in (fo, fi):
            self._offloads_off(self.fw, dev)
            self.ns(self.fw, "ip", "link", "set", dev, "up")
        # VIP DNAT, no SNAT (the backend sees the client), default deny for anything else towards the inside.
        tls_dnat = "".join(f"\n    iifname \"{fo}\" ip daddr {VIP_A} tcp dport {p} counter dnat ip to {BACKEND4}:{p}"
                           for p in (TLS_PORTS if self.tls else ()))
        ruleset = f"""
table inet sluice_it {{
  chain prerouting {{
    type nat hook prerouting priority dstnat; policy accept;
    iifname "{fo}" ip daddr {VIP_A} tcp dport 25 counter dnat ip to {BACKEND4}:25
    iifname "{fo}" ip daddr {VIP_A} tcp dport {PASSTHROUGH_PORT} counter dnat ip to {BACKEND4}:25
    iifname "{fo}" ip daddr {VIP_B} tcp dport 25 counter dnat ip to {BACKEND4}:25
    iifname "{fo}" ip6 daddr {VIP6} tcp dport 25 counter dnat ip6 to [{BACKEND6}]:25{tls_dnat}
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    ct state new ct status dnat accept
    ct state new counter drop comment "drops_no_policy"
  }}
  chain input {{
    type filter hook input priority filter; policy accept;
    ip daddr {{ {VIP_A}, {VIP_B} }} meta l4proto {{ tcp, udp }} counter drop
    ip6 daddr {VIP6} meta l4proto {{ tcp, udp }} counter drop
  }}
}}
"""
        path = os.path.join(self.dir, "fw.nft")
        with open(path, "w") as f:
            f.write(ruleset)
        self.ns(self.fw, "nft", "-f", path)

    def _sluice_appliance(self):
        exe = sluice_binary()
        if not os.path.exists(exe):
            raise RuntimeError(f"{exe} is not built (tools/build)")
        conf = os.path.join(self.dir, "sluice.conf")
        self.sluice_log = self.sluice_log_path or os.path.join(self.dir, "sluice.jsonl")
        # The control socket and history of this topology's daemon (sluicectl -s t.control_socket); a test's own
        # `config system control` in sluice_conf_extra comes later and wins.
        self.control_socket = os.path.join(self.dir, "sluice.sock")
        control = (f"config system control\n  set socket {self.control_socket}\n"
                   f"  set history-dir {os.path.join(self.dir, 'history')}\nend\n")
        with open(conf, "w") as f:
            f.write((self.tls.sluice_conf(SLUICE_CONF) if self.tls else SLUICE_CONF) + control +
                    self.sluice_conf_extra)
        argv = [exe, "--no-huge", "-m", "512", "--no-pci", "--file-prefix", self.file_prefix,
                "--vdev", f"net_tap0,iface={self.out_link}", "--vdev", f"net_tap1,iface={self.in_link}",
                "--", "--mode", "live", "--config", conf, "--log", self.sluice_log, *self.sluice_args]
        self.sluice_out = open(os.path.join(self.dir, "sluice.out"), "w")
        self.sluice = subprocess.Popen(argv, stdout=self.sluice_out, stderr=subprocess.STDOUT, start_new_session=True)
        # The taps exist once the EAL has probed them, but the daemon configures them (ioctls by name, in
        # its own namespace) until it has started its ports, which sets them UP: move them only then.
        deadline = time.monotonic() + self.limits.appliance_start_s
        while True:
            if all(self._link_up(d) for d in (self.out_link, self.in_link)):
                break
            if self.sluice.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sluice did not create {self.out_link}/{self.in_link} "
                                   f"(exit {self.sluice.poll()}):\n{self.sluice_output()[-3000:]}")
            time.sleep(0.2)
        run(["ip", "link", "set", self.out_link, "netns", self.mta])
        run(["ip", "link", "set", self.in_link, "netns", self.mx])

    @staticmethod
    def _link_up(dev):
        p = run(["ip", "-j", "link", "show", dev], check=False)
        return p.returncode == 0 and "UP" in (json.loads(p.stdout or "[{}]")[0].get("flags") or [])

    def sluice_records(self):
        """Every JSON record Sluice has written to its log so far (one object per line; a line still being
        written is left out)."""
        out = []
        try:
            with open(self.sluice_log, errors="replace") as f:
                for line in f:
                    if line.endswith("\n"):
                        try:
                            out.append(json.loads(line))
                        except ValueError:
                            pass
        except (OSError, AttributeError):
            pass
        return out

    def sluice_output(self):
        try:
            with open(os.path.join(self.dir, "sluice.out"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _offloads_off(self, ns, dev):
        # Frames that cross tools/lib/impair.py are re-sent from user space: they must carry complete
        # checksums and be no larger than the MTU.
        if self.impair:
            self.ns(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off", check=False)

    def _impair_link(self, ns, link, stack, relay, label):
        """Puts tools/lib/impair.py between the namespace's stack and its link to the appliance: the
        addresses move to a veth `stack` whose peer `relay` the impairer bridges to `link`. (This kernel has
        no sch_netem; the impairer applies netem's parameters to both directions.)"""
        self.ns(ns, "ip", "link", "add", stack, "type", "veth", "peer", "name", relay)
        for dev in (link, relay):
            # The bridged ends must stay silent: no ARP answers, no IPv6, nothing of their own.
            self.ns(ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            self.ns(ns, "ip", "link", "set", dev, "arp", "off", "up")
            self._offloads_off(ns, dev)
        self._offloads_off(ns, stack)
        log = open(os.path.join(self.dir, f"impair-{label}.log"), "w")
        argv = [sys.executable, os.path.join(LIB, "impair.py"), relay, link, *self.impair.args()]
        self.impairers[label] = (self.popen(ns, argv, stdout=log, stderr=subprocess.STDOUT), log.name)
        return stack

    def impair_stats(self):
        """{'mta': {...}, 'mx': {...}}: each impairer's counters (frames, lost, duplicated, reordered, ...)."""
        for proc, _ in self.impairers.values():
            os.kill(proc.pid, signal.SIGUSR1)
        time.sleep(0.6)
        out = {}
        for label, (_, path) in self.impairers.items():
            with open(path) as f:
                lines = [ln for ln in f if ln.startswith("impair: {")]
            out[label] = json.loads(lines[-1][len("impair: "):]) if lines else {}
        return out

    def _address_sides(self):
        m, x = self.mta_if, self.mx_if
        self._offloads_off(self.mta, m)
        self._offloads_off(self.mx, x)
        for addr in (f"{CLIENT4}/24", f"{CLIENT4_B}/24", f"{CLIENT4_C}/24", f"{CLIENT6}/64"):
            self.ns(self.mta, "ip", "addr", "add", addr, "dev", m, "nodad")
        self.ns(self.mta, "ip", "link", "set", m, "up")
        for addr in (f"{BACKEND4}/24", f"{BACKEND6}/64"):
            self.ns(self.mx, "ip", "addr", "add", addr, "dev", x, "nodad")
        self.ns(self.mx, "ip", "link", "set", x, "up")
        self.ns(self.mx, "ip", "route", "add", "default", "via", INSIDE4)
        self.ns(self.mx, "ip", "-6", "route", "add", "default", "via", INSIDE6)

    def _tcp_ok(self, ns, addr, port=25):
        code = f"import socket; socket.create_connection(('{addr}', {port}), 1).close()"
        return self.ns(ns, sys.executable, "-c", code, check=False).returncode == 0

    def _wait_reachable(self):
        """The VIPs answer from mta (ICMP echo, or a TCP handshake through to the backend on :25), and the
        backend reaches the appliance's inside address (ICMP echo; sluice: only where it answers echo)."""
        deadline = time.monotonic() + self.limits.reachable_s
        targets = [(self.mta, VIP_A, True), (self.mta, VIP6, True), (self.mx, INSIDE4, False),
                   (self.mx, INSIDE6, False)]
        while targets:
            ns, addr, vip = targets[0]
            if self.ns(ns, "ping", "-c", "1", "-W", "1", addr, check=False).returncode == 0 or \
                    (vip and self._tcp_ok(ns, addr)):
                targets.pop(0)
                continue
            if time.monotonic() > deadline and not vip and self.appliance == "sluice":
                print(f"topology: {addr} does not answer ping from {ns}", file=sys.stderr)
                targets.pop(0)
                continue
            if time.monotonic() > deadline:
                tail = f"\nsluice output:\n{self.sluice_output()[-3000:]}" if self.sluice else ""
                raise RuntimeError(f"{addr} does not answer ping from {ns} after {self.limits.reachable_s}s{tail}")
            time.sleep(0.2)

    # ---- state of the appliance
    def flow_counts(self):
        """{'sessions_open', 'passthrough_open', ...}: sluice's telemetry, or the stand-in's conntrack table
        (connections not yet closing, by original destination port)."""
        if self.appliance == "sluice":
            return telemetry.query(self.file_prefix, "/sluice/stats")["/sluice/stats"]
        out = self.ns(self.fw, "conntrack", "-L", "-p", "tcp", check=False).stdout
        counts = {"sessions_open": 0, "passthrough_open": 0, "conntrack_entries": 0}
        for line in out.splitlines():
            counts["conntrack_entries"] += 1
            state = line.split()[3] if len(line.split()) > 3 else ""
            if state not in ("SYN_SENT", "SYN_RECV", "ESTABLISHED"):
                continue
            dport = next((f.split("=")[1] for f in line.split() if f.startswith("dport=")), "")
            key = "passthrough_open" if dport == str(PASSTHROUGH_PORT) else "sessions_open"
            counts[key] += 1
        return counts

    def backend_pids(self):
        return [int(p) for p in run(["ip", "netns", "pids", self.mx], check=False).stdout.split()]

    def kill_backend(self):
        """The backend dies: SIGKILL to every process in `mx` (Postfix master and its smtpd children)."""
        ours = {p.pid for p in self.procs}          # the impairer may live there too
        pids = [p for p in self.backend_pids() if p not in ours]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.backend.started = False
        return pids

    # ---- teardown
    def down(self):
        if self.keep:
            print(f"topology: kept {self.namespaces} and {self.dir} (SLUICE_IT_KEEP=1)", file=sys.stderr)
            return
        for pf in (self.sender, self.backend):
            if pf:
                try:
                    pf.close()
                except Exception as e:  # teardown goes on: namespaces must go
                    print(f"topology: {pf.name}: {e}", file=sys.stderr)
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if self.sluice and self.sluice.poll() is None:
            os.killpg(self.sluice.pid, signal.SIGTERM)
            try:
                self.sluice.wait(self.limits.sluice_stop_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.sluice.pid, signal.SIGKILL)
                self.sluice.wait()
        # Whatever still runs inside our namespaces was started by this run.
        for ns in self.namespaces:
            for pid in run(["ip", "netns", "pids", ns], check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for ns in reversed(self.namespaces):
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []
        shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)
        if os.environ.get("SLUICE_IT_KEEP_DIR") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

