// IP fragment reassembly on plain bytes (dataplane/ip_reassembly, THREATS TCP-6): whole segments from fragments in
// any order, both families (IPv6 with an extension header before the Fragment header too), checksums checked
// independently (frame_test_util.h); overlaps drop the whole datagram, exact duplicates do not; every limit
// (datagrams, fragments, time-out, frame size) and every refusal (not TCP, bad header checksum, malformed).
#include "dataplane/ip_reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "dataplane/frame_builder.h"
#include "tests/adversarial/tcp/crafted_frames.h"
#include "tests/unit/dataplane/frame_test_util.h"

namespace sluice::dataplane {
namespace {

using test::Bytes;
using testing::FragmentSpec;
using testing::ip_fragment;

constexpr uint64_t kSecond = 1'000'000'000;
const std::string kPayload = "MAIL FROM:<evader@fragments.example>\r\n";   // 38 bytes: IP payload 20 + 38 = 58

Bytes tcp_frame(bool v6, std::string_view payload = kPayload) {
  TcpFrameSpec s;
  s.src_mac = MacAddress{{2, 0, 0, 0, 0, 1}};
  s.dst_mac = MacAddress{{2, 0, 0, 0, 0, 2}};
  s.src_ip = *IpAddr::parse(v6 ? "2001:db8::1" : "192.0.2.1");
  s.dst_ip = *IpAddr::parse(v6 ? "2001:db8::25" : "198.51.100.25");
  s.src_port = 40000;
  s.dst_port = 25;
  s.seq = 1000;
  s.ack = 2000;
  s.flags = 0x18;
  s.window = 65535;
  s.payload[0] = payload;
  s.ip_id = 0x4242;
  uint8_t out[2048];
  const BuiltFrame b = build_tcp_frame(s, out, sizeof out);
  return Bytes(out, out + b.length);
}

// The frame's IP payload (TCP header and data), read through its own IP lengths.
Bytes ip_payload(const Bytes& frame) {
  FrameLayout l;
  locate_layers(frame.data(), frame.size(), l);
  return Bytes(frame.begin() + static_cast<std::ptrdiff_t>(l.l4_offset),
               frame.begin() + static_cast<std::ptrdiff_t>(l.ip_end()));
}

// Three pieces of the 58-byte IP payload: [0,24) [24,48) [48,58).
std::vector<Bytes> three_fragments(const Bytes& whole, uint32_t id) {
  return {ip_fragment(whole, {.offset = 0, .length = 24, .more = true}, id),
          ip_fragment(whole, {.offset = 24, .length = 24, .more = true}, id),
          ip_fragment(whole, {.offset = 48, .length = 10, .more = false}, id)};
}

// An IPv6 fragment with a hop-by-hop header (PadN only) between the IPv6 header and its Fragment header.
Bytes with_hop_by_hop(Bytes frame) {
  uint8_t* ip = frame.data() + 14;
  const uint8_t hop_by_hop[8] = {44, 0, 1, 4, 0, 0, 0, 0};
  ip[6] = 0;
  store_be16(ip + 4, static_cast<uint16_t>(load_be16(ip + 4) + 8));
  frame.insert(frame.begin() + 14 + 40, hop_by_hop, hop_by_hop + 8);
  return frame;
}

struct Fed {
  FragmentOutcome outcome;
  Bytes frame;   // the whole frame when reassembled
};

Fed feed(IpReassembly& r, const Bytes& fragment, uint64_t now = 0) {
  FrameLayout l;
  locate_layers(fragment.data(), fragment.size(), l);
  EXPECT_TRUE(l.fragment);
  Fed fed;
  fed.frame.resize(2048);
  fed.outcome = r.add(fragment.data(), fragment.size(), l, now, fed.frame.data(), fed.frame.size());
  fed.frame.resize(fed.outcome.frame_len);
  return fed;
}

void expect_whole_segment(const Bytes& reassembled, const Bytes& whole) {
  FrameLayout l;
  ASSERT_NE(locate_layers(reassembled.data(), reassembled.size(), l), FrameKind::Malformed);
  EXPECT_FALSE(l.fragment);
  EXPECT_EQ(l.l4_protocol, kIpProtoTcp);
  EXPECT_EQ(ip_payload(reassembled), ip_payload(whole));
  EXPECT_EQ(l.ip_end(), reassembled.size());
}

TEST(IpReassembly, Ipv4FragmentsInEveryOrderGiveTheWholeSegment) {
  const Bytes whole = tcp_frame(false);
  const std::vector<Bytes> pieces = three_fragments(whole, 0x1111);
  std::array<int, 3> order = {0, 1, 2};
  int permutations = 0;
  do {
    IpReassembly r(FragmentLimits{}, 7);
    EXPECT_EQ(feed(r, pieces[order[0]]).outcome.result, FragmentResult::Held);
    EXPECT_EQ(feed(r, pieces[order[1]]).outcome.result, FragmentResult::Held);
    const Fed last = feed(r, pieces[order[2]]);
    ASSERT_EQ(last.outcome.result, FragmentResult::Reassembled);
    expect_whole_segment(last.frame, whole);
    EXPECT_TRUE(test::ipv4_header_verifies(last.frame));
    EXPECT_TRUE(test::l4_verifies(last.frame));
    EXPECT_EQ(load_be16(last.frame.data() + 14 + 6), 0);        // no MF, no offset
    EXPECT_EQ(load_be16(last.frame.data() + 14 + 4), 0x1111);   // the datagram's id
    EXPECT_EQ(Bytes(last.frame.begin(), last.frame.begin() + 14), Bytes(whole.begin(), whole.begin() + 14));
    EXPECT_EQ(r.in_use(), 0u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 6);
}

TEST(IpReassembly, Ipv6FragmentsLoseTheFragmentHeader) {
  const Bytes whole = tcp_frame(true);
  const std::vector<Bytes> pieces = three_fragments(whole, 0xabcdef01);
  IpReassembly r(FragmentLimits{}, 7);
  EXPECT_EQ(feed(r, pieces[2]).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[0]).outcome.result, FragmentResult::Held);
  const Fed last = feed(r, pieces[1]);
  ASSERT_EQ(last.outcome.result, FragmentResult::Reassembled);
  // The original frame exactly (build_tcp_frame's IPv6 frame is not padded: 14 + 40 + 58 bytes).
  EXPECT_EQ(last.frame, Bytes(whole.begin(), whole.begin() + 14 + 40 + 58));
  EXPECT_TRUE(test::l4_verifies(last.frame));
}

TEST(IpReassembly, Ipv6ExtensionHeadersBeforeTheFragmentHeaderAreKept) {
  const Bytes whole = tcp_frame(true);
  IpReassembly r(FragmentLimits{}, 7);
  std::vector<Bytes> pieces = three_fragments(whole, 9);
  for (Bytes& p : pieces) p = with_hop_by_hop(p);
  EXPECT_EQ(feed(r, pieces[1]).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[2]).outcome.result, FragmentResult::Held);
  const Fed last = feed(r, pieces[0]);
  ASSERT_EQ(last.outcome.result, FragmentResult::Reassembled);
  expect_whole_segment(last.frame, whole);
  EXPECT_EQ(last.frame[14 + 6], 0);             // IPv6 → hop-by-hop ...
  EXPECT_EQ(last.frame[14 + 40], kIpProtoTcp);  // ... → TCP, where it named the Fragment header
  EXPECT_EQ(load_be16(last.frame.data() + 14 + 4), 8 + 58);
}

TEST(IpReassembly, AnAtomicIpv6FragmentIsWholeAtOnce) {   // RFC 6946: offset 0, M clear
  const Bytes whole = tcp_frame(true);
  IpReassembly r(FragmentLimits{}, 7);
  const Fed fed = feed(r, ip_fragment(whole, {.offset = 0, .length = 58, .more = false}, 3));
  ASSERT_EQ(fed.outcome.result, FragmentResult::Reassembled);
  expect_whole_segment(fed.frame, whole);
}

TEST(IpReassembly, AnyOverlapDropsTheWholeDatagramBothFamilies) {
  for (bool v6 : {false, true}) {
    const Bytes whole = tcp_frame(v6);
    IpReassembly r(FragmentLimits{}, 7);
    EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 0, .length = 24, .more = true}, 5)).outcome.result,
              FragmentResult::Held);
    // Same bytes at an overlapping place: still an overlap (only an exact copy is a duplicate).
    EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 16, .length = 16, .more = true}, 5)).outcome.result,
              FragmentResult::Overlap);
    EXPECT_EQ(r.in_use(), 0u) << "v6 " << v6;
    // What is left of the datagram never completes it: the rest starts a new one, which lacks its start.
    EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 24, .length = 34, .more = false}, 5)).outcome.result,
              FragmentResult::Held);
  }
}

