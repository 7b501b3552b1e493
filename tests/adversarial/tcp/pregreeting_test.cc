// THREATS TCP-7: bytes from the client before the backend's banner was relayed, and data carried in the SYN.
// Expected: never forwarded early, never read as replies; either a 554 (postscreen-style) or held until the
// banner. Sluice holds: client bytes wait in TCP until the greeting went out (scan/smtp/README.md, "Nothing
// before the banner"), and a SYN's data is not kept (reassembly/README.md: the peer sends it again).
#include "tests/adversarial/tcp/adversarial_fixture.h"

namespace sluice::testing {
namespace {

using Tcp7PreGreeting = AdversarialTcp;

TEST_F(Tcp7PreGreeting, CommandBeforeTheBannerIsHeldUntilTheBannerWasRelayed) {
  teach_neighbours();
  client_syn();
  complete_handshake();
  WireLog to_client(client_iss_ + 1), to_backend(w_to_backend());
  const std::string early = "EHLO early.example\r\n";
  from_client(c_seq(), client_iss_ + 1, kTcpPsh | kTcpAck, early);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_backend.bytes, "");      // not forwarded before the banner
  EXPECT_EQ(to_client.bytes, "");       // no reply of any kind yet
  EXPECT_FALSE(to_client.rst);
  // The banner: the client hears it first and alone, then the held command goes to the backend.
  from_backend(b_seq(), w_to_backend(), kTcpPsh | kTcpAck, kGreeting);
  greeting_bytes_ = static_cast<uint32_t>(kGreeting.size());
  poll_into(to_client, to_backend);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_client.bytes, kGreeting);
  EXPECT_EQ(to_backend.bytes, early);
  EXPECT_EQ(to_client.last_ack, c_seq(early.size()));
  // The backend's EHLO reply is what the client hears next (mediated: it ends with a "250 " line).
  backend_replies(to_client, to_backend, "250 mx.example\r\n");
  ASSERT_GT(to_client.bytes.size(), kGreeting.size());
  const std::string ehlo_reply = to_client.bytes.substr(kGreeting.size());
  EXPECT_TRUE(ehlo_reply.starts_with("250")) << ehlo_reply;
  EXPECT_TRUE(ehlo_reply.ends_with("\r\n")) << ehlo_reply;
}

// Pre-greeting bytes that look like a reply are the client's command stream, not replies: after the banner they
// are read as a command (unknown verb, 502) by the relay and nothing of them reaches the backend.
TEST_F(Tcp7PreGreeting, ReplyLookalikeBeforeTheBannerIsNotReadAsAReply) {
  teach_neighbours();
  client_syn();
  complete_handshake();
  WireLog to_client(client_iss_ + 1), to_backend(w_to_backend());
  const std::string lookalike = "220 fake.example ESMTP\r\n";
  from_client(c_seq(), client_iss_ + 1, kTcpPsh | kTcpAck, lookalike);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_backend.bytes, "");
  EXPECT_EQ(to_client.bytes, "");
  from_backend(b_seq(), w_to_backend(), kTcpPsh | kTcpAck, kGreeting);
  greeting_bytes_ = static_cast<uint32_t>(kGreeting.size());
  poll_into(to_client, to_backend);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_backend.bytes, "");
  ASSERT_TRUE(to_client.bytes.starts_with(kGreeting)) << to_client.bytes;
  const std::string answer = to_client.bytes.substr(kGreeting.size());
  EXPECT_TRUE(answer.starts_with("502 5.5.2")) << answer;
  EXPECT_FALSE(to_client.rst);
}

// Data in the SYN (what TCP Fast Open would carry): not forwarded in the SYN to the backend, not acknowledged,
// not delivered after the banner; the client's retransmission after the handshake is the command of record.
TEST_F(Tcp7PreGreeting, DataInTheSynIsNeitherForwardedNorAcknowledged) {
  teach_neighbours();
  const std::string in_syn = "EHLO syn.example\r\n";
  reassembly::TcpSynOptions syn;
  syn.mss = 1460;
  inject_from_client(client_frame(kClientIsn, 0, kTcpSyn, in_syn, &syn));
  app_->poll();
  EXPECT_TRUE(app_->drain(Side::Outside).empty());
  const std::vector<Frame> dial = app_->drain(Side::Inside);
  ASSERT_EQ(dial.size(), 1u) << describe(dial);
  EXPECT_EQ(dial[0].flags, kTcpSyn);
  EXPECT_EQ(dial[0].payload, "");   // the backend's SYN carries nothing of the client's
  server_iss_ = dial[0].seq;
  complete_handshake();              // checks the client's SYN-ACK acknowledges the SYN only: kClientIsn + 1
  WireLog to_client(client_iss_ + 1), to_backend(w_to_backend());
  from_backend(b_seq(), w_to_backend(), kTcpPsh | kTcpAck, kGreeting);
  greeting_bytes_ = static_cast<uint32_t>(kGreeting.size());
  poll_into(to_client, to_backend);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_client.bytes, kGreeting);
  EXPECT_EQ(to_backend.bytes, "");  // the SYN's bytes were never delivered
  EXPECT_TRUE(!to_client.ack_seen || to_client.last_ack == c_seq());
  // The client sends the command again, as a TCP that got no ACK for it does.
  from_client(c_seq(), w_to_client(), kTcpPsh | kTcpAck, in_syn);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_backend.bytes, in_syn);
  EXPECT_EQ(to_client.last_ack, c_seq(in_syn.size()));
}

}  // namespace
}  // namespace sluice::testing
