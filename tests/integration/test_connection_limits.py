#!/usr/bin/env python3
"""Connections per client (THREATS RES-2), against real Linux TCP clients in the `mta` namespace and the real
Postfix backend: with `max-connections-per-client 3`, three idle sessions from one address get the backend's
banner; the fourth reads `421 4.7.0 Error: too many connections from <address>` and then end of file (the
appliance's stateless refusal: a SYN cookie, then one segment with the reply and FIN), and no backend connection
is made for it; another client address is served meanwhile; closing one session makes room at once. The
refusals are counted in `sessions_refused_client_limit`."""
import json

import itlib
from itlib import CLIENT4, CLIENT4_B, VIP_A

LIMIT = 3
CONF = f"config system session\n  set max-connections-per-client {LIMIT}\nend\n"

# Runs in the client namespace: opens sessions as told, prints what each one read (JSON).
CLIENT = r"""
import json, socket, sys, time
vip, a, b, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def connect(src):
    s = socket.create_connection((vip, 25), timeout=10, source_address=(src, 0))
    return s
def first_line(s):
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(512)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")
def until_eof(s):
    data = b""
    try:
        while True:
            chunk = s.recv(512)
            if not chunk:
                return data.decode(errors="replace"), "eof"
            data += chunk
    except ConnectionResetError:
        return data.decode(errors="replace"), "reset"
    except socket.timeout:
        return data.decode(errors="replace"), "timeout"
out = {}
held = [connect(a) for _ in range(limit)]
out["held"] = [first_line(s) for s in held]
t0 = time.monotonic()
over = connect(a)
out["over"], out["over_end"] = until_eof(over)
out["over_s"] = round(time.monotonic() - t0, 3)
other = connect(b)
out["other"] = first_line(other)
held[0].sendall(b"QUIT\r\n")
out["quit"] = first_line(held[0])
held[0].close()
time.sleep(0.5)
again = connect(a)
out["again"] = first_line(again)
for s in held[1:] + [other, again]:
    s.sendall(b"QUIT\r\n")
    first_line(s)
    s.close()
print(json.dumps(out))
"""


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("connection-limits")
    with itlib.Topology(appliance="sluice", sluice_conf_extra=CONF) as t:
        print(f"appliance {t.appliance}, topology up in {t.setup_s:.1f} s", flush=True)
        before = t.flow_counts()
        p = t.ns(t.mta, itlib.sys.executable, "-c", CLIENT, VIP_A, CLIENT4, CLIENT4_B, str(LIMIT), check=False,
                 timeout=60)
        c.true("client script ran", p.returncode == 0, p.stderr[-400:])
        if p.returncode != 0:
            c.finish()
        r = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"client saw: {r}", flush=True)
        c.true(f"the {LIMIT} sessions within the limit got the backend's banner",
               all(line.startswith("220 ") for line in r["held"]), str(r["held"]))
        c.eq(f"session {LIMIT + 1} from {CLIENT4} is refused ({r['over_s']} s, then {r['over_end']})",
             r["over"], f"421 4.7.0 Error: too many connections from {CLIENT4}\r\n")
        c.true("the refusal ends the connection (end of file or reset after the reply)",
               r["over_end"] in ("eof", "reset"), r["over_end"])
        c.true(f"another client ({CLIENT4_B}) is served meanwhile", r["other"].startswith("220 "), r["other"])
        c.true("QUIT on a held session gets 221", r["quit"].startswith("221"), r["quit"])
        c.true("after one session closed, the client is served again", r["again"].startswith("220 "), r["again"])
        after = t.flow_counts()
        refused = after.get("sessions_refused_client_limit", 0) - before.get("sessions_refused_client_limit", 0)
        c.eq("sessions_refused_client_limit", refused, 1)
        opened = after.get("sessions_opened", 0) - before.get("sessions_opened", 0)
        c.eq("sessions opened (no backend dial for the refused one)", opened, LIMIT + 2)
    c.finish()


if __name__ == "__main__":
    main()