TEST(IpReassembly, AnExactDuplicateIsIgnored) {
  const Bytes whole = tcp_frame(false);
  const std::vector<Bytes> pieces = three_fragments(whole, 8);
  IpReassembly r(FragmentLimits{}, 7);
  EXPECT_EQ(feed(r, pieces[0]).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[0]).outcome.result, FragmentResult::Duplicate);
  EXPECT_EQ(feed(r, pieces[2]).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[2]).outcome.result, FragmentResult::Duplicate);
  const Fed last = feed(r, pieces[1]);
  ASSERT_EQ(last.outcome.result, FragmentResult::Reassembled);
  expect_whole_segment(last.frame, whole);
}

TEST(IpReassembly, ConflictingEndsAndUnalignedPiecesAreMalformed) {
  const Bytes whole = tcp_frame(false);
  IpReassembly r(FragmentLimits{}, 7);
  // A non-last fragment of 12 bytes (not a multiple of 8).
  EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 0, .length = 12, .more = true}, 1)).outcome.result,
            FragmentResult::Malformed);
  // Two last fragments that disagree on the end.
  EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 48, .length = 10, .more = false}, 2)).outcome.result,
            FragmentResult::Held);
  EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 24, .length = 8, .more = false}, 2)).outcome.result,
            FragmentResult::Malformed);
  EXPECT_EQ(r.in_use(), 0u);
  // A piece past a known end.
  EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 24, .length = 10, .more = false}, 3)).outcome.result,
            FragmentResult::Held);
  EXPECT_EQ(feed(r, ip_fragment(whole, {.offset = 40, .length = 8, .more = true}, 3)).outcome.result,
            FragmentResult::Malformed);
  EXPECT_EQ(r.in_use(), 0u);
}

