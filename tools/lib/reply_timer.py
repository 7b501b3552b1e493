#!/usr/bin/env python3
"""One-way latency of SMTP replies: a backend that stamps each reply as it sends it, a client that stamps each
reply as it arrives. Both sides read CLOCK_MONOTONIC, which every network namespace of one host shares, so
client_stamp - server_stamp is the time a reply spent between the backend's send() and the client's recv().

  reply_timer.py server HOST PORT STAMPS_FILE COUNT   # banner + COUNT replies, one per NOOP, then exits
  reply_timer.py client HOST PORT STAMPS_FILE COUNT   # reads the banner, sends COUNT NOOPs one at a time
Stamps files hold one integer (ns) per reply, banner first.
"""
import socket
import sys
import time


def server(host, port, out, count):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(4)
        print("listening", flush=True)
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stamps = [time.monotonic_ns()]
        conn.sendall(b"220 timer.test ESMTP\r\n")
        pending = b""
        while len(stamps) <= count:
            data = conn.recv(4096)
            if not data:
                break
            pending += data
            while b"\r\n" in pending and len(stamps) <= count:
                _, pending = pending.split(b"\r\n", 1)
                stamps.append(time.monotonic_ns())
                conn.sendall(b"250 2.0.0 Ok\r\n")
        conn.close()
    with open(out, "w") as f:
        f.write("\n".join(str(s) for s in stamps) + "\n")


def client(host, port, out, count):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_connection((host, port), timeout=20) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stamps = []
        buffered = b""

        def read_reply():
            nonlocal buffered
            while b"\r\n" not in buffered:
                data = conn.recv(4096)
                if not data:
                    raise RuntimeError("connection closed before a reply")
                buffered += data
            stamps.append(time.monotonic_ns())
            _, buffered = buffered.split(b"\r\n", 1)

        read_reply()
        for _ in range(count):
            conn.sendall(b"NOOP\r\n")
            read_reply()
    with open(out, "w") as f:
        f.write("\n".join(str(s) for s in stamps) + "\n")


if __name__ == "__main__":
    role, host, port, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    (server if role == "server" else client)(host, port, out, count)
