#!/usr/bin/env python3
"""synthetic_signatures.py OUT.ndb COUNT — a deterministic ClamAV .ndb body-signature set of realistic size.

Shaped like ClamAV's own databases: hex byte strings of 12-48 bytes; a fifth carry `??` wildcards and a tenth
a `*` gap between two parts; target type 0, any offset. Random bytes: they (almost surely) match nothing in
the benchmark corpus, so both scanners do the full search work without reporting.
"""
import random
import sys


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(5400)
    with open(out, "w") as f:
        for i in range(count):
            body = rng.randbytes(rng.randint(12, 48)).hex()
            kind = rng.random()
            if kind < 0.2:   # a few single-byte wildcards
                pairs = [body[k:k + 2] for k in range(0, len(body), 2)]
                for _ in range(rng.randint(1, 3)):
                    k = rng.randint(2, len(pairs) - 3)
                    pairs[k] = "??"
                body = "".join(pairs)
            elif kind < 0.3:   # two parts with an unbounded gap
                tail = rng.randbytes(rng.randint(6, 16)).hex()
                body = body + "*" + tail
            f.write(f"Synthetic.Sig.{i}:0:*:{body}\n")


if __name__ == "__main__":
    main()
