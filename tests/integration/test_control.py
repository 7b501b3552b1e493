#!/usr/bin/env python3
"""Control plane (issue 6): sluicectl against a running daemon, every command with its output asserted.

Topology: the usual mta/mx namespaces, real Postfix behind, TLS profile "protect" on every VIP (the backend
takes plaintext too, `may`). `config system control` puts the socket and history in the run's directory and
lets `diagnose test connection mailserver` dial from `mta` (probe-netns), as a probe from the Internet would.
- show: vip, policy, session (with and without a filter), stats, stats per-core, tls, log, history,
  running-configuration, alertmail; help.
- configuration: config/edit/set/unset/delete/next/end/abort, show full-configuration, show diff, discard,
  commit (a rule added: the next message's record names the new version and the rule), rollback.
- bad input leaves the running version as it was and says precisely why: unknown command, unknown block,
  bad IP, missing certificate, key/certificate mismatch, invalid regex, bad filter value, stale candidate.
- diagnose: flow filter + trace of one swaks session (packets, session, SMTP events), scan file (EICAR
  rejected by the live signatures, a clean file passed), test connection mailserver (banner, capabilities
  and certificate equal to what swaks and openssl s_client see), test alertmail (a precise error when the
  relay is down).
- execute: pause (the next SYN gets RST, counted), resume, restart workers (a committed VIP port change takes
  effect; version kept), log rotate (the next record goes to the new file).
- Signature file changed on disk -> recompiled and published by inotify (history says so).
- Prometheus text endpoint and RFC 5424 syslog (UDP) carry the counters and the records.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import itlib
import testpki
import verdict_mail as vm
from ctl import ctl, running_version, script, start
from itlib import CLIENT4, VIP_A, VIP_B, mailgen
from rawsmtp import RawSession

RCPT = "user@sluice.test"


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send_one(t, test_id, size=2000, port=25, server=VIP_A):
    sent = mailgen.make(test_id, size)
    mailgen.write(sent, t.dir, for_swaks=True)
    return itlib.swaks(t, os.path.join(t.dir, f"{test_id}.eml"), server, port=port, source=CLIENT4, timeout=60)


def records(t):
    return [r for r in t.sluice_records() if r.get("event_type") == "smtp_message"]


def wait_record(t, count, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recs = records(t)
        if len(recs) >= count:
            return recs
        time.sleep(0.2)
    return records(t)


def check_shows(c, t):
    r = ctl(t, "show", "vip")
    c.eq("show vip: exit", r.rc, 0)
    for name in ("mail-a", "mail-a-tls", "mail-b", "mail-v6"):
        c.true(f"show vip lists {name}", any(ln.startswith(name + " ") for ln in r.lines), r.out)
    c.true("show vip: mail-a maps to the backend with profile protect",
           re.search(r"^mail-a\s+198\.51\.100\.10\s+10\.0\.0\.25\s+.*protect$", r.out, re.M) is not None, r.out)
    r = ctl(t, "show", "policy")
    c.eq("show policy: running version 1 at start", r.field("running version"), "1")
    c.true("show policy: signatures counted (EICAR + the local file's one)", r.field("signatures").startswith("2 (body 2"),
           r.out)
    c.true("show policy: nothing pending", r.field("pending 'execute restart workers'") == "none", r.out)
    r = ctl(t, "show", "stats")
    c.true("show stats: counters listed", re.search(r"^rx_packets\s+\d+$", r.out, re.M) is not None, r.out)
    c.true("show stats: policy_version 1", re.search(r"^policy_version\s+1$", r.out, re.M) is not None, r.out)
    r = ctl(t, "show", "stats", "per-core")
    c.true("show stats per-core: worker 0", r.lines[:1] == ["worker 0 (lcore of the main thread):"], r.out)
    r = ctl(t, "show", "tls")
    c.true("show tls: profile protect", r.has('ssl profile "protect": mode protecting-server'), r.out)
    c.true("show tls: RSA leaf with its expiry", re.search(r"leaf .*CN ?= ?mail\.sluice\.test.* key RSA expires",
                                                            r.out) is not None, r.out)
    used = next((ln.split(": ", 1)[1].split() for ln in r.lines if "used by VIPs: " in ln), [])
    c.eq("show tls: used by VIPs", sorted(used), ["mail-a", "mail-a-tls", "mail-b", "mail-v6"])
    r = ctl(t, "show", "history")
    c.true("show history: start-up version 1 running", re.search(r"^\s+1\* .* start-up ", r.out, re.M) is not None, r.out)
    r = ctl(t, "show", "running-configuration")
    c.true("show running-configuration: VIP block", r.has('config firewall vip') and r.has('edit mail-a\n'), r.out[:300])
    r = ctl(t, "show", "alertmail")
    c.true("show alertmail: enabled, with its relay", r.has("alert mail: enabled, server 127.0.0.1"), r.out)
    r = ctl(t, "help")
    c.true("help: grouped, lists diagnose scan file", r.rc == 0 and r.has("diagnose scan file <path>"), r.out[:200])


def check_session_and_log(c, t):
    with RawSession(t.mta, VIP_A, source=CLIENT4, timeout=30) as s:
        s.hello()
        r = ctl(t, "show", "session", "src", CLIENT4)
        c.true("show session src: the open session", re.search(
            rf"vip=mail-a client={re.escape(CLIENT4)}:\d+ vip-addr=198\.51\.100\.10:25 backend=10\.0\.0\.25:25 "
            r"phase=relaying .* policy=v\d+ tls=no", r.out) is not None, r.out)
        r = ctl(t, "show", "session", "src", "192.0.2.250")
        c.true("show session: a filter that matches nothing", r.has("0 session(s) shown of 1 in use"), r.out)
        r = ctl(t, "show", "session", "src", "300.1.1.1")
        c.true("show session: bad IP refused", r.rc == 1 and "bad IP address for src: '300.1.1.1'" in r.err, repr(r))
        s.quit_collect()
    rc, _, reply = send_one(t, "ctl-log-1")
    c.eq("a clean message is delivered", rc, 0)
    wait_record(t, 1)
    r = ctl(t, "show", "log", "lines", "1")
    c.true("show log lines 1: one JSON record", len(r.lines) == 1 and r.lines[0].startswith("{\"timestamp_ns\""), r.out)
    c.true("show log: the record names its policy version", '"policy_version":1' in r.out, r.out[:200])
    # show log follow streams new records until Ctrl-C (sluicectl sends "stop"; the daemon ends with "= ok").
    follow = start(t, "show", "log", "follow", "lines", "1")
    time.sleep(1.0)
    rc, _, _ = send_one(t, "ctl-follow-1")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(records(t)) < 2:
        time.sleep(0.2)
    time.sleep(0.5)
    follow.send_signal(signal.SIGINT)
    out, err = follow.communicate(timeout=30)
    c.eq("show log follow: ended by Ctrl-C cleanly", follow.returncode, 0)
    c.true("show log follow: the last old record, then the new one as it was written",
           "ctl-log-1" in out and "ctl-follow-1" in out, out[-400:] + err)


def check_config_errors(c, t):
    v0 = running_version(t)
    r = ctl(t, "shwo", "vip")
    c.true("unknown command: named", r.rc == 1 and "unknown command 'shwo'" in r.err, repr(r))
    r = ctl(t, "show", "sesion")
    c.true("misspelt command: did you mean", r.rc == 1 and "did you mean 'show session'" in r.err, repr(r))
    r = script(t, "config firewall vipp\n")
    c.true("unknown block: did you mean 'firewall vip'", r.rc == 1 and "firewall vip" in r.err, repr(r))
    r = script(t, "config firewall vip\nedit mail-a\nset extip 300.1.1.1\n")
    c.true("bad IP: refused at set, names extip", r.rc == 1 and "extip" in r.err and "300.1.1.1" in (r.err + r.out),
           repr(r))
    r = script(t, "config firewall vip\nedit mail-a\nset extipp 1.2.3.4\n")
    c.true("unknown key: did you mean 'extip'", r.rc == 1 and "extip" in r.err, repr(r))
    r = script(t, 'config ssl profile\nedit protect\nset server-cert "/nonexistent/mail.pem"\nnext\nend\ncommit\n')
    c.true("missing certificate: commit fails naming the file", r.rc == 1 and "/nonexistent/mail.pem" in (r.out + r.err),
           repr(r))
    # A bundle whose key is the ECDSA one and whose leaf is the RSA certificate.
    pki = t.tls.pki
    mismatched = os.path.join(t.dir, "mismatched.pem")
    with open(os.open(mismatched, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:   # TLS-4: owner-only
        f.write(open(pki["rsa"].cert).read() + open(pki["ecdsa"].key).read())
    r = script(t, f'config ssl profile\nedit protect\nset server-cert "{mismatched}"\nnext\nend\ncommit\n')
    c.true("key/certificate mismatch: commit fails", r.rc == 1 and "mismatched.pem" in (r.out + r.err) and
           "does not match" in (r.out + r.err), repr(r))
    r = script(t, 'config spamfilter rule\nedit broken\nset pattern "(unclosed"\nnext\nend\ncommit\n')
    c.true("invalid regex: commit fails naming the rule", r.rc == 1 and "broken" in (r.out + r.err), repr(r))
    c.eq("after every refused change the running version is unchanged", running_version(t), v0)
    # A candidate made before another session's commit cannot overwrite it.
    p = subprocess.Popen([itlib.topology.sluicectl_binary(), "-s", t.control_socket], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write("config log settings\nset log-all enable\nend\n")
    p.stdin.flush()
    time.sleep(1)
    r = script(t, "config quarantine\nend\ncommit other session\n")
    c.eq("another session commits", r.rc, 0)
    out, err = p.communicate("commit stale\n", timeout=60)
    c.true("stale candidate refused", "running configuration changed" in err, err)


def check_edit_commit_rollback(c, t):
    v0 = running_version(t)
    r = script(t, "config spamfilter rule\nedit ctl-rule\nset scope header\nset header Subject\n"
                  "set pattern ctlmarker\nset score 2\nnext\nend\nshow diff\n")
    c.true("show diff: the new entry as + lines", r.has('+    edit "ctl-rule"') or r.has("+    edit ctl-rule"), r.out)
    r = script(t, "config spamfilter rule\nedit ctl-rule\nset score 4\nunset score\nnext\nend\nshow diff\n")
    c.true("unset: the key is back to its default", r.has("+        set score 1"), r.out)
    r = script(t, "config spamfilter rule\nedit ctl-rule\nset pattern x\nabort\nshow diff\n")
    c.true("abort: nothing left to diff", r.has("no changes against the running configuration"), r.out)
    r = script(t, "config spamfilter rule\nedit ctl-rule\nset pattern x\nnext\nend\ndiscard\nshow diff\n")
    c.true("discard: candidate = running", r.has("no changes against the running configuration"), r.out)
    r = script(t, "config spamfilter rule\nedit ctl-rule\nset scope header\nset header Subject\nset pattern ctlmarker\n"
                  "show full-configuration\nnext\nend\ncommit add ctl-rule\n")
    c.true("show full-configuration inside a block: that block", r.has("config spamfilter rule") and
           not r.has("config firewall vip"), r.out[:300])
    c.true("commit: new version reported", re.search(rf"committed version {v0 + 1}: ", r.out) is not None, repr(r))
    v1 = running_version(t)
    c.eq("running version after commit", v1, v0 + 1)
    before = len(records(t))
    sent = mailgen.make("ctl-rule-1", 1500)
    sent.subject = "ctlmarker subject" if hasattr(sent, "subject") else None
    eml = os.path.join(t.dir, "ctl-rule-1.eml")
    mailgen.write(sent, t.dir, for_swaks=True)
    text = open(eml).read()
    text = re.sub(r"(?m)^Subject: .*$", "Subject: ctlmarker test", text, count=1)
    open(eml, "w").write(text)
    rc, _, _ = itlib.swaks(t, eml, VIP_A, source=CLIENT4, timeout=60)
    recs = wait_record(t, before + 1)
    last = recs[-1] if recs else {}
    c.eq("the message after the commit: delivered", rc, 0)
    c.eq("its record names the new version", last.get("policy_version"), v1)
    c.true("and the new rule judged it", "ctl-rule" in str(last.get("signatures", "")), str(last)[:400])
    r = ctl(t, "rollback", str(v0))
    c.true("rollback: committed as a new version", r.rc == 0 and f"committed version {v1 + 1}" in r.out, repr(r))
    r = ctl(t, "show", "running-configuration")
    c.true("rollback: the rule is gone again", not r.has("ctl-rule"), "")
    r = ctl(t, "show", "history")
    c.true("history: rollback recorded", r.has(f"rollback to version {v0}"), r.out)
    r = ctl(t, "rollback", "9999")
    c.true("rollback to a version that does not exist", r.rc == 1 and "9999" in r.err, repr(r))


def check_trace(c, t):
    r = ctl(t, "diagnose", "debug", "flow", "filter", "src", CLIENT4)
    c.true("flow filter set", r.has(f"filter: src {CLIENT4}"), r.out)
    r = ctl(t, "diagnose", "debug", "flow", "filter", "port", "70000")
    c.true("flow filter: bad port refused", r.rc == 1 and "70000" in r.err, repr(r))
    trace = start(t, "diagnose", "debug", "flow", "trace", "start", "400")
    time.sleep(1.0)
    rc, _, _ = send_one(t, "ctl-trace-1")
    time.sleep(1.0)
    r = ctl(t, "diagnose", "debug", "flow", "trace", "stop")
    c.eq("trace stop from another session", r.rc, 0)
    out, err = trace.communicate(timeout=30)
    c.eq("the traced message was delivered", rc, 0)
    c.true("trace: packets from the client", re.search(rf"packet outside {re.escape(CLIENT4)}:\d+ -> 198\.51\.100\.10:25 "
                                                       r"flags=S ", out) is not None, out[:800])
    c.true("trace: session opened with its policy version", re.search(
        r'session opened: vip "mail-a" client .* -> backend 10\.0\.0\.25:25, policy v\d+', out) is not None, out[:800])
    c.true("trace: MAIL FROM forwarded", "smtp MAIL FROM:<sender@client.test>: forwarded to the backend" in out, out[-800:])
    c.true("trace: RCPT TO", f"smtp RCPT TO:<{RCPT}>" in out, out[-800:])
    c.true("trace: verdict at the end of data", "smtp end of data" in out and "verdict deliver" in out, out[-800:])
    c.true("trace: the client's reply", re.search(r"message done: client got 250", out) is not None, out[-800:])
    c.true("trace: ended", "trace done" in out or "trace stopped" in out, out[-300:])
    ctl(t, "diagnose", "debug", "flow", "filter", "clear")


def check_scan_file(c, t):
    eicar = os.path.join(t.dir, "eicar.com")
    with open(eicar, "wb") as f:
        f.write(vm.EICAR)
    r = ctl(t, "diagnose", "scan", "file", eicar)
    c.true("scan file: EICAR rejected by the live signatures", r.field("verdict").startswith("reject (") and "antivirus:Eicar" in r.field("verdict"),
           r.out[:300])
    clean = os.path.join(t.dir, "clean.txt")
    with open(clean, "w") as f:
        f.write("nothing to see here\n")
    r = ctl(t, "diagnose", "scan", "file", clean)
    c.true("scan file: a clean file passes", r.field("verdict").startswith("pass"), r.out[:300])
    r = ctl(t, "diagnose", "scan", "file", "/nonexistent/file")
    c.true("scan file: a missing file is a clear error", r.rc == 1 and "cannot read /nonexistent/file" in r.err, repr(r))


def swaks_ehlo(t):
    p = subprocess.run(["ip", "netns", "exec", t.mta, "swaks", "--server", VIP_A, "--quit-after", "EHLO",
                        "--local-interface", CLIENT4, "--ehlo", "probe.client.test"], capture_output=True, text=True,
                       timeout=60)
    lines = [ln[4:].strip() for ln in p.stdout.splitlines() if ln.startswith("<-  ")]
    banner = [ln for ln in lines if ln.startswith("220")]
    caps = [re.sub(r"^250[ -]", "", ln) for ln in lines if ln.startswith("250")][1:]
    return (banner[0] if banner else ""), caps


def openssl_leaf(t):
    p = subprocess.run(["ip", "netns", "exec", t.mta, "openssl", "s_client", "-starttls", "smtp", "-connect",
                        f"{VIP_A}:25", "-servername", "mail.sluice.test"], input="", capture_output=True, text=True,
                       timeout=60)
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", p.stdout, re.S)
    proto = re.search(r"Protocol\s*: (\S+)", p.stdout) or re.search(r"New, (TLSv[\d.]+)", p.stdout)
    return (testpki.fingerprint_of_pem(m.group(0)) if m else ""), (proto.group(1) if proto else "")


def check_probe(c, t):
    banner, caps = swaks_ehlo(t)
    fp, proto = openssl_leaf(t)
    r = ctl(t, "diagnose", "test", "connection", "mailserver", "mail-a", "sender@client.test", RCPT)
    c.eq("probe: runs to the end", r.rc, 0)
    c.eq("probe: the banner swaks saw", re.sub(r" \([\d.]+ ms\)$", "", r.field("banner")), banner)
    c.eq("probe: the capabilities swaks saw", r.field("capabilities"), " ".join(caps))
    c.eq("probe: STARTTLS offered", r.field("starttls"), "offered")
    cert = r.field("certificate")
    c.true("probe: the certificate openssl s_client saw", fp != "" and cert.startswith("sha256 " + fp), f"{cert} vs {fp}")
    c.true("probe: the TLS version openssl negotiated", proto != "" and r.field("tls").startswith(proto),
           f"{r.field('tls')} vs {proto}")
    c.true("probe: not an open relay", r.field("open relay").startswith("no"), r.out)
    c.true("probe: transaction time", re.match(r"[\d.]+ ms", r.field("transaction")) is not None, r.out)


def sink_messages(sink_dir):
    out = []
    for root, _, files in os.walk(sink_dir):
        for name in files:
            with open(os.path.join(root, name), errors="replace") as f:
                out.append(f.read())
    return out


def check_alertmail(c, t, port):
    """Relay down: a precise error. Then Postfix's smtp-sink on that port (no STARTTLS): secure-option default
    sends in plaintext, a committed `starttls` refuses to, and queued alerts (the critical event of a failed file
    reload) reach it on the next retry."""
    r = ctl(t, "diagnose", "test", "alertmail", "hello")
    c.true("test alertmail: relay down is a precise error", r.rc == 1 and f"127.0.0.1:{port}" in r.out and
           "refused" in r.out.lower(), repr(r))
    r = ctl(t, "show", "alertmail")
    c.true("show alertmail: settings and queue", r.has(f"server 127.0.0.1 port {port}, secure-option default") and
           r.has("waiting"), r.out)
    sink_dir = os.path.join(t.dir, "sink")
    os.makedirs(sink_dir)
    os.chmod(sink_dir, 0o777)
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", "-d", f"{sink_dir}/%M.", f"127.0.0.1:{port}", "10"])
    time.sleep(0.5)
    try:
        r = ctl(t, "diagnose", "test", "alertmail", "relay", "check")
        c.true("test alertmail: sent in plaintext to a relay without STARTTLS (secure-option default)",
               r.rc == 0 and "sent: 250" in r.out, repr(r))
        c.true("the relay stored it", any("Subject: [sluice] relay check" in m for m in sink_messages(sink_dir)), "")
        r = script(t, "config system alertemail\nset secure-option starttls\nend\ncommit alert tls required\n")
        c.eq("commit secure-option starttls", r.rc, 0)
        r = ctl(t, "diagnose", "test", "alertmail")
        c.true("secure-option starttls: refused with the reason", r.rc == 1 and "STARTTLS" in r.out, repr(r))
        script(t, "config system alertemail\nset secure-option default\nend\ncommit alert tls optional\n")
        return sink, sink_dir
    except Exception:
        sink.terminate()
        raise


def check_alert_queue(c, t, sink, sink_dir):
    """The reload failure of check_inotify queued a critical alert: delivered by the queue within its retry."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any("failed" in m and "[sluice] reload of" in m
                                                   for m in sink_messages(sink_dir)):
        time.sleep(0.5)
    c.true("critical event (a reload that failed) mailed by the queue", any(
        "[sluice] reload of" in m for m in sink_messages(sink_dir)), str([m[:300] for m in sink_messages(sink_dir)]))
    sink.terminate()
    sink.wait(timeout=10)


