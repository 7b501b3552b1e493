"""Writes classic libpcap files of TCP conversations, byte-exact and deterministic.

Used by tools/make-corpus to turn SMTP dialogues into captures the offline pipeline reads through DPDK's
net_pcap PMD. Only the standard library: no scapy, so a fresh machine needs nothing extra.
"""
import struct

MSS = 1460


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class PcapWriter:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t_us = 1_700_000_000 * 1_000_000

    def frame(self, data: bytes, gap_us=100):
        self.t_us += gap_us
        self.f.write(struct.pack("<IIII", self.t_us // 1_000_000, self.t_us % 1_000_000, len(data), len(data)))
        self.f.write(data)

    def close(self):
        self.f.close()


class TcpConversation:
    """One TCP connection between client and server; tracks sequence numbers of both sides."""

    def __init__(self, writer, client, server, cport, sport, ipv6=False, vlan=None, isn=(1000, 5000)):
        self.w, self.client, self.server = writer, client, server
        self.cport, self.sport, self.ipv6, self.vlan = cport, sport, ipv6, vlan
        self.seq = {True: isn[0], False: isn[1]}   # True = client side

    def _ip(self, from_client, tcp: bytes) -> bytes:
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        if self.ipv6:
            pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
            tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
            return struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst + tcp
        pseudo = src + dst + struct.pack("!xBH", 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
        header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
        return header + tcp

    def packet(self, from_client, flags, payload=b"", seq=None, gap_us=100):
        me = from_client
        s = self.seq[me] if seq is None else seq
        ack = self.seq[not me]
        sport, dport = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, s & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        ip = self._ip(from_client, tcp + payload)
        ether_type = 0x86DD if self.ipv6 else 0x0800
        l2 = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
        if self.vlan is not None:
            l2 += struct.pack("!HH", 0x8100, self.vlan)
        self.w.frame(l2 + struct.pack("!H", ether_type) + ip, gap_us)
        return s

    def handshake(self):
        self.packet(True, 0x02)
        self.seq[True] += 1
        self.packet(False, 0x12)
        self.seq[False] += 1
        self.packet(True, 0x10)

    def send(self, from_client, data: bytes, reorder=False):
        """Sends data in MSS segments; with reorder, each pair of segments goes out swapped."""
        segments = []
        for i in range(0, len(data), MSS):
            segments.append((self.seq[from_client] + i, data[i:i + MSS]))
        if reorder:
            for i in range(0, len(segments) - 1, 2):
                segments[i], segments[i + 1] = segments[i + 1], segments[i]
        for s, chunk in segments:
            self.packet(from_client, 0x18, chunk, seq=s)
        self.seq[from_client] += len(data)
        self.packet(not from_client, 0x10)

    def close(self):
        self.packet(True, 0x11)
        self.seq[True] += 1
        self.packet(False, 0x11)
        self.seq[False] += 1
        self.packet(True, 0x10)
