// ClientAddress: both families in one 16-byte form, text in and out.
#include "scan/envelope/client_address.h"

#include <gtest/gtest.h>

namespace sluice::scan::envelope {
namespace {

TEST(ClientAddress, Ipv4IsKeptMapped) {
  const auto address = ClientAddress::parse("192.0.2.1");
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->v4);
  const std::array<uint8_t, 16> mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  EXPECT_EQ(address->bytes, mapped);
  EXPECT_EQ(address->to_string(), "192.0.2.1");
  EXPECT_EQ(ClientAddress::from_ipv4(0xC0000201), *address);
}

TEST(ClientAddress, MappedIpv6TextIsTheIpv4Client) {
  const auto mapped = ClientAddress::parse("::ffff:192.0.2.1");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->v4);
  EXPECT_EQ(*mapped, *ClientAddress::parse("192.0.2.1"));
  EXPECT_EQ(ClientAddress::from_ipv6(mapped->bytes), *mapped);
}

TEST(ClientAddress, Ipv6AndBrackets) {
  const auto address = ClientAddress::parse("[2001:DB8::1]");
  ASSERT_TRUE(address);
  EXPECT_FALSE(address->v4);
  EXPECT_EQ(address->bytes[0], 0x20);
  EXPECT_EQ(address->bytes[15], 1);
  EXPECT_EQ(address->to_string(), "2001:db8::1");
  EXPECT_EQ(ClientAddress::parse("[192.0.2.9]")->to_string(), "192.0.2.9");
}

TEST(ClientAddress, RejectsWhatIsNoAddress) {
  for (const char* text : {"", "[]", "192.0.2", "192.0.2.1/24", "example.com", "1.2.3.4 ", "::g",
                           "2001:db8::1::2"}) {
    EXPECT_FALSE(ClientAddress::parse(text)) << text;
  }
  EXPECT_FALSE(ClientAddress::parse(std::string_view("1.2.3.4\0x", 9)));
  EXPECT_FALSE(ClientAddress::parse(std::string(100, '1')));
}

}  // namespace
}  // namespace sluice::scan::envelope
