"""Shared helpers of the component tests: run the real binaries, read their JSON logs."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SLUICE_BUILD", os.path.join(ROOT, "build"))
SHARED_PCAPS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pcaps", "trex"))
SKIP = 77   # meson's exit code for a skipped test


def inspect(capture, *extra):
    """tools/inspect on one capture; returns the list of message records."""
    fd, log = tempfile.mkstemp(suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ, SLUICE_BUILD=BUILD)
    proc = subprocess.run([os.path.join(ROOT, "tools", "inspect"), capture, log, *extra], env=env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        sys.exit(f"tools/inspect {capture} failed ({proc.returncode}):\n{proc.stderr}")
    with open(log) as f:
        records = [json.loads(line) for line in f if line.strip()]
    os.unlink(log)
    return records


def make_corpus():
    out = tempfile.mkdtemp(prefix="sluice-corpus-")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make-corpus"), out], check=True,
                   capture_output=True)
    with open(os.path.join(out, "expected.json")) as f:
        return out, json.load(f)


def av_names(record):
    return sorted({h["name"] for h in record["signatures"] if h["kind"] in ("body_signature", "hash_signature")})


class Checker:
    """Collects failed expectations so one run reports all of them."""

    def __init__(self):
        self.failures = 0
        self.checks = 0

    def eq(self, what, got, want):
        self.checks += 1
        if got != want:
            self.failures += 1
            print(f"FAIL {what}: got {got!r}, want {want!r}")

    def true(self, what, condition, detail=""):
        self.checks += 1
        if not condition:
            self.failures += 1
            print(f"FAIL {what} {detail}")

    def finish(self):
        print(f"{self.checks} checks, {self.failures} failed")
        sys.exit(1 if self.failures else 0)
