// THREATS TCP-5: tiny segments. The whole SMTP session (EHLO to QUIT, the message and its "\r\n.\r\n") sent at one
// byte per segment. Expected: the client hears exactly the replies, and the backend receives exactly the bytes,
// of the same session sent coalesced.
//
// Both peers are real TCP endpoints (tests/component/smtp_peers: the client's dialogue and an smtp-sink-like
// backend) on the two ring ports of a real LiveWorker; the client's endpoint is given an MSS of 1, so every
// segment it sends carries one byte. What each peer received is read off the wire in sequence order (WireLog).
// Not covered here: the TLS half of TCP-5 (1-byte ClientHello and 1-byte TLS records); the ring harness has no TLS
// client yet.
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <string>
#include <vector>

#include "tests/adversarial/tcp/wire_log.h"
#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"

namespace sluice::testing {
namespace {

using dataplane::Side;

constexpr uint16_t kClientPort = 40000;
constexpr uint32_t kBodyBytes = 600;        // a few lines of message: hundreds of one-byte segments
constexpr int kMaxRounds = 200000;          // poll rounds before a conversation counts as stuck

struct Conversation {
  SlotEnd end = SlotEnd::Running;
  WireLog to_client, to_backend;
  uint32_t client_mss = 0;                 // the client endpoint's effective send MSS
  uint64_t client_frames = 0;              // frames the client injected
  uint64_t client_bytes = 0;               // payload bytes the client sent (first transmissions)
  size_t records = 0;                      // message records the worker wrote
};

// One session through a fresh appliance; `client_mss` / `backend_mss` are what those endpoints advertise and
// the most they send per segment (min_mss lowered to match: our own peers, not the worker, are the tiny ones).
Conversation converse(uint16_t client_mss, uint16_t backend_mss) {
  Conversation c;
  RingAppliance app(ring_config({.extra = "config system tcp\n  set time-wait 0\nend\n"}));
  EXPECT_TRUE(app.ok()) << app.error();
  if (!app.ok()) return c;
  app.inject(Side::Inside, arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
  app.inject(Side::Outside, arp_request(kClient, kVip));
  app.poll();
  app.discard(Side::Inside);
  app.discard(Side::Outside);

  reassembly::TcpEndpointConfig client_config = peer_config(), backend_config = peer_config();
  client_config.mss = client_config.min_mss = client_mss;
  backend_config.mss = backend_config.min_mss = backend_mss;
  std::vector<PeerSlot> slots(1);
  PeerSlot& s = slots[0];
  s.client = std::make_unique<EmulatedPeer>(app, Side::Outside, kClient, app.mac(Side::Outside), kVip, 0, 25,
                                            client_config);
  s.backend = std::make_unique<EmulatedPeer>(app, Side::Inside, kBackend, app.mac(Side::Inside), kClient.ip, 25,
                                             0, backend_config);
  std::vector<int32_t> slot_of_port(65536, -1);
  slot_of_port[kClientPort] = 0;
  const std::string body = message_body(kBodyBytes);
  const std::vector<Step> steps = smtp_steps(body);
  uint32_t iss = 77;
  uint64_t now = 0;
  start_session(s, kClientPort, iss, now);
  rte_mbuf* burst[256];
  for (int round = 0; round < kMaxRounds && c.end == SlotEnd::Running; ++round) {
    now += 50'000;   // the peers' clock; the worker keeps its own
    app.poll();
    for (Side side : {Side::Outside, Side::Inside}) {
      WireLog& log = side == Side::Outside ? c.to_client : c.to_backend;
      uint32_t n;
      while ((n = app.take(side, burst, 256)) > 0) {
        for (uint32_t k = 0; k < n; ++k) {
          log.take(parse_frame(rte_pktmbuf_mtod(burst[k], const uint8_t*), rte_pktmbuf_data_len(burst[k])));
          deliver(slots, slot_of_port, side, burst[k], &iss, now);
        }
        rte_pktmbuf_free_bulk(burst, n);
      }
    }
    c.end = run_slot(s, steps, now);
  }
  c.client_mss = s.client->tcp().effective_mss();
  c.client_frames = s.client->injected();
  c.client_bytes = s.client->tcp().counters().bytes_out;
  c.records = app.records().size();
  return c;
}

class Tcp5TinySegments : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { coalesced_ = new Conversation(converse(1460, 1460)); }
  static void TearDownTestSuite() {
    delete coalesced_;
    coalesced_ = nullptr;
  }
  static Conversation* coalesced_;
};
Conversation* Tcp5TinySegments::coalesced_ = nullptr;

// The reference run itself: the whole session completed, the message reached the backend and was queued.
TEST_F(Tcp5TinySegments, CoalescedReferenceSessionDelivers) {
  const Conversation& c = *coalesced_;
  ASSERT_EQ(c.end, SlotEnd::Completed);
  EXPECT_GT(c.client_mss, 1u);
  EXPECT_TRUE(c.to_backend.bytes.starts_with("EHLO client.example\r\n")) << c.to_backend.bytes;
  EXPECT_NE(c.to_backend.bytes.find("Subject: bench\r\n"), std::string::npos) << c.to_backend.bytes;
  EXPECT_TRUE(c.to_backend.bytes.ends_with("\r\n.\r\nQUIT\r\n")) << c.to_backend.bytes;
  EXPECT_NE(c.to_client.bytes.find("250 2.0.0 Ok: queued\r\n"), std::string::npos) << c.to_client.bytes;
  EXPECT_TRUE(c.to_client.bytes.ends_with("221 2.0.0 Bye\r\n")) << c.to_client.bytes;
  EXPECT_EQ(c.records, 1u);
}

TEST_F(Tcp5TinySegments, OneByteClientSegmentsGiveTheSameRepliesAndBackendBytes) {
  const Conversation tiny = converse(1, 1460);
  ASSERT_EQ(tiny.end, SlotEnd::Completed);
  EXPECT_EQ(tiny.client_mss, 1u);
  EXPECT_GE(tiny.client_frames, tiny.client_bytes) << "every client byte went in a segment of its own";
  EXPECT_GT(tiny.client_bytes, kBodyBytes);
  RecordProperty("client_segments", std::to_string(tiny.client_frames));   // in the --gtest_output XML
  RecordProperty("client_bytes", std::to_string(tiny.client_bytes));
  RecordProperty("backend_received_bytes", std::to_string(tiny.to_backend.bytes.size()));
  RecordProperty("client_received_bytes", std::to_string(tiny.to_client.bytes.size()));
  EXPECT_EQ(tiny.to_client.bytes, coalesced_->to_client.bytes);
  EXPECT_EQ(tiny.to_backend.bytes, coalesced_->to_backend.bytes);
  EXPECT_FALSE(tiny.to_client.rst);
  EXPECT_FALSE(tiny.to_backend.rst);
  EXPECT_EQ(tiny.records, 1u);
}

// The backend's replies at one byte per segment too: the relay reassembles replies as it does commands.
TEST_F(Tcp5TinySegments, OneByteSegmentsBothWaysGiveTheSameRepliesAndBackendBytes) {
  const Conversation tiny = converse(1, 1);
  ASSERT_EQ(tiny.end, SlotEnd::Completed);
  EXPECT_EQ(tiny.client_mss, 1u);
  EXPECT_EQ(tiny.to_client.bytes, coalesced_->to_client.bytes);
  EXPECT_EQ(tiny.to_backend.bytes, coalesced_->to_backend.bytes);
  EXPECT_EQ(tiny.records, 1u);
}

}  // namespace
}  // namespace sluice::testing
