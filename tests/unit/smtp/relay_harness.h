// tests/unit/smtp/relay_harness.h — drives one SmtpRelay with exact byte scripts from both sides.
//
// RelayPump plays the two TCP receive buffers around a relay (shared with the inspector's relay tests);
// RelayHarness adds RecordingHooks, the policy side: it records what the relay reported and answers with
// decisions a test sets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/smtp/smtp_relay.h"

namespace sluice::smtp::test {

struct RecordingHooks final : RelayHooks {
  LocalReply mail_reply, rcpt_reply;          // what on_mail / on_rcpt answer
  std::string refuse_recipient;               // on_rcpt refuses only this recipient (if set) with rcpt_reply
  MessageDecision decision;                   // what on_message_end answers
  std::vector<std::string> contents;          // canonical content of each message
  std::vector<MessageEnd> ends;
  std::vector<MessageOutcome> outcomes;
  std::vector<bool> held;                     // on_message_end got the whole message (not streamed)
  int begun = 0;

  LocalReply on_mail(const Envelope&) override { return mail_reply; }
  LocalReply on_rcpt(const Envelope&, std::string_view rcpt) override {
    if (!refuse_recipient.empty()) return rcpt == refuse_recipient ? rcpt_reply : LocalReply{};
    return rcpt_reply;
  }
  void on_message_begin(const Envelope&) override {
    ++begun;
    contents.emplace_back();
  }
  void on_message_content(std::string_view c) override { contents.back().append(c); }
  MessageDecision on_message_end(const MessageEnd& end, std::string_view h) override {
    ends.push_back(end);
    held.push_back(!h.empty());
    return decision;
  }
  void on_message_done(const MessageOutcome& o) override { outcomes.push_back(o); }
};

// The two TCP receive buffers around one relay: bytes the relay did not take stay queued and are offered again
// after the other side moved, until neither side moves (as the dataplane's read/write rounds do).
class RelayPump {
 public:
  explicit RelayPump(SmtpRelay& relay) : relay_(relay) {}

  // Bytes arriving from the client / the backend; `chunk` > 0 delivers them that many at a time.
  void client(std::string_view bytes, size_t chunk = 0) { arrive(client_queue_, bytes, chunk); }
  void server(std::string_view bytes, size_t chunk = 0) { arrive(server_queue_, bytes, chunk); }

  // What each side received since the last call.
  std::string take_client() { return std::exchange(client_got_, {}); }
  std::string take_server() { return std::exchange(server_got_, {}); }
  // What the backend received so far and nobody took yet.
  const std::string& server_got() const { return server_got_; }
  const std::string& client_queue() const { return client_queue_; }

 private:
  void arrive(std::string& queue, std::string_view bytes, size_t chunk) {
    if (chunk == 0) chunk = bytes.size() == 0 ? 1 : bytes.size();
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      queue.append(bytes.substr(i, chunk));
      settle();
    }
    settle();
  }
  void settle() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      if (!server_queue_.empty()) {
        const size_t n = relay_.on_server_bytes(server_queue_);
        server_queue_.erase(0, n);
        moved |= n > 0;
      }
      moved |= drain();
      if (!client_queue_.empty()) {
        const size_t n = relay_.on_client_bytes(client_queue_);
        client_queue_.erase(0, n);
        moved |= n > 0;
      }
      moved |= drain();
      if (!moved) return;
    }
  }
  bool drain() {
    bool moved = false;
    for (auto [out, got] : {std::pair{&relay_.to_client(), &client_got_}, std::pair{&relay_.to_server(), &server_got_}}) {
      if (!out->empty()) {
        got->append(out->pending());
        out->consumed(out->pending().size());
        moved = true;
      }
    }
    return moved;
  }

  SmtpRelay& relay_;
  std::string client_queue_, server_queue_;
  std::string client_got_, server_got_;
};

class RelayHarness {
 public:
  explicit RelayHarness(RelayConfig config = default_config()) : relay(config, hooks), pump_(relay) {}

  static RelayConfig default_config() {
    RelayConfig c;
    c.hold_limit = 4096;
    return c;
  }

  void client(std::string_view bytes, size_t chunk = 0) { pump_.client(bytes, chunk); }
  void server(std::string_view bytes, size_t chunk = 0) { pump_.server(bytes, chunk); }
  std::string take_client() { return pump_.take_client(); }
  std::string take_server() { return pump_.take_server(); }
  const std::string& client_queue() const { return pump_.client_queue(); }

  // A standard opening: greeting, EHLO with the given capabilities, MAIL, RCPT accepted.
  void open_transaction(std::string_view capabilities = "250-PIPELINING\r\n250 CHUNKING\r\n") {
    server("220 mx ESMTP\r\n");
    client("EHLO client.example\r\n");
    server(std::string("250-mx\r\n") + std::string(capabilities));
    client("MAIL FROM:<a@ext.example>\r\nRCPT TO:<u@protected.example>\r\n");
    server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
    take_client();
    take_server();
  }

  RecordingHooks hooks;
  SmtpRelay relay;

 private:
  RelayPump pump_;
};

}  // namespace sluice::smtp::test