def check_pause_restart(c, t):
    r = ctl(t, "execute", "pause")
    c.eq("execute pause", r.rc, 0)
    rc, _, reply = send_one(t, "ctl-paused")
    c.true("while paused the client is refused at once", rc != 0 and ("refused" in reply.lower() or "connect" in reply.lower()),
           reply)
    r = ctl(t, "show", "stats")
    c.true("sessions_paused_refused counted", re.search(r"^sessions_paused_refused\s+[1-9]", r.out, re.M) is not None, "")
    ctl(t, "execute", "resume")
    rc, _, _ = send_one(t, "ctl-resumed")
    c.eq("after resume: delivered", rc, 0)
    v = running_version(t)
    r = script(t, "config firewall vip\nedit mail-b\nset ports 25 2526\nset mappedport 25\nnext\nend\ncommit vip port\n")
    c.true("commit of a VIP change: waits for restart", r.rc == 0 and "firewall vip" in r.out and
           "execute restart workers" in r.out, repr(r))
    c.true("show policy: pending firewall vip",
           ctl(t, "show", "policy").field("pending 'execute restart workers'") == "firewall vip", "")
    rc, _, _ = send_one(t, "ctl-2526-before", server=VIP_B, port=2526)
    c.true("before the restart the new port is not served", rc != 0, "")
    r = ctl(t, "execute", "restart", "workers")
    c.true("execute restart workers", r.rc == 0 and f"workers restarted on version {v + 1}" in r.out, repr(r))
    rc, _, reply = send_one(t, "ctl-2526-after", server=VIP_B, port=2526)
    c.eq("after the restart the new port delivers", rc, 0)
    c.eq("show policy: nothing pending", ctl(t, "show", "policy").field("pending 'execute restart workers'"), "none")
    c.eq("version kept across the restart", running_version(t), v + 1)


