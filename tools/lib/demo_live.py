#!/usr/bin/env python3
"""The live demo (tools/demo): builds the topology of tools/lib/topology.py — namespaces `mta` and `mx`, a
real Postfix backend, the appliance between them — sends real mail through it with swaks, prints each
message as the backend stored it and the appliance's per-message log, and tears everything down.

Owns: the demo's messages and what it prints. May call: tools/lib/topology.py, mailgen.py, swaks.
    demo_live.py [--appliance sluice|kernel] [--keep]
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailgen  # noqa: E402
import topology  # noqa: E402
from topology import CLIENT4, CLIENT4_C, CLIENT6, PASSTHROUGH_PORT, VIP6, VIP_A, VIP_B  # noqa: E402

EICAR = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def eicar_message():
    """A message with the EICAR test file as a base64 attachment: inspected ports must refuse it."""
    import base64
    b64 = base64.b64encode(EICAR.encode()).decode()
    data = ("From: <sender@client.test>\r\nTo: <user@sluice.test>\r\nSubject: demo eicar\r\n"
            f"{mailgen.ID_HEADER}: demo-eicar\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
            "see attachment\r\n--b1\r\nContent-Type: application/octet-stream; name=\"eicar.com\"\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"eicar.com\"\r\n\r\n"
            f"{b64}\r\n--b1--\r\n").encode()
    return mailgen.Sent("demo-eicar", data, mailgen.body_sha256(data.partition(b"\r\n\r\n")[2]), len(data))


# The demo's policy on top of the topology's: relay only for the backend's domain.
DEMO_CONF = f"""config smtp envelope
  set protected-domains {topology.MAIL_DOMAIN}
end
"""


def swaks(t, sent, server, port, source, to="user@sluice.test"):
    path = mailgen.write(sent, t.dir, for_swaks=True)
    argv = ["ip", "netns", "exec", t.mta, "swaks", "--server", server, "--port", str(port), "--from",
            "sender@client.test", "--to", to, "--data", "@" + path, "--suppress-data",
            "--local-interface", source, "--timeout", "60"] + (["-6"] if ":" in server else [])
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True)
    lines = [ln.strip() for ln in (p.stdout + p.stderr).splitlines() if ln.strip().startswith(("<-", "<**", "***"))]
    final = [ln for ln in lines if not ln.startswith("<-  221")]
    return time.monotonic() - t0, final[-1] if final else "(no reply)"


def demo_sluicectl(t):
    """The control plane on the running daemon: its policy, a commit of a new anti-spam rule (a new version
    for new sessions), and the probe a mail administrator runs first."""
    ctl = [topology.sluicectl_binary(), "-s", t.control_socket]
    steps = [
        ("sluicectl show policy", ctl + ["show", "policy"], None),
        ("sluicectl < commit a rule", ctl, "config spamfilter rule\nedit demo-rule\nset pattern \"lottery winner\"\n"
                                           "set score 3\nnext\nend\nshow diff\ncommit demo rule\n"),
        ("sluicectl show session", ctl + ["show", "session"], None),
        ("sluicectl show history", ctl + ["show", "history"], None),
    ]
    print("\n== control plane (sluicectl against the running daemon)")
    for title, argv, stdin in steps:
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120)
        print(f"   $ {title}")
        for line in (p.stdout + p.stderr).splitlines():
            print(f"     {line}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--appliance", choices=["sluice", "kernel"])
    ap.add_argument("--keep", action="store_true", help="leave the namespaces and files for a look around")
    a = ap.parse_args()
    ok, why = topology.can_run()
    if not ok:
        print(f"demo: the live demo needs root and network namespaces ({why}); tools/demo --offline runs "
              "the capture demo", file=sys.stderr)
        return 1
    with topology.Topology(appliance=a.appliance, keep=a.keep, sluice_conf_extra=DEMO_CONF) as t:
        print(f"== topology ({t.appliance} appliance, up in {t.setup_s:.1f} s)")
        print(f"   {t.mta}: clients {CLIENT4} {CLIENT4_C} {CLIENT6} on {t.mta_if}")
        print(f"   {t.mx}: Postfix on {topology.BACKEND4}:25 and [{topology.BACKEND6}]:25 on {t.mx_if}")
        print(f"   VIPs {VIP_A}:25 {VIP_B}:25 [{VIP6}]:25 (inspected), {VIP_A}:{PASSTHROUGH_PORT} (DNAT only)")
        to = "user@sluice.test"
        sends = [(mailgen.make("demo-small", 2 * 1024), VIP_A, 25, CLIENT4, to),
                 (mailgen.make("demo-1mb", 1024 * 1024), VIP_B, 25, CLIENT4_C, to),
                 (mailgen.make("demo-ipv6", 20 * 1024), VIP6, 25, CLIENT6, to),
                 (mailgen.make("demo-passthrough", 4 * 1024), VIP_A, PASSTHROUGH_PORT, CLIENT4, to),
                 (eicar_message(), VIP_A, 25, CLIENT4, to),
                 (mailgen.make("demo-relay", 1024), VIP_A, 25, CLIENT4, "someone@elsewhere.test")]
        print("\n== swaks from mta (the reply each client got to its message)")
        for sent, server, port, source, rcpt in sends:
            secs, reply = swaks(t, sent, server, port, source, rcpt)
            print(f"   {sent.test_id:18} {sent.size:>8} B  {source:>16} -> {server}:{port:<5} {secs:5.2f} s  {reply}")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not t.backend.queue_empty():
            time.sleep(0.3)
        time.sleep(0.5)
        print("\n== delivered to the backend's Maildir (what Postfix in mx stored)")
        sent_by_id = {s.test_id: s for s, *_ in sends}
        print("   (the EICAR message was refused in the SMTP transaction and the relay attempt at RCPT: neither is "
              "here)" if t.appliance == "sluice" else "")
        for path in t.backend.delivered_files():
            d = mailgen.parse(path)
            s = sent_by_id.get(d.test_id)
            same = "body intact" if s and s.body_sha256 == d.body_sha256 else "BODY DIFFERS"
            print(f"   {d.test_id:18} client seen {d.client_ip:>16}  sha256 {d.body_sha256[:16]}  {same}")
        print("\n== appliance")
        if t.appliance == "sluice":
            try:
                with open(t.sluice_log) as f:
                    for line in f:
                        r = json.loads(line)
                        verdict, relay = r.get("verdict", {}), r.get("relay", {})
                        print(f"   {r.get('id', '')} {r.get('src_ip')} -> {r.get('dest_ip')}:{r.get('dest_port')}  "
                              f"{r.get('email', {}).get('subject', '')!r:24} {verdict.get('action')} "
                              f"{' '.join(verdict.get('reasons', []))}  client heard {relay.get('client_reply')}, "
                              f"verdict in {relay.get('verdict_latency_us')} us")
            except OSError:
                print("   (no message log)")
            try:
                counts = {k: v for k, v in t.flow_counts().items() if v}
                print(f"   counters (non-zero, DPDK telemetry /sluice/stats): {json.dumps(counts)}")
            except OSError as e:
                print(f"   counters: telemetry unavailable ({e})")
            demo_sluicectl(t)
        else:
            print("   the kernel stand-in (nftables DNAT) forwards without inspection: the EICAR message is "
                  "delivered; no message log")
            print(f"   conntrack: {json.dumps(t.flow_counts())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
