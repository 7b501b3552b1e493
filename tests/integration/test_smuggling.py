#!/usr/bin/env python3
"""SMTP smuggling through Sluice (issue 4; ../shared/THREATS.md section 2, SM-1..SM-18 and SM-20): raw
bytes from `mta`, a real Postfix 3.7 backend in `mx` left vulnerable (smtpd_forbid_bare_newline = no, and
its mynetworks holds the clients, so its own exclusions would switch any protection off).

Rounds: Sluice `bare-newline normalize` with the backend at `no`, then the same backend reloaded with `yes`
(its exclusions emptied): every case must leave identical backend contents in both, which shows Sluice hides
the backend's leniency (Postfix 3.7 has only yes/no). Then Sluice `bare-newline reject` with `chunking
disable`: a message with a stray CR or LF gets 550 5.5.2 and nothing is stored; BDAT gets 521 and close.
Every case checks the client's replies and what the backend stored (exact body bytes), or was sent (its log).
"""
import re
import time

import itlib
import backend_mail
import rawsmtp
import smuggling_cases as cases
import smuggling_protocol as proto

PROTECTED = """config smtp envelope
  set protected-domains sluice.test
end
config spamfilter rule
  edit "saw-body2"
    set pattern "body2"
    set scope body
    set score 1
  next
end
"""
REJECT = PROTECTED + """config smtp protocol-options
  set bare-newline reject
  set chunking disable
end
"""
BACKEND_NO = {"smtpd_forbid_bare_newline": "no", **proto.BACKEND_EXTRA}
BACKEND_YES = {"smtpd_forbid_bare_newline": "yes", "smtpd_forbid_bare_newline_exclusions": ""}
QUIET_TIMEOUT_S = 60.0
TAG_RE = re.compile(r"\b(sm[0-9a-z]+-(?:no|yes|rej))\b")
_seen = set()     # Maildir files judged in an earlier round
PROBE_SENDER = "backend-probe@mx.test"


def guarded(c, label, fn, *args):
    """Runs one case; an exception (a close or time-out the case did not expect) is one failed check."""
    try:
        return fn(*args)
    except Exception as e:     # noqa: BLE001 — the run goes on to the next case
        c.true(f"{label}: ran to its end", False, f"{type(e).__name__}: {e}")
        return None


def attribute(msgs, rnd):
    """tag -> [Stored] for the round's tags (Return-Path first, then Subject); unattributed under ''."""
    out = {}
    for m in msgs:
        if m.return_path == PROBE_SENDER:
            continue
        found = TAG_RE.findall(m.return_path) or TAG_RE.findall(m.subject)
        tag = found[0] if found else ""
        if tag == "" or tag.endswith("-" + rnd):
            out.setdefault(tag, []).append(m)
    return out


def first_difference(got, want):
    i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
    return f"at byte {i}: got {got[max(0, i - 30):i + 50]!r} want {want[max(0, i - 30):i + 50]!r} " \
           f"(lengths {len(got)}/{len(want)})"


def check_stored(c, t, expects, by_tag):
    records = {r.get("smtp", {}).get("mail_from", ""): r for r in t.sluice_records()}
    for e in expects:
        got = by_tag.get(e.tag, [])
        c.true(f"{e.label}: backend holds {e.stored} message(s) for {e.tag}", len(got) == e.stored,
               f"got {len(got)}: {[(m.return_path, m.subject) for m in got]}")
        if len(got) != e.stored or not got:
            continue
        for m in got:
            if e.body is not None:
                c.true(f"{e.label}: stored body equals the canonical content ({len(e.body)} bytes)",
                       m.body == e.body, "" if m.body == e.body else first_difference(m.body, e.body))
            missing = [x[:40] for x in e.contains if x not in m.body]
            if e.contains:
                c.true(f"{e.label}: stored body holds the smuggled lines as content", not missing,
                   f"missing {missing}" if missing else "")
        if e.saw_rule:
            rec = records.get(f"{e.tag}@ext.example")
            names = [s.get("name") for s in (rec or {}).get("signatures", [])]
            c.true(f"{e.label}: Sluice's record shows the scanner saw body2 ({e.saw_rule})", e.saw_rule in names,
                   f"record {'found' if rec else 'missing'}, signatures {names}")


def probe_backend(c, t, rnd, vulnerable):
    """Straight to the backend from `mx` (no Sluice): LF.LF inside DATA, then NOOP. At `no` the backend ends
    the message there and answers the NOOP; at `yes` it does not: the round runs against the setting it names."""
    with rawsmtp.RawSession(t.mx, itlib.BACKEND4, timeout=10) as s:
        s.hello()
        r = rawsmtp.transaction(s, PROBE_SENDER, ["probe@sluice.test"], b"Subject: probe\r\n\r\nx\n.\nNOOP\r\n")
        extra, bye = s.quit_collect()
    c.true(f"round {rnd}: the backend itself {'is' if vulnerable else 'is not'} smuggling-prone (direct probe: "
           f"LF.LF {'ends' if vulnerable else 'does not end'} its DATA)", bool(extra) == vulnerable,
           f"final {r['final']!r}, then {[x.text for x in extra]}, QUIT -> {bye!r}")


