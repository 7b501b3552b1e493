#!/usr/bin/env python3
"""The generated corpus through the whole offline pipeline (DPDK net_pcap → TCP reassembly → SMTP → MIME →
scan → verdict → JSON log): every message gets the expected detections, verdict, flags and URL hits; the
TCP edge cases, STARTTLS and smuggling captures behave as documented."""
import email.parser
import glob
import os

from harness import Checker, av_names, inspect, make_corpus


def message_ids(corpus):
    ids = {}
    for path in glob.glob(os.path.join(corpus, "eml", "*.eml")):
        with open(path, "rb") as f:
            headers = email.parser.BytesHeaderParser().parse(f)
        ids[headers["Message-ID"]] = os.path.basename(path)[:-4]
    return ids


def check_corpus(check, corpus, expected):
    ids = message_ids(corpus)
    records = inspect(os.path.join(corpus, "pcap", "corpus.pcap"))
    check.eq("corpus message count", len(records), len(expected))
    for r in records:
        case = ids.get(r["email"]["message_id"], "?")
        want = expected.get(case)
        if want is None:
            check.true(f"record with unknown message-id {r['email']['message_id']}", False)
            continue
        check.eq(f"{case} detections", av_names(r), want["av"])
        check.eq(f"{case} verdict", r["verdict"]["action"], want["verdict"])
        for flag in want["flags"]:
            check.true(f"{case} flag {flag}", flag in r["flags"], f"flags={r['flags']}")
        listed = sorted(u["listed"] for u in r["email"]["urls"] if u.get("listed"))
        check.eq(f"{case} listed urls", listed, sorted(want["listed"]))
        check.eq(f"{case} server reply", r["smtp"]["server_reply"], 250)
        check.true(f"{case} complete", r["smtp"]["complete"])


def check_tcp_edges(check, corpus):
    records = {r["src_port"]: r for r in inspect(os.path.join(corpus, "pcap", "tcp-edge.pcap"))}
    reordered = records.get(41000)
    check.true("reordered segments: record", reordered is not None)
    if reordered:
        check.eq("reordered segments: detection", av_names(reordered), ["Eicar-Test-Signature"])
    v6 = records.get(41001)
    check.true("ipv6+vlan: record", v6 is not None)
    if v6:
        check.eq("ipv6+vlan: client address", v6["src_ip"], "2001:db8::7")
        check.eq("ipv6+vlan: vlan", v6.get("vlan"), 100)
        check.eq("ipv6+vlan: verdict", v6["verdict"]["action"], "reject")
    retrans = records.get(41002)
    check.true("changed retransmission: record", retrans is not None)
    if retrans:
        check.eq("changed retransmission: first copy wins", retrans["smtp"]["mail_from"].strip("<>"), "good@ok.example")
        check.true("changed retransmission: flagged", "tcp_overlap_conflict" in retrans["flags"], f"{retrans['flags']}")
    late = records.get(41003)
    check.true("mid-stream pick-up: record", late is not None)
    if late:
        check.eq("mid-stream pick-up: server port", late["dest_port"], 2525)
        check.eq("mid-stream pick-up: sender", late["smtp"]["mail_from"].strip("<>"), "late@ext.example")
        check.eq("mid-stream pick-up: detection", av_names(late), ["Eicar-Test-Signature"])
        check.true("mid-stream pick-up: flagged", "tcp_midstream" in late["flags"], f"{late['flags']}")
    cut = records.get(41004)
    check.true("truncated capture: record", cut is not None)
    if cut:
        check.eq("truncated capture: complete", cut["smtp"]["complete"], False)
        check.true("truncated capture: flag", "truncated" in cut["flags"], f"flags={cut['flags']}")


def check_starttls_and_smuggling(check, corpus):
    tls = inspect(os.path.join(corpus, "pcap", "starttls.pcap"))
    check.eq("starttls: records", len(tls), 1)
    if tls:
        check.eq("starttls: encrypted", tls[0]["encrypted"], True)
        check.eq("starttls: verdict", tls[0]["verdict"]["action"], "not_inspected")
    smuggled = inspect(os.path.join(corpus, "pcap", "smuggling.pcap"))
    check.eq("smuggling: exactly one message", len(smuggled), 1)
    if smuggled:
        check.true("smuggling: flagged", "smuggling_sequence" in smuggled[0]["flags"], f"{smuggled[0]['flags']}")
        check.eq("smuggling: the smuggled part was scanned", av_names(smuggled[0]), ["Eicar-Test-Signature"])


def main():
    check = Checker()
    corpus, expected = make_corpus()
    check_corpus(check, corpus, expected)
    check_tcp_edges(check, corpus)
    check_starttls_and_smuggling(check, corpus)
    check.finish()


if __name__ == "__main__":
    main()