TEST(IpReassembly, OnlyTcpWithAGoodHeaderChecksumIsTaken) {
  const Bytes whole = tcp_frame(false);
  IpReassembly r(FragmentLimits{}, 7);
  Bytes udp = ip_fragment(whole, {.offset = 0, .length = 24, .more = true}, 1);
  udp[14 + 9] = 17;
  testing::refresh_ipv4_header_checksum(udp);
  EXPECT_EQ(feed(r, udp).outcome.result, FragmentResult::NotTcp);
  Bytes bad = ip_fragment(whole, {.offset = 0, .length = 24, .more = true}, 1);
  bad[14 + 10] ^= 0x5a;
  EXPECT_EQ(feed(r, bad).outcome.result, FragmentResult::BadChecksum);
  EXPECT_EQ(r.in_use(), 0u);
}

TEST(IpReassembly, ATableWithNoSlotsDropsEveryFragment) {
  IpReassembly r(FragmentLimits{.max_datagrams = 0}, 7);
  EXPECT_EQ(feed(r, three_fragments(tcp_frame(false), 1)[0]).outcome.result, FragmentResult::Disabled);
}

TEST(IpReassembly, AFullTableRefusesNewDatagramsUntilOldOnesTimeOut) {
  // 8 slots: one bucket, so every datagram competes for the same slots whatever its hash.
  const FragmentLimits limits{.max_datagrams = 8, .timeout_ns = 2 * kSecond};
  IpReassembly r(limits, 7);
  const Bytes whole = tcp_frame(false);
  for (uint32_t id = 0; id < 8; ++id) {
    EXPECT_EQ(feed(r, three_fragments(whole, id)[0], 0).outcome.result, FragmentResult::Held);
  }
  EXPECT_EQ(r.in_use(), 8u);
  EXPECT_EQ(feed(r, three_fragments(whole, 100)[0], kSecond).outcome.result, FragmentResult::TableFull);
  // A datagram already held still gets its fragments.
  EXPECT_EQ(feed(r, three_fragments(whole, 3)[1], kSecond).outcome.result, FragmentResult::Held);
  // Past the time-out every old datagram is freed on the way and the newcomer gets a slot.
  const Fed fed = feed(r, three_fragments(whole, 100)[0], 2 * kSecond);
  EXPECT_EQ(fed.outcome.result, FragmentResult::Held);
  EXPECT_EQ(fed.outcome.expired, 8u);
  EXPECT_EQ(r.in_use(), 1u);
}

