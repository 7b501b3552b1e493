#!/usr/bin/env python3
"""A user-space netem: bridges two interfaces frame by frame and impairs both directions.

Owns: two AF_PACKET sockets and a schedule of delayed frames. May call: nothing but the sockets.
Why it exists: the test machines' kernel is built without sch_netem (CONFIG_NET_SCH_NETEM is not set), so
`tc qdisc ... netem` fails; the impairment the integration tests need is applied here with netem's meaning:
  --loss P          drop P % of frames
  --delay-ms D      hold the others D ms
  --reorder P C     P % of frames (correlation C %) skip the delay: they overtake the held ones
  --duplicate P     send P % of frames twice
Frames must be complete (the harness turns checksum offload, TSO/GSO and GRO off on these links).

    impair.py IFACE_A IFACE_B --loss 5 --delay-ms 20 --reorder 25 50 --duplicate 1 --seed 1
Prints its counters (one JSON line) on SIGUSR1 and on SIGTERM.
"""
import argparse
import heapq
import json
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
BURST = 64          # frames drained from one socket per wake-up
RCVBUF = 8 << 20    # a full window of both directions fits while we are descheduled


class Correlated:
    """A correlated yes/no source whose long-run rate is exactly `pct`: with probability `corr` the previous
    answer repeats, else a fresh draw. (netem's own `c * last + (1 - c) * uniform` narrows the spread and
    so reorders far fewer than the asked-for share of frames.)"""

    def __init__(self, rng, pct, corr_pct):
        self.rng, self.p, self.c = rng, pct / 100.0, corr_pct / 100.0
        self.last = self.rng.random() < self.p

    def __call__(self):
        if self.rng.random() >= self.c:
            self.last = self.rng.random() < self.p
        return self.last


def open_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, RCVBUF)
    s.bind((iface, 0))
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, nargs=2, default=(0.0, 0.0), metavar=("PCT", "CORR"))
    ap.add_argument("--duplicate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    reorder = Correlated(random.Random(a.seed + 1), a.reorder[0], a.reorder[1])
    delay = a.delay_ms / 1000.0
    sa, sb = open_socket(a.a), open_socket(a.b)
    peer = {sa.fileno(): sb, sb.fileno(): sa}
    stats = {"frames": 0, "lost": 0, "duplicated": 0, "reordered": 0, "delayed": 0, "send_errors": 0}
    held = []   # (due, seq, socket, frame)
    seq = 0
    running, report = [True], [False]

    def stop(*_):
        running[0] = False

    def want_report(*_):
        report[0] = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGUSR1, want_report)

    def send(sock, frame):
        try:
            sock.send(frame)
        except OSError:
            stats["send_errors"] += 1

    poller = select.poll()
    poller.register(sa, select.POLLIN)
    poller.register(sb, select.POLLIN)
    print(f"impair: {a.a} <-> {a.b} loss {a.loss}% delay {a.delay_ms}ms reorder {a.reorder[0]}% "
          f"{a.reorder[1]}% duplicate {a.duplicate}% seed {a.seed}", flush=True)
    while running[0]:
        if report[0]:
            report[0] = False
            print("impair: " + json.dumps(stats), flush=True)
        now = time.monotonic()
        timeout = max(0.0, held[0][0] - now) * 1000.0 if held else 500.0
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            continue
        for fd, _ in events:
            src = sa if fd == sa.fileno() else sb
            out = peer[fd]
            for _ in range(BURST):
                try:
                    frame, addr = src.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue            # our own transmissions, seen again by the packet tap
                stats["frames"] += 1
                if rng.random() * 100.0 < a.loss:
                    stats["lost"] += 1
                    continue
                copies = 1
                if rng.random() * 100.0 < a.duplicate:
                    copies, stats["duplicated"] = 2, stats["duplicated"] + 1
                now = time.monotonic()
                for _ in range(copies):
                    if delay <= 0.0:
                        send(out, frame)
                    elif reorder():
                        stats["reordered"] += 1
                        send(out, frame)
                    else:
                        stats["delayed"] += 1
                        seq += 1
                        heapq.heappush(held, (now + delay, seq, out, frame))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, out, frame = heapq.heappop(held)
            send(out, frame)
    print("impair: " + json.dumps(stats), flush=True)


if __name__ == "__main__":
    sys.exit(main())
