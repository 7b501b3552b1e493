// tests/adversarial/limits/relay_conversation.h — one SMTP conversation through the real live relay and inspector
// on ring ports, for the adversarial limit and MIME cases (THREATS.md §3 and §5): what the client hears and what
// the backend received, both exactly.
//
// Owns: the appliance configuration these tests share (tests/component/ring_config.h's addresses, with the SMTP,
// MIME, archive and URL settings a case names), a client (EmulatedPeer, outside) that writes whatever bytes a test
// gives it and collects every reply, and a scripted backend (EmulatedPeer, inside) that records every byte it
// received and answers like a small MTA without CHUNKING, so the relay hands it DATA with dot-stuffed content.
// May call: the ring harness (tests/component/ring_appliance.h, smtp_peers.h), reassembly::TcpEndpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/component/ring_appliance.h"

namespace sluice::testing {

// The blocks a case sets; each string is `set` lines for that block (empty: its defaults).
struct LimitsConfig {
  std::string protocol_options;  // config smtp protocol-options (ports 25 is always set)
  std::string mime_limits;       // config mime limits
  std::string archive;           // config archive
  std::string url_filter;        // config url-filter
  std::string extra;             // whole further blocks (config spamfilter ...), appended as written
};
std::string limits_config(const LimitsConfig& c);

// The scripted MTA behind the appliance. `reply_to` may answer a command line (CRLF stripped) itself; nullopt
// leaves it to the defaults: banner, `ehlo` to EHLO, 354 to DATA, 221 and close to QUIT, 250 otherwise, and
// `250 2.0.0 Ok: queued` at the end of each message.
struct ScriptedBackend {
  std::string ehlo = "250-mx.example\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
  std::function<std::optional<std::string>(std::string_view line)> reply_to;
};

// What reached the backend.
struct BackendLog {
  std::string raw;                        // every byte, in order
  std::vector<std::string> commands;      // command lines (without CRLF), SASL responses included
  std::vector<std::string> messages;      // complete messages: content between 354 and CRLF.CRLF, still stuffed
  std::string partial;                    // content of a message whose end has not come (yet)
  bool in_data = false;                   // a DATA was answered 354 and its end has not come
};

class RelayConversation {
 public:
  RelayConversation(const std::string& config_text, ScriptedBackend backend = {});
  ~RelayConversation();
  bool ok() const;
  std::string error() const;

  // Handshake, banner relayed to the client (the banner is consumed from the client's input).
  bool open();
  // Queues bytes for the client to send; they go out as the TCP window allows while the conversation runs.
  void send(std::string_view bytes);
  // Runs until the client has `count` more complete replies (multi-line replies count once) than it took,
  // or `seconds` pass. Returns them, concatenated, as received (short when the time ran out).
  std::string replies(int count = 1, double seconds = 10);
  // Runs for a while with no expectation (lets pending bytes drain).
  void settle(double seconds);
  // Sends `bytes` and returns the next reply.
  std::string exchange(std::string_view bytes, double seconds = 10) {
    send(bytes);
    return replies(1, seconds);
  }
  // EHLO, MAIL, RCPT, DATA with their replies checked; false (and a gtest failure) if one is unexpected.
  bool start_message();

  const BackendLog& backend() const { return log_; }
  const std::string& client_unread() const { return client_in_; }
  bool client_closed_by_appliance() const;   // the client's leg got FIN or RST from the appliance
  uint64_t client_bytes_pending() const { return pending_.size() - pending_sent_; }
  RingAppliance& appliance() { return *app_; }
  const std::vector<scan::MessageRecord>& records() const { return app_->records(); }

 private:
  void pump();
  void run_backend();
  void backend_line(std::string_view line);

  std::unique_ptr<RingAppliance> app_;
  std::unique_ptr<EmulatedPeer> client_, server_;
  ScriptedBackend script_;
  BackendLog log_;
  bool backend_open_ = false, banner_sent_ = false, backend_closed_ = false;
  std::string pending_;        // what the client still has to write (from pending_sent_ on)
  size_t pending_sent_ = 0;
  std::string client_in_;      // reply bytes received and not yet returned
  std::string backend_in_;     // command bytes not yet handled
  uint32_t iss_ = 7919;
};

// Counts complete SMTP replies at the start of `text` (a multi-line reply ends at its "ddd " line).
int count_replies(std::string_view text, size_t* consumed = nullptr);

}  // namespace sluice::testing
