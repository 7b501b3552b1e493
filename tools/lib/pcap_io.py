"""tools/lib/pcap_io.py — classic pcap files in and out, and the Internet checksum arithmetic to rewrite their frames.

Owns: reading a whole classic pcap (both byte orders, microsecond and nanosecond magic) into (timestamp_ns, bytes,
original length) records; a buffered writer of Ethernet pcaps in either resolution; RFC 1071 sums and the RFC 1624
terms for incremental updates. Used by tools/trex-amplify. May call: the Python standard library only.
"""
import struct

LINKTYPE_ETHERNET = 1

# pcap magic (as read little-endian) -> (struct byte order, nanoseconds per fractional unit)
PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),   # microsecond
    b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1),         # nanosecond
}



class PcapError(ValueError):
    """The file is not a classic pcap this reader knows."""


# Checksums (RFC 1071 sums, RFC 1624 incremental updates)

def fold(total):
    """One's-complement fold of an unbounded sum into 16 bits."""
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def sum16(data):
    """Sum of the big-endian 16-bit words of `data` (odd length padded with zero), unfolded."""
    if len(data) & 1:
        data = bytes(data) + b"\0"
    return sum(struct.unpack(f">{len(data) // 2}H", data))


def complement_sum16(data):
    """Sum of the one's complements of `data`'s words: RFC 1624's ~m term for a field being replaced."""
    return (len(data) + 1) // 2 * 0xFFFF - sum16(data)


def read_pcap(path):
    """(link type, [(timestamp_ns, frame bytes, original length)]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:4] not in PCAP_MAGICS:
        raise PcapError(f"{path}: not a classic pcap file (pcapng is not read: convert with editcap -F pcap)")
    order, ns_per_unit = PCAP_MAGICS[data[:4]]
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    record = struct.Struct(order + "IIII")
    frames = []
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, caplen, origlen = record.unpack_from(data, offset)
        offset += 16
        if offset + caplen > len(data):
            break   # a truncated last record, as a killed tcpdump leaves
        frames.append((sec * 1_000_000_000 + frac * ns_per_unit, data[offset:offset + caplen], origlen))
        offset += caplen
    return linktype, frames


class PcapWriter:
    def __init__(self, path, nanosecond, snaplen):
        self.f = open(path, "wb", buffering=1 << 22)
        self.nanosecond = nanosecond
        magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
        self.f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET))
        self.record = struct.Struct("<IIII")
        self.frames = self.bytes = 0
        self.first_ns = self.last_ns = None

    def write(self, ts_ns, frame, origlen):
        sec, ns = divmod(ts_ns, 1_000_000_000)
        self.f.write(self.record.pack(sec, ns if self.nanosecond else ns // 1000, len(frame), origlen))
        self.f.write(frame)
        self.frames += 1
        self.bytes += len(frame)
        if self.first_ns is None:
            self.first_ns = ts_ns
        self.last_ns = ts_ns

    def close(self):
        self.f.close()
