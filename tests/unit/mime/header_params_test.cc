#include <gtest/gtest.h>

#include "scan/mime/filename_sanitiser.h"
#include "scan/mime/header_params.h"
#include "scan/mime/rfc2231.h"
#include "scan/mime/transfer_encoding.h"

namespace sluice::mime {
namespace {

StructuredValue parsed(std::string_view v) {
  StructuredValue out;
  parse_structured_value(v, out);
  return out;
}

std::vector<AssembledParam> assembled(std::string_view v) {
  std::vector<AssembledParam> out;
  assemble_rfc2231(parsed(v).params, 100, out);
  return out;
}

TEST(HeaderParams, TokenQuotedStringsEscapesAndComments) {
  const auto v = parsed(" Multipart/Mixed (a comment; with semicolon) ; boundary=\"a\\\"b;c\" ;"
                        "charset = UTF-8 (x) ; junk; name='q'");
  EXPECT_EQ(v.token, "multipart/mixed");
  ASSERT_EQ(v.params.size(), 3u);
  EXPECT_EQ(v.params[0].name, "boundary");
  EXPECT_EQ(v.params[0].value, "a\"b;c");
  EXPECT_TRUE(v.params[0].quoted);
  EXPECT_EQ(v.params[1].name, "charset");
  EXPECT_EQ(v.params[1].value, "UTF-8");
  EXPECT_EQ(v.params[2].value, "'q'");
}

TEST(HeaderParams, UnterminatedQuoteAndSpacedUnquotedValue) {
  auto v = parsed("text/plain; name=\"open");
  ASSERT_EQ(v.params.size(), 1u);
  EXPECT_EQ(v.params[0].value, "open");
  v = parsed("multipart/mixed; boundary=b c");
  EXPECT_EQ(v.params[0].value, "b c");
}

TEST(HeaderParams, SplitWordsTreatsCommentsAsSeparators) {
  std::vector<std::string> words;
  split_words_without_comments("bas()e64", words);
  EXPECT_EQ(words, (std::vector<std::string>{"bas", "e64"}));
  split_words_without_comments(" (c) base64 (x(y)) ", words);
  EXPECT_EQ(words, (std::vector<std::string>{"base64"}));
}

TEST(Rfc2231, ContinuationsInAnyOrder) {
  auto p = assembled("attachment; filename*1=\"il.exe\"; filename*0=\"ev\"");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].name, "filename");
  EXPECT_EQ(p[0].value, "evil.exe");
  EXPECT_TRUE(p[0].from_rfc2231);
}

TEST(Rfc2231, ExtendedValuesWithCharset) {
  auto p = assembled("attachment; filename*=UTF-8''%65vil%2Eexe");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].value, "evil.exe");
  p = assembled("x; filename*0*=iso-8859-1'en'caf%E9; filename*1=.txt");
  EXPECT_EQ(p[0].value, "caf\xC3\xA9.txt");
  p = assembled("x; filename*=utf-16''%00e%00v");  // UTF-16BE
  EXPECT_EQ(p[0].value, "ev");
  p = assembled("multipart/mixed; boundary*0*=''b; boundary*1*=x");
  EXPECT_EQ(p[0].value, "bx");
}

TEST(Rfc2231, PlainAndExtendedBothKeptInOrder) {
  auto p = assembled("multipart/mixed; boundary*=''A; boundary=B");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].value, "A");
  EXPECT_TRUE(p[0].from_rfc2231);
  EXPECT_EQ(p[1].value, "B");
  EXPECT_FALSE(p[1].from_rfc2231);
}

TEST(Rfc2231, SectionsAboveLimitAreDropped) {
  std::vector<AssembledParam> out;
  assemble_rfc2231(parsed("x; n*0=a; n*1=b; n*2=c").params, 2, out);
  EXPECT_EQ(out[0].value, "ab");
}

TEST(FilenameSanitiser, ControlsAndBidiReplaced) {
  std::string name = "inv\xE2\x80\xAE" "fdp.exe";
  EXPECT_FALSE(sanitise_filename(name, 255));
  EXPECT_EQ(name, "inv_fdp.exe");
  name = std::string("a\r\nb\0c\x7F", 7);
  sanitise_filename(name, 255);
  EXPECT_EQ(name, "a__b_c_");
  name = "evil.exe%00.pdf";
  sanitise_filename(name, 255);
  EXPECT_EQ(name, "evil.exe%00.pdf");
}

TEST(FilenameSanitiser, TruncatesOnUtf8Boundary) {
  std::string name = "ab\xC3\xA9";
  EXPECT_TRUE(sanitise_filename(name, 3));
  EXPECT_EQ(name, "ab");
  name = std::string(1000, 'x');
  EXPECT_TRUE(sanitise_filename(name, 255));
  EXPECT_EQ(name.size(), 255u);
}

TransferEncodingVerdict cte(std::vector<std::string> values) {
  return classify_transfer_encoding(values);
}

TEST(TransferEncoding, ValidTokensDecodeNormally) {
  EXPECT_EQ(cte({}).decoding, TransferDecoding::Identity);
  EXPECT_EQ(cte({"baSE64"}).decoding, TransferDecoding::Base64);
  EXPECT_EQ(cte({" \r\n base64"}).name, "base64");
  EXPECT_EQ(cte({"(c) base64"}).decoding, TransferDecoding::Base64);
  EXPECT_EQ(cte({std::string(2000, ' ') + "base64"}).decoding, TransferDecoding::Base64);
  EXPECT_EQ(cte({"Quoted-Printable"}).decoding, TransferDecoding::QuotedPrintable);
  EXPECT_EQ(cte({"x-uue"}).name, "x-uuencode");
  EXPECT_EQ(cte({"base64", "BASE64"}).decoding, TransferDecoding::Base64);
}

TEST(TransferEncoding, OddOrConflictingTokensAreAmbiguous) {
  for (const char* odd : {"x-base64", "\"base64\"", "base\\64", "=?UTF-8?B?YmFzZTY0?=", "bas()e64", ""}) {
    const auto v = cte({odd});
    EXPECT_EQ(v.decoding, TransferDecoding::Ambiguous) << odd;
    EXPECT_EQ(v.name, "ambiguous");
  }
  EXPECT_TRUE(cte({"x-base64"}).unknown);
  EXPECT_TRUE(cte({"base64 quoted-printable"}).conflicting);
  EXPECT_FALSE(cte({"base64 quoted-printable"}).unknown);
  EXPECT_TRUE(cte({"quoted-printable", "base64"}).conflicting);
}

}  // namespace
}  // namespace sluice::mime
