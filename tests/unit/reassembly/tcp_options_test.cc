// TCP option parsing and SYN option encoding (RFC 9293 §3.1, RFC 7323, RFC 2018).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "reassembly/tcp_options.h"

namespace sluice::reassembly {
namespace {

bool parse(const std::vector<uint8_t>& bytes, TcpSynOptions* out) {
  return parse_tcp_options(bytes.data(), bytes.size(), out);
}

TEST(TcpOptions, AbsentOptionsGiveRfcDefaults) {
  TcpSynOptions out;
  out.mss = 1;
  ASSERT_TRUE(parse({}, &out));
  EXPECT_EQ(out.mss, 536);
  EXPECT_EQ(out.window_scale, -1);
  EXPECT_FALSE(out.sack_permitted);
}

TEST(TcpOptions, ParsesLinuxSynOptions) {
  // MSS 1460, SACK-permitted, timestamps, NOP, window scale 7: what Linux sends.
  const std::vector<uint8_t> bytes = {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  TcpSynOptions out;
  ASSERT_TRUE(parse(bytes, &out));
  EXPECT_EQ(out.mss, 1460);
  EXPECT_EQ(out.window_scale, 7);
  EXPECT_TRUE(out.sack_permitted);
}

TEST(TcpOptions, WindowScaleAbove14IsClamped) {
  TcpSynOptions out;
  ASSERT_TRUE(parse({3, 3, 15}, &out));
  EXPECT_EQ(out.window_scale, 14);
}

TEST(TcpOptions, EndOfListStopsParsing) {
  TcpSynOptions out;
  ASSERT_TRUE(parse({0, 2, 4, 0x05, 0xB4}, &out));  // garbage after EOL is padding
  EXPECT_EQ(out.mss, 536);
}

TEST(TcpOptions, MalformedOptionsAreRejected) {
  TcpSynOptions out;
  EXPECT_FALSE(parse({2}, &out));                  // no length byte
  EXPECT_FALSE(parse({2, 4, 0x05}, &out));         // runs past the end
  EXPECT_FALSE(parse({2, 3, 0x05}, &out));         // MSS with the wrong length
  EXPECT_FALSE(parse({3, 2}, &out));               // window scale with the wrong length
  EXPECT_FALSE(parse({4, 3, 0}, &out));            // SACK-permitted with the wrong length
  EXPECT_FALSE(parse({30, 1, 1}, &out));           // length below 2 would loop forever
  EXPECT_TRUE(parse({30, 3, 9, 1}, &out));         // unknown kind, well formed: skipped
}

TEST(TcpOptions, EncodesEachGroupIn4Bytes) {
  uint8_t bytes[20];
  TcpSynOptions all{1460, 7, true};
  ASSERT_EQ(encode_syn_options(all, bytes), 12u);
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + 12),
            (std::vector<uint8_t>{2, 4, 0x05, 0xB4, 1, 3, 3, 7, 1, 1, 4, 2}));
  TcpSynOptions mss_only{536, -1, false};
  ASSERT_EQ(encode_syn_options(mss_only, bytes), 4u);
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + 4), (std::vector<uint8_t>{2, 4, 0x02, 0x18}));
}

TEST(TcpOptions, EncodeThenParseRoundTrips) {
  uint8_t bytes[20];
  for (const TcpSynOptions& original : {TcpSynOptions{1220, 0, false}, TcpSynOptions{9000, 14, true},
                                        TcpSynOptions{536, -1, true}}) {
    const size_t length = encode_syn_options(original, bytes);
    EXPECT_EQ(length % 4, 0u);
    TcpSynOptions parsed;
    ASSERT_TRUE(parse_tcp_options(bytes, length, &parsed));
    EXPECT_EQ(parsed.mss, original.mss);
    EXPECT_EQ(parsed.window_scale, original.window_scale);
    EXPECT_EQ(parsed.sack_permitted, original.sack_permitted);
  }
}

}  // namespace
}  // namespace sluice::reassembly
