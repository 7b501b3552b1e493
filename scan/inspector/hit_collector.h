// scan/inspector/hit_collector.h — de-duplicates rule hits of one message and records where they hit.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "scan/engine/database.h"
#include "scan/inspector/message_record.h"

namespace sluice::scan {

class HitCollector {
 public:
  void reset(const engine::Database* db, MessageRecord* record) {
    db_ = db;
    record_ = record;
    seen_.clear();
  }
  // Records each rule id once per message, with the place it first hit.
  void add(const std::vector<uint32_t>& ids, const std::string& where) {
    for (uint32_t id : ids) add(id, where);
  }
  void add(uint32_t id, const std::string& where) {
    if (std::find(seen_.begin(), seen_.end(), id) != seen_.end()) return;
    seen_.push_back(id);
    const engine::RuleInfo& rule = db_->rule(id);
    record_->hits.push_back(HitRecord{rule.name, kind_name(rule.kind), where, rule.score});
  }

  static const char* kind_name(engine::RuleKind kind) {
    switch (kind) {
      case engine::RuleKind::BodySignature: return "body_signature";
      case engine::RuleKind::HashSignature: return "hash_signature";
      case engine::RuleKind::HeaderRule: return "header_rule";
      case engine::RuleKind::BodyRule: return "body_rule";
    }
    return "unknown";
  }

 private:
  const engine::Database* db_ = nullptr;
  MessageRecord* record_ = nullptr;
  std::vector<uint32_t> seen_;
};

}  // namespace sluice::scan
