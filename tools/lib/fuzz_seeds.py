#!/usr/bin/env python3
"""tools/lib/fuzz_seeds.py OUT — writes seed inputs for every libFuzzer target into OUT/<target>/ (tools/fuzz calls it).

Owns: turning what the project already has into each target's input framing: the generated corpus
(corpus_mails.cases(), and the captures tools/make-corpus writes), the shared captures (/work/shared/pcaps, read
with pcap_io: frames, and TCP payload sequences as segment records), the example configurations and the CLI's
command table examples, small archives built here with zipfile/gzip/bz2, and encoded text built with the
standard library's base64/quopri/binascii/email encoders. Deterministic: the same files on every run.
Each target's framing is described in the header comment of tests/fuzz/<target>.cc; keep the two in step.
May call: the Python standard library, corpus_mails, pcap_io, tools/make-corpus.
"""
import base64
import binascii
import bz2
import glob
import gzip
import io
import os
import quopri
import re
import struct
import subprocess
import sys
import tarfile
import zipfile
from email.header import Header

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_mails import cases  # noqa: E402
from pcap_io import PcapError, read_pcap  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_PCAPS = os.path.join(os.path.dirname(ROOT), "shared", "pcaps")
TARGETS = ("smtp_session_fuzz", "smtp_relay_fuzz", "mime_parser_fuzz", "config_parser_fuzz", "message_inspector_fuzz",
           "packet_parser_fuzz", "tcp_endpoint_fuzz", "mime_decoder_fuzz", "archive_expander_fuzz",
           "url_extractor_fuzz", "cli_command_fuzz")
MAX_SEED_BYTES = 60000           # tools/fuzz runs with -max_len=65536
MAX_FRAME_SEEDS = 400            # distinct frames kept for packet_parser_fuzz (captures repeat themselves)


class Seeds:
    """Writes OUT/<target>/<name>; names are made file-safe, contents cut to MAX_SEED_BYTES."""

    def __init__(self, out):
        self.out = out
        for target in TARGETS:
            os.makedirs(os.path.join(out, target), exist_ok=True)

    def write(self, target, name, data):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100]
        with open(os.path.join(self.out, target, safe), "wb") as f:
            f.write(bytes(data[:MAX_SEED_BYTES]))


# ---- SMTP (smtp_session_fuzz, smtp_relay_fuzz) ----

def framed(records, drain=False):
    """smtp_session_fuzz / smtp_relay_fuzz framing: [bit7 = server, bits 0-6 = length][bytes]. drain: after each
    record, smtp_relay_fuzz's control record [0][3] that drains both outputs (a fast peer on both legs)."""
    out = bytearray()
    for server, data in records:
        for i in range(0, len(data), 127):
            piece = data[i:i + 127]
            out.append((0x80 if server else 0) | len(piece))
            out += piece
            if drain:
                out += b"\x00\x03"
    return bytes(out)


def smtp_dialogue(eml, drain=False):
    body = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in eml.split(b"\r\n"))
    return framed(drain=drain, records=[
        (True, b"220 mx ESMTP\r\n"), (False, b"EHLO a\r\n"),
        (True, b"250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n"),
        (False, b"MAIL FROM:<a@b> SIZE=10\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"),
        (True, b"250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n"), (False, body + b"\r\n.\r\n"),
        (True, b"250 queued\r\n"), (False, b"BDAT 5 LAST\r\nhello"), (True, b"250 ok\r\n"),
        (False, b"STARTTLS\r\nRSET\r\n"), (True, b"220 go\r\n")])


# ---- captures (packet_parser_fuzz, tcp_endpoint_fuzz) ----

def capture_files(generated):
    paths = sorted(glob.glob(os.path.join(SHARED_PCAPS, "**", "*.pcap"), recursive=True))
    return paths + sorted(glob.glob(os.path.join(generated, "pcap", "*.pcap")))


