#!/usr/bin/env python3
"""QUIT over TLS with the TLS pool on its own lcore (issue 8, task Q): every swaks session that got its 250 also
gets `221` to its QUIT.

`config system tls workers 1`, the backend Postfix at smtpd_tls_security_level = may (Sluice re-encrypts to it
over STARTTLS). On QUIT the backend sends 221, its close_notify and FIN; our close_notify then reaches a closed
socket and the backend's kernel answers RST. The RST crosses to the client once the relay has nothing of the
backend's left (reassembly/split_proxy.cc, carry_close), and a RST throws away whatever the client leg still had
queued. With the TLS pool the client's 221 is encrypted on the TLS lcore a little later than the RST arrives, so
it used to be in the client leg's send queue, not on the wire, when the RST crossed: swaks saw the connection
close instead of 221 in 8-9 sessions of 10 (dataplane/proxy_session.cc, drained()).

Checks: SESSIONS STARTTLS sessions on 25 and SMTPS_SESSIONS implicit ones on 465, one after another: each gets
250 for its message and 221 for its QUIT; the figure (sessions with 221 out of N) is printed.
"""
import sys

import itlib
import tls_clients as tc
import topology
from itlib import VIP_A, mailgen

SESSIONS = 10          # STARTTLS on 25: the case of the report
SMTPS_SESSIONS = 4     # implicit TLS on 465, backend implicit too: the same end of session
SWAKS_TIMEOUT_S = 30


def one_session(t, label, port):
    """(got 250, got 221, swaks' last lines) for one swaks session to VIP A."""
    msg = mailgen.make(label, 4096)
    path = mailgen.write(msg, t.dir, for_swaks=True)
    r = tc.swaks_tls(t, VIP_A, port, "sender@client.test", path, mode="tlsc" if port == 465 else "tls",
                     timeout=SWAKS_TIMEOUT_S)
    replies = [ln for ln in r["lines"] if ln.startswith(("<~ ", "<- "))]
    got_250 = any(ln[3:].lstrip().startswith("250 ") and "queued" in ln for ln in replies) or \
        r["reply"].lstrip("<~- ").startswith("250")
    got_221 = any(ln[3:].lstrip().startswith("221") for ln in replies)
    return got_250, got_221, " | ".join(r["lines"][-3:])


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("the TLS pool (config system tls workers) is Sluice's own")
    c = itlib.Checker("tls-quit")
    tls = topology.TlsOptions(system={"workers": "1"}, backend_level="may")
    with itlib.Topology(appliance="sluice", tls=tls) as t:
        for port, count in ((25, SESSIONS), (465, SMTPS_SESSIONS)):
            results = [one_session(t, f"quit-{port}-{i}", port) for i in range(count)]
            acked = sum(1 for ok250, _, _ in results if ok250)
            quit_ok = sum(1 for _, ok221, _ in results if ok221)
            missing = [tail for ok250, ok221, tail in results if not ok221]
            print(f"tls quit figures: port {port}, tls workers 1: {acked}/{count} got 250, "
                  f"{quit_ok}/{count} got 221 to QUIT", flush=True)
            c.true(f"port {port}, tls workers 1: {acked} of {count} sessions got 250", acked == count)
            c.true(f"port {port}, tls workers 1: {quit_ok} of {count} sessions got 221 to QUIT", quit_ok == count,
                   "; ".join(missing[:3]))
    c.finish()


if __name__ == "__main__":
    sys.exit(main())
