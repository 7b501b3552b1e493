#include "tls/handshake_record.h"

#include <openssl/tls1.h>

#include <cstdio>

namespace sluice::tls {
namespace {

// GREASE values (RFC 8701) are 0x?A?A with equal bytes: noise, not offers.
bool is_grease(unsigned v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

void append(std::string& list, std::string_view item) {
  if (!list.empty()) list += ',';
  list += item;
}

}  // namespace

int handshake_record_index() {
  static int index = [] { return SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr); }();
  return index;
}

HandshakeRecord* handshake_record(const SSL* ssl) {
  return static_cast<HandshakeRecord*>(SSL_get_ex_data(ssl, handshake_record_index()));
}

std::string version_label(int version) {
  switch (version) {
    case SSL3_VERSION: return "SSLv3";
    case TLS1_VERSION: return "TLSv1";
    case TLS1_1_VERSION: return "TLSv1.1";
    case TLS1_2_VERSION: return "TLSv1.2";
    case TLS1_3_VERSION: return "TLSv1.3";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(version) & 0xffff);
      return buf;
    }
  }
}

int capture_client_hello(SSL* ssl, int* /*alert*/, void* /*arg*/) {
  HandshakeRecord* rec = handshake_record(ssl);
  if (rec == nullptr) return SSL_CLIENT_HELLO_SUCCESS;
  // Called again after a HelloRetryRequest: the second hello is the one that counts.
  rec->saw_client_hello = true;
  rec->offered_versions.clear();
  rec->offered_ciphers.clear();
  rec->offered_cipher_count = 0;

  const unsigned char* ext = nullptr;
  size_t ext_len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &ext, &ext_len) == 1 && ext_len >= 1) {
    size_t list_len = ext[0];
    for (size_t i = 1; i + 1 < ext_len && i + 1 <= list_len; i += 2) {
      unsigned v = (unsigned(ext[i]) << 8) | ext[i + 1];
      if (!is_grease(v)) append(rec->offered_versions, version_label(int(v)));
    }
  }
  if (rec->offered_versions.empty())
    rec->offered_versions = version_label(int(SSL_client_hello_get0_legacy_version(ssl)));

  const unsigned char* ids = nullptr;
  size_t ids_len = SSL_client_hello_get0_ciphers(ssl, &ids);
  for (size_t i = 0; i + 1 < ids_len; i += 2) {
    unsigned id = (unsigned(ids[i]) << 8) | ids[i + 1];
    if (is_grease(id) || id == 0x00ff) continue;  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV is a signal
    if (rec->offered_cipher_count++ >= kOfferedCipherNames) continue;
    const SSL_CIPHER* c = SSL_CIPHER_find(ssl, ids + i);
    if (!rec->offered_ciphers.empty()) rec->offered_ciphers += ':';
    if (c != nullptr) {
      rec->offered_ciphers += SSL_CIPHER_get_name(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%04x", id);
      rec->offered_ciphers += buf;
    }
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

void observe_message(int write_p, int /*version*/, int content_type, const void* buf, size_t len, SSL* ssl,
                     void* /*arg*/) {
  HandshakeRecord* rec = handshake_record(ssl);
  if (rec == nullptr) return;
  const auto* p = static_cast<const unsigned char*>(buf);
  if (content_type == SSL3_RT_ALERT && len >= 2) {
    std::string text = p[0] == SSL3_AL_FATAL ? "fatal " : "warning ";
    text += SSL_alert_desc_string_long(p[1]);
    (write_p ? rec->alert_sent : rec->alert_received) = std::move(text);
    // OpenSSL refuses a renegotiating ClientHello in the record layer (no
    // handshake message is reported) with this warning: that is our signal.
    if (write_p && p[1] == SSL_AD_NO_RENEGOTIATION && SSL_is_server(ssl)) rec->renegotiation_attempt = true;
  } else if (content_type == SSL3_RT_HANDSHAKE && len >= 1 && !write_p && p[0] == SSL3_MT_CLIENT_HELLO &&
             rec->handshake_done && SSL_is_server(ssl)) {
    rec->renegotiation_attempt = true;
  }
}

}  // namespace sluice::tls
