#include <gtest/gtest.h>

#include "scan/mime/rfc2047.h"

namespace sluice::mime {
namespace {

TEST(Rfc2047, DecodesBase64AndQWords) {
  EXPECT_EQ(decode_rfc2047("=?utf-8?B?ZXZpbC5leGU=?="), "evil.exe");
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?caf=C3=A9_au_lait?="), "caf\xC3\xA9 au lait");
  EXPECT_EQ(decode_rfc2047("Re: =?iso-8859-1?q?caf=E9?= now"), "Re: caf\xC3\xA9 now");
}

TEST(Rfc2047, WhitespaceBetweenAdjacentWordsIsDropped) {
  EXPECT_EQ(decode_rfc2047("=?utf-8?q?a?= \r\n =?utf-8?q?b?="), "ab");
  EXPECT_EQ(decode_rfc2047("=?utf-8?q?a?= x =?utf-8?q?b?="), "a x b");
}

TEST(Rfc2047, MalformedWordsStayAsWritten) {
  EXPECT_EQ(decode_rfc2047("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  EXPECT_EQ(decode_rfc2047("=?utf-8?q?a b?="), "=?utf-8?q?a b?=");
  EXPECT_EQ(decode_rfc2047("=?=?=?"), "=?=?=?");
  EXPECT_EQ(decode_rfc2047("plain"), "plain");
  EXPECT_FALSE(has_rfc2047_word("=?utf-8?q?open"));
  EXPECT_TRUE(has_rfc2047_word("x =?utf-8?q?ok?= y"));
}

TEST(Rfc2047, Utf16AndLanguageSuffix) {
  // "hi" in UTF-16BE, base64 "AGgAaQ=="
  EXPECT_EQ(decode_rfc2047("=?UTF-16?B?AGgAaQ==?="), "hi");
  EXPECT_EQ(decode_rfc2047("=?utf-8*en?q?x?="), "x");
}

TEST(Rfc2047, TenThousandWordsDecodeLinearly) {
  std::string subject, expected;
  for (int i = 0; i < 10000; ++i) {
    subject += "=?utf-8?b?YQ==?= ";
    expected += "a";
  }
  EXPECT_EQ(decode_rfc2047(subject), expected + " ");
  // Hostile: many openings, no closing "?=" anywhere.
  std::string hostile;
  for (int i = 0; i < 20000; ++i) hostile += "=?a?B?AAAA";
  EXPECT_EQ(decode_rfc2047(hostile), hostile);
}

}  // namespace
}  // namespace sluice::mime
