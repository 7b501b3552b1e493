#!/usr/bin/env python3
"""What happens to a sender whose TLS Sluice refuses (issue 5, `unsupported-ssl-*`; FIELD-NOTES "unsupported SSL
versions ... allow or block").

- `close` (the default): the handshake fails with an alert, Sluice logs a `tls_failure` record naming the reason
  and what the client offered, and closes. A real sending Postfix (smtp_tls_security_level = may) limited to
  TLS 1.2 against a profile with min-version tls1.3 then retries in plaintext, as large senders do: the message is
  delivered once, and inspected (its record has no `tls`).
- `block`: the same failure also refuses that client's next connections (RST to its SYN, counter `tls_blocked`)
  for unsupported-ssl-block-time, on every VIP port with a TLS profile; other clients are not affected.
The backend accepts plaintext here (backend_level may): a plaintext client session keeps a plaintext backend leg.
"""
import os
import re
import sys
import time

import backend_mail
import itlib
from itlib import VIP_A, VIP_B, mailgen, topology

BLOCK_TIME_S = 20
PROBE = r"""
import socket, ssl, sys
vip = sys.argv[1]
s = socket.create_connection((vip, 25), 10)
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        line = f.readline().decode()
        lines.append(line.strip())
        if len(line) < 4 or line[3] != "-":
            return lines
reply()
s.sendall(b"EHLO probe.test\r\n"); reply()
s.sendall(b"STARTTLS\r\n"); print("starttls:", reply()[-1])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
try:
    ctx.wrap_socket(s, server_hostname="mail.sluice.test")
    print("handshake: ok")
except (ssl.SSLError, OSError) as e:
    print("handshake: failed", type(e).__name__)
try:
    s2 = socket.create_connection((vip, 25), 5)
    print("reconnect: banner", s2.recv(100)[:3].decode())
except ConnectionRefusedError:
    print("reconnect: refused")
"""


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("unsupported-ssl-* is Sluice's policy")
    c = itlib.Checker("tls-fallback")
    opts = topology.TlsOptions(
        profiles={"close": {"min-version": "tls1.3"},
                  "block": {"min-version": "tls1.3", "unsupported-ssl-version": "block",
                            "unsupported-ssl-block-time": str(BLOCK_TIME_S)}},
        vip_profiles={"mail-a": "close", topology.TLS_VIP: "close", "mail-b": "block", "mail-v6": "close"},
        backend_level="may", sender_level="may")
    with topology.Topology(tls=opts, mta_postfix=True, sender_extra={"smtp_tls_protocols": "!TLSv1.3"}) as t:
        # close: the sending Postfix falls back to plaintext and the message is delivered, inspected.
        m = mailgen.make("fallback-0", 5000, sender="fallback-0@client.test")
        p = t.ns(t.mta, sys.executable, os.path.join(itlib.ROOT, "tools", "lib", "smtpclient.py"), "send",
                 "--server", "127.0.0.1", "--sender", "fallback-0@client.test", mailgen.write(m, t.dir),
                 check=False, timeout=120)
        c.true("close: message submitted to the sending Postfix", p.returncode == 0, p.stderr[-200:])
        backend_mail.wait_quiet(t.sender, 90)
        log = t.sender.log()
        failed = re.findall(r".*(?:SSL_connect error|TLS handshake failed|handshake failure|protocol version).*", log)
        c.true("close: the sending Postfix saw the handshake fail", bool(failed), (failed or [log[-300:]])[0][-200:])
        sent = re.findall(r"status=sent \(([^)]*)\)", log)
        c.true(f"close: the sending Postfix then delivered in plaintext: {sent[-1:]}", bool(sent), log[-400:])
        stored = [f for f in t.backend.delivered_files() if "fallback-0" in open(f, errors="replace").read()]
        c.eq("close: stored once at the backend", len(stored), 1)
        records = t.sluice_records()
        failures = [r for r in records if r.get("event_type") == "tls_failure" and r.get("dest_ip") == VIP_A]
        c.true(f"close: tls_failure record: {failures[:1]}", bool(failures) and failures[0]["action"] == "close" and
               failures[0]["leg"] == "client" and "TLSv1.2" in failures[0]["offered_versions"] and
               "version" in failures[0]["reason"])
        msgs = [r for r in records if r.get("event_type") == "smtp_message" and
                r.get("smtp", {}).get("mail_from") == "fallback-0@client.test"]
        c.true("close: the plaintext retry was inspected (a record without tls, verdict pass)",
               len(msgs) == 1 and "tls" not in msgs[0] and msgs[0]["verdict"]["action"] == "pass", str(msgs)[:300])

        # block: one failed handshake refuses the client's next SYNs on that VIP; others still connect.
        out = t.ns(t.mta, sys.executable, "-c", PROBE, VIP_B, check=False, timeout=60).stdout
        c.true(f"block: STARTTLS granted, then the TLS 1.2-only handshake failed: {out.split(chr(10))[:2]}",
               "starttls: 220" in out and "handshake: failed" in out)
        c.true("block: the same client's next connection is refused (RST)", "reconnect: refused" in out, out)
        other = t.ns(t.mta, sys.executable, "-c",
                     f"import socket; s=socket.create_connection(('{VIP_B}',25),5,source_address=('{topology.CLIENT4_C}',0));"
                     "print(s.recv(100)[:3].decode())", check=False, timeout=30).stdout.strip()
        c.eq("block: another client still gets the banner", other, "220")
        stats = itlib.topology.telemetry.query(t.file_prefix, "/sluice/stats")["/sluice/stats"]
        c.true(f"block: tls_blocked {stats['tls_blocked']}, tls_handshake_failures {stats['tls_handshake_failures']}",
               stats["tls_blocked"] >= 1 and stats["tls_handshake_failures"] >= 2)
        blocked = [r for r in t.sluice_records() if r.get("event_type") == "tls_failure" and r.get("dest_ip") == VIP_B]
        c.true("block: its tls_failure record says action block", bool(blocked) and blocked[-1]["action"] == "block",
               str(blocked[-1:])[:300])
    c.finish()


if __name__ == "__main__":
    main()