def check_rotate(c, t):
    log = t.sluice_log
    shutil.move(log, log + ".1")
    r = ctl(t, "execute", "log", "rotate")
    c.eq("execute log rotate", r.rc, 0)
    rc, _, _ = send_one(t, "ctl-rotated")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (os.path.exists(log) and os.path.getsize(log) > 0):
        time.sleep(0.2)
    c.true("after rotation the record is in the new file", os.path.exists(log) and "ctl-rotated" in open(log).read(), "")


def check_inotify(c, t, sigfile):
    v = running_version(t)
    with open(sigfile + ".tmp", "w") as f:
        f.write("Ctl-Marker-Sig:0:*:" + b"ctl inotify marker string".hex() + "\n")
    os.rename(sigfile + ".tmp", sigfile)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and running_version(t) == v:
        time.sleep(0.2)
    c.eq("file change: a new version is published", running_version(t), v + 1)
    c.true("history: the reload names the file", ctl(t, "show", "history").has(f"reload: {sigfile}"), "")
    marker = os.path.join(t.dir, "marker.txt")
    open(marker, "w").write("xx ctl inotify marker string yy\n")
    r = ctl(t, "diagnose", "scan", "file", marker)
    c.true("the new signature is live", "Ctl-Marker-Sig" in r.field("verdict"), r.out[:300])
    with open(sigfile, "w") as f:
        f.write("Broken:0:*:zz-not-hex\n")
    time.sleep(2)
    c.eq("a broken file: the running version stays", running_version(t), v + 1)