def tcp_segments(frame):
    """(flow key, seq, flags, window, payload) of an Ethernet/[VLAN]/IPv4|IPv6/TCP frame, or None."""
    offset, ether_type = 14, struct.unpack_from(">H", frame, 12)[0] if len(frame) >= 14 else 0
    while ether_type in (0x8100, 0x88A8) and len(frame) >= offset + 4:
        ether_type = struct.unpack_from(">H", frame, offset + 2)[0]
        offset += 4
    if ether_type == 0x0800 and len(frame) >= offset + 20 and frame[offset + 9] == 6:
        ihl = (frame[offset] & 0x0F) * 4
        total = struct.unpack_from(">H", frame, offset + 2)[0]
        addresses, l4, end = frame[offset + 12:offset + 20], offset + ihl, offset + total
    elif ether_type == 0x86DD and len(frame) >= offset + 40 and frame[offset + 6] == 6:
        addresses, l4 = frame[offset + 8:offset + 40], offset + 40
        end = l4 + struct.unpack_from(">H", frame, offset + 4)[0]
    else:
        return None
    if len(frame) < l4 + 20 or end > len(frame):
        return None
    ports = frame[l4:l4 + 4]
    seq, = struct.unpack_from(">I", frame, l4 + 4)
    data_offset = (frame[l4 + 12] >> 4) * 4
    window, = struct.unpack_from(">H", frame, l4 + 14)
    return addresses + ports, seq, frame[l4 + 13], window, frame[l4 + data_offset:end]


def reverse_key(key):
    """The flow key of the other direction: addresses and ports swapped."""
    half = (len(key) - 4) // 2
    return key[half:2 * half] + key[:half] + key[-2:] + key[-4:-2]


def endpoint_records(segments, replies):
    """tcp_endpoint_fuzz input for one direction of a captured flow: a 4-byte opening (open_established, SACK
    and window scale offered, peer MSS 1460) then 8-byte records: each captured segment at its offset from the
    endpoint's RCV.NXT (op 0; lengths over 255 in units of 8 bytes), reads, and the other direction's payload
    lengths as writes acknowledged in full."""
    out = bytearray([0, 0x17, 0x10, 0x5a])
    first = segments[0][0]
    rcv_nxt = 0
    for (seq, flags, window, payload), reply in zip(segments, replies + [0] * len(segments)):
        rel = (seq - first) & 0xFFFFFFFF
        length = len(payload)
        scaled = length > 255
        units = min(255, (length + 7) // 8) if scaled else length
        offset = max(-32768, min(32767, rel - rcv_nxt))
        out += bytes([0x08 if scaled else 0x00]) + struct.pack(">h", offset) + bytes(
            [units, (flags & 0x3F) | 0x10]) + struct.pack(">H", window) + b"\xff"
        if rel <= rcv_nxt:
            rcv_nxt = max(rcv_nxt, rel + (units * 8 if scaled else units))
        if reply:
            out += bytes([5]) + struct.pack(">H", min(reply, 0xFFFF)) + bytes(5)
        out += bytes([4, 0xff]) + bytes(6)
    return bytes(out)


def capture_seeds(seeds, generated):
    frames_seen = set()
    for path in capture_files(generated):
        try:
            _, frames = read_pcap(path)
        except (OSError, PcapError):
            continue
        base = os.path.splitext(os.path.basename(path))[0]
        flows = {}
        for _, frame, _ in frames:
            if len(frames_seen) < MAX_FRAME_SEEDS and frame not in frames_seen:
                frames_seen.add(frame)
                seeds.write("packet_parser_fuzz", f"{base}-{len(frames_seen)}", frame)
            parsed = tcp_segments(frame)
            if parsed:
                key, seq, flags, window, payload = parsed
                if flags & 0x02:
                    continue   # the opening is the target's own (first input byte)
                flows.setdefault(key, []).append((seq, flags, window, payload))
        keys = list(flows)
        for n, key in enumerate(keys[:24]):
            segments = flows[key]
            replies = [len(p) for (_, _, _, p) in flows.get(reverse_key(key), []) if p]
            seeds.write("tcp_endpoint_fuzz", f"{base}-flow{n}", endpoint_records(segments, replies))
    # Hand-made layouts the captures may lack: QinQ, IPv6 extension headers, a fragment, ARP.
    tcp = struct.pack(">HHIIBBHHH", 1234, 25, 1, 2, 0x50, 0x18, 512, 0, 0) + b"EHLO x\r\n"
    ip4 = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes(4), bytes(4)) + tcp
    eth = bytes(12)
    seeds.write("packet_parser_fuzz", "qinq-ipv4", eth + b"\x88\xa8\x00\x05\x81\x00\x00\x07\x08\x00" + ip4)
    hop = bytes([6, 0]) + bytes(6)
    ip6 = struct.pack(">IHBB16s16s", 0x60000000, len(hop) + len(tcp), 0, 64, bytes(16), bytes(16)) + hop + tcp
    seeds.write("packet_parser_fuzz", "ipv6-hop-by-hop", eth + b"\x86\xdd" + ip6)
    frag = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x2000, 64, 6, 0, bytes(4), bytes(4)) + tcp
    seeds.write("packet_parser_fuzz", "ipv4-fragment", eth + b"\x08\x00" + frag)
    seeds.write("packet_parser_fuzz", "arp", eth + b"\x08\x06" + bytes.fromhex("0001080006040001") + bytes(20))
    # The endpoint's other openings (passive and active) and reordering: the second segment first.
    for mode in (1, 2):
        seeds.write("tcp_endpoint_fuzz", f"opening-{mode}", bytes([mode, 0x17, 0x10, 0x5a]) +
                    bytes([0, 0, 0, 0, 0x12, 0xff, 0xff, 0xff]) + bytes([0, 0, 0, 100, 0x10, 0xff, 0xff, 0xff]))
    seeds.write("tcp_endpoint_fuzz", "reordered",
                bytes([0, 0x17, 0x10, 0x5a]) + bytes([0, 0, 100, 100, 0x10, 0xff, 0xff, 0xff]) +
                bytes([0, 0, 0, 100, 0x10, 0xff, 0xff, 0xff]) + bytes([4, 0xff]) + bytes(6) +
                bytes([0, 0, 0, 50, 0x11, 0xff, 0xff, 0xff]) + bytes([6, 0, 200]) + bytes(5))


