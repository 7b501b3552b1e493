// RFC 5424 formatting: exact messages for known inputs (PRI, RFC 3339 timestamp, NILVALUEs, structured data
// escaping, the BOM rule, truncation) and the facility words.
#include "control/telemetry/rfc5424.h"

#include <gtest/gtest.h>

namespace sluice::control::telemetry {
namespace {

// 2023-11-14T22:13:20Z plus 123456 microseconds.
constexpr int64_t kTime = 1'700'000'000'123'456;

TEST(Rfc5424, AllFields) {
  EXPECT_EQ(format_rfc5424(2, severity::kInformational, kTime, "mx1.example.org", "sluice", 4242, "MSGREC", "",
                           "verdict=pass id=abc"),
            "<22>1 2023-11-14T22:13:20.123456Z mx1.example.org sluice 4242 MSGREC - verdict=pass id=abc");
  // local7.debug = 23 * 8 + 7; kern.emerg = 0.
  EXPECT_EQ(format_rfc5424(23, severity::kDebug, 0, "h", "a", 1, "m", "", "x"),
            "<191>1 1970-01-01T00:00:00.000000Z h a 1 m - x");
  EXPECT_EQ(format_rfc5424(0, severity::kEmergency, 1, "h", "a", 1, "m", "", "x"),
            "<0>1 1970-01-01T00:00:00.000001Z h a 1 m - x");
}

TEST(Rfc5424, NilValues) {
  // Empty hostname, app, msgid, structured data, and procid 0: each "-"; an empty MSG is left out entirely.
  EXPECT_EQ(format_rfc5424(2, severity::kNotice, kTime, "", "", 0, "", "", ""),
            "<21>1 2023-11-14T22:13:20.123456Z - - - - -");
  // A time the format cannot write (year > 9999) is NILVALUE too.
  EXPECT_EQ(format_rfc5424(2, severity::kNotice, 253'402'300'800'000'000, "h", "a", 7, "m", "", "x"),
            "<21>1 - h a 7 m - x");
}

TEST(Rfc5424, TimestampBeforeEpochFloors) {
  EXPECT_EQ(format_rfc5424(1, 6, -1, "h", "a", 1, "m", "", "x"), "<14>1 1969-12-31T23:59:59.999999Z h a 1 m - x");
}

TEST(Rfc5424, HeaderFieldsArePrintableAsciiAndBounded) {
  const std::string long_msgid(40, 'M');
  EXPECT_EQ(format_rfc5424(2, 6, kTime, "mx 1\x01", "slu ice", 9, long_msgid, "", "x"),
            "<22>1 2023-11-14T22:13:20.123456Z mx_1_ slu_ice 9 " + std::string(32, 'M') + " - x");
  const std::string long_app(60, 'a');
  const std::string out = format_rfc5424(2, 6, kTime, "h", long_app, 9, "m", "", "x");
  EXPECT_NE(out.find(" " + std::string(48, 'a') + " 9 "), std::string::npos) << out;
}

TEST(Rfc5424, OutOfRangePriorityIsSane) {
  EXPECT_EQ(format_rfc5424(99, 6, 0, "h", "a", 1, "m", "", "x").substr(0, 6), "<14>1 ");   // user.info
  EXPECT_EQ(format_rfc5424(2, 12, 0, "h", "a", 1, "m", "", "x").substr(0, 6), "<23>1 ");   // mail.debug
  EXPECT_EQ(format_rfc5424(2, -3, 0, "h", "a", 1, "m", "", "x").substr(0, 6), "<16>1 ");   // mail.emerg
}

TEST(Rfc5424, StructuredDataEscaping) {
  StructuredData sd;
  ASSERT_TRUE(sd.element("sluice@32473"));
  ASSERT_TRUE(sd.param("rule", "a\"b\\c]d"));
  ASSERT_TRUE(sd.param("policy", "7"));
  ASSERT_TRUE(sd.element("origin"));
  ASSERT_TRUE(sd.param("ip", "192.0.2.25"));
  EXPECT_EQ(sd.error(), "");
  EXPECT_EQ(sd.text(), R"([sluice@32473 rule="a\"b\\c\]d" policy="7"][origin ip="192.0.2.25"])");
  EXPECT_TRUE(valid_structured_data(sd.text()));
  EXPECT_EQ(format_rfc5424(2, 4, kTime, "mx1", "sluice", 4242, "VERDICT", sd.text(), "rejected"),
            "<20>1 2023-11-14T22:13:20.123456Z mx1 sluice 4242 VERDICT "
            R"([sluice@32473 rule="a\"b\\c\]d" policy="7"][origin ip="192.0.2.25"] rejected)");
}

TEST(Rfc5424, StructuredDataRefusesBadNamesAndRepairsUtf8) {
  StructuredData sd;
  EXPECT_FALSE(sd.param("x", "y"));
  EXPECT_EQ(sd.error(), "SD-PARAM 'x' before any SD-ELEMENT");
  EXPECT_FALSE(sd.element("has space"));
  EXPECT_FALSE(sd.element(std::string(33, 'x')));
  EXPECT_FALSE(sd.element(""));
  ASSERT_TRUE(sd.element("e"));
  EXPECT_FALSE(sd.param("a=b", "y"));
  EXPECT_FALSE(sd.param("q\"", "y"));
  ASSERT_TRUE(sd.param("subject", "caf\xC3\xA9 \xFF!"));   // é kept, the stray 0xFF becomes U+FFFD
  EXPECT_EQ(sd.text(), "[e subject=\"caf\xC3\xA9 \xEF\xBF\xBD!\"]");
  EXPECT_TRUE(valid_utf8(sd.text()));
}

TEST(Rfc5424, StructuredDataValidation) {
  EXPECT_TRUE(valid_structured_data("[a]"));
  EXPECT_TRUE(valid_structured_data(R"([a b="" c="\]\"\\"][d])"));
  EXPECT_TRUE(valid_structured_data(R"([a b="lone \ backslash"])"));   // RFC 5424 6.3.3: kept as is
  EXPECT_FALSE(valid_structured_data(""));
  EXPECT_FALSE(valid_structured_data("[a"));
  EXPECT_FALSE(valid_structured_data("[a b]"));
  EXPECT_FALSE(valid_structured_data(R"([a b="c]"])"));   // unescaped ]
  EXPECT_FALSE(valid_structured_data(R"([a b="c"] )"));   // trailing space
  EXPECT_FALSE(valid_structured_data("plain text"));
  // Text that is not structured data never corrupts the header: it becomes "-".
  EXPECT_EQ(format_rfc5424(2, 6, 0, "h", "a", 1, "m", "not sd", "x"), "<22>1 1970-01-01T00:00:00.000000Z h a 1 m - x");
}

