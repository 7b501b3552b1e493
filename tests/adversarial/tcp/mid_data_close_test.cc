// tests/adversarial/tcp/mid_data_close_test.cc — THREATS TCP-8 in plaintext: the client half-closes (FIN) or
// resets (RST) in the middle of DATA, with no "." line. Expected: the client gets no 250, the backend never gets
// CRLF.CRLF (no message is complete there), and both legs end so the session is freed. Two shapes: a message
// still held (under hold-limit: the backend has seen none of it) and one streaming past hold-limit (the backend
// has DATA and part of the content). The TLS twins are tests/integration/test_tls_threats.py tls8.
// May call: the adversarial fixture (crafted client and backend frames, WireLog).
#include <chrono>
#include <string>
#include <thread>

#include "tests/adversarial/tcp/adversarial_fixture.h"

namespace sluice::testing {
namespace {

constexpr uint32_t kHoldLimitKb = 1;
constexpr size_t kSegment = 1200;   // under the MSS, so each piece is one segment

class Tcp8MidDataClose : public AdversarialTcp {
 protected:
  // The fixture's configuration with hold-limit set (a second protocol-options block; its `set` wins).
  void SetUp() override {
    start(config_with("end\nconfig smtp protocol-options\n  set hold-limit " + std::to_string(kHoldLimitKb) +
                      "\n  set chunking disable\n"));
  }

  void say(std::string_view bytes) {
    for (size_t at = 0; at < bytes.size(); at += kSegment) {
      const std::string_view piece = bytes.substr(at, kSegment);
      from_client(c_seq(client_sent_), to_client_.next, kTcpPsh | kTcpAck, piece);
      client_sent_ += static_cast<uint32_t>(piece.size());
      turn();
    }
  }
  // Polls a few times; the crafted backend answers a DATA the relay sent it with 354.
  void turn() {
    for (int i = 0; i < 3; ++i) {
      poll_into(to_client_, to_backend_);
      if (!data_answered_ && to_backend_.bytes.ends_with("DATA\r\n")) {
        data_answered_ = true;
        backend_replies(to_client_, to_backend_, "354 End data with <CR><LF>.<CR><LF>\r\n");
      }
    }
  }
  // The command is relayed, the backend answers `reply`, and the client hears `heard` (EHLO is mediated).
  void command(std::string_view line, std::string_view reply, std::string_view heard = {}) {
    const size_t had = to_client_.bytes.size();
    say(line);
    ASSERT_TRUE(to_backend_.bytes.ends_with(line)) << to_backend_.bytes;
    backend_replies(to_client_, to_backend_, reply);
    EXPECT_EQ(to_client_.bytes.substr(had), heard.empty() ? reply : heard);
  }
  // EHLO, MAIL, RCPT; DATA answered 354 (by the relay: the backend gets DATA only once content goes out).
  void open_message() {
    establish();
    to_client_ = WireLog(w_to_client());
    to_backend_ = WireLog(w_to_backend());
    command("EHLO client.example\r\n", "250 mx.example\r\n", "250-mx.example\r\n250 SIZE 10485760\r\n");
    command("MAIL FROM:<a@client.example>\r\n", "250 2.1.0 Ok\r\n");
    command("RCPT TO:<b@mx.example>\r\n", "250 2.1.0 Ok\r\n");
    const size_t had = to_client_.bytes.size();
    say("DATA\r\n");
    EXPECT_TRUE(to_client_.bytes.substr(had).starts_with("354 ")) << to_client_.bytes.substr(had);
    replies_before_body_ = to_client_.bytes.size();
  }
  static std::string body(size_t size) {
    std::string b = "From: a@client.example\r\nSubject: cut short\r\n\r\n";
    for (int n = 0; b.size() < size; ++n) b += "body line " + std::to_string(n) + " of a message cut short\r\n";
    return b;
  }
  // Polls (with time for the worker's timers) until the session is freed or 200 ms passed.
  void until_freed() {
    for (int i = 0; i < 100 && app_->worker().sessions_in_use() != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      poll_into(to_client_, to_backend_);
      // The peers acknowledge whatever FIN reached them, as a stack in TIME-WAIT/LAST-ACK would.
      if (to_backend_.fin && !backend_acked_fin_) {
        backend_acked_fin_ = true;
        from_backend(b_seq(backend_sent_), to_backend_.next + 1, kTcpFin | kTcpAck);
      }
      if (to_client_.fin && !client_acked_fin_ && !client_reset_) {
        client_acked_fin_ = true;
        from_client(c_seq(client_sent_ + (client_fin_ ? 1 : 0)), to_client_.next + 1, kTcpAck);
      }
    }
  }
  void client_fin() {
    from_client(c_seq(client_sent_), to_client_.next, kTcpFin | kTcpAck);
    client_fin_ = true;
    turn();
  }
  void client_rst() {
    from_client(c_seq(client_sent_), 0, kTcpRst);
    client_reset_ = true;
    turn();
  }
  // What TCP-8 asks, whatever the shape: no 250 after the body began, no end of data at the backend, session gone.
  void expect_nothing_delivered() {
    const std::string after_body = to_client_.bytes.substr(replies_before_body_);
    EXPECT_EQ(after_body.find("250"), std::string::npos) << "the client heard: " << after_body;
    EXPECT_EQ(to_backend_.bytes.find("\r\n.\r\n"), std::string::npos) << "end of data reached the backend";
    EXPECT_TRUE(to_backend_.fin || to_backend_.rst) << "the backend leg was left open";
    EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
    // The message's record says it never ended and nobody was answered.
    ASSERT_FALSE(app_->records().empty());
    EXPECT_FALSE(app_->records().back().complete);
    EXPECT_EQ(app_->records().back().client_reply, 0);
  }
  // A held message: the backend got the envelope and then only the end of the connection.
  void expect_backend_saw_only_the_envelope() const { EXPECT_EQ(to_backend_.bytes, kEnvelope) << to_backend_.bytes; }
  // A streaming one: the envelope, DATA, then a strict prefix of the content (no dot line in this body).
  void expect_backend_saw_a_prefix_of(std::string_view content) const {
    const std::string head = std::string(kEnvelope) + "DATA\r\n";
    ASSERT_TRUE(to_backend_.bytes.starts_with(head)) << to_backend_.bytes.substr(0, 200);
    const std::string streamed = to_backend_.bytes.substr(head.size());
    EXPECT_GT(streamed.size(), kHoldLimitKb * 1024u) << "past hold-limit, content streams";
    EXPECT_TRUE(content.starts_with(streamed)) << "the backend got content the client never sent";
  }
  static constexpr std::string_view kEnvelope =
      "EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\n";

