// tls/pem_bundle.h — one certificate file of a server profile, loaded and checked.
//
// Owns: reading a PEM file that holds a leaf certificate, its chain and its
// private key; the checks an administrator needs named before a sender sees a
// failed handshake (unreadable, no certificate, no key, key not matching,
// expired or not yet valid, chain not verifiable up to the last certificate
// given, expiring soon as a warning); the key file's protection (THREATS TLS-4:
// a key readable by group or others, or owned by anyone but root or the
// daemon's own user, is refused as sshd and `postfix check` refuse it); the
// leaf's DNS names for SNI.
// May call: OpenSSL (libcrypto), POSIX fstat/geteuid and the C++ standard library.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::tls {

struct PemBundle {
  X509* leaf = nullptr;
  STACK_OF(X509)* chain = nullptr;  // the certificates after the leaf, in file order
  EVP_PKEY* key = nullptr;
  std::vector<std::string> names;   // DNS SANs (the CN if there are none), lower case, sorted, unique

  PemBundle() = default;
  PemBundle(const PemBundle&) = delete;
  PemBundle& operator=(const PemBundle&) = delete;
  ~PemBundle();
};

// False and *error = "path: reason" on any error; a certificate expiring within
// `expiry_warning_days` appends "path: ..." to *warnings and still loads.
bool load_pem_bundle(const std::string& path, uint32_t expiry_warning_days, PemBundle* out, std::string* error,
                     std::vector<std::string>* warnings);

// TLS-4: "" if a file holding a private key, with permission bits `mode` and
// owner `owner`, is protected well enough for a daemon running as `daemon_uid`;
// otherwise the reason, naming the mode in octal and how to fix it. Refused:
// any permission bit for group or others (mode & 077: a key another account
// can read is a key another account can steal, and a group-writable one can be
// swapped), an owner other than root or the daemon's user (that account could
// chmod it open again at any time).
std::string key_file_protection_problem(mode_t mode, uid_t owner, uid_t daemon_uid);

// "RSA", "ECDSA", "Ed25519", … for messages and for keeping one key of each type per context.
std::string key_type_name(const EVP_PKEY* key);

}  // namespace sluice::tls
