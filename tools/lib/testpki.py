"""A throw-away PKI for the live TLS tests: one test CA and the certificates the appliance, the backend
Postfix and the fake backend present.

Owns: generating, with the `openssl` CLI, into a directory the test owns (its topology's temp dir):
- `ca`: the test CA (RSA-2048, self-signed, CA:TRUE), what clients and Sluice's backend-verify trust;
- `rsa`, `ecdsa`: the protected server's own certificates for mail.sluice.test (RSA-2048 and ECDSA P-256,
  signed by the CA) — what Sluice's `server-cert` loads and what every client must see;
- `other`: other.sluice.test (RSA, signed by the CA), the second SNI name; as a backend certificate it is
  the wrong-name case of TLS-7;
- `mx`, `mxec`: mx.sluice.test (RSA and ECDSA P-256, signed by the CA), the backend Postfix's certificates;
- `expired`: mx.sluice.test, signed by the CA, valid only in 2020 (TLS-7);
- `selfsigned`: mx.sluice.test, self-signed, not from the CA (TLS-7).
Each as `<name>.bundle.pem` (leaf, chain, key: the shape `server-cert` takes), `<name>.crt.pem` (leaf and
chain: Postfix's smtpd_tls_cert_file), `<name>.leaf.pem` and `<name>.key.pem` (mode 0600), with the leaf's
SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it (AA:BB:...).
May call: the openssl CLI and the standard library only.

    pki = testpki.make(directory)
    pki.ca.cert, pki["rsa"].bundle, pki["rsa"].fingerprint, testpki.fingerprint_of_pem(text)
"""
import os
import subprocess
import sys
from dataclasses import dataclass

MAIL_NAME, OTHER_NAME, BACKEND_NAME = "mail.sluice.test", "other.sluice.test", "mx.sluice.test"
VALID_DAYS = 30            # long enough for any run, short enough that a leaked key is worth nothing
EXPIRED_FROM, EXPIRED_TO = "20200101000000Z", "20200201000000Z"
OPENSSL_TIMEOUT_S = 60.0   # one openssl command on a loaded 2-core machine


@dataclass
class Cert:
    name: str
    dns: str            # the SAN (and CN)
    key_type: str       # "rsa" | "ecdsa"
    leaf: str           # the leaf alone (PEM)
    cert: str           # leaf + chain (PEM)
    key: str            # the private key (PEM, 0600)
    bundle: str         # leaf + chain + key (PEM, 0600): what Sluice's server-cert takes
    fingerprint: str    # SHA-256 of the leaf, "AA:BB:..."
    issuer: str         # "ca" or "self"


class Pki:
    def __init__(self, directory, ca, certs):
        self.dir, self.ca, self.certs = directory, ca, certs

    def __getitem__(self, name):
        return self.certs[name]

    def by_fingerprint(self, fp):
        """The name of the certificate whose leaf has fingerprint `fp` (any case/colons), or None."""
        want = _norm(fp)
        if _norm(self.ca.fingerprint) == want:
            return "ca"
        return next((n for n, c in self.certs.items() if _norm(c.fingerprint) == want), None)


def _norm(fp):
    return (fp or "").replace(":", "").upper()


def _openssl(*args, stdin=None):
    p = subprocess.run(["openssl", *args], input=stdin, capture_output=True, text=True, timeout=OPENSSL_TIMEOUT_S)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} -> {p.returncode}: {p.stderr.strip()[-800:]}")
    return p.stdout


def fingerprint(path):
    """SHA-256 fingerprint of the first certificate in PEM file `path`, as openssl prints it (AA:BB:...)."""
    out = _openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256")
    return out.strip().split("=", 1)[1]


def fingerprint_of_pem(text):
    """The same for PEM text (e.g. a certificate `openssl s_client -showcerts` printed)."""
    out = _openssl("x509", "-noout", "-fingerprint", "-sha256", stdin=text)
    return out.strip().split("=", 1)[1]


def pem_blocks(text):
    """Every '-----BEGIN CERTIFICATE-----' block in `text`, in order (a -showcerts chain)."""
    out, cur = [], None
    for line in text.splitlines():
        if line.strip() == "-----BEGIN CERTIFICATE-----":
            cur = [line]
        elif cur is not None:
            cur.append(line)
            if line.strip() == "-----END CERTIFICATE-----":
                out.append("\n".join(cur) + "\n")
                cur = None
    return out


def _newkey(path, key_type):
    if key_type == "rsa":
        _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path)
    else:
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt",
                 "ec_param_enc:named_curve", "-out", path)
    os.chmod(path, 0o600)


def _write_ext(path, dns, ca=False):
    with open(path, "w") as f:
        if ca:
            f.write("basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
                    "subjectKeyIdentifier = hash\n")
        else:
            f.write(f"basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n"
                    f"extendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = DNS:{dns}\n"
                    f"subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n")


