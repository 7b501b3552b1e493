"""The generated mail corpus: one function per case, each returning (eml bytes, expectation).

An expectation names the antivirus detections (signature names, body and hash signatures) that both Sluice
and ClamAV must report with the same signature files, the verdict Sluice must give with
control/default.conf, and optionally flags and URL-list hits Sluice must log.
"""
import base64
import bz2
import gzip
import io
import quopri
import zipfile

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# Matches Sluice.Test.Wildcard in scan/signatures/sluice-test.ndb (?? byte, * gap, {2-6} gap, (41|42) choice).
WILDCARD_PAYLOAD = b"header bytes SLUICETEST#--anything at all--MALWARE1234ENDB trailer\n"
MD5_PAYLOAD = b"Sluice hash-signature test payload (MD5)\n" * 8
SHA256_PAYLOAD = b"Sluice hash-signature test payload (SHA-256)\n" * 8
DATE = (2024, 1, 1, 0, 0, 0)


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, DATE), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def headers(subject, extra=b""):
    return (b"From: Sender <sender@ext.example>\r\nTo: user@protected.example\r\n"
            b"Subject: " + subject.encode() + b"\r\nMessage-ID: <" + subject.replace(" ", "-").encode() +
            b"@corpus.sluice>\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\n" + extra)


def multipart(subject, parts, boundary=b"=_sluice_b1", ct=b"multipart/mixed", extra=b""):
    body = b"Content-Type: " + ct + b'; boundary="' + boundary + b'"\r\n\r\nThis is a MIME message.\r\n'
    for part_headers, content in parts:
        body += b"--" + boundary + b"\r\n" + part_headers + b"\r\n" + content + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    return headers(subject, extra) + body


def attachment(name, data, ctype=b"application/octet-stream"):
    h = (b"Content-Type: " + ctype + b'; name="' + name + b'"\r\nContent-Transfer-Encoding: base64\r\n'
         b'Content-Disposition: attachment; filename="' + name + b'"\r\n')
    return h, b64(data)


TEXT = (b"Content-Type: text/plain; charset=utf-8\r\n", b"Hello,\r\nplease find the document attached.\r\n")


def expect(av=(), verdict="pass", flags=(), listed=(), clamav=None):
    e = {"av": sorted(av), "verdict": verdict, "flags": list(flags), "listed": list(listed)}
    if clamav is not None:
        e["clamav"] = sorted(clamav["av"])
        e["clamav_reason"] = clamav["reason"]
    return e


