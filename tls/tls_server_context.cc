#include "tls/tls_server_context.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>

#include "tls/handshake_record.h"
#include "tls/pem_bundle.h"

namespace sluice::tls {
namespace {

// Same value on every context of a profile, so a session resumed after SNI
// moved it to another context still matches (OpenSSL compares it on resume).
constexpr unsigned char kSessionIdContext[] = "sluice-smtp";

// Where each context keeps a pointer back to its TlsServerContext.
int owner_index() {
  static int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string openssl_error() {
  char buf[256];
  ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::string normalise_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::unique_ptr<TlsServerContext> TlsServerContext::build(const TlsServerSettings& settings, std::string* error,
                                                          std::vector<std::string>* warnings) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<TlsServerContext> {
    if (error != nullptr) *error = why;
    return nullptr;
  };
  if (settings.cert_files.empty()) return fail("no certificate file given");
  if (settings.min_version < TLS1_VERSION || settings.min_version > TLS1_3_VERSION)
    return fail("min_version: must be TLSv1 .. TLSv1.3");
  if (settings.session_tickets && settings.ticket_key_lifetime_s == 0)
    return fail("ticket_key_lifetime_s: must be positive");

  std::unique_ptr<TlsServerContext> self(new TlsServerContext);
  self->ticket_lifetime_s_ = settings.ticket_key_lifetime_s;
  self->rotate_locked(int64_t(std::time(nullptr)));
  for (const std::string& path : settings.cert_files)
    if (!self->add_file(settings, path, error, warnings)) return nullptr;
  return self;
}

TlsServerContext::~TlsServerContext() {
  for (Context& c : contexts_) SSL_CTX_free(c.ctx);
  OPENSSL_cleanse(&current_, sizeof current_);
  OPENSSL_cleanse(&previous_, sizeof previous_);
}

bool TlsServerContext::add_file(const TlsServerSettings& settings, const std::string& path, std::string* error,
                                std::vector<std::string>* warnings) {
  PemBundle bundle;
  if (!load_pem_bundle(path, settings.expiry_warning_days, &bundle, error, warnings)) return false;

  // Files naming the same set of hosts share a context (the RSA and the ECDSA
  // certificate of one server); a different set gets its own, chosen by SNI.
  auto same = std::find_if(contexts_.begin(), contexts_.end(),
                           [&](const Context& c) { return c.names == bundle.names; });
  size_t index;
  if (same == contexts_.end()) {
    Context c;
    c.ctx = SSL_CTX_new(TLS_server_method());
    c.names = bundle.names;
    c.first_file = path;
    if (c.ctx == nullptr) {
      if (error != nullptr) *error = path + ": cannot create a TLS context: " + openssl_error();
      return false;
    }
    contexts_.push_back(c);
    if (!configure(c.ctx, settings, error)) return false;
    index = contexts_.size() - 1;
    for (const std::string& name : c.names) {
      if (name.size() > 2 && name.compare(0, 2, "*.") == 0) {
        wildcard_names_.emplace(name.substr(2), index);  // first file naming it wins
      } else {
        exact_names_.emplace(name, index);
      }
    }
  } else {
    index = size_t(same - contexts_.begin());
    // One certificate per key type and context: a second one would silently replace the first.
    SSL_CTX* ctx = same->ctx;
    int want = EVP_PKEY_get_base_id(bundle.key);
    for (int r = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST); r == 1;
         r = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT)) {
      X509* have = SSL_CTX_get0_certificate(ctx);
      if (have != nullptr && EVP_PKEY_get_base_id(X509_get0_pubkey(have)) == want) {
        if (error != nullptr)
          *error = path + ": a second " + key_type_name(bundle.key) + " certificate for the names of " +
                   same->first_file;
        ERR_clear_error();
        return false;
      }
    }
    ERR_clear_error();
  }
  EVP_PKEY* key = bundle.key;
  EVP_PKEY* offloaded = nullptr;
  if (settings.offload_key) {
    std::string why;
    offloaded = settings.offload_key(bundle.key, &why);
    if (offloaded == nullptr) {
      if (error != nullptr) *error = path + ": the crypto offload cannot take this key: " + why;
      return false;
    }
    key = offloaded;
  }
  const int used = SSL_CTX_use_cert_and_key(contexts_[index].ctx, bundle.leaf, key, bundle.chain, 1);
  if (offloaded != nullptr) EVP_PKEY_free(offloaded);   // the context holds its own reference
  if (used != 1) {
    if (error != nullptr) *error = path + ": OpenSSL refused the certificate: " + openssl_error();
    return false;
  }
  return true;
}

bool TlsServerContext::configure(SSL_CTX* ctx, const TlsServerSettings& settings, std::string* error) {
  SSL_CTX_set_ex_data(ctx, owner_index(), this);
  SSL_CTX_set_min_proto_version(ctx, settings.min_version);
  // OpenSSL 3.0 speaks TLS 1.0/1.1 only at security level 0. A profile that
  // asks for them (port 25 matching a backend's ">=TLSv1", THREATS TLS-1) gets
  // level 0; the cipher lists above still keep every weak suite out.
  if (settings.min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);
  // Renegotiation gives a client a way to make us redo a handshake at will
  // (Postfix refuses it too); compression is CRIME; the client's cipher order
  // wins because big senders tune theirs and a server order has broken them
  // (FIELD-NOTES). SINGLE_*_USE are defaults in 3.0, kept for older builds.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_ECDH_USE |
                               SSL_OP_SINGLE_DH_USE);
  SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION);
  SSL_CTX_set_max_early_data(ctx, 0);  // no 0-RTT: a replayed MAIL FROM must not count
  SSL_CTX_set_recv_max_early_data(ctx, 0);
  SSL_CTX_set_dh_auto(ctx, 1);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  if (settings.async) SSL_CTX_set_mode(ctx, SSL_MODE_ASYNC);
  // Bulk writes go out one record at a time so the session can stop at its bound.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  const std::string& c12 = settings.ciphers12.empty() ? std::string(kDefaultCiphers12) : settings.ciphers12;
  if (SSL_CTX_set_cipher_list(ctx, c12.c_str()) != 1) {
    if (error != nullptr) *error = "ciphers12: no usable cipher in \"" + c12 + "\"";
    ERR_clear_error();
    return false;
  }
  const std::string& c13 =
      settings.ciphersuites13.empty() ? std::string(kDefaultCiphersuites13) : settings.ciphersuites13;
  if (SSL_CTX_set_ciphersuites(ctx, c13.c_str()) != 1) {
    if (error != nullptr) *error = "ciphersuites13: no usable suite in \"" + c13 + "\"";
    ERR_clear_error();
    return false;
  }

  // Workers on many cores: no per-context session cache to share or lock;
  // resumption is by stateless tickets only.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (settings.session_tickets) {
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_trampoline);
    SSL_CTX_set_timeout(ctx, long(settings.ticket_key_lifetime_s));
    SSL_CTX_set_num_tickets(ctx, 1);  // one resumption per connection is all an MTA uses
  } else {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  SSL_CTX_set_tlsext_servername_callback(ctx, servername_trampoline);
  SSL_CTX_set_client_hello_cb(ctx, capture_client_hello, nullptr);
  return true;
}

