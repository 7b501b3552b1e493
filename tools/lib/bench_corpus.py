#!/usr/bin/env python3
"""Writes the benchmark mail corpus: a deterministic mix shaped like inbound business mail.

60 messages: HTML newsletters with many links (20-120 KB), plain replies with quoted text, messages with
base64 PDF/Office-like attachments (100 KB-1.5 MB), zip attachments, and a few carrying EICAR or a test
signature (so the scanners have something to find). Sizes and contents come from a fixed seed.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_mails import EICAR, attachment, headers, multipart, zip_bytes, WILDCARD_PAYLOAD  # noqa: E402

WORDS = ("invoice meeting quarterly report shipment delivery account please attached regards schedule update "
         "customer order payment review project contract team office budget forecast").split()


def prose(rng, size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14)))
        out.append(line)
        n += len(line) + 2
    return ("\r\n".join(out) + "\r\n").encode()


def newsletter(rng, i):
    links = "".join(f'<p><a href="https://news{rng.randint(1, 40)}.example.com/a/{rng.randint(1, 10**6)}?utm=x">'
                    f"{' '.join(rng.choice(WORDS) for _ in range(6))}</a></p>\r\n" for _ in range(rng.randint(40, 200)))
    html = f"<html><body><h1>Issue {i}</h1>\r\n{links}</body></html>\r\n".encode()
    html += prose(rng, rng.randint(10_000, 60_000))
    return multipart(f"newsletter {i}", [(b"Content-Type: text/plain\r\n", prose(rng, 4000)),
                                         (b"Content-Type: text/html\r\n", html)], ct=b"multipart/alternative")


def with_attachment(rng, i):
    blob = rng.randbytes(rng.randint(100_000, 1_500_000))
    name = f"document-{i}.pdf".encode()
    return multipart(f"attachment {i}", [(b"Content-Type: text/plain\r\n", prose(rng, 2000)),
                                         attachment(name, b"%PDF-1.5\n" + blob, b"application/pdf")])


def with_zip(rng, i):
    files = [(f"sheet{k}.csv", prose(rng, rng.randint(20_000, 200_000))) for k in range(3)]
    return multipart(f"zip {i}", [(b"Content-Type: text/plain\r\n", prose(rng, 1000)),
                                  attachment(f"export-{i}.zip".encode(), zip_bytes(files), b"application/zip")])


def reply(rng, i):
    quoted = b"".join(b"> " + line + b"\r\n" for line in prose(rng, 8000).split(b"\r\n"))
    return headers(f"re: thread {i}", b"Content-Type: text/plain\r\n") + b"\r\n" + prose(rng, 1500) + quoted


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261123)
    kinds = [newsletter] * 24 + [reply] * 12 + [with_attachment] * 16 + [with_zip] * 8
    for i, make in enumerate(kinds):
        eml = make(rng, i)
        if i % 15 == 7:   # a few infected ones
            eml = multipart(f"infected {i}", [(b"Content-Type: text/plain\r\n", prose(rng, 1000)),
                                              attachment(b"payload.bin", EICAR + WILDCARD_PAYLOAD)])
        with open(os.path.join(out, f"{i:03d}-{make.__name__}.eml"), "wb") as f:
            f.write(eml)
    print(f"bench corpus: {len(kinds)} messages in {out}")


if __name__ == "__main__":
    main()
