// tls/pem_bundle.h — one certificate file of a server profile, loaded and checked.
//
// Owns: reading a PEM file that holds a leaf certificate, its chain and its
// private key; the checks an administrator needs named before a sender sees a
// failed handshake (unreadable, no certificate, no key, key not matching,
// expired or not yet valid, chain not verifiable up to the last certificate
// given, expiring soon as a warning); the leaf's DNS names for SNI.
// May call: OpenSSL (libcrypto) and the C++ standard library.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

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

// "RSA", "ECDSA", "Ed25519", … for messages and for keeping one key of each type per context.
std::string key_type_name(const EVP_PKEY* key);

}  // namespace sluice::tls
