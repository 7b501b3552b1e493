#!/usr/bin/env python3
"""tools/trex-amplify, checked by tshark (an independent dissector) and by the benchmark's pcap reader.

Amplifies the shared TRex SMTP captures (avl_smtp_1.pcap, cap2_smtp.pcap) and checks: every IPv4 header and
TCP checksum verifies (tshark's own validation: status 1 "good" on every frame, none 2 "bad"); one TCP
conversation per flow; each flow's frames, in order, equal one template's (direction, flags, relative seq/ack,
length) and its reassembled payload per direction hashes like the template's; the flows split evenly over the
templates; addresses and ports come from the pools given, and no two flows alive at the same time share a
4-tuple (also with a pool small enough to force reuse, and refusing one too small); the file is time-ordered
at the cps asked; --split puts exactly the client->VIP frames in the outside file and the backend->client
frames in the inside file with the MACs asked; TRex's ipg/rtt override; big-endian nanosecond input with
802.1Q tags, IPv6, and skipped non-TCP frames; pcap-frames-check ($SLUICE_BUILD/tools/bench) reads the same
frame counts and bytes as tshark. Exit 0 when every check passed, 1 otherwise, 77 when tshark, the captures
or pcap-frames-check are missing.
"""
import collections
import hashlib
import ipaddress
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from harness import BUILD, ROOT, SHARED_PCAPS, SKIP, Checker

AMPLIFY = os.path.join(ROOT, "tools", "trex-amplify")
FRAMES_CHECK = os.path.join(BUILD, "tools", "bench", "pcap-frames-check")
TEMPLATES = [os.path.join(SHARED_PCAPS, "avl_smtp_1.pcap"), os.path.join(SHARED_PCAPS, "cap2_smtp.pcap")]
FLOWS = 2000          # the merged file: 1000 instances of each template
SPLIT_FLOWS = 400     # the two-port view (tshark's time is what this test spends)
VIP, BACKEND = "198.51.100.10", "10.0.0.25"
POOL, PORTS = "10.20.0.0/24", (40000, 40999)    # 254 addresses: each gets about 8 ports in the merged run
TCP_SYN, TCP_ACK = 0x02, 0x10
CLIENT_MAC, SERVER_MAC = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
OUTSIDE_MAC, INSIDE_MAC = "02:00:00:00:01:01", "02:00:00:00:01:02"

FIELDS = ["frame.number", "frame.time_epoch", "frame.cap_len", "eth.src", "eth.dst", "ip.src", "ipv6.src",
          "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags", "tcp.seq", "tcp.ack",
          "vlan.id", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.payload", "ip.checksum.status",
          "tcp.checksum.status"]


class Row:
    """One frame as tshark dissected it."""

    def __init__(self, values):
        v = dict(zip(FIELDS, values))
        self.time = float(v["frame.time_epoch"])
        self.cap_len = int(v["frame.cap_len"])
        self.eth_src, self.eth_dst = v["eth.src"], v["eth.dst"]
        self.vlan = v["vlan.id"]
        self.tcp = bool(v["tcp.stream"])
        if not self.tcp:
            return
        self.src, self.dst = v["ip.src"] or v["ipv6.src"], v["ip.dst"] or v["ipv6.dst"]
        self.sport, self.dport = int(v["tcp.srcport"]), int(v["tcp.dstport"])
        self.stream = int(v["tcp.stream"])
        self.flags = int(v["tcp.flags"], 16)
        self.seq, self.ack = int(v["tcp.seq"]), int(v["tcp.ack"])
        self.seq_raw, self.ack_raw = int(v["tcp.seq_raw"]), int(v["tcp.ack_raw"])
        self.length = int(v["tcp.len"])
        self.payload = bytes.fromhex(v["tcp.payload"].replace(":", ""))
        self.ip_checksum = v["ip.checksum.status"]      # "" for IPv6 (no header checksum)
        self.tcp_checksum = v["tcp.checksum.status"]