TEST(IpReassembly, ADatagramPastItsTimeOutIsNotCompleted) {
  IpReassembly r(FragmentLimits{.timeout_ns = kSecond}, 7);
  const std::vector<Bytes> pieces = three_fragments(tcp_frame(false), 4);
  EXPECT_EQ(feed(r, pieces[0], 0).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[1], kSecond / 2).outcome.result, FragmentResult::Held);
  const Fed late = feed(r, pieces[2], kSecond);
  EXPECT_EQ(late.outcome.expired, 1u);
  EXPECT_EQ(late.outcome.result, FragmentResult::Held);   // the start of a new datagram that will not complete
}

TEST(IpReassembly, TooManyFragmentsDropTheDatagram) {
  IpReassembly r(FragmentLimits{.max_fragments = 2}, 7);
  const std::vector<Bytes> pieces = three_fragments(tcp_frame(false), 4);
  EXPECT_EQ(feed(r, pieces[0]).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[1]).outcome.result, FragmentResult::Held);
  EXPECT_EQ(feed(r, pieces[2]).outcome.result, FragmentResult::TooMany);
  EXPECT_EQ(r.in_use(), 0u);
}

TEST(IpReassembly, ADatagramLargerThanAFrameIsDropped) {
  const std::string big(1500, 'x');
  const Bytes whole = tcp_frame(false, big);   // IP payload 1520: the frame 14 + 20 + 1520
  IpReassembly small(FragmentLimits{.max_frame = 1500}, 7);
  EXPECT_EQ(feed(small, ip_fragment(whole, {.offset = 0, .length = 1000, .more = true}, 1)).outcome.result,
            FragmentResult::Held);
  EXPECT_EQ(feed(small, ip_fragment(whole, {.offset = 1000, .length = 520, .more = false}, 1)).outcome.result,
            FragmentResult::TooBig);
  IpReassembly fits(FragmentLimits{}, 7);   // 2048: an mbuf's data room
  EXPECT_EQ(feed(fits, ip_fragment(whole, {.offset = 0, .length = 1000, .more = true}, 1)).outcome.result,
            FragmentResult::Held);
  const Fed fed = feed(fits, ip_fragment(whole, {.offset = 1000, .length = 520, .more = false}, 1));
  ASSERT_EQ(fed.outcome.result, FragmentResult::Reassembled);
  EXPECT_EQ(fed.frame.size(), 14u + 20 + 1520);
  EXPECT_TRUE(test::l4_verifies(fed.frame));
}

TEST(IpReassembly, TheWholeFrameMayBeWrittenOverTheLastFragment) {   // what the live worker does with the mbuf
  const Bytes whole = tcp_frame(false);
  std::vector<Bytes> pieces = three_fragments(whole, 6);
  IpReassembly r(FragmentLimits{}, 7);
  feed(r, pieces[1]);
  feed(r, pieces[0]);
  Bytes& last = pieces[2];
  last.resize(2048);
  FrameLayout l;
  locate_layers(last.data(), last.size(), l);
  const FragmentOutcome outcome = r.add(last.data(), last.size(), l, 0, last.data(), last.size());
  ASSERT_EQ(outcome.result, FragmentResult::Reassembled);
  last.resize(outcome.frame_len);
  expect_whole_segment(last, whole);
  EXPECT_TRUE(test::l4_verifies(last));
}

TEST(IpReassembly, AllFragmentsOfADatagramMeetAtOneWorker) {
  for (bool v6 : {false, true}) {
    const Bytes whole = tcp_frame(v6);
    for (uint32_t id = 0; id < 64; ++id) {
      std::vector<uint32_t> workers;
      for (const Bytes& p : three_fragments(whole, id)) {
        FrameLayout l;
        locate_layers(p.data(), p.size(), l);
        FragmentInfo info;
        ASSERT_TRUE(parse_fragment(p.data(), p.size(), l, &info));
        workers.push_back(fragment_worker(info, 4));
      }
      EXPECT_LT(workers[0], 4u);
      EXPECT_EQ(workers[0], workers[1]);
      EXPECT_EQ(workers[0], workers[2]);
    }
  }
}

}  // namespace
}  // namespace sluice::dataplane
