// tests/unit/smtp/session_script.h — drives a PassiveSession from a scripted
// capture (client bytes, server bytes, gaps, close) and records every event,
// so tests can compare exact outputs and one-shot with 1-byte feeding.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "scan/smtp/passive_session.h"

namespace sluice::smtp::test {

struct Step {
  enum Kind { Client, Server, ClientGap, ServerGap, Close } kind;
  std::string bytes;
  uint32_t gap = 0;
};
using Script = std::vector<Step>;

inline Step client(std::string_view b) { return {Step::Client, std::string(b)}; }
inline Step server(std::string_view b) { return {Step::Server, std::string(b)}; }
inline Step client_gap(uint32_t n) { return {Step::ClientGap, {}, n}; }
inline Step server_gap(uint32_t n) { return {Step::ServerGap, {}, n}; }
inline Step close_connection() { return {Step::Close, {}}; }

struct RecordedMessage {
  Envelope begin_envelope;
  std::string content;
  bool ended = false;
  Envelope end_envelope;
  MessageEnd end;
};

class Recorder : public SessionSink {
 public:
  void on_greeting(int code, std::string_view text) override {
    events.push_back("greeting " + std::to_string(code) + " " + std::string(text));
  }
  void on_capabilities(const std::vector<std::string>& keywords) override {
    capabilities = keywords;
    events.push_back("capabilities " + std::to_string(keywords.size()));
  }
  void on_message_begin(const Envelope& envelope) override {
    messages.push_back({envelope, {}, false, {}, {}});
    events.push_back("begin");
  }
  void on_message_data(std::string_view content) override {
    EXPECT_FALSE(messages.empty());
    EXPECT_FALSE(content.empty());
    if (!messages.empty()) messages.back().content.append(content);
  }
  void on_message_end(const Envelope& envelope, const MessageEnd& end) override {
    EXPECT_FALSE(messages.empty());
    if (messages.empty()) return;
    EXPECT_FALSE(messages.back().ended);
    messages.back().ended = true;
    messages.back().end_envelope = envelope;
    messages.back().end = end;
    events.push_back("end " + std::to_string(end.final_reply_code));
  }
  void on_starttls() override { events.push_back("starttls"); }

  // Everything observed, in one string: equal strings mean equal behaviour.
  std::string describe() const;

  std::vector<std::string> events;
  std::vector<std::string> capabilities;
  std::vector<RecordedMessage> messages;
  uint32_t session_flags = 0;
  bool encrypted = false;
  bool looks_like_smtp = false;
  uint32_t message_count = 0;
};

// Runs `script`, feeding data steps in pieces of `chunk` bytes (0: whole).
Recorder run_script(const Script& script, size_t chunk, const SmtpLimits& limits = {});

// Runs one-shot and 1-byte-at-a-time, expects identical recordings, and
// returns the one-shot recording.
Recorder run_both(const Script& script, const SmtpLimits& limits = {});

uint32_t bits(std::initializer_list<SessionFlag> flags);

// "EHLO t" + greeting + MAIL a@ext.example + RCPT u@protected.example + DATA
// with the server's replies: the THREATS.md SM template up to the body.
Script smuggling_prefix();

}  // namespace sluice::smtp::test
