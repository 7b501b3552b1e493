// THREATS TCP-6: out-of-order and duplicated segments, IP fragments. Expected: reordered and duplicated segments
// give the backend the stream exactly once; overlapping IPv4 and IPv6 fragments are dropped (RFC 5722; Linux
// drops them for both families); non-overlapping fragments in any order are reassembled and the session goes on
// normally; nothing crashes. (In-order relay after one hole is pinned by tests/component/live_dataplane_proxy_test
// OutOfOrderClientDataIsRelayedInOrder, conflicting overlaps by OverlappingRetransmissionKeepsTheFirstCopy.)
#include <array>
#include <string>
#include <utility>

#include "dataplane/frame_layout.h"
#include "tests/adversarial/tcp/adversarial_fixture.h"
#include "tests/adversarial/tcp/crafted_frames.h"

namespace sluice::testing {
namespace {

using Tcp6Reordering = AdversarialTcp;

// One command cut into five segments that arrive shuffled, three of them twice (one of those after it was
// already delivered), each in its own poll: the backend gets the line once, in one piece, and the client's
// cumulative ACK covers it.
TEST_F(Tcp6Reordering, ShuffledAndDuplicatedSegmentsReachTheBackendOnce) {
  establish();
  const std::string line = "EHLO reordered.example\r\n";   // 24 bytes
  const std::array<std::pair<uint32_t, uint32_t>, 5> piece = {{{0, 5}, {5, 10}, {10, 15}, {15, 20}, {20, 24}}};
  const std::array<int, 8> arrival = {3, 1, 1, 4, 0, 3, 2, 0};
  WireLog to_client(w_to_client()), to_backend(w_to_backend());
  for (int i : arrival) {
    const auto [begin, end] = piece[i];
    from_client(c_seq(begin), w_to_client(), kTcpAck, std::string_view(line).substr(begin, end - begin));
    poll_into(to_client, to_backend);
  }
  EXPECT_EQ(to_backend.bytes, line);
  EXPECT_EQ(to_backend.payload_frames, 1u);
  EXPECT_EQ(to_backend.resent_bytes, 0u);
  EXPECT_EQ(to_client.last_ack, c_seq(line.size()));
  EXPECT_EQ(to_client.bytes, "");
  EXPECT_EQ(app_->worker().counters().bytes_client_to_server.get(), line.size());
  backend_replies(to_client, to_backend, "250 mx.example\r\n");
  EXPECT_TRUE(to_client.bytes.starts_with("250")) << to_client.bytes;
}

class Tcp6Fragments : public AdversarialTcp {
 protected:
  // A whole command segment from the client, as the frame its fragments are cut from.
  std::vector<uint8_t> command_frame(std::string_view command) const {
    return client_frame(c_seq(), w_to_client(), kTcpPsh | kTcpAck, command);
  }

  // Non-overlapping fragments, last first, then first, then middle: reassembled, the command relayed.
  void expect_reordered_fragments_reassembled() {
    const std::string line = "EHLO fragments.example\r\n";   // 24 bytes: IP payload 44 = 20 TCP header + 24
    const std::vector<uint8_t> whole = command_frame(line);
    ASSERT_EQ(ip_payload_length(whole), 44u);
    const std::vector<uint8_t> first = ip_fragment(whole, {.offset = 0, .length = 16, .more = true}, 0x1111);
    const std::vector<uint8_t> middle = ip_fragment(whole, {.offset = 16, .length = 16, .more = true}, 0x1111);
    const std::vector<uint8_t> last = ip_fragment(whole, {.offset = 32, .length = 12, .more = false}, 0x1111);
    // The crafting itself: each is a fragment to the frame parser, and their data, in offset order, is the
    // whole segment (TCP header, checksum and payload) the unfragmented frame carries.
    std::string joined;
    for (const std::vector<uint8_t>* fragment : {&first, &middle, &last}) {
      dataplane::FrameLayout layout;
      dataplane::locate_layers(fragment->data(), fragment->size(), layout);
      ASSERT_TRUE(layout.fragment);
      joined.append(reinterpret_cast<const char*>(fragment->data() + layout.l4_offset), layout.l4_len);
    }
    ASSERT_EQ(joined, std::string(whole.end() - 44, whole.end()));
    WireLog to_client(w_to_client()), to_backend(w_to_backend());
    inject_from_client(last);
    inject_from_client(first);
    inject_from_client(middle);
    poll_into(to_client, to_backend);
    poll_into(to_client, to_backend);
    EXPECT_EQ(to_backend.bytes, line);
    EXPECT_EQ(to_client.last_ack, c_seq(line.size()));
    EXPECT_FALSE(to_client.rst);
    EXPECT_EQ(app_->worker().sessions_in_use(), 1u);
    EXPECT_EQ(app_->worker().counters().drops_malformed.get(), 0u);   // well-formed fragments, whatever became of them
    const dataplane::LiveCounters& counters = app_->worker().counters();
    EXPECT_EQ(counters.fragments_received.get(), 3u);
    EXPECT_EQ(counters.fragments_reassembled.get(), 1u);
    EXPECT_EQ(counters.drops_bad_checksum.get(), 0u);   // the reassembled segment's TCP checksum was verified
    EXPECT_EQ(counters.fragments_overlap_dropped.get(), 0u);
  }

