// MetricsText: the exposition text it builds parses with a strict reader, escapes round-trip, and names or
// orderings the format forbids are refused with a reason instead of producing text a scraper rejects.
#include "control/telemetry/metrics_text.h"

#include <gtest/gtest.h>

#include "tests/unit/telemetry/exposition_parser.h"

namespace sluice::control::telemetry {
namespace {

TEST(MetricsText, FamiliesAndSamplesParse) {
  MetricsText m;
  ASSERT_TRUE(m.family("sluice_sessions_total", "Sessions proxied since start.", "counter"));
  ASSERT_TRUE(m.sample("sluice_sessions_total", 12, {{"core", "0"}}));
  ASSERT_TRUE(m.sample("sluice_sessions_total", 18446744073709551615ull, {{"core", "1"}}));
  ASSERT_TRUE(m.family("sluice_policy_version", "Committed policy in force.", "gauge"));
  ASSERT_TRUE(m.sample("sluice_policy_version", 7));
  EXPECT_EQ(m.error(), "");
  EXPECT_EQ(m.text(),
            "# HELP sluice_sessions_total Sessions proxied since start.\n"
            "# TYPE sluice_sessions_total counter\n"
            "sluice_sessions_total{core=\"0\"} 12\n"
            "sluice_sessions_total{core=\"1\"} 18446744073709551615\n"
            "# HELP sluice_policy_version Committed policy in force.\n"
            "# TYPE sluice_policy_version gauge\n"
            "sluice_policy_version 7\n");

  test::ParsedExposition parsed;
  ASSERT_EQ(test::parse_exposition(m.text(), &parsed), "");
  ASSERT_EQ(parsed.samples.size(), 3u);
  EXPECT_EQ(parsed.type["sluice_sessions_total"], "counter");
  EXPECT_EQ(parsed.type["sluice_policy_version"], "gauge");
  EXPECT_EQ(parsed.samples[0].labels.at("core"), "0");
  EXPECT_EQ(parsed.samples[2].value, 7.0);
}

TEST(MetricsText, LabelValuesAndHelpAreEscaped) {
  const std::string nasty = "a\"quoted\" \\path\\ and\nnewline } {x=\"y\"}";
  MetricsText m;
  ASSERT_TRUE(m.family("sluice_rule_hits_total", "Hits per rule.\nSecond line with \\ backslash.", "counter"));
  ASSERT_TRUE(m.sample("sluice_rule_hits_total", 3, {{"rule", nasty}, {"vip", "192.0.2.1:25"}}));
  EXPECT_NE(m.text().find(R"(rule="a\"quoted\" \\path\\ and\nnewline } {x=\"y\"}")"), std::string::npos) << m.text();
  EXPECT_NE(m.text().find("# HELP sluice_rule_hits_total Hits per rule.\\nSecond line with \\\\ backslash.\n"),
            std::string::npos)
      << m.text();

  test::ParsedExposition parsed;
  ASSERT_EQ(test::parse_exposition(m.text(), &parsed), "");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].labels.at("rule"), nasty);
  EXPECT_EQ(parsed.samples[0].labels.at("vip"), "192.0.2.1:25");
  EXPECT_EQ(parsed.help["sluice_rule_hits_total"], "Hits per rule.\nSecond line with \\ backslash.");
}

TEST(MetricsText, NameGrammar) {
  EXPECT_TRUE(valid_metric_name("a"));
  EXPECT_TRUE(valid_metric_name("_x:y_1"));
  EXPECT_TRUE(valid_metric_name(":colon_first"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_FALSE(valid_metric_name("1abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name("a b"));
  EXPECT_FALSE(valid_metric_name("é"));
  EXPECT_TRUE(valid_label_name("core"));
  EXPECT_TRUE(valid_label_name("_x1"));
  EXPECT_FALSE(valid_label_name("__reserved"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_label_name("9"));
}

TEST(MetricsText, RefusesWhatTheFormatForbids) {
  MetricsText m;
  EXPECT_FALSE(m.family("bad-name", "h", "counter"));
  EXPECT_EQ(m.error(), "invalid metric name 'bad-name'");
  EXPECT_EQ(m.text(), "");

  m.clear();
  EXPECT_FALSE(m.family("x", "h", "histogram"));
  EXPECT_EQ(m.error(), "metric 'x': type must be counter or gauge, not 'histogram'");

  m.clear();
  ASSERT_TRUE(m.family("x", "h", "counter"));
  EXPECT_FALSE(m.family("x", "again", "counter"));
  EXPECT_EQ(m.error(), "metric family 'x' started twice");

  m.clear();
  ASSERT_TRUE(m.family("x", "h", "counter"));
  ASSERT_TRUE(m.family("y", "h", "gauge"));
  EXPECT_FALSE(m.sample("x", 1));   // x's samples would not be contiguous
  EXPECT_EQ(m.error(), "sample 'x' outside its family (last family: 'y')");

  m.clear();
  ASSERT_TRUE(m.family("x", "h", "counter"));
  EXPECT_FALSE(m.sample("x", 1, {{"__name__", "y"}}));
  EXPECT_EQ(m.error(), "metric 'x': invalid label name '__name__'");
  EXPECT_FALSE(m.sample("x", 1, {{"a", "1"}, {"a", "2"}}));
  EXPECT_TRUE(m.sample("x", 2, {{"a", "1"}}));
  EXPECT_EQ(m.error(), "metric 'x': invalid label name '__name__'");   // the first error is kept

  // Whatever was refused, the text still parses.
  test::ParsedExposition parsed;
  EXPECT_EQ(test::parse_exposition(m.text(), &parsed), "");
  EXPECT_EQ(parsed.samples.size(), 1u);
}

TEST(ExpositionParser, CatchesBrokenText) {
  const auto check = [](std::string_view text) {
    test::ParsedExposition p;
    return test::parse_exposition(text, &p);
  };
  EXPECT_NE(check("x 1"), "");                            // no final newline
  EXPECT_NE(check("x{a=\"1} 1\n"), "");                   // unterminated value
  EXPECT_NE(check("x{a=\"\\t\"} 1\n"), "");               // bad escape
  EXPECT_NE(check("x 1\ny 1\nx 2\n"), "");                // family split
  EXPECT_NE(check("x one\n"), "");                        // bad value
  EXPECT_NE(check("x 1\n# TYPE x counter\n"), "");        // TYPE after samples
  EXPECT_EQ(check("# comment\nx{a=\"b\",} 1.5 1700000000000\n"), "");
}

}  // namespace
}  // namespace sluice::control::telemetry