def check_prometheus_syslog(c, t, prom_port, syslog_sock):
    body = urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/metrics", timeout=10).read().decode()
    c.true("prometheus: counters as exposition text", re.search(r"^# TYPE sluice_messages_logged counter$", body, re.M)
           is not None and re.search(r"^sluice_messages_logged [1-9]\d*$", body, re.M) is not None, body[:300])
    c.true("prometheus: policy version gauge", re.search(r"^sluice_policy_version \d+$", body, re.M) is not None, "")
    got = []
    syslog_sock.settimeout(0.5)
    try:
        while True:
            got.append(syslog_sock.recv(65536).decode(errors="replace"))
    except OSError:
        pass
    c.true("syslog: RFC 5424 records received", any(re.match(r"<\d+>1 \d{4}-\d\d-\d\dT", m) for m in got), str(got[:1]))
    c.true("syslog: they carry the JSON record with its policy version",
           any("smtp_message" in m and '"policy_version":' in m for m in got), str(got[:1])[:300])


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("the control plane")
    c = itlib.Checker("integration-control")
    prom_port, syslog_port, alert_port = free_port(), free_port(socket.SOCK_DGRAM), free_port()
    syslog_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    syslog_sock.bind(("127.0.0.1", syslog_port))
    t = itlib.topology.Topology(appliance="sluice", tls=itlib.topology.TlsOptions(backend_level="may"))
    sigfile = os.path.join(t.dir, "local.ndb")
    with open(sigfile, "w") as f:
        f.write("Ctl-Initial-Sig:0:*:" + b"ctl initial marker".hex() + "\n")
    t.sluice_conf_extra = f"""config smtp envelope
  set protected-domains sluice.test
end
config system control
  set probe-netns {t.mta}
  set drain-timeout 10
end
config antivirus
  set signature-files "{sigfile}"
end
config system prometheus
  set status enable
  set listen 127.0.0.1:{prom_port}
end
config log syslogd
  set status enable
  set server 127.0.0.1
  set port {syslog_port}
  set mode udp
end
config system alertemail
  set status enable
  set server 127.0.0.1
  set port {alert_port}
  set secure-option default
  set retry-interval 2
  set to admin@sluice.test
  set queue-dir "{os.path.join(t.dir, 'alerts')}"
  set timeout 5
end
"""
    with t:
        for check in (check_shows, check_session_and_log, check_config_errors, check_edit_commit_rollback,
                      check_trace, check_scan_file, check_probe, check_pause_restart, check_rotate):
            try:
                check(c, t)
            except Exception as e:  # a check that crashed is a failure, the others still run
                c.true(f"{check.__name__} ran", False, repr(e))
        sink, sink_dir = check_alertmail(c, t, alert_port)
        check_inotify(c, t, sigfile)
        check_alert_queue(c, t, sink, sink_dir)
        check_prometheus_syslog(c, t, prom_port, syslog_sock)
    c.finish()


if __name__ == "__main__":
    main()
