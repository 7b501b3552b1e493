#include "scan/inspector/json_writer.h"

#include <gtest/gtest.h>

namespace sluice::scan {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(escaped("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(escaped("x\r\n250 2.0.0 Ok\t"), "x\\r\\n250 2.0.0 Ok\\t");
  EXPECT_EQ(escaped(std::string_view("\0\x1b[2J\x7f", 6)), "\\u0000\\u001b[2J\\u007f");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalid) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x80\xae"), "caf\xc3\xa9 \xe2\x80\xae");
  EXPECT_EQ(escaped("\xff\xfe"), "\\ufffd\\ufffd");
  EXPECT_EQ(escaped("\xc0\xaf"), "\\ufffd\\ufffd");        // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
  EXPECT_EQ(escaped("\xe2\x80"), "\\ufffd\\ufffd");        // truncated sequence
}

TEST(JsonWriter, WritesNestedStructures) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("a", 1);
  json.key("list");
  json.begin_array();
  json.value("x");
  json.value(uint64_t{18446744073709551615ull});
  json.begin_object();
  json.field("t", true);
  json.end_object();
  json.end_array();
  json.field("n", int64_t{-5});
  json.key("z");
  json.null();
  json.end_object();
  EXPECT_EQ(out, R"({"a":1,"list":["x",18446744073709551615,{"t":true}],"n":-5,"z":null})");
}

}  // namespace
}  // namespace sluice::scan