def _cat(dest, *sources, mode=0o644):
    with open(dest, "w") as out:
        for s in sources:
            with open(s) as f:
                out.write(f.read())
    os.chmod(dest, mode)


def _make_ca(d):
    key, cert, ext = (os.path.join(d, n) for n in ("ca.key.pem", "ca.pem", "ca.ext"))
    _newkey(key, "rsa")
    _write_ext(ext, None, ca=True)
    _openssl("req", "-new", "-x509", "-key", key, "-out", cert, "-days", str(VALID_DAYS), "-sha256",
             "-subj", "/O=Sluice tests/CN=Sluice Test CA", "-extensions", "v3_ca", "-config", _req_config(d))
    return Cert("ca", "", "rsa", cert, cert, key, cert, fingerprint(cert), "self")


def _req_config(d):
    """A minimal openssl config for `req -x509` (the CA's own extensions) and `ca` (the expired leaf)."""
    path = os.path.join(d, "openssl.cnf")
    if not os.path.exists(path):
        db = os.path.join(d, "ca-db")
        os.makedirs(os.path.join(db, "new"), exist_ok=True)
        open(os.path.join(db, "index.txt"), "a").close()
        with open(os.path.join(db, "serial"), "w") as f:
            f.write("1000\n")
        with open(path, "w") as f:
            f.write(f"""[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = {db}
database = {db}/index.txt
new_certs_dir = {db}/new
serial = {db}/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
""")
    return path


def _make_leaf(d, ca, name, dns, key_type="rsa", issuer="ca", expired=False):
    base = os.path.join(d, name)
    key, csr, leaf, ext = f"{base}.key.pem", f"{base}.csr", f"{base}.leaf.pem", f"{base}.ext"
    _newkey(key, key_type)
    _write_ext(ext, dns)
    subj = f"/O=Sluice tests/CN={dns}"
    if issuer == "self":
        _openssl("req", "-new", "-x509", "-key", key, "-out", leaf, "-days", str(VALID_DAYS), "-sha256",
                 "-subj", subj, "-addext", f"subjectAltName = DNS:{dns}", "-config", _req_config(d))
    else:
        _openssl("req", "-new", "-key", key, "-out", csr, "-subj", subj, "-config", _req_config(d))
        if expired:
            # `x509 -req` cannot back-date (3.0 has no -not_before); `ca` takes explicit dates.
            _openssl("ca", "-batch", "-config", _req_config(d), "-in", csr, "-out", leaf, "-notext",
                     "-cert", ca.cert, "-keyfile", ca.key, "-startdate", EXPIRED_FROM, "-enddate", EXPIRED_TO,
                     "-extfile", ext)
        else:
            _openssl("x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
                     "-out", leaf, "-days", str(VALID_DAYS), "-sha256", "-extfile", ext)
    cert, bundle = f"{base}.crt.pem", f"{base}.bundle.pem"
    chain = [leaf] if issuer == "self" else [leaf, ca.cert]
    _cat(cert, *chain)
    _cat(bundle, *chain, key, mode=0o600)
    return Cert(name, dns, key_type, leaf, cert, key, bundle, fingerprint(leaf), issuer)


# name: (DNS name, key type, issuer, expired)
CERTS = {
    "rsa": (MAIL_NAME, "rsa", "ca", False),
    "ecdsa": (MAIL_NAME, "ecdsa", "ca", False),
    "other": (OTHER_NAME, "rsa", "ca", False),
    "mx": (BACKEND_NAME, "rsa", "ca", False),
    "mxec": (BACKEND_NAME, "ecdsa", "ca", False),
    "expired": (BACKEND_NAME, "rsa", "ca", True),
    "selfsigned": (BACKEND_NAME, "rsa", "self", False),
}


def make(directory, names=None):
    """Creates the CA and the certificates `names` (default: all of CERTS) under `directory`/pki."""
    d = os.path.join(directory, "pki")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    ca = _make_ca(d)
    certs = {}
    for name in names or CERTS:
        dns, key_type, issuer, expired = CERTS[name]
        certs[name] = _make_leaf(d, ca, name, dns, key_type, issuer, expired)
    return Pki(d, ca, certs)


def main():
    """`python3 testpki.py DIR`: makes the PKI there and prints what it made (for trying things by hand)."""
    pki = make(sys.argv[1] if len(sys.argv) > 1 else ".")
    print(f"ca {pki.ca.cert} {pki.ca.fingerprint}")
    for name, c in pki.certs.items():
        print(f"{name:10} {c.dns:18} {c.key_type:5} {c.bundle} {c.fingerprint}")


if __name__ == "__main__":
    main()