TEST(Rfc5424, BomOnlyForNonAsciiUtf8) {
  const std::string prefix = "<22>1 1970-01-01T00:00:00.000000Z h a 1 m - ";
  EXPECT_EQ(format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", "plain ascii"), prefix + "plain ascii");
  EXPECT_EQ(format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", "Gr\xC3\xBC\xC3\x9F" "e"),
            prefix + "\xEF\xBB\xBFGr\xC3\xBC\xC3\x9F" "e");
  // Latin-1 bytes are not UTF-8: sent as MSG-ANY, untouched, no BOM.
  EXPECT_EQ(format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", "Gr\xFC\xDF" "e"), prefix + "Gr\xFC\xDF" "e");
}

TEST(Rfc5424, Utf8Validation) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x93\xA7 mail"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));           // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));       // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));           // cut short
}

TEST(Rfc5424, TruncationFitsTheLimitAndIsMarked) {
  bool truncated = true;
  const std::string short_msg = format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", "short", 1024, &truncated);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(short_msg, "<22>1 1970-01-01T00:00:00.000000Z h a 1 m - short");

  const std::string ascii(5000, 'x');
  std::string out = format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", ascii, 1024, &truncated);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(out.size(), 1024u);
  EXPECT_TRUE(out.ends_with("x" + std::string(kTruncatedMarker)));

  // Three-byte characters: the cut never splits one, so the result is still valid UTF-8 (after the BOM).
  std::string euros;
  for (int i = 0; i < 1000; ++i) euros += "\xE2\x82\xAC";
  out = format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", euros, 1000, &truncated);
  EXPECT_TRUE(truncated);
  EXPECT_LE(out.size(), 1000u);
  EXPECT_GE(out.size(), 998u);
  const size_t bom = out.find("\xEF\xBB\xBF");
  ASSERT_NE(bom, std::string::npos);
  EXPECT_TRUE(valid_utf8(out.substr(bom)));
  EXPECT_TRUE(out.ends_with("\xE2\x82\xAC" + std::string(kTruncatedMarker)));

  // Structured data that leaves no room for the marker is dropped; a limit below 480 is raised to 480.
  StructuredData sd;
  sd.element("big");
  sd.param("v", std::string(600, 'v'));
  out = format_rfc5424(2, 6, 0, "h", "a", 1, "m", sd.text(), "message", 100, &truncated);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(out, "<22>1 1970-01-01T00:00:00.000000Z h a 1 m - message" + std::string(kTruncatedMarker));
  const std::string long_one = format_rfc5424(2, 6, 0, "h", "a", 1, "m", "", ascii, 100, &truncated);
  EXPECT_EQ(long_one.size(), kMinMessageBytes);
}

TEST(FacilityWords, AllKnownWords) {
  const std::pair<const char*, int> words[] = {
      {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},    {"syslog", 5},
      {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},    {"authpriv", 10}, {"ftp", 11},
      {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20}, {"local5", 21},
      {"local6", 22}, {"local7", 23}};
  for (const auto& [word, code] : words) {
    int facility = -1;
    EXPECT_TRUE(facility_from_word(word, &facility)) << word;
    EXPECT_EQ(facility, code) << word;
  }
  int facility = -1;
  EXPECT_TRUE(facility_from_word("LOCAL7", &facility));
  EXPECT_EQ(facility, 23);
  EXPECT_TRUE(facility_from_word("Mail", &facility));
  EXPECT_EQ(facility, 2);
  for (const char* bad : {"", "local8", "local", "mail ", "mai", "security", "local00"}) {
    EXPECT_FALSE(facility_from_word(bad, &facility)) << bad;
  }
}

}  // namespace
}  // namespace sluice::control::telemetry
