// RFC 2018 receiver side: while out-of-order data is held and SACK was negotiated, every ACK carries SACK
// blocks, the block with the latest arrival first; without SACK negotiated, none.
#include <gtest/gtest.h>

#include "reassembly/tcp_endpoint.h"
#include "reassembly/tcp_options.h"
#include "tcp_endpoint_test_support.h"

namespace sluice::reassembly {
namespace {

using namespace endpoint_testing;

constexpr uint32_t kRcv = kPeerIsn + 1, kSnd = kIss + 1;

class SackRecorder final : public SegmentSink {
 public:
  void send_segment(const SegmentOut& s) override {
    std::vector<std::pair<uint32_t, uint32_t>> blocks;
    for (uint8_t i = 0; i < s.sack_count; ++i) blocks.emplace_back(s.sack[i][0], s.sack[i][1]);
    acks.push_back(blocks);
  }
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> acks;
};

void establish(TcpEndpoint& endpoint, SegmentSink& sink, bool sack) {
  endpoint.set_sink(&sink);
  TcpSynOptions peer;
  peer.mss = 1000;
  peer.sack_permitted = sack;
  endpoint.receive_syn(seg(kPeerIsn, 0, kSyn, 20000), peer, kIss, 0);
  endpoint.accept(0);
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000), nullptr, 0);
}

using Blocks = std::vector<std::pair<uint32_t, uint32_t>>;

TEST(TcpEndpointSack, DupAcksReportHeldDataLatestBlockFirstAndMergeTouchingIntervals) {
  TcpEndpoint endpoint(small_config());
  SackRecorder sink;
  establish(endpoint, sink, true);
  sink.acks.clear();
  const std::string k(500, 'k');  // the receive window is 4000 bytes: everything fits in it
  endpoint.on_segment(seg(kRcv + 500, kSnd, kAck, 20000, k), nullptr, 0);
  endpoint.on_segment(seg(kRcv + 1500, kSnd, kAck, 20000, k), nullptr, 0);
  endpoint.on_segment(seg(kRcv + 1000, kSnd, kAck, 20000, k), nullptr, 0);  // joins the two held pieces
  endpoint.on_segment(seg(kRcv + 2500, kSnd, kAck, 20000, k), nullptr, 0);
  ASSERT_EQ(sink.acks.size(), 4u);
  EXPECT_EQ(sink.acks[0], (Blocks{{kRcv + 500, kRcv + 1000}}));
  EXPECT_EQ(sink.acks[1], (Blocks{{kRcv + 1500, kRcv + 2000}, {kRcv + 500, kRcv + 1000}}));
  EXPECT_EQ(sink.acks[2], (Blocks{{kRcv + 500, kRcv + 2000}}));
  EXPECT_EQ(sink.acks[3], (Blocks{{kRcv + 2500, kRcv + 3000}, {kRcv + 500, kRcv + 2000}}));
  endpoint.on_segment(seg(kRcv, kSnd, kAck, 20000, k), nullptr, 0);  // the first hole fills
  endpoint.flush(0);
  ASSERT_EQ(sink.acks.size(), 5u);
  EXPECT_EQ(sink.acks[4], (Blocks{{kRcv + 2500, kRcv + 3000}}));
}

TEST(TcpEndpointSack, NoBlocksWithoutSackPermitted) {
  TcpEndpoint endpoint(small_config());
  SackRecorder sink;
  establish(endpoint, sink, false);
  sink.acks.clear();
  endpoint.on_segment(seg(kRcv + 1000, kSnd, kAck, 20000, std::string(1000, 'k')), nullptr, 0);
  ASSERT_EQ(sink.acks.size(), 1u);
  EXPECT_TRUE(sink.acks[0].empty());
}

TEST(TcpOptions, SackOptionIsAlignedAndCarriesEveryEdge) {
  const uint32_t blocks[2][2] = {{0x01020304, 0x05060708}, {0xa0b0c0d0, 0xe0f00010}};
  uint8_t out[40];
  ASSERT_EQ(encode_sack_option(blocks, 2, out), 20u);
  const uint8_t want[20] = {1, 1, 5, 18, 1, 2, 3, 4, 5, 6, 7, 8, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x00, 0x10};
  EXPECT_EQ(std::vector<uint8_t>(out, out + 20), std::vector<uint8_t>(want, want + 20));
  EXPECT_EQ(encode_sack_option(blocks, 0, out), 0u);
}

}  // namespace
}  // namespace sluice::reassembly
