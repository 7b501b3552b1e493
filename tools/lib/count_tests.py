#!/usr/bin/env python3
"""Prints the closing line of tools/test: 'N passed, N failed[, N skipped]' and exits non-zero on failure.

Counts individual GoogleTest cases (from the JUnit XML each gtest suite writes) and each non-gtest meson
test (component and integration scripts) as one, from meson's testlog.json.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

build = sys.argv[1]
passed = failed = skipped = 0
with open(os.path.join(build, "meson-logs", "testlog.json")) as f:
    for line in f:
        entry = json.loads(line)
        result = entry["result"]
        # meson runs gtest-protocol suites with --gtest_output=xml:<build>/<test name>.xml (tools/test
        # removes old ones first, so an XML here belongs to this run).
        candidate = os.path.join(build, entry["name"].split(" / ")[-1] + ".xml")
        xml = candidate if os.path.exists(candidate) else None
        if xml and result in ("OK", "FAIL"):
            root = ET.parse(xml).getroot()
            for case in root.iter("testcase"):
                if case.find("failure") is not None:
                    failed += 1
                elif case.get("result") == "skipped" or case.find("skipped") is not None:
                    skipped += 1
                else:
                    passed += 1
            if result == "FAIL" and not any(c.find("failure") is not None for c in root.iter("testcase")):
                failed += 1   # the binary failed outside any case (crash, sanitizer, exit code)
        elif result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
