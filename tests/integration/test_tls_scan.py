#!/usr/bin/env python3
"""sslscan against the VIPs (issue 5 acceptance, THREATS.md TLS-1/TLS-2): `sslscan --starttls-smtp VIP:25`
and `VIP:587`, `sslscan VIP:465`, parsed from its XML. Asserted: no SSLv2, SSLv3, TLS 1.0 or 1.1 (the
profile's min-version tls1.2), TLS 1.2 offered; no NULL, EXPORT, anonymous, RC4, 3DES, DES or MD5 suite
accepted (and every accepted suite is TLS 1.2 or 1.3); no TLS compression; no client-initiated
renegotiation. What sslscan found is printed. Compression is also read from `openssl s_client`, since an
sslscan built without zlib may leave it out.
"""
import re
import time
import xml.etree.ElementTree as ET

import itlib
import tls_clients as tc
from itlib import VIP_A, topology

TARGETS = [(25, True), (587, True), (465, False)]
SCAN_TIMEOUT_S = 120
WEAK = re.compile(r"NULL|EXP|ADH|AECDH|anon|RC4|DES|MD5|IDEA|SEED|PSK|SRP", re.I)
WEAK_STRENGTH = {"null", "weak", "anonymous"}


def scan(t, port, starttls):
    argv = ["sslscan", "--no-colour", "--xml=-", "--no-heartbleed", "--sni-name=mail.sluice.test"]
    if starttls:
        argv.append("--starttls-smtp")
    argv.append(f"{VIP_A}:{port}")
    t0 = time.monotonic()
    p = t.ns(t.mta, *argv, check=False, timeout=SCAN_TIMEOUT_S)
    return p, time.monotonic() - t0


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("the TLS policy scanned is Sluice's own (through the kernel stand-in it is the backend's)")
    c = itlib.Checker("tls-scan")
    with itlib.Topology(tls=topology.TlsOptions()) as t:
        print(f"appliance {t.appliance}, topology up in {t.setup_s:.1f} s", flush=True)
        for port, starttls in TARGETS:
            label = f"sslscan {'--starttls-smtp ' if starttls else ''}{VIP_A}:{port}"
            p, secs = scan(t, port, starttls)
            try:
                root = ET.fromstring(p.stdout[p.stdout.find("<?xml"):] if "<?xml" in p.stdout else p.stdout)
                test = root.find("ssltest")
            except ET.ParseError as e:
                c.true(f"{label}: XML output", False, f"{e}: {p.stdout[-500:]} {p.stderr[-500:]}")
                continue
            if test is None:
                c.true(f"{label}: a result", False, p.stdout[-500:] + p.stderr[-500:])
                continue
            protocols = {f"{x.get('type')}{x.get('version')}": x.get("enabled") == "1" for x in test.findall("protocol")}
            ciphers = [(x.get("sslversion"), x.get("cipher"), x.get("strength"), x.get("status"))
                       for x in test.findall("cipher")]
            print(f"{label}: {secs:.1f} s; protocols {protocols}; {len(ciphers)} suites: "
                  + ", ".join(f"{v}:{n}({s})" for v, n, s, _ in ciphers), flush=True)
            old = [k for k in ("ssl2", "ssl3", "tls1.0", "tls1.1") if protocols.get(k)]
            c.true(f"{label}: no SSLv2/SSLv3/TLS 1.0/1.1 enabled ({old or 'none'}), TLS 1.2 enabled",
                   not old and protocols.get("tls1.2") is True, str(protocols))
            weak = [f"{v}:{n}" for v, n, s, _ in ciphers if WEAK.search(n or "") or (s or "") in WEAK_STRENGTH
                    or v not in ("TLSv1.2", "TLSv1.3")]
            c.true(f"{label}: {len(ciphers)} suites accepted, none weak (NULL/EXPORT/anon/RC4/3DES/DES/MD5) "
                   f"nor below TLS 1.2", ciphers and not weak, " ".join(weak))
            comp = test.find("compression")
            c.true(f"{label}: compression {'supported=' + comp.get('supported') if comp is not None else 'not reported'}",
                   comp is None or comp.get("supported") == "0")
            reneg = test.find("renegotiation")
            c.true(f"{label}: renegotiation supported={reneg.get('supported') if reneg is not None else None} "
                   f"secure={reneg.get('secure') if reneg is not None else None} (no client-initiated renegotiation)",
                   reneg is not None and reneg.get("supported") == "0")
            _, info, out = tc.showcerts(t, VIP_A, port, starttls=starttls, args=["-tls1_2"])
            m = re.search(r"^Compression: (\S+)", out, re.M)
            c.true(f"{label}: openssl s_client -tls1_2 says Compression: {m.group(1) if m else None}",
                   bool(m) and m.group(1) == "NONE")
    c.finish()


if __name__ == "__main__":
    main()
