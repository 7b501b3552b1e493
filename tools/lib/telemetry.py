#!/usr/bin/env python3
"""Reads a running `sluice`'s counters over DPDK telemetry (the v2 socket every EAL process opens).

Owns: the client side of /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2 (AF_UNIX, SOCK_SEQPACKET: on
connect the process sends a JSON hello naming max_output_len; each command is one message, each answer
one JSON message). May call: the socket only. Same protocol as DPDK's own usertools/dpdk-telemetry.py.

    telemetry.py --file-prefix sluice-it-123 [/sluice/stats]
"""
import argparse
import json
import os
import socket
import sys


def socket_path(file_prefix, runtime_dir="/var/run/dpdk"):
    return os.path.join(runtime_dir, file_prefix, "dpdk_telemetry.v2")


def query(file_prefix, command="/sluice/stats", timeout=5.0, runtime_dir="/var/run/dpdk"):
    """Sends one command, returns the decoded JSON answer, e.g. {"/sluice/stats": {...}}."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(timeout)
        s.connect(socket_path(file_prefix, runtime_dir))
        hello = json.loads(s.recv(1 << 16).decode())
        s.send(command.encode())
        return json.loads(s.recv(int(hello.get("max_output_len", 1 << 16))).decode())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file-prefix", required=True, help="the EAL --file-prefix of the sluice process")
    ap.add_argument("command", nargs="?", default="/sluice/stats")
    ap.add_argument("--runtime-dir", default="/var/run/dpdk")
    a = ap.parse_args()
    try:
        print(json.dumps(query(a.file_prefix, a.command, runtime_dir=a.runtime_dir), indent=2))
    except OSError as e:
        print(f"telemetry: {socket_path(a.file_prefix, a.runtime_dir)}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