def cases():
    eicar_av = ["Eicar-Test-Signature"]
    c = {}
    c["clean-plain"] = (headers("clean plain", b"Content-Type: text/plain\r\n") +
                        b"\r\nJust a normal note.\r\n..a line that was dot-stuffed\r\n", expect())
    c["clean-html-alternative"] = (multipart("clean alternative", [
        TEXT, (b"Content-Type: text/html\r\n",
               b'<html><body><a href="https://www.debian.org/releases/">releases</a></body></html>\r\n')],
        ct=b"multipart/alternative"), expect())
    c["clean-attachment"] = (multipart("clean attachment", [
        TEXT, attachment(b"report.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n" * 40, b"application/pdf")]), expect())
    c["eicar-plain"] = (headers("eicar plain", b"Content-Type: text/plain\r\n") + b"\r\n" + EICAR + b"\r\n",
                        expect(eicar_av, "reject"))
    c["eicar-base64"] = (multipart("eicar base64", [TEXT, attachment(b"eicar.com", EICAR)]),
                         expect(eicar_av, "reject"))
    qp = quopri.encodestring(EICAR + b"\n" + b"=" * 10, quotetabs=True).replace(b"\n", b"\r\n")
    c["eicar-qp"] = (multipart("eicar quoted printable", [TEXT, (
        b'Content-Type: application/octet-stream; name="e.txt"\r\nContent-Transfer-Encoding: quoted-printable\r\n',
        qp)]), expect(eicar_av, "reject"))
    c["eicar-zip"] = (multipart("eicar zip", [TEXT, attachment(b"invoice.zip", zip_bytes([("eicar.com", EICAR)]),
                                                               b"application/zip")]), expect(eicar_av, "reject"))
    inner = zip_bytes([("eicar.com", EICAR)])
    c["eicar-zip-in-zip"] = (multipart("eicar zip in zip", [TEXT, attachment(
        b"outer.zip", zip_bytes([("readme.txt", b"nothing here\n"), ("inner.zip", inner)]), b"application/zip")]),
        expect(eicar_av, "reject"))
    c["eicar-gzip"] = (multipart("eicar gzip", [TEXT, attachment(
        b"eicar.com.gz", gzip.compress(EICAR, mtime=0), b"application/gzip")]), expect(eicar_av, "reject"))
    c["eicar-bzip2"] = (multipart("eicar bzip2", [TEXT, attachment(
        b"eicar.com.bz2", bz2.compress(EICAR), b"application/x-bzip2")]), expect(eicar_av, "reject"))
    nested = multipart("inner message", [TEXT, attachment(b"eicar.com", EICAR)])
    middle = multipart("middle message", [TEXT, (b"Content-Type: message/rfc822\r\n", nested)], boundary=b"=_mid")
    c["eicar-rfc822-nested"] = (multipart("eicar nested rfc822", [TEXT, (b"Content-Type: message/rfc822\r\n",
                                                                        middle)]), expect(eicar_av, "reject"))
    uu = b"begin 644 eicar.com\r\n" + _uuencode(EICAR) + b"`\r\nend\r\n"
    c["eicar-uuencode"] = (headers("eicar uuencode", b"Content-Type: text/plain\r\n") +
                           b"\r\nSee below.\r\n\r\n" + uu, expect(eicar_av, "reject"))
    c["wildcard-signature"] = (multipart("wildcard", [TEXT, attachment(b"tool.bin", WILDCARD_PAYLOAD)]),
                               expect(["Sluice.Test.Wildcard"], "reject"))
    c["hash-md5"] = (multipart("md5 hash", [TEXT, attachment(b"a.dat", MD5_PAYLOAD)]),
                     expect(["Sluice.Test.MD5"], "reject"))
    c["hash-sha256"] = (multipart("sha256 hash", [TEXT, attachment(b"b.dat", SHA256_PAYLOAD)]),
                        expect(["Sluice.Test.SHA256"], "reject"))
    # THREATS MIME-1: two boundary parameters; the payload sits behind the second one only.
    dup = (headers("evasive duplicate boundary") +
           b'Content-Type: multipart/mixed; boundary="AAA"; boundary="BBB"\r\n\r\n'
           b"--AAA\r\nContent-Type: text/plain\r\n\r\nclean view\r\n--AAA--\r\n"
           b"--BBB\r\n" + attachment(b"eicar.com", EICAR)[0] + b"\r\n" + b64(EICAR) + b"\r\n--BBB--\r\n")
    c["evasive-duplicate-boundary"] = (dup, expect(eicar_av, "reject", flags=["duplicate_boundary"], clamav={
        "av": [], "reason": "ClamAV 1.4.6 follows only the first boundary parameter and never sees the part "
                            "behind the second (THREATS MIME-1, Amavis CVE-2024-28054); Sluice scans both readings"}))
    # THREATS MIME-3: conflicting transfer encodings; the union of readings finds the payload.
    cte = (headers("evasive conflicting cte") + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
           b'--b\r\nContent-Type: application/octet-stream; name="x.com"\r\n'
           b"Content-Transfer-Encoding: quoted-printable\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           b64(EICAR) + b"\r\n--b--\r\n")
    c["evasive-conflicting-cte"] = (cte, expect(eicar_av, "reject", flags=["conflicting_transfer_encoding"]))
    # THREATS MIME-9: junk characters between base64 characters.
    junk = b".".join(bytes([ch]) for ch in base64.b64encode(EICAR))
    c["evasive-base64-junk"] = (multipart("evasive base64 junk", [TEXT, (
        b'Content-Type: application/octet-stream; name="y.com"\r\nContent-Transfer-Encoding: base64\r\n', junk)]),
        expect(eicar_av, "reject", flags=["base64_garbage"]))
    c["rfc2231-filename"] = (multipart("rfc2231 filename", [TEXT, (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename*1=\"il.exe\"; filename*0=\"ev\"\r\n", b64(b"MZ harmless\n"))]),
        expect(verdict="reject"))   # the continuations decode to evil.exe, a banned name (config attachment-filter)
    c["url-listed"] = (multipart("url listed", [TEXT, (b"Content-Type: text/html\r\n",
        b'<html><body><a href="https://login.phish.example/account?id=1">Verify</a> or visit '
        b"hxxp://malware-drop[.]example/payload</body></html>\r\n")], ct=b"multipart/alternative"),
        expect(verdict="reject", listed=["phish.example", "malware-drop.example"]))
    c["spam-subject"] = (headers("You have WON the lottery jackpot", b"Content-Type: text/plain\r\n") +
                         b"\r\nClaim your prize now.\r\n", expect(verdict="tag"))
    bomb = zip_bytes([("zeros.bin", b"\0" * (40 << 20))])
    c["zip-bomb"] = (multipart("zip bomb", [TEXT, attachment(b"zeros.zip", bomb, b"application/zip")]),
                     expect(verdict="reject", flags=["ratio_limit"]))
    return c


def _uuencode(data: bytes) -> bytes:
    import binascii
    lines = []
    for i in range(0, len(data), 45):
        lines.append(binascii.b2a_uu(data[i:i + 45]).rstrip(b"\n") + b"\r\n")
    return b"".join(lines)
