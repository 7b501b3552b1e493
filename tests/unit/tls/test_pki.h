// tests/unit/tls/test_pki.h — certificates made at test time with the OpenSSL API.
//
// Owns: a throw-away CA, leaves signed by it (RSA-2048 or ECDSA P-256, DNS
// names, validity window), and writing PEM bundles (leaf, chain, key) into a
// temporary directory that is removed with the object.
// May call: OpenSSL (libcrypto) and the C++ standard library.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

namespace sluice::tls::test {

enum class KeyKind { Rsa2048, EcdsaP256 };

struct Issued {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};

class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }
  X509* ca_cert() const { return ca_.cert; }
  std::string ca_file() const { return dir_ + "/ca.pem"; }

  // A leaf signed by the CA, valid from now+not_before_days to now+not_after_days.
  Issued issue(KeyKind kind, const std::vector<std::string>& dns_names, long not_before_days = -1,
               long not_after_days = 365);
  // A self-signed leaf (not from the CA).
  Issued self_signed(KeyKind kind, const std::vector<std::string>& dns_names);

  // Writes the PEM blocks to dir()/name and returns the path. A null key or CA is left out.
  std::string write(const std::string& name, const Issued& leaf, bool with_ca = true, EVP_PKEY* key_override = nullptr,
                    bool with_key = true);
  std::string write_text(const std::string& name, const std::string& text);

  // SHA-256 of the DER certificate, hex: what a client saw vs. what was loaded.
  static std::string fingerprint(X509* cert);

 private:
  Issued make(KeyKind kind, const std::vector<std::string>& dns_names, long not_before_days, long not_after_days,
              const Issued* issuer);
  std::string dir_;
  Issued ca_;
  std::vector<Issued> owned_;
};

}  // namespace sluice::tls::test
