// THREATS TCP-3: chaff — segments a receiving stack must discard (wrong TCP or IPv4 header checksum) or that an
// evader hopes expire before the real endpoint (low TTL). Each chaff segment carries another command at the same
// sequence numbers as the real one and arrives first, so a stack that accepted it would keep it (first copy wins)
// and the backend would get the evader's bytes. Expected: the proxy's stack ignores the chaff, the forwarded
// stream is the real one, and nothing on the backend side was decided from a packet the proxy did not accept.
#include "tests/adversarial/tcp/adversarial_fixture.h"
#include "tests/adversarial/tcp/crafted_frames.h"

namespace sluice::testing {
namespace {

const std::string kReal = "MAIL FROM:<good@ok.example>\r\n";
const std::string kChaff = "MAIL FROM:<evil@bad.example>\r\n";   // one byte longer: it covers all of kReal

class Tcp3Chaff : public AdversarialTcp {
 protected:
  // Sends `chaff` first, then the real command at the same sequence number, and checks what each side got.
  void expect_chaff_ignored(const std::vector<uint8_t>& chaff) {
    ASSERT_FALSE(parse_frame(chaff.data(), chaff.size()).checksums_ok) << "the chaff must be damaged";
    WireLog to_client(w_to_client()), to_backend(w_to_backend());
    inject_from_client(chaff);
    poll_into(to_client, to_backend);
    // The chaff is not data: nothing reaches the backend and the client's sequence space does not move.
    EXPECT_EQ(to_backend.bytes, "");
    EXPECT_EQ(to_backend.payload_frames, 0u);
    EXPECT_TRUE(!to_client.ack_seen || to_client.last_ack == c_seq()) << "the chaff was acknowledged";
    inject_from_client(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kReal));
    poll_into(to_client, to_backend);
    EXPECT_EQ(to_backend.bytes, kReal);   // the relay re-serialises MAIL; this one is already canonical
    EXPECT_EQ(to_client.last_ack, c_seq(kReal.size()));
    EXPECT_EQ(to_client.bytes, "");       // no reply before the backend's
    EXPECT_FALSE(to_client.rst);
    // The backend's answer to the real command is what the client hears.
    backend_replies(to_client, to_backend, "250 2.1.0 Ok\r\n");
    EXPECT_EQ(to_client.bytes, "250 2.1.0 Ok\r\n");
  }
};

TEST_F(Tcp3Chaff, SegmentWithABadTcpChecksumIsIgnored) {
  establish();
  expect_chaff_ignored(with_bad_tcp_checksum(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kChaff)));
}

TEST_F(Tcp3Chaff, SegmentWithABadIpv4HeaderChecksumIsIgnored) {
  establish();
  expect_chaff_ignored(
      with_bad_ipv4_header_checksum(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kChaff)));
}

TEST_F(Tcp3Chaff, Ipv6SegmentWithABadTcpChecksumIsIgnored) {
  establish_v6();
  expect_chaff_ignored(with_bad_tcp_checksum(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kChaff)));
}

// A chaff SYN with a bad checksum must not open a session (nor dial the backend from the client's address).
TEST_F(Tcp3Chaff, SynWithABadTcpChecksumOpensNothing) {
  teach_neighbours();
  reassembly::TcpSynOptions syn;
  syn.mss = 1460;
  const std::vector<uint8_t> chaff = with_bad_tcp_checksum(client_frame(kClientIsn, 0, kTcpSyn, {}, &syn));
  ASSERT_FALSE(parse_frame(chaff.data(), chaff.size()).checksums_ok);
  inject_from_client(chaff);
  app_->poll();
  const std::vector<Frame> in = app_->drain(Side::Inside);
  EXPECT_TRUE(in.empty()) << describe(in);
  const std::vector<Frame> out = app_->drain(Side::Outside);
  EXPECT_TRUE(out.empty()) << describe(out);
  EXPECT_EQ(app_->worker().sessions_in_use(), 0u);
}

// TTL chaff. A terminating proxy is the segment's endpoint: a segment addressed to the VIP is delivered to it
// whatever its TTL (as every host stack does; TTL is checked only when forwarding), so "would expire before the
// backend" cannot happen — the client's packets never travel to the backend at all. What TCP-3 asks of it is
// that no decision is taken on a view other than the forwarded stream: the stream the proxy accepted is exactly
// what the backend gets, in segments the proxy originated itself (its own TTL, 64), and a later, different copy
// of the same bytes changes nothing.
TEST_F(Tcp3Chaff, LowTtlSegmentIsTheStreamTheBackendGetsWithTheProxysOwnTtl) {
  establish();
  WireLog to_client(w_to_client()), to_backend(w_to_backend());
  const std::vector<uint8_t> low_ttl = with_ttl(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kReal), 1);
  ASSERT_TRUE(parse_frame(low_ttl.data(), low_ttl.size()).checksums_ok);   // only the TTL differs
  inject_from_client(low_ttl);
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_backend.bytes, kReal);
  EXPECT_EQ(to_client.last_ack, c_seq(kReal.size()));
  // The same sequence numbers again with other bytes and a normal TTL: already received, not relayed.
  inject_from_client(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kChaff.substr(0, kReal.size())));
  poll_into(to_client, to_backend);
  EXPECT_EQ(to_backend.bytes, kReal);
  EXPECT_EQ(to_backend.payload_frames, 1u);
  EXPECT_EQ(app_->worker().counters().bytes_client_to_server.get(), kReal.size());
  backend_replies(to_client, to_backend, "250 2.1.0 Ok\r\n");
  EXPECT_EQ(to_client.bytes, "250 2.1.0 Ok\r\n");
}

TEST_F(Tcp3Chaff, TheBackendNeverSeesTheClientsTtl) {
  establish();
  inject_from_client(with_ttl(client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, kReal), 1));
  app_->poll();
  const std::vector<Frame> in = app_->drain(Side::Inside);
  ASSERT_EQ(in.size(), 1u) << describe(in);
  EXPECT_EQ(in[0].payload, kReal);
  EXPECT_EQ(in[0].bytes[kEthernetLen + 8], 64);   // the proxy's own segment: its TTL, not the client's
  EXPECT_TRUE(in[0].checksums_ok);
}

}  // namespace
}  // namespace sluice::testing
