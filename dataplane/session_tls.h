// dataplane/session_tls.h — what TLS a proxied session gets, decided per published port at start-up.
//
// Owns: PortTls (a VIP port's certificate mode, whether it is SMTPS, the relay's TLS rules, the contexts of
// both legs, the unsupported-ssl actions and the handshake deadline), TlsPlan (builds every ssl profile's
// contexts once, on the main thread, and one PortTls per inspected VIP port; read-only afterwards and shared
// by the workers), and TlsBlockList (a worker's clients refused for a while after a failed handshake under
// `unsupported-ssl-* block`: fixed size, no allocation after construction).
// May call: control/policy.h, tls/ (contexts, settings from the policy), scan/smtp/smtp_relay.h (RelayTls),
// dataplane/live_topology.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/policy.h"
#include "dataplane/ip_address.h"
#include "dataplane/live_topology.h"
#include "scan/smtp/smtp_relay.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"

namespace sluice::dataplane {

struct PortTls {
  control::TlsMode mode = control::TlsMode::None;
  const char* mode_name = "none";
  bool smtps = false;                        // implicit TLS on the client leg (profile smtps-ports)
  smtp::RelayTls relay;                      // the relay's TLS rules on this port
  const tls::TlsServerContext* server = nullptr;   // protecting-server: the protected server's certificates
  const tls::TlsClientContext* backend = nullptr;  // the backend leg, when it may be TLS
  std::string backend_server_name;
  bool backend_implicit = false;             // SMTPS backend: TLS from the first byte
  control::UnsupportedSslAction on_version = control::UnsupportedSslAction::Close;
  control::UnsupportedSslAction on_cipher = control::UnsupportedSslAction::Close;
  control::UnsupportedSslAction on_negotiation = control::UnsupportedSslAction::Close;
  uint64_t block_ns = 600'000'000'000ull;
  uint64_t handshake_timeout_ns = 30'000'000'000ull;
  // Whole session spliced without inspection from the first byte (SMTPS without a terminating profile).
  bool splice_from_start() const { return smtps && mode != control::TlsMode::ProtectingServer; }
};

// What building the contexts may need from outside the policy.
struct TlsPlanHooks {
  std::function<EVP_PKEY*(EVP_PKEY*, std::string*)> offload_key;   // the crypto offload's key hand-over
};

class TlsPlan {
 public:
  // Builds the contexts of every profile a VIP uses and sets each inspected VipPort's `tls`. false with every
  // problem in *error ("ssl profile \"x\": path: reason"); warnings (certificates expiring soon) appended.
  bool build(const control::Policy&, LiveTopology* topology, std::string* error, std::vector<std::string>* warnings,
             const TlsPlanHooks& hooks = {});
  bool any() const { return !ports_.empty(); }

 private:
  struct Profile {
    std::string name;
    std::unique_ptr<tls::TlsServerContext> server;
    std::unique_ptr<tls::TlsClientContext> backend;
  };
  std::vector<Profile> profiles_;
  std::vector<std::unique_ptr<PortTls>> ports_;   // stable addresses: VipPort::tls points here
};

// Clients refused at SYN after a failed handshake under `block` (FIELD-NOTES: "unsupported SSL ... block").
class TlsBlockList {
 public:
  explicit TlsBlockList(size_t capacity = 1024);
  void block(const IpAddr& client, uint64_t until_ns);
  bool blocked(const IpAddr& client, uint64_t now_ns) const;
  uint64_t blocks() const { return blocks_; }

 private:
  struct Entry {
    IpAddr client;
    uint64_t until_ns = 0;
  };
  size_t slot(const IpAddr& client) const;
  std::vector<Entry> entries_;   // open addressing by a hash of the address; a full probe evicts the oldest
  uint64_t blocks_ = 0;
};

}  // namespace sluice::dataplane