def binhex_text(name, data):
    """BinHex 4.0 without runs (0x90 escaped as 0x90 0x00): header, data fork, empty resource fork, CRC-XMODEM each."""
    header = bytes([len(name)]) + name.encode() + b"\0" + b"TEXTttxt" + bytes(2) + struct.pack(">II", len(data), 0)
    binary = b"".join(part + struct.pack(">H", binascii.crc_hqx(part, 0)) for part in (header, data, b""))
    binary = binary.replace(b"\x90", b"\x90\x00")
    alphabet = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    bits = "".join(f"{byte:08b}" for byte in binary)
    bits += "0" * (-len(bits) % 6)
    text = b":" + bytes(alphabet[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6)) + b":"
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return b"(This file must be converted with BinHex 4.0)\r\n" + b"\r\n".join(lines) + b"\r\n"


# ---- decoders (mime_decoder_fuzz: [selector][parameter][input]) ----

def decoder_seeds(seeds, mails):
    samples = [eml for eml, _ in mails.values()]
    text = samples[0][:2000]
    binary = bytes(range(256)) * 2
    for n, data in enumerate((text, binary, b"")):
        seeds.write("mime_decoder_fuzz", f"base64-{n}", b"\x00\x05" + base64.encodebytes(data))
        seeds.write("mime_decoder_fuzz", f"qp-{n}", b"\x01\x07" + quopri.encodestring(data))
        uu = b"begin 644 f.bin\n" + b"".join(binascii.b2a_uu(data[i:i + 45]) for i in range(0, len(data), 45))
        seeds.write("mime_decoder_fuzz", f"uu-{n}", b"\x02\x00" + uu + b"`\nend\n")
    seeds.write("mime_decoder_fuzz", "base64-junk", b"\x00\x01NA=\n=Mg\n==*!garbage QUJD")
    seeds.write("mime_decoder_fuzz", "qp-soft", b"\x01\x02a=\r\nb= \t\r\nc=4x=41==42 \r\nd\t\n")
    for n, subject in enumerate(("Gr\u00fc\u00dfe aus K\u00f6ln", "\u8cc7\u6599", "plain ascii", "\u05e9\u05dc\u05d5\u05dd")):
        for charset in ("utf-8", "iso-8859-1", "utf-16"):
            try:
                encoded = Header(subject, charset).encode().encode()
            except UnicodeEncodeError:
                continue
            seeds.write("mime_decoder_fuzz", f"rfc2047-{n}-{charset}", b"\x03\x00" + encoded)
    seeds.write("mime_decoder_fuzz", "rfc2047-malformed", b"\x03\x00=?utf-8?Q?a_b?= =?x?B?QUJD?= =?bad =?a?B?")
    for n, (charset_pick, data) in enumerate(((0, "caf\u00e9".encode("latin-1")),
                                             (3, "\ufeff\u00e9\U0001f600".encode("utf-16-be")),
                                             (4, "\u00e9\U0001f600".encode("utf-16-le")), (1, bytes(range(128, 160))))):
        seeds.write("mime_decoder_fuzz", f"charset-{n}", bytes([4, charset_pick]) + data)
    seeds.write("mime_decoder_fuzz", "filename", b"\x05\x20invoice\u202egpj.exe\x01\xc2\x85".replace(
        b"\\u202e", "\u202e".encode()))
    values = set()
    for eml in samples:
        for m in re.finditer(rb"(?im)^content-(?:type|disposition|transfer-encoding):(.*(?:\r\n[ \t].*)*)", eml):
            values.add(m.group(1)[:400])
    for n, value in enumerate(sorted(values)):
        seeds.write("mime_decoder_fuzz", f"params-{n}", b"\x06\x10" + value)
        seeds.write("mime_decoder_fuzz", f"cte-{n}", b"\x07\x00" + value)
    seeds.write("mime_decoder_fuzz", "params-2231",
                b"\x06\x04attachment; filename*0*=utf-8''na%C3%AFve; filename*1=\".pdf\"; name=\"=?utf-8?B?eA==?=\"")
    for n, data in enumerate([b"hello binhex", bytes(range(256)) + b"\x90" * 9 + b"a" * 40]):
        seeds.write("mime_decoder_fuzz", f"binhex-{n}", b"\x08\x00" + binhex_text("file.bin", data))
        seeds.write("mime_decoder_fuzz", f"binhex-declared-{n}", b"\x18\x03" + binhex_text("f", data))
    seeds.write("mime_decoder_fuzz", "cte-conflict", b"\x07\x00base64\nquoted-printable\nbas()e64")


