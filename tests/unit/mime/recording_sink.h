// Test helper: a MimeSink that records everything, and a driver that parses a
// message one-shot and in 1-byte chunks and checks both give identical results.
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "scan/mime/mime_parser.h"

namespace sluice::mime::testing {

struct RecordedView {
  uint32_t id = 0;
  PartInfo part;
  ViewKind kind = ViewKind::Decoded;
  std::string data;
  bool ended = false;
};

struct RecordedHeader {
  std::string name, value, decoded;
};

class RecordingSink : public MimeSink {
 public:
  void on_top_header(std::string_view name, std::string_view value, std::string_view decoded) override {
    headers.push_back({std::string(name), std::string(value), std::string(decoded)});
  }
  void on_view_begin(uint32_t id, const PartInfo& part, ViewKind kind) override {
    EXPECT_EQ(index_of.count(id), 0u) << "view id reused: " << id;
    index_of[id] = views.size();
    views.push_back({id, part, kind, {}, false});
  }
  void on_view_data(uint32_t id, std::string_view bytes) override {
    ASSERT_EQ(index_of.count(id), 1u);
    RecordedView& v = views[index_of[id]];
    EXPECT_FALSE(v.ended);
    v.data.append(bytes);
  }
  void on_view_end(uint32_t id) override {
    ASSERT_EQ(index_of.count(id), 1u);
    EXPECT_FALSE(views[index_of[id]].ended);
    views[index_of[id]].ended = true;
  }
  void on_anomaly(Anomaly a, std::string_view) override { reported |= static_cast<uint32_t>(a); }

  std::vector<RecordedView> views;
  std::vector<RecordedHeader> headers;
  std::map<uint32_t, size_t> index_of;
  uint32_t reported = 0;
};

struct ParseResult {
  std::vector<RecordedView> views;
  std::vector<RecordedHeader> headers;
  uint32_t anomalies = 0;
  uint32_t parts = 0;

  bool has(Anomaly a) const { return (anomalies & static_cast<uint32_t>(a)) != 0; }
  // Concatenation of every view's data: "somewhere, some view saw it".
  std::string all_data() const {
    std::string all;
    for (const auto& v : views) all += v.data + '\x01';
    return all;
  }
  bool any_view_contains(std::string_view needle) const {
    for (const auto& v : views)
      if (v.data.find(needle) != std::string::npos) return true;
    return false;
  }
};

inline ParseResult parse_in_chunks(std::string_view message, size_t chunk, const MimeLimits& limits) {
  RecordingSink sink;
  MimeParser parser(limits, sink);
  for (size_t i = 0; i < message.size(); i += chunk) parser.feed(message.substr(i, chunk));
  parser.finish();
  for (const auto& v : sink.views) EXPECT_TRUE(v.ended) << "view " << v.id << " left open";
  EXPECT_EQ(sink.reported, parser.anomalies());
  return {sink.views, sink.headers, parser.anomalies(), parser.part_count()};
}

inline void expect_same(const ParseResult& a, const ParseResult& b) {
  ASSERT_EQ(a.views.size(), b.views.size());
  for (size_t i = 0; i < a.views.size(); ++i) {
    EXPECT_EQ(a.views[i].id, b.views[i].id);
    EXPECT_EQ(a.views[i].kind, b.views[i].kind);
    EXPECT_EQ(a.views[i].data, b.views[i].data) << "view " << i;
    EXPECT_EQ(a.views[i].part.index, b.views[i].part.index);
    EXPECT_EQ(a.views[i].part.content_type, b.views[i].part.content_type);
    EXPECT_EQ(a.views[i].part.filenames, b.views[i].part.filenames);
  }
  ASSERT_EQ(a.headers.size(), b.headers.size());
  for (size_t i = 0; i < a.headers.size(); ++i) EXPECT_EQ(a.headers[i].value, b.headers[i].value);
  EXPECT_EQ(a.anomalies, b.anomalies);
  EXPECT_EQ(a.parts, b.parts);
}

// Parses one-shot, in 1-byte chunks and in 7-byte chunks; all must agree.
inline ParseResult parse(std::string_view message, const MimeLimits& limits = MimeLimits{}) {
  ParseResult whole = parse_in_chunks(message, message.size() + 1, limits);
  expect_same(whole, parse_in_chunks(message, 1, limits));
  expect_same(whole, parse_in_chunks(message, 7, limits));
  return whole;
}

inline uint32_t bits(std::initializer_list<Anomaly> list) {
  uint32_t b = 0;
  for (Anomaly a : list) b |= static_cast<uint32_t>(a);
  return b;
}

constexpr std::string_view kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
// kEicar in base64 (one line, padded).
constexpr std::string_view kEicarBase64 =
    "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=";

// Joins lines with CRLF, adding a final CRLF.
inline std::string crlf(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (std::string_view l : lines) {
    out.append(l);
    out.append("\r\n");
  }
  return out;
}

// Plain base64 (test-side encoder, written independently of the decoder).
inline std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < in.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

}  // namespace sluice::mime::testing