  WireLog to_client_, to_backend_;
  uint32_t client_sent_ = 0;
  size_t replies_before_body_ = 0;
  bool data_answered_ = false, backend_acked_fin_ = false, client_acked_fin_ = false;
  bool client_fin_ = false, client_reset_ = false;
};

TEST_F(Tcp8MidDataClose, FinInAHeldMessageSendsTheBackendNothingOfIt) {
  open_message();
  const std::string part = body(600);   // under hold-limit: held
  say(part);
  EXPECT_EQ(to_backend_.bytes.find("DATA"), std::string::npos) << "held content went out: " << to_backend_.bytes;
  client_fin();
  until_freed();
  expect_nothing_delivered();
  expect_backend_saw_only_the_envelope();
  EXPECT_TRUE(to_client_.fin) << "the client's half-close is answered by closing its leg";
}

TEST_F(Tcp8MidDataClose, RstInAHeldMessageSendsTheBackendNothingOfIt) {
  open_message();
  say(body(600));
  EXPECT_EQ(to_backend_.bytes, kEnvelope) << "held content went out";
  client_rst();
  until_freed();
  expect_nothing_delivered();
  EXPECT_TRUE(to_backend_.rst) << "a client RST is carried to the backend as RST";
  expect_backend_saw_only_the_envelope();
}

TEST_F(Tcp8MidDataClose, FinInAStreamingMessageLeavesTheBackendWithoutTheEndOfData) {
  open_message();
  const std::string part = body(4000);   // past hold-limit: streams
  say(part);
  const size_t data_at = to_backend_.bytes.find("DATA\r\n");
  ASSERT_NE(data_at, std::string::npos) << "content past hold-limit did not stream: " << to_backend_.bytes;
  EXPECT_NE(to_backend_.bytes.find("Subject: cut short"), std::string::npos);
  client_fin();
  until_freed();
  expect_nothing_delivered();
  expect_backend_saw_a_prefix_of(part);
  EXPECT_TRUE(to_client_.fin);
}

TEST_F(Tcp8MidDataClose, RstInAStreamingMessageLeavesTheBackendWithoutTheEndOfData) {
  open_message();
  const std::string part = body(4000);
  say(part);
  ASSERT_NE(to_backend_.bytes.find("DATA\r\n"), std::string::npos) << to_backend_.bytes;
  client_rst();
  until_freed();
  expect_nothing_delivered();
  expect_backend_saw_a_prefix_of(part);
  EXPECT_TRUE(to_backend_.rst);
}

}  // namespace
}  // namespace sluice::testing
