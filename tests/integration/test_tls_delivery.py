#!/usr/bin/env python3
"""Delivery over TLS through the appliance (issue 5, acceptance 1): the clients every sender uses, over
TLS 1.2 and 1.3, with the RSA and the ECDSA certificate, to a backend Postfix that itself requires STARTTLS
(smtpd_tls_security_level = encrypt on 25 and 587, wrapper mode on 465).

- swaks --tls on 25 and 587, swaks --tlsc on 465; `openssl s_client -starttls smtp` and implicit on 465
  sending a whole message; the sending Postfix (relayhost [VIP A]:25) with smtp_tls_security_level may,
  then encrypt. Each message: stored once, body SHA-256 equal; the backend's Received header says the
  backend leg was TLS; Sluice's record: tls.client version and cipher equal what the client negotiated,
  tls.backend version equal what the backend logged, backend verify "verified".
- The certificate every client sees is the protected server's own: the leaf's SHA-256 fingerprint
  (`openssl s_client -showcerts`, swaks --tls-get-peer-cert) equals testpki's RSA or ECDSA one as the
  client's signature algorithms / suites select, followed by the test CA; SNI other.sluice.test gets the
  other certificate, an unknown name or none the default (RSA, the first file).
- EICAR inside TLS (STARTTLS on 25 and implicit on 465): 550 5.7.1, nothing stored.
- Certificate-inspection mode (VIP B): STARTTLS is spliced to the backend (the client sees the backend's
  own mx.sluice.test certificate) and swaks --tls delivers; the record says encrypted, not_inspected.
With SLUICE_APPLIANCE=kernel (plain DNAT) TLS is end to end with the backend: the same deliveries, the
leaf is the backend's, and there are no records to check.
"""
import os
import re
import time

import backend_mail
import itlib
import tls_clients as tc
import verdict_mail as vm
from itlib import VIP_A, VIP_B, mailgen, topology

PROFILES = {"protect": {}, "inspect": {"mode": "certificate-inspection"}}
VIP_PROFILES = {"mail-a": "protect", topology.TLS_VIP: "protect", "mail-b": "inspect", "mail-v6": "protect"}
RECORD_WAIT_S = 8.0
DELIVERY_WAIT_S = 60.0
SENDER_MESSAGES = 3
MSG_SIZE = 20_000

