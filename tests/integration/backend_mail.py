"""What a Postfix instance of the topology stored, queued and logged, read for the inline-verdict tests.

Owns: parsing delivered Maildir files into headers and exact body bytes, waiting until a Postfix has
nothing left to do, changing a running Postfix's main.cf (postconf -e, then reload), reading its queue
(postqueue -j) and its log's per-message outcomes (queue id -> message-id, status=sent/bounced/deferred).
May call: tools/lib/topology.py (Postfix), postconf/postqueue inside the namespace.
"""
import json
import re
import time
from dataclasses import dataclass, field

from itlib import topology

run = topology.run


@dataclass
class Stored:
    path: str
    headers: dict = field(default_factory=dict)   # lower-case name -> [values], unfolded
    body: bytes = b""                              # after the blank line, as stored (LF line ends)

    def first(self, name):
        return self.headers.get(name, [""])[0]

    @property
    def subject(self):
        return self.first("subject")

    @property
    def return_path(self):
        return self.first("return-path").strip("<>")

    @property
    def delivered_to(self):
        return self.first("delivered-to")


def parse(path):
    with open(path, "rb") as f:
        raw = f.read()
    head, _, body = raw.partition(b"\n\n")
    headers = {}
    for line in re.sub(r"\n[ \t]+", " ", head.decode("latin-1")).split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    return Stored(path, headers, body)


def stored(pf):
    """Every message delivered to Postfix `pf`'s Maildir."""
    return [parse(p) for p in pf.delivered_files()]


def queue(pf):
    """postqueue -j of `pf`: one dict per queued message (queue_name, queue_id, recipients, ...)."""
    out = run(["ip", "netns", "exec", pf.ns, "postqueue", "-c", pf.conf, "-j"], check=False).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_quiet(pf, timeout, quiet_s=2.0, expect=None):
    """Waits until `pf`'s queue is empty (or only deferred, if expect='deferred-ok') and its Maildir has not
    changed for `quiet_s`; returns seconds waited."""
    t0 = time.monotonic()
    last, since = -1, time.monotonic()
    while time.monotonic() - t0 < timeout:
        n = len(pf.delivered_files())
        if n != last:
            last, since = n, time.monotonic()
        q = queue(pf)
        idle = all(m.get("queue_name") == "deferred" for m in q) if expect == "deferred-ok" else not q
        if idle and time.monotonic() - since >= quiet_s:
            break
        time.sleep(0.3)
    return time.monotonic() - t0


def reconfigure(pf, settings):
    """Sets main.cf parameters of the running Postfix `pf` and reloads it (new smtpd processes read them)."""
    for k, v in settings.items():
        run(["postconf", "-c", pf.conf, "-e", f"{k} = {v}"])
    pf.postfix("reload")
    time.sleep(1.0)       # master re-reads main.cf; idle smtpd processes are told to exit


_LINE = re.compile(r"postfix/(\w+)\[\d+\]: ([0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}): (.*)$")


def outcomes(pf):
    """From `pf`'s log: {message_id: {"queue_ids": [...], "status": [(status, recipient, detail)...]}}."""
    qid_mid, per_qid = {}, {}
    for line in pf.log().splitlines():
        m = _LINE.search(line)
        if not m:
            continue
        _, qid, rest = m.groups()
        if rest.startswith("message-id="):
            qid_mid[qid] = rest[len("message-id="):].strip().strip("<>")
            continue
        s = re.search(r"to=<([^>]*)>.*? status=(\w+) (.*)$", rest)
        if s:
            per_qid.setdefault(qid, []).append((s.group(2), s.group(1), s.group(3)))
    out = {}
    for qid, mid in qid_mid.items():
        e = out.setdefault(mid, {"queue_ids": [], "status": []})
        e["queue_ids"].append(qid)
        e["status"] += per_qid.get(qid, [])
    return out


def sessions(pf):
    """`pf`'s smtpd sessions from its log, in order: [{"pid", "client", "qids", "stats", "lines"}]; stats is
    the disconnect line's command counts ({"ehlo": "1", "rcpt": "0/1", ...}): what the backend was sent."""
    open_by_pid, out = {}, []
    for line in pf.log().splitlines():
        m = re.search(r"postfix/smtpd\[(\d+)\]: (.*)$", line)
        if not m:
            continue
        pid, rest = m.groups()
        if rest.startswith("connect from "):
            s = {"pid": pid, "client": rest.rsplit("[", 1)[1].rstrip("]"), "qids": [], "stats": {}, "lines": []}
            open_by_pid[pid] = s
            out.append(s)
            continue
        s = open_by_pid.get(pid)
        if s is None:
            continue
        s["lines"].append(rest)
        q = re.match(r"([0-9A-Za-z]+): client=", rest)
        if q:
            s["qids"].append(q.group(1))
        if rest.startswith("disconnect from "):
            s["stats"] = dict(kv.split("=", 1) for kv in rest.split()[3:] if "=" in kv)
            del open_by_pid[pid]
    return out


def session_of(pf, qid):
    """The smtpd session of `pf` that queued `qid`, or None."""
    return next((s for s in sessions(pf) if qid in s["qids"]), None)


def queued_id(reply_text):
    """The queue id in a Postfix "250 2.0.0 Ok: queued as QID" reply ("" if none)."""
    m = re.search(r"queued as ([0-9A-Za-z]+)", reply_text)
    return m.group(1) if m else ""
