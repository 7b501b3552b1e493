// tls/handshake_record.h — what one SSL's handshake told us, for the log line.
//
// Owns: the per-SSL record (the client's offered versions and ciphers from its
// ClientHello, the last alert each way, a post-handshake ClientHello, i.e. a
// renegotiation attempt), the SSL ex_data slot that points at it, and the two
// OpenSSL callbacks that fill it (a client-hello callback installed on server
// SSL_CTXs, a message callback installed on each SSL).
// May call: OpenSSL (libssl) and the C++ standard library. Knows nothing of SMTP.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

namespace sluice::tls {

// How many offered cipher names the record keeps (the rest are only counted):
// enough to say "this sender offers only RC4/3DES" without logging 100 names.
inline constexpr size_t kOfferedCipherNames = 8;

struct HandshakeRecord {
  bool saw_client_hello = false;
  std::string offered_versions;  // "TLSv1.3,TLSv1.2" (supported_versions) or the legacy version
  std::string offered_ciphers;   // the first kOfferedCipherNames names, ':'-separated
  size_t offered_cipher_count = 0;
  std::string alert_sent;        // "fatal protocol_version", empty if none
  std::string alert_received;
  bool renegotiation_attempt = false;  // a ClientHello after the handshake had finished
  bool handshake_done = false;         // set by the session; arms renegotiation detection
};

// The ex_data slot holding a HandshakeRecord* (registered once, thread-safe).
int handshake_record_index();
HandshakeRecord* handshake_record(const SSL* ssl);

// SSL_CTX_set_client_hello_cb callback: fills the record (if the SSL has one)
// and always lets the handshake go on; choosing is OpenSSL's job.
int capture_client_hello(SSL* ssl, int* alert, void* arg);

// SSL_set_msg_callback callback: alerts both ways, and a ClientHello that
// arrives after the handshake finished.
void observe_message(int write_p, int version, int content_type, const void* buf, size_t len, SSL* ssl,
                     void* arg);

// "TLSv1.2" for TLS1_2_VERSION, "0x0301"-style for anything unnamed.
std::string version_label(int version);

}  // namespace sluice::tls
