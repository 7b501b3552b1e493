#include "tls/pem_bundle.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <sstream>

namespace sluice::tls {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string subject_of(const X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

// Refuses a passphrase prompt: keys must be readable unattended.
int no_passphrase(char*, int, int, void*) { return -1; }

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type != GEN_DNS) continue;
      const ASN1_STRING* s = gn->d.dNSName;
      names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                        size_t(ASN1_STRING_length(s)))));
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {  // legacy certificates: the CN is the name
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
      names.push_back(lower(cn));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// "" if the certificate is valid now; otherwise why not.
std::string time_problem(const X509* cert, time_t now) {
  if (X509_cmp_time(X509_get0_notBefore(cert), &now) > 0) return "not yet valid";
  if (X509_cmp_time(X509_get0_notAfter(cert), &now) < 0) return "expired";
  return "";
}

}  // namespace

PemBundle::~PemBundle() {
  X509_free(leaf);
  if (chain != nullptr) sk_X509_pop_free(chain, X509_free);
  EVP_PKEY_free(key);
}

std::string key_file_protection_problem(mode_t mode, uid_t owner, uid_t daemon_uid) {
  std::ostringstream octal;
  octal << '0' << std::oct << (mode & 07777);
  if ((mode & 077) != 0)
    return "private key file is accessible by group or others (mode " + octal.str() +
           "); chmod 600 it (THREATS TLS-4)";
  if (owner != 0 && owner != daemon_uid)
    return "private key file is owned by uid " + std::to_string(owner) + ", neither root nor the daemon's uid " +
           std::to_string(daemon_uid) + " (mode " + octal.str() + "); chown it (THREATS TLS-4)";
  return "";
}

std::string key_type_name(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "ECDSA";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    default: return "unknown key type";
  }
}

bool load_pem_bundle(const std::string& path, uint32_t expiry_warning_days, PemBundle* out, std::string* error,
                     std::vector<std::string>* warnings) {
  auto fail = [&](const std::string& why) {
    if (error != nullptr) *error = path + ": " + why;
    ERR_clear_error();
    return false;
  };
  // Read the file once; both passes below parse the same bytes.
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(std::string("unreadable: ") + std::strerror(errno));
  // The protection is judged on the file actually opened (fstat, not stat on
  // the path), so a rename between the check and the read cannot dodge it.
  struct stat st {};
  bool stat_ok = ::fstat(::fileno(f), &st) == 0;
  int stat_errno = errno;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (!stat_ok) return fail(std::string("unreadable: fstat: ") + std::strerror(stat_errno));
  if (read_error) return fail("unreadable: read error");

  // Certificates: PEM_read_bio_X509 skips blocks of other types (the key).
  BioPtr certs(BIO_new_mem_buf(text.data(), int(text.size())));
  out->chain = sk_X509_new_null();
  while (X509* cert = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) {
    if (out->leaf == nullptr) {
      out->leaf = cert;
    } else {
      sk_X509_push(out->chain, cert);
    }
  }
  ERR_clear_error();  // the loop always ends on "no start line"
  if (out->leaf == nullptr) return fail("no certificate");

  BioPtr keys(BIO_new_mem_buf(text.data(), int(text.size())));
  out->key = PEM_read_bio_PrivateKey(keys.get(), nullptr, no_passphrase, nullptr);
  if (out->key == nullptr) {
    bool encrypted = text.find("ENCRYPTED") != std::string::npos;
    return fail(encrypted ? "private key is encrypted (a passphrase cannot be entered unattended)"
                          : "no private key");
  }
  // Judged once the file is known to hold a key, so a file without one is
  // named for that, the problem the administrator must fix first.
  std::string protection = key_file_protection_problem(st.st_mode, st.st_uid, ::geteuid());
  if (!protection.empty()) return fail(protection);
  if (X509_check_private_key(out->leaf, out->key) != 1)
    return fail("private key (" + key_type_name(out->key) + ") does not match the certificate " +
                subject_of(out->leaf));

  time_t now = std::time(nullptr);
  for (int i = -1; i < sk_X509_num(out->chain); ++i) {
    X509* cert = i < 0 ? out->leaf : sk_X509_value(out->chain, i);
    std::string which = i < 0 ? "certificate " : "chain certificate ";
    std::string problem = time_problem(cert, now);
    if (!problem.empty()) return fail(which + subject_of(cert) + " is " + problem);
    time_t horizon = now + time_t(expiry_warning_days) * 86400;
    if (X509_cmp_time(X509_get0_notAfter(cert), &horizon) < 0 && warnings != nullptr) {
      int days = 0, secs = 0;
      ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert));
      warnings->push_back(path + ": " + which + subject_of(cert) + " expires in " + std::to_string(days) +
                          " days");
    }
  }

  // The chain as given must lead from the leaf to its last certificate. The
  // last one is the anchor (it need not be a root: many sites omit the root,
  // which is correct), so PARTIAL_CHAIN; time is checked above with clearer words.
  if (sk_X509_num(out->chain) == 0) {
    // A lone leaf is complete only if it is its own issuer (and its signature holds).
    if (X509_self_signed(out->leaf, 1) != 1)
      return fail("chain incomplete: the file holds only the leaf, which is not self-signed; "
                  "append its intermediate certificates");
    out->names = dns_names(out->leaf);
    if (out->names.empty()) return fail("certificate " + subject_of(out->leaf) + " names no DNS name");
    return true;
  }
  X509* anchor = sk_X509_value(out->chain, sk_X509_num(out->chain) - 1);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, anchor);
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
  X509_STORE_CTX* vctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(vctx, store, out->leaf, out->chain);
  int ok = X509_verify_cert(vctx);
  int code = X509_STORE_CTX_get_error(vctx);
  X509_STORE_CTX_free(vctx);
  X509_STORE_free(store);
  if (ok != 1) {
    return fail("chain incomplete: " + subject_of(out->leaf) + " does not verify up to " + subject_of(anchor) +
                " (" + X509_verify_cert_error_string(code) + ")");
  }
  out->names = dns_names(out->leaf);
  if (out->names.empty()) return fail("certificate " + subject_of(out->leaf) + " names no DNS name");
  return true;
}

}  // namespace sluice::tls