def tshark_rows(path):
    """Every frame of `path`, with IPv4 and TCP checksum validation on and no reassembly above TCP."""
    cmd = ["tshark", "-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "--disable-protocol", "smtp", "--disable-protocol", "imf",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for field in FIELDS:
        cmd += ["-e", field]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [Row(line.split("\t")) for line in out.splitlines()]


class Flow:
    """The frames of one TCP conversation: its client is the sender of the first frame (the SYN)."""

    def __init__(self, rows):
        self.rows = rows
        first = rows[0]
        self.client, self.server = (first.src, first.sport), (first.dst, first.dport)
        self.start, self.end = rows[0].time, rows[-1].time

    def from_client(self, row):
        return (row.src, row.sport) == self.client

    def signature(self):
        """Per frame, in order: direction, flags, relative seq and ack, payload length."""
        return tuple((self.from_client(r), r.flags, r.seq, r.ack, r.length) for r in self.rows)

    def payload_hashes(self):
        """sha256 of the concatenated payload per direction (client->server, server->client)."""
        c2s, s2c = hashlib.sha256(), hashlib.sha256()
        for r in self.rows:
            (c2s if self.from_client(r) else s2c).update(r.payload)
        return c2s.hexdigest(), s2c.hexdigest()

    def starts_with_syn(self):
        return self.rows[0].flags & (TCP_SYN | TCP_ACK) == TCP_SYN


def flows_of(rows):
    by_stream = collections.defaultdict(list)
    for r in rows:
        if r.tcp:
            by_stream[r.stream].append(r)
    return [Flow(by_stream[s]) for s in sorted(by_stream)]


def amplify(*args, expect_rc=0):
    proc = subprocess.run([sys.executable, AMPLIFY, *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != expect_rc:
        sys.exit(f"trex-amplify {' '.join(args)} exited {proc.returncode}, expected {expect_rc}:\n{proc.stderr}")
    return proc.stderr


def frames_check(path):
    """(frames, bytes) as the benchmark's reader (tools/bench/pcap_frames) loads `path`."""
    out = subprocess.run([FRAMES_CHECK, path], capture_output=True, text=True, check=True).stdout.split()
    fields = dict(item.split("=", 1) for item in out[1:])
    return int(fields["frames"]), int(fields["bytes"])


def check_checksums(c, what, rows, ipv4=True):
    c.eq(f"{what}: frames whose TCP checksum tshark finds bad or unverified",
         sum(r.tcp_checksum != "1" for r in rows if r.tcp), 0)
    if ipv4:
        c.eq(f"{what}: frames whose IPv4 header checksum tshark finds bad or unverified",
             sum(r.ip_checksum != "1" for r in rows if r.tcp), 0)


def check_reader(c, what, path, rows):
    c.eq(f"{what}: pcap-frames-check (frames, bytes) vs tshark", frames_check(path),
         (len(rows), sum(r.cap_len for r in rows)))


def check_no_shared_live_tuple(c, what, rows, templates, min_gap=0.0):
    """Groups the frames by 4-tuple alone (not by tshark's stream, which guesses when a tuple is reused) and
    cuts each group at every client SYN: when no two live flows shared a tuple, every piece is exactly one
    template's frames (so none interleaved) and each piece ends `min_gap` before the next begins.
    Returns the number of distinct 4-tuples."""
    by_tuple = collections.defaultdict(list)
    for r in rows:
        if r.tcp:
            by_tuple[tuple(sorted([(r.src, r.sport), (r.dst, r.dport)]))].append(r)
    by_halves = {t.halves: t for t in templates.values()}
    not_a_template = too_close = 0
    for group in by_tuple.values():
        pieces = []
        for r in group:
            if r.flags & (TCP_SYN | TCP_ACK) == TCP_SYN or not pieces:
                pieces.append([])
            pieces[-1].append(r)
        for piece in pieces:
            client = (piece[0].src, piece[0].sport)
            c2s = [r for r in piece if (r.src, r.sport) == client]
            s2c = [r for r in piece if (r.src, r.sport) != client]
            not_a_template += not c2s or not s2c or halves_signature(c2s, s2c) not in by_halves
        too_close += sum(b[0].time < a[-1].time + min_gap for a, b in zip(pieces, pieces[1:]))
    c.eq(f"{what}: pieces of a 4-tuple's frames that are not one whole template (flows interleaved)",
         not_a_template, 0)
    c.eq(f"{what}: flows reusing a 4-tuple before the previous one ended (plus the reuse gap)", too_close, 0)
    return len(by_tuple)


def in_pool(address, pool):
    return ipaddress.ip_address(address) in ipaddress.ip_network(pool)


TemplateFlow = collections.namedtuple("TemplateFlow", "path signature halves hashes to_server to_client")


def halves_signature(c2s, s2c):
    """Both directions' frames with seq relative to the sender's ISN and ack relative to the peer's ISN, from
    the raw numbers: works on a split file, where tshark sees one direction only, and shows that --seq-random
    shifted each direction's acks by the peer's shift."""
    def half(rows, peer_rows):
        isn, peer_isn = rows[0].seq_raw, peer_rows[0].seq_raw if peer_rows else 0
        return tuple((r.flags, (r.seq_raw - isn) & 0xFFFFFFFF,
                      (r.ack_raw - peer_isn) & 0xFFFFFFFF if r.flags & TCP_ACK else 0, r.length) for r in rows)
    return half(c2s, s2c), half(s2c, c2s)


def sha(rows):
    h = hashlib.sha256()
    for r in rows:
        h.update(r.payload)
    return h.hexdigest()


def template_flows():
    """{signature: TemplateFlow} of the shared captures (each holds one TCP connection), read by tshark."""
    out = {}
    for path in TEMPLATES:
        flows = flows_of(tshark_rows(path))
        assert len(flows) == 1, f"{path} should hold one TCP connection"
        f = flows[0]
        c2s = [r for r in f.rows if f.from_client(r)]
        s2c = [r for r in f.rows if not f.from_client(r)]
        out[f.signature()] = TemplateFlow(path, f.signature(), halves_signature(c2s, s2c), f.payload_hashes(),
                                          len(c2s), len(s2c))
    return out


def check_merged(c, tmp, templates):
    """Both directions in one file: checksums, conversations, per-flow equality with a template, pools, time."""
    out = os.path.join(tmp, "merged.pcap")
    summary = amplify(*TEMPLATES, "--flows", str(FLOWS), "--cps", "1000", "--seq-random",
                      "--client-pool", POOL, "--client-ports", f"{PORTS[0]}-{PORTS[1]}", "--server", VIP,
                      "--client-mac", CLIENT_MAC, "--server-mac", SERVER_MAC, "--out", out)
    c.true("merged: summary names the flows", f"flows {FLOWS}," in summary, summary)
    rows = tshark_rows(out)
    check_checksums(c, "merged", rows)
    check_reader(c, "merged", out, rows)
    flows = flows_of(rows)
    c.eq("merged: TCP conversations", len(flows), FLOWS)
    c.eq("merged: conversations that do not begin with the client's SYN",
         sum(not f.starts_with_syn() for f in flows), 0)
    c.eq("merged: distinct 4-tuples", check_no_shared_live_tuple(c, "merged", rows, templates), FLOWS)
    c.true("merged: frames in time order", all(a.time <= b.time for a, b in zip(rows, rows[1:])))
    per_template = collections.Counter()
    mismatched = wrong_payload = wrong_address = wrong_mac = 0
    for f in flows:
        match = templates.get(f.signature())
        if match is None:
            mismatched += 1
            continue
        per_template[match.path] += 1
        wrong_payload += f.payload_hashes() != match.hashes
        wrong_address += not (in_pool(f.client[0], POOL) and PORTS[0] <= f.client[1] <= PORTS[1]
                              and f.server == (VIP, 25))
        wrong_mac += any((r.eth_src, r.eth_dst) != ((CLIENT_MAC, SERVER_MAC) if f.from_client(r)
                                                     else (SERVER_MAC, CLIENT_MAC)) for r in f.rows)
    c.eq("merged: flows whose frame sequence equals no template's", mismatched, 0)
    c.eq("merged: flows per template (round-robin)", sorted(per_template.values()), [FLOWS // 2, FLOWS // 2])
    c.eq("merged: flows whose payload per direction differs from the template's", wrong_payload, 0)
    c.eq("merged: flows outside the client pool/ports or not to VIP:25", wrong_address, 0)
    c.eq("merged: frames with other MACs than asked", wrong_mac, 0)
    isns = {f.rows[0].seq_raw for f in flows}
    c.true("merged: --seq-random gave (nearly) every flow its own ISN", len(isns) > FLOWS * 0.99, len(isns))
    starts = sorted(f.start for f in flows)
    c.true("merged: flows start at 1000 cps", abs((starts[-1] - starts[0]) - (FLOWS - 1) / 1000) < 1e-3,
           starts[-1] - starts[0])
    c.eq("merged: client ports used (addresses in order, then each address's next port)",
         len({f.client[1] for f in flows}), -(-FLOWS // 254))


def check_split(c, tmp, templates):
    """Sluice's two ports: client->VIP frames outside, backend->client frames inside, nothing else."""
    outside, inside = os.path.join(tmp, "outside.pcap"), os.path.join(tmp, "inside.pcap")
    amplify(*TEMPLATES, "--flows", str(SPLIT_FLOWS), "--cps", "2000", "--seq-random", "--client-pool", POOL,
            "--server", VIP, "--backend", BACKEND, "--client-mac", CLIENT_MAC, "--server-mac", SERVER_MAC,
            "--appliance-outside-mac", OUTSIDE_MAC, "--appliance-inside-mac", INSIDE_MAC,
            "--split", outside, inside)
    out_rows, in_rows = tshark_rows(outside), tshark_rows(inside)
    for what, path, rows in (("outside", outside, out_rows), ("inside", inside, in_rows)):
        check_checksums(c, what, rows)
        check_reader(c, what, path, rows)
        c.true(f"{what}: frames in time order", all(a.time <= b.time for a, b in zip(rows, rows[1:])))
    c.eq("outside: frames not client->VIP:25 from the client MAC to the appliance's outside MAC",
         sum(not (in_pool(r.src, POOL) and r.dst == VIP and r.dport == 25 and r.eth_src == CLIENT_MAC
                  and r.eth_dst == OUTSIDE_MAC) for r in out_rows), 0)
    c.eq("inside: frames not backend:25->client from the backend MAC to the appliance's inside MAC",
         sum(not (r.src == BACKEND and r.sport == 25 and in_pool(r.dst, POOL) and r.eth_src == SERVER_MAC
                  and r.eth_dst == INSIDE_MAC) for r in in_rows), 0)
    per_template = SPLIT_FLOWS // len(templates)
    c.eq("outside: frames (the templates' client->server frames, per instance)", len(out_rows),
         sum(t.to_server for t in templates.values()) * per_template)
    c.eq("inside: frames (the templates' server->client frames, per instance)", len(in_rows),
         sum(t.to_client for t in templates.values()) * per_template)
    # The two halves of each flow, joined by the client's address and port, must together equal a template.
    halves = collections.defaultdict(lambda: ([], []))
    for r in out_rows:
        halves[(r.src, r.sport)][0].append(r)
    for r in in_rows:
        halves[(r.dst, r.dport)][1].append(r)
    c.eq("split: flows (client address/port pairs)", len(halves), SPLIT_FLOWS)
    by_halves = {t.halves: t for t in templates.values()}
    unmatched = 0
    for c2s, s2c in halves.values():
        match = by_halves.get(halves_signature(c2s, s2c))
        unmatched += match is None or (sha(c2s), sha(s2c)) != match.hashes
    c.eq("split: flows whose halves differ from a template's (order, flags, seq/ack, payload)", unmatched, 0)


def check_tuple_reuse(c, tmp, templates):
    """One client address with 12 ports for 16 flows alternating a 0.3 ms and a 275 ms template, 0.1 ms apart:
    the allocator must reuse the ports of ended short flows and skip those the long flows still hold; and a
    reuse gap that leaves no port free is refused, not silently shared."""
    out = os.path.join(tmp, "reuse.pcap")
    pool_args = ["--flows", "16", "--cps", "10000", "--client-pool", "10.9.0.1-10.9.0.1", "--client-ports",
                 "2000-2011", "--seq-random"]
    amplify(*TEMPLATES, *pool_args, "--tuple-reuse-gap-s", "0.0003", "--out", out)
    rows = tshark_rows(out)
    check_checksums(c, "reuse", rows)
    flows = flows_of(rows)
    c.eq("reuse: TCP conversations", len(flows), 16)
    c.eq("reuse: conversations that do not begin with the client's SYN", sum(not f.starts_with_syn() for f in flows), 0)
    c.eq("reuse: distinct 4-tuples", check_no_shared_live_tuple(c, "reuse", rows, templates, min_gap=0.0003), 12)
    refused = amplify(*TEMPLATES, *pool_args, "--tuple-reuse-gap-s", "0.001", "--out", out, expect_rc=2)
    c.true("reuse: a pool too small for the reuse gap is refused", "client pool exhausted" in refused, refused)


def check_ipg_override(c, tmp):
    """TRex's ipg/rtt: 100 µs between frames of one direction, 300 µs where the direction changes. --start 1
    keeps the epoch small enough for a double to hold tshark's timestamps to the nanosecond."""
    out = os.path.join(tmp, "ipg.pcap")
    amplify(TEMPLATES[0], "--flows", "1", "--ipg-us", "100", "--rtt-us", "300", "--start", "1", "--out", out)
    rows = tshark_rows(out)
    flow = flows_of(rows)[0]
    wrong = 0
    for a, b in zip(rows, rows[1:]):
        want = 300e-6 if flow.from_client(a) != flow.from_client(b) else 100e-6
        wrong += abs((b.time - a.time) - want) > 1e-7
    c.eq("ipg: gaps other than ipg (same direction) / rtt (direction change)", wrong, 0)
    c.eq("ipg: --start sets the first timestamp", rows[0].time, 1.0)


def ipv6_vlan_big_endian_ns(src, dst):
    """avl_smtp_1 rewritten as IPv6 in 802.1Q VLAN 7, in a big-endian nanosecond pcap, with an ARP and a UDP
    frame added: the input variants trex-amplify must read. TCP checksums are computed afresh here."""
    data = open(src, "rb").read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1", "avl_smtp_1.pcap is expected little-endian microsecond"
    client6, server6 = ipaddress.ip_address("2001:db8:aa::2").packed, ipaddress.ip_address("2001:db8:bb::13").packed
    client4 = None
    out = bytearray(struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))

    def record(ts_sec, ts_ns, frame):
        out.extend(struct.pack(">IIII", ts_sec, ts_ns, len(frame), len(frame)) + frame)

    at = 24
    first = True
    while at < len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, at)
        frame = data[at + 16:at + 16 + caplen]
        at += 16 + caplen
        if first:   # an ARP request and a UDP datagram before the connection: skipped and counted
            record(sec, usec * 1000, frame[:12] + b"\x08\x06" + bytes(28) + bytes(18))
            record(sec, usec * 1000, frame[:12] + b"\x08\x00" + bytes.fromhex("450000200000000040110000")
                   + frame[26:34] + bytes(12))
            first = False
        ihl = (frame[14] & 0x0F) * 4
        total = struct.unpack_from(">H", frame, 16)[0]
        client4 = client4 or frame[26:30]
        src6, dst6 = (client6, server6) if frame[26:30] == client4 else (server6, client6)
        segment = bytearray(frame[14 + ihl:14 + total])
        segment[16:18] = b"\0\0"
        words = src6 + dst6 + struct.pack(">IxxxB", len(segment), 6) + bytes(segment) + b"\0" * (len(segment) & 1)
        checksum = sum(struct.unpack(f">{len(words) // 2}H", words))
        while checksum >> 16:
            checksum = (checksum & 0xFFFF) + (checksum >> 16)
        struct.pack_into(">H", segment, 16, 0xFFFF - checksum)
        ipv6 = struct.pack(">IHBB", 0x60000000, len(segment), 6, 64) + src6 + dst6
        record(sec, usec * 1000, frame[:12] + struct.pack(">HHH", 0x8100, 7, 0x86DD) + ipv6 + bytes(segment))
    with open(dst, "wb") as f:
        f.write(out)


def check_input_variants(c, tmp, templates):
    """IPv6 in 802.1Q, big-endian nanosecond pcap, non-TCP frames: read, amplified, checksums valid."""
    variant, out = os.path.join(tmp, "variant.pcap"), os.path.join(tmp, "variant-out.pcap")
    ipv6_vlan_big_endian_ns(TEMPLATES[0], variant)
    c.eq("variant: pcap-frames-check reads a big-endian nanosecond pcap", frames_check(variant)[0],
         len(tshark_rows(variant)))
    summary = amplify(variant, "--flows", "50", "--client-pool", "2001:db8:1::/120", "--server", "2001:db8::25",
                      "--out", out)
    c.true("variant: the ARP and UDP frames are skipped and counted",
           "skipped input frames (not ip): 1" in summary and "skipped input frames (not tcp): 1" in summary, summary)
    rows = tshark_rows(out)
    check_checksums(c, "variant (IPv6)", rows, ipv4=False)
    flows = flows_of(rows)
    c.eq("variant: TCP conversations", len(flows), 50)
    template = next(t for t in templates.values() if t.path == TEMPLATES[0])
    c.eq("variant: flows whose payload per direction differs from avl_smtp_1's",
         sum(f.payload_hashes() != template.hashes for f in flows), 0)
    c.eq("variant: flows not from the IPv6 pool to [2001:db8::25]:25",
         sum(not (in_pool(f.client[0], "2001:db8:1::/120") and f.server == ("2001:db8::25", 25)) for f in flows), 0)
    c.eq("variant: frames that lost their VLAN tag", sum(r.vlan != "7" for r in rows), 0)


def main():
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return SKIP
    missing = [p for p in TEMPLATES + [FRAMES_CHECK] if not os.path.exists(p)]
    if missing:
        print(f"SKIP: missing {missing} (build pcap-frames-check; SLUICE_BUILD={BUILD})")
        return SKIP
    c = Checker()
    tmp = tempfile.mkdtemp(prefix="sluice-trex-amplify-")
    try:
        templates = template_flows()
        check_merged(c, tmp, templates)
        check_split(c, tmp, templates)
        check_tuple_reuse(c, tmp, templates)
        check_ipg_override(c, tmp)
        check_input_variants(c, tmp, templates)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    sys.exit(main())