  // Two fragments that overlap on payload bytes 4..11 and disagree there: the datagram is dropped, nothing is
  // relayed or acknowledged, and the session still works (the client's retransmission, unfragmented, goes on).
  // The second fragment's copy of the overlap is the first's 16-bit words in another order, so the TCP checksum
  // is valid whichever copy a reassembler kept: only the overlap rule can refuse it.
  void expect_overlapping_fragments_dropped() {
    const std::string line = "EHLO good.example\r\n";     // IP payload 20 + 19 = 39
    const std::vector<uint8_t> whole = command_frame(line);
    ASSERT_EQ(ip_payload_length(whole), 39u);
    const std::string second = "oo gexd.ample\r\n";        // payload [4, 19) was " good.example\r\n"
    WireLog to_client(w_to_client()), to_backend(w_to_backend());
    for (bool overlapping_first : {false, true}) {   // both arrival orders, one datagram (IP id) each
      const uint32_t id = overlapping_first ? 0x2223 : 0x2222;
      const std::vector<uint8_t> a = ip_fragment(whole, {.offset = 0, .length = 32, .more = true}, id);
      const std::vector<uint8_t> b =
          ip_fragment(whole, {.offset = 24, .length = 15, .more = false, .replacement = second}, id);
      inject_from_client(overlapping_first ? b : a);
      inject_from_client(overlapping_first ? a : b);
      poll_into(to_client, to_backend);
    }
    EXPECT_EQ(to_backend.bytes, "");
    EXPECT_EQ(to_backend.payload_frames, 0u);
    EXPECT_TRUE(!to_client.ack_seen || to_client.last_ack == c_seq());
    EXPECT_FALSE(to_client.rst);
    EXPECT_EQ(app_->worker().sessions_in_use(), 1u);
    EXPECT_EQ(app_->worker().counters().drops_malformed.get(), 0u);
    EXPECT_EQ(app_->worker().counters().fragments_overlap_dropped.get(), 2u);   // one per datagram, both orders
    EXPECT_EQ(app_->worker().counters().fragments_reassembled.get(), 0u);
    inject_from_client(whole);
    poll_into(to_client, to_backend);
    EXPECT_EQ(to_backend.bytes, line);
    EXPECT_EQ(to_client.last_ack, c_seq(line.size()));
  }
};

TEST_F(Tcp6Fragments, ReorderedIpv4FragmentsAreReassembled) {
  establish();
  expect_reordered_fragments_reassembled();
}

TEST_F(Tcp6Fragments, ReorderedIpv6FragmentsAreReassembled) {
  establish_v6();
  expect_reordered_fragments_reassembled();
}

TEST_F(Tcp6Fragments, OverlappingIpv4FragmentsAreDropped) {
  establish();
  expect_overlapping_fragments_dropped();
}

TEST_F(Tcp6Fragments, OverlappingIpv6FragmentsAreDropped) {
  establish_v6();
  expect_overlapping_fragments_dropped();
}

}  // namespace
}  // namespace sluice::testing
