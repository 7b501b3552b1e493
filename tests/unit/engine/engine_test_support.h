// Helpers shared by the scan/engine unit tests: compile a set, scan bytes in chunks, and turn
// hit ids into names so assertions read as the signatures they expect.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/engine/engine.h"

namespace sluice::engine::testing {

inline std::unique_ptr<Database> compile_ok(const SignatureSet& set) {
  std::string error;
  std::unique_ptr<Database> db = Database::compile(set, &error);
  EXPECT_NE(db, nullptr) << error;
  return db;
}

inline std::vector<std::string> hit_names(const Database& db, const std::vector<uint32_t>& hits) {
  std::vector<std::string> names;
  for (uint32_t id : hits) names.push_back(db.rule(id).name);
  return names;
}

// Feeds `bytes` in pieces of `chunk` bytes (0 = all at once) through one begin/feed/end cycle.
inline std::vector<std::string> scan_in_chunks(StreamScanner& scanner, const Database& db,
                                               std::string_view bytes, size_t chunk = 0) {
  scanner.begin();
  if (chunk == 0) chunk = bytes.size() == 0 ? 1 : bytes.size();
  for (size_t at = 0; at < bytes.size(); at += chunk) scanner.feed(bytes.substr(at, chunk));
  scanner.end();
  EXPECT_TRUE(scanner.ok());
  return hit_names(db, scanner.hits());
}

// One-shot and 1-byte-chunk scans must agree; returns the one-shot result.
inline std::vector<std::string> scan_both_ways(const Database& db, std::string_view bytes) {
  Scratch scratch(db);
  StreamScanner scanner(db, scratch);
  const std::vector<std::string> whole = scan_in_chunks(scanner, db, bytes);
  const std::vector<std::string> bytewise = scan_in_chunks(scanner, db, bytes, 1);
  EXPECT_EQ(whole, bytewise) << "streaming result differs from one-shot result";
  return whole;
}

// Compiles a set holding the given .ndb lines (each must load) and scans `bytes` both ways.
inline std::vector<std::string> ndb_hits(std::initializer_list<std::string_view> lines,
                                         std::string_view bytes) {
  SignatureSet set;
  for (std::string_view line : lines) {
    std::string error;
    EXPECT_TRUE(set.add_ndb_line(line, &error)) << line << ": " << error;
  }
  std::unique_ptr<Database> db = compile_ok(set);
  if (db == nullptr) return {};
  return scan_both_ways(*db, bytes);
}

inline const std::string kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

using Names = std::vector<std::string>;

}  // namespace sluice::engine::testing
