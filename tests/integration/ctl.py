"""sluicectl as the integration tests drive it: one-shot commands, scripts on one connection, streams.

Owns: running the built sluicectl against a topology's control socket and splitting what it printed.
May call: tools/lib/topology (sluicectl_binary), subprocess."""
import subprocess

from topology import sluicectl_binary


class Result:
    def __init__(self, p):
        self.rc = p.returncode
        self.out = p.stdout
        self.err = p.stderr
        self.lines = p.stdout.splitlines()

    def __repr__(self):
        return f"rc={self.rc} out={self.out[-600:]!r} err={self.err[-300:]!r}"

    def has(self, text):
        return text in self.out

    def field(self, label):
        """The text after "label: " on the first line that starts with it ("" if none)."""
        for line in self.lines:
            if line.startswith(label + ": "):
                return line[len(label) + 2:]
        return ""


def ctl(t, *words, timeout=120):
    """One-shot: `sluicectl -s SOCKET words...`."""
    p = subprocess.run([sluicectl_binary(), "-s", t.control_socket, *words], capture_output=True, text=True,
                       timeout=timeout)
    return Result(p)


def script(t, text, keep_going=False, timeout=300):
    """Script mode: every line one command, all on one connection (so config edits reach `commit`)."""
    argv = [sluicectl_binary(), "-s", t.control_socket] + (["-k"] if keep_going else [])
    p = subprocess.run(argv, capture_output=True, text=True, input=text, timeout=timeout)
    return Result(p)


def start(t, *words):
    """A streaming command in the background (trace, log follow); .communicate() collects it."""
    return subprocess.Popen([sluicectl_binary(), "-s", t.control_socket, *words], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def running_version(t):
    r = ctl(t, "show", "policy")
    return int(r.field("running version") or 0)
