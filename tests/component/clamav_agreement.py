#!/usr/bin/env python3
"""Sluice and ClamAV, given the same signature files, detect the same things in the same .eml files.

Every generated corpus message is scanned by sluice-scan (the inspector the pipeline uses) and by
`clamscan --allmatch -d <the same .ndb/.hdb/.hsb files>`. Both must match the corpus expectation; where
ClamAV is known to differ (a documented MIME evasion it misses), the expectation says so and why."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import BUILD, ROOT, Checker, av_names, make_corpus


def clamscan(db, files):
    proc = subprocess.run(["clamscan", "--no-summary", "--allmatch", "-d", db, *files], capture_output=True,
                          text=True)
    found = {os.path.basename(f)[:-4]: set() for f in files}
    for line in proc.stdout.splitlines():
        m = re.match(r"(.*): (\S+) FOUND$", line)
        if m:
            found[os.path.basename(m.group(1))[:-4]].add(m.group(2).removesuffix(".UNOFFICIAL"))
    return {k: sorted(v) for k, v in found.items()}


def main():
    check = Checker()
    corpus, expected = make_corpus()
    files = sorted(glob.glob(os.path.join(corpus, "eml", "*.eml")))
    db = tempfile.mkdtemp(prefix="sluice-clamdb-")
    for name in ("eicar.ndb", "sluice-test.ndb", "sluice-test.hdb", "sluice-test.hsb"):
        shutil.copy(os.path.join(ROOT, "scan", "signatures", name), db)
    proc = subprocess.run([os.path.join(BUILD, "tools", "sluice-scan"), "--config",
                           os.path.join(ROOT, "control", "default.conf"), *files],
                          capture_output=True, text=True, check=True)
    ours = {}
    for line in proc.stdout.splitlines():
        entry = json.loads(line)
        ours[os.path.basename(entry["file"])[:-4]] = av_names(entry["message"])
    theirs = clamscan(db, files)
    print(f"{'message':30} {'sluice':34} clamscan")
    for case in sorted(expected):
        print(f"{case:30} {','.join(ours.get(case, [])) or '-':34} {','.join(theirs.get(case, [])) or '-'}")
        want = expected[case]
        check.eq(f"{case}: sluice", ours.get(case), want["av"])
        check.eq(f"{case}: clamscan", theirs.get(case), want.get("clamav", want["av"]))
        if "clamav" in want:
            print(f"{'':30} known difference: {want['clamav_reason']}")
    check.finish()


if __name__ == "__main__":
    main()
