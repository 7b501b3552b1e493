// CidrList: both families, the edge lengths, IPv4-mapped prefixes, bad entries; prefix files.
#include "scan/envelope/cidr_list.h"

#include <gtest/gtest.h>

#include "tests/unit/envelope/temp_files.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "scan/envelope/prefix_file.h"

namespace sluice::scan::envelope {
namespace {

ClientAddress at(const char* text) { return *ClientAddress::parse(text); }

CidrList list_of(const std::vector<std::string>& prefixes) {
  std::string error;
  std::optional<CidrList> list = CidrList::build(prefixes, &error);
  EXPECT_TRUE(list) << error;
  return list ? std::move(*list) : CidrList();
}

TEST(CidrList, Ipv4Prefixes) {
  const CidrList list = list_of({"192.0.2.0/24", "10.0.0.0/8", "198.51.100.7/32", "203.0.113.5"});
  EXPECT_TRUE(list.contains(at("192.0.2.0")));
  EXPECT_TRUE(list.contains(at("192.0.2.255")));
  EXPECT_FALSE(list.contains(at("192.0.3.0")));
  EXPECT_TRUE(list.contains(at("10.255.0.1")));
  EXPECT_TRUE(list.contains(at("198.51.100.7")));
  EXPECT_FALSE(list.contains(at("198.51.100.8")));
  EXPECT_TRUE(list.contains(at("203.0.113.5")));  // a bare address is one host
  EXPECT_FALSE(list.contains(at("203.0.113.4")));
  EXPECT_FALSE(list.contains(at("2001:db8::1")));
  EXPECT_EQ(list.size(), 4u);
}

TEST(CidrList, Ipv6PrefixesIncludingSlash128) {
  const CidrList list = list_of({"2001:db8::/32", "fd00::1/128", "2001:db8:1:2::/64"});
  EXPECT_TRUE(list.contains(at("2001:db8:ffff::1")));
  EXPECT_FALSE(list.contains(at("2001:db9::1")));
  EXPECT_TRUE(list.contains(at("fd00::1")));
  EXPECT_FALSE(list.contains(at("fd00::2")));
  EXPECT_FALSE(list.contains(at("192.0.2.1")));
}

TEST(CidrList, SlashZeroOfEachFamily) {
  const CidrList v4 = list_of({"0.0.0.0/0"});
  EXPECT_TRUE(v4.contains(at("1.2.3.4")));
  EXPECT_TRUE(v4.contains(at("255.255.255.255")));
  EXPECT_FALSE(v4.contains(at("2001:db8::1")));  // every IPv4 client, no IPv6 one
  const CidrList all = list_of({"::/0"});
  EXPECT_TRUE(all.contains(at("2001:db8::1")));
  EXPECT_TRUE(all.contains(at("1.2.3.4")));  // IPv4 clients live inside ::ffff:0:0/96
}

TEST(CidrList, Ipv4MappedPrefixesCoverIpv4Clients) {
  const CidrList list = list_of({"::ffff:10.0.0.0/104", "::ffff:192.0.2.1/128"});
  EXPECT_TRUE(list.contains(at("10.1.2.3")));
  EXPECT_TRUE(list.contains(at("::ffff:10.9.9.9")));
  EXPECT_TRUE(list.contains(at("192.0.2.1")));
  EXPECT_FALSE(list.contains(at("11.0.0.1")));
  // And an IPv4 prefix matches a client given in mapped form.
  EXPECT_TRUE(list_of({"10.0.0.0/8"}).contains(at("::ffff:10.0.0.1")));
}

TEST(CidrList, OverlappingAndDuplicatePrefixes) {
  const CidrList list = list_of({"10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"});
  EXPECT_TRUE(list.contains(at("10.1.2.3")));
  EXPECT_TRUE(list.contains(at("10.2.0.0")));
  EXPECT_EQ(list.size(), 2u);
}

TEST(CidrList, BadEntriesSayWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"10.1.2.3/8", "bad prefix '10.1.2.3/8' (host bits set)"},
      {"2001:db8::1/64", "bad prefix '2001:db8::1/64' (host bits set)"},
      {"10.0.0.0/33", "bad prefix '10.0.0.0/33' (length not 0..32)"},
      {"::/129", "bad prefix '::/129' (length not 0..128)"},
      {"10.0.0.0/", "bad prefix '10.0.0.0/' (length not 0..32)"},
      {"10.0.0.0/-1", "bad prefix '10.0.0.0/-1' (length not 0..32)"},
      {"10.0.0.0/8x", "bad prefix '10.0.0.0/8x' (length not 0..32)"},
      {"example.com/8", "bad prefix 'example.com/8' (not an IPv4 or IPv6 address)"},
      {"[10.0.0.0]/8", "bad prefix '[10.0.0.0]/8' (not an IPv4 or IPv6 address)"},
      {"", "bad prefix '' (not an IPv4 or IPv6 address)"},
  };
  for (const auto& [text, expected] : cases) {
    std::string error;
    EXPECT_FALSE(CidrList::build({"192.0.2.0/24", text}, &error)) << text;
    EXPECT_EQ(error, expected);
  }
}

class PrefixFile : public TempFiles {};

TEST_F(PrefixFile, CommentsBlankLinesAndCrlf) {
  const std::string path = write("good.txt", "# bad clients\n\n192.0.2.0/24   # a comment\r\n  2001:db8::/32\r\n198.51.100.9\n");
  std::vector<std::string> prefixes{"10.0.0.0/8"};
  std::string error;
  ASSERT_TRUE(read_prefix_file(path, &prefixes, &error)) << error;
  EXPECT_EQ(prefixes, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "198.51.100.9"}));
}

TEST_F(PrefixFile, BadLineNamesFileAndLineAndChangesNothing) {
  const std::string path = write("bad.txt", "192.0.2.0/24\n# ok\n10.1.2.3/8\n");
  std::vector<std::string> prefixes;
  std::string error;
  EXPECT_FALSE(read_prefix_file(path, &prefixes, &error));
  EXPECT_EQ(error, path + ":3: bad prefix '10.1.2.3/8' (host bits set)");
  EXPECT_TRUE(prefixes.empty());
}

TEST_F(PrefixFile, MissingFileOrDirectory) {
  std::vector<std::string> prefixes;
  std::string error;
  EXPECT_FALSE(read_prefix_file((dir_ / "none.txt").string(), &prefixes, &error));
  EXPECT_EQ(error, (dir_ / "none.txt").string() + ": cannot open");
  EXPECT_FALSE(read_prefix_file(dir_.string(), &prefixes, &error));
  EXPECT_EQ(error, dir_.string() + ": cannot open");
}

}  // namespace
}  // namespace sluice::scan::envelope