# ---- archives (archive_expander_fuzz: [chunk][knobs][attachment bytes]) ----

def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(entries, tar_format):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tar_format) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tnef_attribute(level, attribute_id, data):
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute_id, len(data)) + data + struct.pack("<H", checksum)


def tnef_bytes(attachments):
    """MS-OXTNEF: signature, key, then per attachment attAttachRendData, attAttachTitle, attAttachData."""
    out = struct.pack("<IH", 0x223E9F78, 1) + tnef_attribute(1, 0x00089006, struct.pack("<I", 0x00010000))
    for name, data in attachments:
        out += tnef_attribute(2, 0x00069002, bytes(14))
        out += tnef_attribute(2, 0x00018010, name.encode() + b"\0")
        out += tnef_attribute(2, 0x0006800F, data)
    return out


def archive_seeds(seeds):
    payload = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*" + b"hello " * 200
    inner = zip_bytes([("inner.txt", payload)])
    archives = {
        "zip-deflate": zip_bytes([("a.txt", payload), ("dir/b.bin", bytes(range(256)))]),
        "zip-stored": zip_bytes([("a.txt", payload)], zipfile.ZIP_STORED),
        "zip-in-zip": zip_bytes([("inner.zip", inner), ("c.txt", b"c")]),
        "zip-long-name": zip_bytes([("n" * 300 + "\x01.txt", b"x")]),
        "zip-concatenated": inner + zip_bytes([("second.txt", b"2")]),
        "gzip": gzip.compress(payload),
        "gzip-two-members": gzip.compress(b"one") + gzip.compress(b"two"),
        "gzip-of-zip": gzip.compress(inner),
        "bzip2": bz2.compress(payload),
        "bzip2-two-streams": bz2.compress(b"one") + bz2.compress(b"two"),
        "zip-bomb-ish": zip_bytes([("zeros", bytes(300000))]),
        "zip-truncated": zip_bytes([("a.txt", payload)])[:-30],
    }
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="named.txt", mode="wb", fileobj=buffer, mtime=0) as g:
        g.write(payload)
    archives["gzip-fname"] = buffer.getvalue()
    archives["tar-pax"] = tar_bytes([("a.txt", payload), ("dir/" + "long" * 40 + ".bin", bytes(range(256)))],
                                    tarfile.PAX_FORMAT)
    archives["tar-gnu"] = tar_bytes([("n" * 150 + ".txt", payload)], tarfile.GNU_FORMAT)
    archives["tar-of-zip"] = tar_bytes([("inner.zip", inner)], tarfile.USTAR_FORMAT)
    archives["tgz-of-zip"] = gzip.compress(archives["tar-of-zip"])
    archives["tnef"] = tnef_bytes([("invoice.exe", payload), ("inner.zip", inner)])
    # An ISO 9660 candidate: 32 KiB of zeros then a primary volume descriptor header (no directory behind it).
    archives["iso-candidate"] = bytes(32768) + b"\x01CD001\x01" + bytes(2041)
    archives["vhd-header"] = b"conectix" + bytes(504)
    for name, data in sorted(archives.items()):
        seeds.write("archive_expander_fuzz", name, b"\x3f\x00" + data)
        seeds.write("archive_expander_fuzz", name + "-limits", b"\x07\x3f" + data)


