#!/usr/bin/env python3
"""Backend down (issue 3, acceptance 3). Postfix in `mx` stopped: swaks to every VIP gets a refused or
closed connection in under 5 s, never a hang. Backend killed in the middle of DATA: the client gets no
250 for that message (an error reply, or a reset/closed connection within a bound) and nothing is
delivered."""
import json
import os
import subprocess
import time

import itlib
from itlib import CLIENT4, PASSTHROUGH_PORT, VIP6, VIP_A, VIP_B, mailgen

REFUSE_BOUND_S = 5.0
MIDDATA_SIZE = 2 * 1024 * 1024
MIDDATA_BOUND_S = 30.0        # the client's wait for the final reply after sending the end of data


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("backend-down")
    with itlib.Topology() as t:
        print(f"appliance {t.appliance}, topology up in {t.setup_s:.1f} s", flush=True)

        # 1. Backend stopped cleanly: nothing listens on 10.0.0.25:25 / [fd00:25::25]:25.
        t.backend.stop()
        msg = mailgen.make("down-1", 1024)
        path = mailgen.write(msg, t.dir, for_swaks=True)
        for server, port in ((VIP_A, 25), (VIP_B, 25), (VIP6, 25), (VIP_A, PASSTHROUGH_PORT)):
            rc, secs, reply = itlib.swaks(t, path, server, port, timeout=30)
            c.true(f"backend stopped: swaks to {server}:{port} fails in {secs:.2f} s (bound {REFUSE_BOUND_S:.0f} s)",
                   rc != 0 and secs < REFUSE_BOUND_S, f"exit {rc}, {reply!r}")

        # 2. Backend killed in the middle of DATA.
        t.backend.start()
        msg = mailgen.make("middata-1", MIDDATA_SIZE)
        path = mailgen.write(msg, t.dir)
        client = subprocess.Popen(["ip", "netns", "exec", t.mta, itlib.sys.executable,
                                   os.path.join(itlib.ROOT, "tools", "lib", "smtpclient.py"), "middata",
                                   "--server", VIP_A, "--source", CLIENT4, "--timeout", str(MIDDATA_BOUND_S), path],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        half = client.stdout.readline().strip()
        c.eq("client sent half of the body", half, "HALF")
        time.sleep(0.5)      # the half is through the appliance and in the backend's smtpd
        killed = t.kill_backend()
        time.sleep(0.5)
        c.true(f"backend killed: SIGKILL to {len(killed)} processes in {t.mx} (master and smtpd)", len(killed) >= 2)
        t0 = time.monotonic()
        out, _ = client.communicate("GO\n", timeout=MIDDATA_BOUND_S + 30)
        elapsed = time.monotonic() - t0
        result = json.loads(out.strip().splitlines()[-1])
        c.true(f"mid-DATA: client outcome {result['outcome']} {result['code'] or ''} after {result['seconds']:.2f} s "
               f"(bound {MIDDATA_BOUND_S:.0f} s)",
               result["outcome"] in ("reset", "closed") or (result["outcome"] == "reply" and result["code"] != 250),
               json.dumps(result))
        c.true(f"mid-DATA: client finished in {elapsed:.2f} s", elapsed < MIDDATA_BOUND_S + 5)
        c.true("mid-DATA: no 250 for the message", result["code"] != 250)

        # Restarted, the backend delivers nothing of the half-received message, and takes mail again.
        t.backend.start()
        ok = mailgen.make("after-restart", 1024)
        rc, secs, reply = itlib.swaks(t, mailgen.write(ok, t.dir, for_swaks=True), VIP_A, 25, CLIENT4)
        c.true(f"after restart: swaks delivers in {secs:.2f} s", rc == 0 and " 250 " in reply, reply)
        itlib.wait_delivered(t, 1, 30)
        delivered = mailgen.index(t.backend.delivered_files())
        c.eq("mid-DATA message delivered copies", len(delivered.get("middata-1", [])), 0)
        itlib.check_messages(c, delivered, [ok], CLIENT4, "after restart")
    c.finish()


if __name__ == "__main__":
    main()
