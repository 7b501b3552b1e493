#!/usr/bin/env python3
"""Every TRex capture in ../shared/pcaps: Sluice's messages (count, sender, recipients, size) equal what
tshark shows for the same file. Sizes come from tshark's reassembled client stream (follow,tcp,raw), as
the capture README advises (tshark's own SMTP size figure starts at the second DATA segment)."""
import glob
import os
import re
import subprocess
import sys

from harness import SHARED_PCAPS, SKIP, Checker, inspect


def tshark(*args):
    return subprocess.run(["tshark", *args], capture_output=True, text=True, check=True).stdout


def client_stream(capture, stream):
    """The client→server bytes of one TCP stream, reassembled by tshark."""
    out = tshark("-r", capture, "-q", "-z", f"follow,tcp,raw,{stream}")
    data = bytearray()
    for line in out.splitlines():
        if not line or line.startswith(("=", "Follow:", "Filter:", "Node ")):
            continue
        if line.startswith("\t"):
            continue            # server→client lines are indented
        data += bytes.fromhex(line.strip())
    return bytes(data)


def data_sizes(stream_bytes):
    """Sizes of every DATA body in a client stream: content after dot-unstuffing, up to the final CRLF."""
    sizes = []
    for m in re.finditer(rb"(?im)^DATA\r\n", stream_bytes):
        rest = stream_bytes[m.end():]
        end = rest.find(b"\r\n.\r\n")
        if rest.startswith(b".\r\n"):
            sizes.append(0)
            continue
        if end < 0:
            continue
        content = rest[:end + 2]
        lines = content.split(b"\r\n")
        sizes.append(len(b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines)))
    return sizes


def tshark_messages(capture):
    rows = tshark("-r", capture, "-Y", "smtp.req", "-T", "fields", "-e", "tcp.stream", "-e", "smtp.req.command",
                  "-e", "smtp.req.parameter")
    streams = {}
    for row in rows.splitlines():
        parts = row.split("\t")
        stream, command = parts[0], parts[1].upper()
        param = parts[2] if len(parts) > 2 else ""
        s = streams.setdefault(stream, {"from": None, "rcpt": [], "data": 0})
        address = re.search(r"<([^>]*)>", param)
        if command == "MAIL" and address:
            s["from"] = address.group(1)
        elif command == "RCPT" and address:
            s["rcpt"].append(address.group(1))
        elif command == "DATA":
            s["data"] += 1
    messages = []
    for stream, s in sorted(streams.items()):
        sizes = data_sizes(client_stream(capture, stream)) if s["data"] else []
        for size in sizes:
            messages.append({"from": s["from"], "rcpt": s["rcpt"], "size": size})
    return messages


def main():
    captures = sorted(glob.glob(os.path.join(SHARED_PCAPS, "*.pcap")))
    if not captures:
        print(f"no captures in {SHARED_PCAPS}")
        sys.exit(SKIP)
    check = Checker()
    print(f"{'capture':34} {'tshark':>6} {'sluice':>6}  sender / recipients / size")
    for capture in captures:
        name = os.path.basename(capture)
        want = tshark_messages(capture)
        got = [{"from": r["smtp"]["mail_from"].strip("<>"), "rcpt": [x.strip("<>") for x in r["smtp"]["rcpt_to"]],
                "size": r["email"]["size"]} for r in inspect(capture) if not r["encrypted"]]
        detail = "; ".join(f"{m['from']} -> {','.join(m['rcpt'])} {m['size']} B" for m in got)
        print(f"{name:34} {len(want):>6} {len(got):>6}  {detail}")
        check.eq(f"{name} messages", got, want)
    check.finish()


if __name__ == "__main__":
    main()
