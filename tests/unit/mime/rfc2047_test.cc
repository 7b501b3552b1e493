#include <gtest/gtest.h>

#include "scan/mime/rfc2047.h"
#include "scan/mime/utf7.h"

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

// MIME-15: markup hidden in UTF-7 words reaches header rules as a UTF-7 reader shows it.
TEST(Rfc2047, Utf7WordsDecodeToWhatAReaderShows) {
  EXPECT_EQ(decode_rfc2047("=?UTF-7?Q?+ADw-script+AD4-alert(1)+ADw-/script+AD4-?="), "<script>alert(1)</script>");
  EXPECT_EQ(decode_rfc2047("=?utf-7?B?K0FEdy1zY3JpcHQrQUQ0LQ==?="), "<script>");  // "+ADw-script+AD4-"
  EXPECT_EQ(decode_rfc2047("Re: =?unicode-1-1-utf-7?q?caf+AOk-?= x"), "Re: caf\xC3\xA9 x");
}

TEST(Utf7, DirectCharactersShiftedRunsAndLiteralPlus) {
  auto utf7 = [](std::string_view in) {
    std::string out;
    append_utf7_as_utf8(in, out);
    return out;
  };
  EXPECT_EQ(utf7("plain text"), "plain text");
  EXPECT_EQ(utf7("1 +- 1"), "1 + 1");
  EXPECT_EQ(utf7("+AGE."), "a.");                  // a run ended by a direct character keeps it
  EXPECT_EQ(utf7("+AGEAYgBj-d"), "abcd");          // three units in one run, '-' absorbed
  EXPECT_EQ(utf7("+2D3eAA-"), "\xF0\x9F\x98\x80");  // U+1F600 as a surrogate pair
  EXPECT_EQ(utf7("+2D0-x"), "\xEF\xBF\xBDx");        // a high surrogate alone: U+FFFD
  EXPECT_EQ(utf7("+3gA-"), "\xEF\xBF\xBD");          // a low surrogate alone: U+FFFD
  EXPECT_EQ(utf7("a\xE9" "b"), "a\xEF\xBF\xBD" "b");      // 8-bit bytes are never UTF-7
  EXPECT_EQ(utf7("+"), "");                         // an empty run at the end
  EXPECT_TRUE(is_utf7_charset("UTF-7"));
  EXPECT_FALSE(is_utf7_charset("utf-8"));
}

TEST(Utf7, LongRunDecodesInOnePass) {
  std::string in = "+";
  for (int i = 0; i < 100000; ++i) in += "AGEAYQBh";  // "aaa" as UTF-16BE, 800,000 input bytes
  std::string out;
  append_utf7_as_utf8(in, out);
  EXPECT_EQ(out, std::string(300000, 'a'));
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
