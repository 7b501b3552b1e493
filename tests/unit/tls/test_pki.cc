#include "tests/unit/tls/test_pki.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace sluice::tls::test {
namespace {

EVP_PKEY* new_key(KeyKind kind) {
  EVP_PKEY* key = kind == KeyKind::Rsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("key generation failed");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

TestPki::TestPki() {
  char tmpl[] = "/tmp/sluice-tls-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  ca_ = make(KeyKind::EcdsaP256, {}, -1, 3650, nullptr);
  FILE* f = std::fopen(ca_file().c_str(), "w");
  PEM_write_X509(f, ca_.cert);
  std::fclose(f);
}

TestPki::~TestPki() {
  for (Issued& i : owned_) {
    X509_free(i.cert);
    EVP_PKEY_free(i.key);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Issued TestPki::make(KeyKind kind, const std::vector<std::string>& dns_names, long not_before_days,
                     long not_after_days, const Issued* issuer) {
  static long serial = 1;
  Issued out;
  out.key = new_key(kind);
  out.cert = X509_new();
  X509_set_version(out.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), not_after_days * 86400);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  std::string cn = dns_names.empty() ? "Sluice Test CA" : dns_names.front();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                             0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert : out.cert;
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key : out.key;
  X509_set_issuer_name(out.cert, X509_get_subject_name(issuer_cert));
  if (dns_names.empty()) {
    add_ext(out.cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(out.cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string san;
    for (const std::string& n : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    add_ext(out.cert, issuer_cert, NID_subject_alt_name, san.c_str());
    add_ext(out.cert, issuer_cert, NID_basic_constraints, "CA:FALSE");
  }
  add_ext(out.cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (X509_sign(out.cert, issuer_key, EVP_sha256()) == 0) throw std::runtime_error("signing failed");
  owned_.push_back(out);
  return out;
}

Issued TestPki::issue(KeyKind kind, const std::vector<std::string>& dns_names, long not_before_days,
                      long not_after_days) {
  return make(kind, dns_names, not_before_days, not_after_days, &ca_);
}

Issued TestPki::self_signed(KeyKind kind, const std::vector<std::string>& dns_names) {
  return make(kind, dns_names, -1, 365, nullptr);
}

std::string TestPki::write(const std::string& name, const Issued& leaf, bool with_ca, EVP_PKEY* key_override,
                           bool with_key) {
  std::string path = dir_ + "/" + name;
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  // 0600 before the key is written: a key file open to group or others is refused (TLS-4).
  if (::fchmod(::fileno(f), 0600) != 0) throw std::runtime_error("cannot chmod " + path);
  if (leaf.cert != nullptr) PEM_write_X509(f, leaf.cert);
  if (with_ca) PEM_write_X509(f, ca_.cert);
  EVP_PKEY* key = key_override != nullptr ? key_override : leaf.key;
  if (with_key && key != nullptr) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return path;
}

std::string TestPki::write_text(const std::string& name, const std::string& text) {
  std::string path = dir_ + "/" + name;
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  if (::fchmod(::fileno(f), 0600) != 0) throw std::runtime_error("cannot chmod " + path);  // may hold a key
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

std::string TestPki::fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace sluice::tls::test