SSL_CTX* TlsServerContext::ctx_for_name(std::string_view server_name) const {
  std::string name = normalise_name(server_name);
  if (auto it = exact_names_.find(name); it != exact_names_.end()) return contexts_[it->second].ctx;
  // A wildcard stands for exactly one leftmost label (RFC 6125 6.4.3).
  size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0) {
    if (auto it = wildcard_names_.find(name.substr(dot + 1)); it != wildcard_names_.end())
      return contexts_[it->second].ctx;
  }
  return default_ctx();
}

int TlsServerContext::servername_trampoline(SSL* ssl, int* /*alert*/, void* /*arg*/) {
  auto* self = static_cast<TlsServerContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), owner_index()));
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (self == nullptr || name == nullptr) return SSL_TLSEXT_ERR_OK;  // no SNI: stay on the default
  SSL_CTX* ctx = self->ctx_for_name(name);
  if (ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;  // unknown names get the default certificate, not an alert
}

void TlsServerContext::rotate_ticket_keys() {
  std::lock_guard<std::mutex> lock(ticket_mutex_);
  rotate_locked(int64_t(std::time(nullptr)));
}

void TlsServerContext::rotate_locked(int64_t now) {
  previous_ = current_;
  have_previous_ = current_.created != 0;
  TicketKey k{};
  if (RAND_bytes(k.name, sizeof k.name) != 1 || RAND_bytes(k.aes, sizeof k.aes) != 1 ||
      RAND_bytes(k.hmac, sizeof k.hmac) != 1) {
    // No randomness: keep no usable key rather than a predictable one.
    have_previous_ = false;
    OPENSSL_cleanse(&current_, sizeof current_);
    return;
  }
  k.created = now == 0 ? 1 : now;
  current_ = k;
  OPENSSL_cleanse(&k, sizeof k);
}

int TlsServerContext::ticket_key_trampoline(SSL* ssl, unsigned char key_name[16], unsigned char* iv,
                                            EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx, int enc) {
  // The session context keeps the ticket callback even after SNI switched the SSL's context.
  auto* self = static_cast<TlsServerContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), owner_index()));
  if (self == nullptr) return enc ? -1 : 0;
  return self->ticket_key_cb(key_name, iv, cctx, hctx, enc);
}

// OpenSSL's contract: encrypting, fill name/iv and key the contexts, return 1;
// decrypting, return 0 for an unknown key (full handshake), 1 for the current
// key, 2 for the previous one (accept, and issue a fresh ticket).
int TlsServerContext::ticket_key_cb(unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx,
                                    EVP_MAC_CTX* hctx, int enc) {
  std::lock_guard<std::mutex> lock(ticket_mutex_);
  int64_t now = int64_t(std::time(nullptr));
  if (current_.created != 0 && now - current_.created >= int64_t(ticket_lifetime_s_)) rotate_locked(now);
  if (current_.created == 0) return enc ? -1 : 0;

  const TicketKey* key = nullptr;
  int found = 0;
  if (enc) {
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    std::memcpy(key_name, current_.name, sizeof current_.name);
    key = &current_;
    found = 1;
  } else if (std::memcmp(key_name, current_.name, sizeof current_.name) == 0) {
    key = &current_;
    found = 1;
  } else if (have_previous_ && std::memcmp(key_name, previous_.name, sizeof previous_.name) == 0) {
    key = &previous_;
    found = 2;
  } else {
    return 0;
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key->hmac),
                                        sizeof key->hmac),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(hctx, params) != 1) return -1;
  int ok = enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key->aes, iv)
               : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key->aes, iv);
  return ok == 1 ? found : -1;
}

}  // namespace sluice::tls