# ---- URLs (url_extractor_fuzz: [bit 0 html, rest chunk][text]) ----

def url_seeds(seeds, mails):
    for name, (eml, _) in mails.items():
        if b"http" in eml or b"www." in eml:
            seeds.write("url_extractor_fuzz", name, b"\x01" + eml)
    seeds.write("url_extractor_fuzz", "evasive-text",
                b"\x10see hxxps[:]//evil[.]example/a and http://trusted@0x7f.1:0080/./x/../y?q=%41#f, "
                b"http:\\\\B\xc3\xbccher.example\\p www.example.com. (http://a.example/b)")
    seeds.write("url_extractor_fuzz", "pdf", b"\x02<< /Type /Annot /A << /S /URI /URI (http://evil.example/\\051a) >> >>\n"
                b"BT (see www.example.com/x) Tj ET <687474703a2f2f6865782e6578616d706c65>")
    seeds.write("url_extractor_fuzz", "html",
                b"\x03<a href=\"ht&#116;p://evil.example/&#x61;\">x</a><img src='//cdn.example/i.png'>"
                b"<div style=\"background:url(http://bg.example/z)\"><meta http-equiv=refresh "
                b"content=\"0;url=http://r.example/?u=http://inner.example/\">&amp;http&colon;//e.example")


# ---- CLI (cli_command_fuzz: lines) ----

def c_strings(field):
    """The value of a C++ field made of adjacent string literals."""
    return "".join(bytes(s, "latin-1").decode("unicode_escape") for s in re.findall(r'"((?:[^"\\]|\\.)*)"', field))


def cli_seeds(seeds):
    table = os.path.join(ROOT, "control", "cli", "command_table.cc")
    lines = []
    if os.path.exists(table):
        with open(table, encoding="utf-8") as f:
            source = f.read()
        for entry in re.findall(r'\{("(?:[^"\\]|\\.)*"(?:\s*,?\s*"(?:[^"\\]|\\.)*")*)\s*\}', source):
            fields = re.split(r'"\s*,\s*"', entry)
            if len(fields) >= 4:
                syntax, example = c_strings('"' + fields[0] + '"'), c_strings('"' + fields[2] + '"')
                lines += [example, syntax, "help " + example.split(" ")[0]]
    seeds.write("cli_command_fuzz", "commands", "\n".join(lines).encode())
    for n, line in enumerate(lines[:60]):
        seeds.write("cli_command_fuzz", f"command-{n}", line.encode())
    seeds.write("cli_command_fuzz", "edit-session",
                b"config firewall vip\nedit mail-in\nset comment \"two words \\\"quoted\\\"\"\nunset comment\n"
                b"next\nabort\nconfig system global\nset hostname x\nend\nshow diff\nshwo\nhelp show\n")
    for conf in ("control/default.conf", "control/sluice.conf.example"):
        path = os.path.join(ROOT, conf)
        if os.path.exists(path):
            with open(path, "rb") as f:
                seeds.write("cli_command_fuzz", os.path.basename(conf), f.read())


def main():
    out = sys.argv[1]
    seeds = Seeds(out)
    mails = cases()
    for name, (eml, _) in mails.items():
        if len(eml) > MAX_SEED_BYTES:
            continue
        for target in ("mime_parser_fuzz", "message_inspector_fuzz"):
            seeds.write(target, name, bytes([len(name)]) + eml)
        seeds.write("smtp_session_fuzz", name, smtp_dialogue(eml))
        seeds.write("smtp_relay_fuzz", name, smtp_dialogue(eml, drain=True))
    for conf in ("control/default.conf", "control/sluice.conf.example"):
        path = os.path.join(ROOT, conf)
        if os.path.exists(path):
            with open(path, "rb") as src:
                seeds.write("config_parser_fuzz", os.path.basename(conf), src.read())
    generated = os.path.join(out, "_generated")
    if not os.path.isdir(os.path.join(generated, "pcap")):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make-corpus"), generated], check=True,
                       stdout=subprocess.DEVNULL)
    capture_seeds(seeds, generated)
    decoder_seeds(seeds, mails)
    archive_seeds(seeds)
    url_seeds(seeds, mails)
    cli_seeds(seeds)


if __name__ == "__main__":
    main()