def run_round(c, t, rnd, mode, chunking):
    """Every case once; returns {case: [(subject, body)]} with the round's name masked, for comparison."""
    t0 = time.monotonic()
    expects, info17, info20 = [], None, None
    for key, label, seq in cases.SEQUENCES:
        expects += guarded(c, f"{label} [{rnd}]", cases.seq_case, c, t, key, label, seq, rnd, mode) or []
    expects += guarded(c, f"SM-13 [{rnd}]", cases.sm13, c, t, rnd, mode) or []
    expects += guarded(c, f"SM-14 [{rnd}]", cases.sm14, c, t, rnd, mode) or []
    expects += guarded(c, f"SM-15 [{rnd}]", cases.sm15, c, t, rnd, mode) or []
    expects += guarded(c, f"SM-16 [{rnd}]", proto.sm16, c, t, rnd, chunking) or []
    got = guarded(c, f"SM-17 [{rnd}]", proto.sm17, c, t, rnd)
    if got:
        expects += got[0]
        info17 = got[1]
    expects += guarded(c, f"SM-18 [{rnd}]", proto.sm18, c, t, rnd) or []
    got = guarded(c, f"SM-20 [{rnd}]", proto.sm20, c, t, rnd)
    if got:
        expects += got[0]
        info20 = got[1]
    sent_s = time.monotonic() - t0
    waited = backend_mail.wait_quiet(t.backend, QUIET_TIMEOUT_S, expect="deferred-ok")
    left = [(m.get("sender"), [r.get("address") for r in m.get("recipients", [])])
            for m in backend_mail.queue(t.backend)]
    c.true(f"round {rnd}: backend queue empty (nothing for it to relay on or retry)", not left, f"{left[:6]}")
    fresh = [m for m in backend_mail.stored(t.backend) if m.path not in _seen]
    _seen.update(m.path for m in fresh)
    by_tag = attribute(fresh, rnd)
    print(f"round {rnd}: {len(expects)} expectations, sessions {sent_s:.1f} s, backend quiet after {waited:.1f} s, "
          f"{sum(len(v) for v in by_tag.values())} messages stored this round", flush=True)
    check_stored(c, t, expects, by_tag)
    if info17 and info17["qids"]:
        proto.sm17_backend(c, t, info17)
    proto.sm18_backend(c, t, rnd)
    if info20:
        proto.sm20_backend(c, t, info20, by_tag.get(info20["tag"], []))
    known = {e.tag for e in expects}
    stray = [(m.return_path, m.subject) for tag, ms in by_tag.items() if tag not in known for m in ms]
    c.true(f"round {rnd}: no stored message outside the expected ones (smuggled or unattributed)", not stray,
           f"{stray[:8]}")
    return {tag.rsplit("-", 1)[0]: sorted((m.subject.replace(tag, "TAG"), m.body.replace(tag.encode(), b"TAG"))
                                          for m in ms) for tag, ms in by_tag.items() if tag}


def backend_setting(t, name):
    return t.ns(t.mx, "postconf", "-c", t.backend.conf, "-h", name).stdout.strip()


def main():
    itlib.require_root_and_netns()
    itlib.require_sluice("smuggling is judged on Sluice's relay")
    c = itlib.Checker("smuggling")
    try:
        with itlib.Topology(sluice_conf_extra=PROTECTED, backend_extra=BACKEND_NO) as t:
            print(f"topology up in {t.setup_s:.1f} s; Sluice bare-newline normalize", flush=True)
            c.eq("backend smtpd_forbid_bare_newline (round no)", backend_setting(t, "smtpd_forbid_bare_newline"), "no")
            probe_backend(c, t, "no", True)
            res_no = run_round(c, t, "no", "normalize", True)
            backend_mail.reconfigure(t.backend, BACKEND_YES)
            c.eq("backend smtpd_forbid_bare_newline (round yes)", backend_setting(t, "smtpd_forbid_bare_newline"),
                 "yes")
            c.eq("backend smtpd_forbid_bare_newline_exclusions (round yes)",
                 backend_setting(t, "smtpd_forbid_bare_newline_exclusions"), "")
            probe_backend(c, t, "yes", False)
            res_yes = run_round(c, t, "yes", "normalize", True)
            keys = sorted(set(res_no) | set(res_yes))
            differ = [k for k in keys if res_no.get(k) != res_yes.get(k)]
            c.true(f"backend contents identical with smtpd_forbid_bare_newline no and yes: "
                   f"{len(keys) - len(differ)}/{len(keys)} cases", not differ and bool(keys),
                   "; ".join(f"{k}: no {res_no.get(k, [])[:1]!r:.160} yes {res_yes.get(k, [])[:1]!r:.160}"
                             for k in differ[:5]))
    except RuntimeError as e:
        c.true("normalize topology ran", False, str(e)[-800:])
    try:
        with itlib.Topology(sluice_conf_extra=REJECT, backend_extra=BACKEND_NO) as t:
            print(f"topology up in {t.setup_s:.1f} s; Sluice bare-newline reject, chunking disable", flush=True)
            run_round(c, t, "rej", "reject", False)
    except RuntimeError as e:
        c.true("reject topology ran", False, str(e)[-800:])
    c.finish()


if __name__ == "__main__":
    main()