# (id, tool, port, mode, client options, expected certificate: "rsa" | "ecdsa" | "mail" (either))
CASES = [
    ("swaks-25-tls13", "swaks", 25, "tls", {"protocol": "tlsv1_3"}, "mail"),
    ("swaks-25-tls12-rsa", "swaks", 25, "tls", {"protocol": "tlsv1_2", "cipher": "ECDHE-RSA-AES128-GCM-SHA256"}, "rsa"),
    ("swaks-587-tls12-ecdsa", "swaks", 587, "tls", {"protocol": "tlsv1_2", "cipher": "ECDHE-ECDSA-AES256-GCM-SHA384"},
     "ecdsa"),
    ("swaks-587-tls13", "swaks", 587, "tls", {"protocol": "tlsv1_3"}, "mail"),
    ("swaks-465-tls13", "swaks", 465, "tlsc", {"protocol": "tlsv1_3"}, "mail"),
    ("swaks-465-tls12-rsa", "swaks", 465, "tlsc", {"protocol": "tlsv1_2", "cipher": "ECDHE-RSA-AES256-GCM-SHA384"},
     "rsa"),
    ("sclient-25-tls13-ecdsa", "s_client", 25, "tls", ["-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"], "ecdsa"),
    ("sclient-25-tls12-rsa", "s_client", 25, "tls", ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"], "rsa"),
    ("sclient-587-tls13-rsa", "s_client", 587, "tls", ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"], "rsa"),
    ("sclient-465-tls12-ecdsa", "s_client", 465, "tlsc", ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
     "ecdsa"),
    ("sclient-465-tls13-rsa", "s_client", 465, "tlsc", ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"], "rsa"),
]
# (label, port, starttls, s_client options, expected leaf) for -showcerts
CHAIN_CASES = [
    ("25 RSA by suite", 25, True, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-servername", "mail.sluice.test"],
     "rsa"),
    ("25 ECDSA by sigalgs", 25, True, ["-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256", "-servername", "mail.sluice.test"],
     "ecdsa"),
    ("465 RSA by sigalgs", 465, False, ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256", "-servername", "mail.sluice.test"],
     "rsa"),
    ("587 SNI other.sluice.test", 587, True, ["-servername", "other.sluice.test"], "other"),
    ("25 SNI unknown.sluice.test (default)", 25, True, ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256",
                                                       "-servername", "unknown.sluice.test"], "rsa"),
    ("465 no SNI (default)", 465, False, ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256", "-noservername"], "rsa"),
]


def find(rec, name):
    """The first value of key `name` anywhere in a record (records nest as the daemon chooses)."""
    if isinstance(rec, dict):
        if name in rec:
            return rec[name]
        for v in rec.values():
            got = find(v, name)
            if got is not None:
                return got
    return None


def record_of(t, sender, timeout=RECORD_WAIT_S):
    """Sluice's smtp_message record whose envelope sender is `sender` (the last one), or None."""
    deadline = time.monotonic() + timeout
    while True:
        recs = [r for r in t.sluice_records() if r.get("event_type", "smtp_message") == "smtp_message"
                and find(r, "mail_from") == sender]
        if recs or time.monotonic() > deadline:
            return recs[-1] if recs else None
        time.sleep(0.3)


def backend_tls(delivered):
    """(version, cipher) the backend Postfix logged in its Received header (smtpd_tls_received_header)."""
    rcv = delivered.headers.get("received", [""])[0]
    m = re.search(r"using (TLSv[\d.]+) with cipher (\S+)", rcv)
    return (m.group(1), m.group(2)) if m else (None, None)


# Through the kernel stand-in (end-to-end TLS) the client sees the backend's own certificates instead.
KERNEL_LEAF = {"rsa": "mx", "ecdsa": "mxec", "other": "mx-any", "mail": "mx-any"}


def expected_leaf(t, want):
    """Through Sluice the client sees the protected server's own certificate."""
    return want if t.appliance == "sluice" else KERNEL_LEAF[want]


def leaf_ok(t, fp, want):
    got = t.pki.by_fingerprint(fp)
    want = expected_leaf(t, want)
    if want in ("mail", "mx-any"):
        return got in (("rsa", "ecdsa") if want == "mail" else ("mx", "mxec")), got
    return got == want, got


def check_record(c, t, label, sender, client_version, client_cipher, delivered, mode="protecting-server"):
    if t.appliance != "sluice":
        return
    rec = record_of(t, sender)
    if rec is None:
        c.true(f"{label}: Sluice record of {sender}", False, f"{len(t.sluice_records())} records in the log")
        return
    tls = rec.get("tls") or {}
    client, backend = tls.get("client") or {}, tls.get("backend") or {}
    c.eq(f"{label}: record tls.mode", tls.get("mode"), mode)
    c.true(f"{label}: record tls.client {client.get('version')} {client.get('cipher')} = negotiated "
           f"{client_version} {client_cipher}",
           client.get("version") == client_version and client.get("cipher") == client_cipher, str(tls)[:300])
    b_version, b_cipher = backend_tls(delivered) if delivered else (None, None)
    c.true(f"{label}: record tls.backend {backend.get('version')} {backend.get('cipher')}, verify "
           f"{backend.get('verify')!r} (backend logged {b_version} {b_cipher})",
           backend.get("version") == b_version and backend.get("cipher") == b_cipher
           and backend.get("verify") == "verified", str(tls)[:300])


def delivered_once(c, t, label, sent):
    """The message is stored once with its body hash and a TLS Received header; returns it (or None)."""
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while True:
        got = mailgen.index(t.backend.delivered_files()).get(sent.test_id, [])
        if got or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    if not got:
        c.true(f"{label}: stored at the backend", False, "not in the Maildir")
        return None
    d = got[0]
    version, cipher = backend_tls(d)
    c.true(f"{label}: stored once ({len(got)}), body SHA-256 {d.body_sha256[:16]}... equal, backend leg "
           f"{version} {cipher}", len(got) == 1 and d.body_sha256 == sent.body_sha256 and version is not None,
           f"sent {sent.body_sha256[:16]}, Received: {d.headers.get('received', [''])[0][:200]}")
    return d


def run_case(c, t, case):
    cid, tool, port, mode, opts, want = case
    sender = f"{cid}@client.test"
    sent = mailgen.make(cid, MSG_SIZE, sender=sender)
    if tool == "swaks":
        path = mailgen.write(sent, t.dir, for_swaks=True)
        peer = os.path.join(t.dir, f"{cid}.peer.pem")
        r = tc.swaks_tls(t, VIP_A, port, sender, path, mode=mode, peer_cert=peer, **opts)
        version, cipher = tc.tls_version_of(r["tls"])
        ok = r["rc"] == 0 and " 250 " in f" {r['reply']} "
        c.true(f"{cid}: swaks --{mode} to {VIP_A}:{port} ({version} {cipher}) in {r['secs']:.2f} s: {r['reply']}",
               ok and version is not None, " | ".join(r["errors"][-3:]))
        fp = tc.testpki.fingerprint(peer) if os.path.exists(peer) and os.path.getsize(peer) else None
    else:
        args = list(opts) + ["-CAfile", t.pki.ca.cert, "-servername", "mail.sluice.test"]
        out, sc = tc.s_client_send(t, VIP_A, port, sender, "user@sluice.test", sent.data,
                                   starttls=(mode == "tls"), args=args)
        version, cipher = out["brief"].get("version"), out["brief"].get("cipher")
        ok = out["final"] is not None and out["final"].startswith("250")
        c.true(f"{cid}: openssl s_client {' '.join(opts)} to {VIP_A}:{port} ({version} {cipher}, "
               f"{out['brief'].get('sigtype')}): {out['final']}", ok, sc.transcript(400))
        fps, _, _ = tc.showcerts(t, VIP_A, port, starttls=(mode == "tls"), args=args)
        fp = fps[0] if fps else None
    good, got = leaf_ok(t, fp, want)
    c.true(f"{cid}: leaf the client saw is {got} (want {expected_leaf(t, want)}), SHA-256 {str(fp)[:23]}...",
           good)
    d = delivered_once(c, t, cid, sent) if ok else None
    check_record(c, t, cid, sender, version, cipher, d)


def check_chains(c, t):
    for label, port, starttls, args, want in CHAIN_CASES:
        fps, info, text = tc.showcerts(t, VIP_A, port, starttls=starttls, args=args)
        names = [t.pki.by_fingerprint(f) or f[:11] for f in fps]
        want_leaf = expected_leaf(t, want)
        c.true(f"chain {label}: {info.get('version')} {info.get('cipher')} {info.get('sigtype')}: certificates "
               f"{names} (want [{want_leaf}, ca]); leaf SHA-256 {fps[0][:23] if fps else None}...",
               names == [want_leaf, "ca"], text[-300:] if not fps else "")


def sender_postfix(c, t, level):
    """SENDER_MESSAGES through the sending Postfix at smtp_tls_security_level `level`."""
    backend_mail.reconfigure(t.sender, {"smtp_tls_security_level": level})
    sent = [mailgen.make(f"pf-{level}-{i}", MSG_SIZE + 997 * i, sender=f"pf-{level}-{i}@client.test")
            for i in range(SENDER_MESSAGES)]
    errors = []
    for m in sent:        # one submission each: the envelope sender names the message in Sluice's records
        p = t.ns(t.mta, itlib.sys.executable, os.path.join(itlib.ROOT, "tools", "lib", "smtpclient.py"), "send",
                 "--server", "127.0.0.1", "--sender", f"{m.test_id}@client.test", mailgen.write(m, t.dir),
                 check=False, timeout=120)
        if p.returncode != 0:
            errors.append(p.stderr[-200:])
    c.true(f"sending Postfix ({level}): {SENDER_MESSAGES} messages submitted", not errors, " | ".join(errors))
    backend_mail.wait_quiet(t.sender, 60)
    log = t.sender.log()
    established = re.findall(r"TLS connection established to [^:]+:25: (TLSv[\d.]+) with cipher (\S+)", log)
    c.true(f"sending Postfix ({level}): its log shows TLS to the VIP: {sorted(set(established))}", bool(established))
    version, cipher = established[-1] if established else (None, None)
    for s in sent:
        d = delivered_once(c, t, f"sending Postfix ({level}) {s.test_id}", s)
        check_record(c, t, f"sending Postfix ({level}) {s.test_id}", f"{s.test_id}@client.test", version, cipher, d)


def eicar(c, t):
    before = len(t.backend.delivered_files())
    for port, mode in ((25, "tls"), (465, "tlsc")):
        cid = f"eicar-{port}"
        data = vm.eicar_plain(cid, sender=f"{cid}@client.test")
        path = os.path.join(t.dir, f"{cid}.eml")
        with open(path, "wb") as f:
            f.write(data[:-2])
        r = tc.swaks_tls(t, VIP_A, port, f"{cid}@client.test", path, mode=mode)
        if t.appliance == "sluice":
            c.true(f"{cid}: EICAR over {r['tls']} to {VIP_A}:{port}: {r['reply']}",
                   r["tls"] is not None and "550" in r["reply"] and "5.7.1" in r["reply"], " | ".join(r["errors"]))
        else:
            c.true(f"{cid}: (kernel: no scanner) delivered over {r['tls']}: {r['reply']}", r["rc"] == 0)
    if t.appliance == "sluice":
        backend_mail.wait_quiet(t.backend, 10)
        stored = [d for d in mailgen.index(t.backend.delivered_files()) if d.startswith("eicar-")]
        c.true(f"EICAR: nothing stored (backend holds {len(t.backend.delivered_files())}, had {before})",
               not stored and not backend_mail.queue(t.backend), str(stored))


def certificate_inspection(c, t):
    cid = "inspect-25"
    sender = f"{cid}@client.test"
    sent = mailgen.make(cid, MSG_SIZE, sender=sender)
    path = mailgen.write(sent, t.dir, for_swaks=True)
    peer = os.path.join(t.dir, f"{cid}.peer.pem")
    r = tc.swaks_tls(t, VIP_B, 25, sender, path, mode="tls", peer_cert=peer, sni="mx.sluice.test")
    version, cipher = tc.tls_version_of(r["tls"])
    c.true(f"{cid}: swaks --tls to {VIP_B}:25 (certificate-inspection) {version} {cipher}: {r['reply']}",
           r["rc"] == 0 and version is not None, " | ".join(r["errors"]))
    fp = tc.testpki.fingerprint(peer) if os.path.exists(peer) and os.path.getsize(peer) else None
    c.true(f"{cid}: spliced, the client sees the backend's own certificate ({t.pki.by_fingerprint(fp)})",
           t.pki.by_fingerprint(fp) in ("mx", "mxec"))
    delivered_once(c, t, cid, sent)
    if t.appliance != "sluice":
        return
    rec = record_of(t, sender) or next((r for r in reversed(t.sluice_records())
                                        if find(r, "encrypted") is True), None)
    if rec is None:
        c.true(f"{cid}: a record of the spliced session", False, f"{len(t.sluice_records())} records")
        return
    c.true(f"{cid}: record encrypted={find(rec, 'encrypted')!r} action={find(rec, 'action')!r} "
           f"tls.mode={find(rec, 'mode')!r}", find(rec, "encrypted") is True and find(rec, "action") == "not_inspected"
           and (rec.get("tls") or {}).get("mode") == "certificate-inspection", str(rec)[:400])


def main():
    itlib.require_root_and_netns()
    c = itlib.Checker("tls-delivery")
    tls = topology.TlsOptions(profiles=PROFILES, vip_profiles=VIP_PROFILES, sender_level="may")
    with itlib.Topology(mta_postfix=True, tls=tls) as t:
        print(f"appliance {t.appliance}, topology up in {t.setup_s:.1f} s; CA {t.pki.ca.fingerprint[:23]}..., "
              f"RSA leaf {t.pki['rsa'].fingerprint[:23]}..., ECDSA leaf {t.pki['ecdsa'].fingerprint[:23]}...",
              flush=True)
        t0 = time.monotonic()
        for case in CASES:
            run_case(c, t, case)
        clients_s = time.monotonic() - t0
        check_chains(c, t)
        for level in ("may", "encrypt"):
            sender_postfix(c, t, level)
        eicar(c, t)
        certificate_inspection(c, t)
        if t.appliance == "sluice":
            stats = t.flow_counts()
            print("telemetry: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k.startswith("tls")),
                  flush=True)
        print(f"figures: {len(CASES)} client sessions in {clients_s:.1f} s, backend holds "
              f"{len(t.backend.delivered_files())} messages", flush=True)
    c.finish()


if __name__ == "__main__":
    main()
