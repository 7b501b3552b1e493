// scan/inspector/policy_snapshot.h — the compiled, immutable form of a configuration.
//
// Owns: the typed Policy, the compiled Hyperscan Database (signatures + anti-spam rules), the URL lists and
// the envelope policy (relay control, sender/recipient lists, reputation lists read from their files) and the
// banned attachment names.
// Built off the workers (at start-up and on every `commit`), then published through SnapshotRegistry. Workers
// only read it; each worker brings its own engine::Scratch. Sessions keep the snapshot they started with.
// Calls: control (Policy), engine (SignatureSet, Database), url (UrlLists), envelope (EnvelopePolicy).
#pragma once

#include <memory>
#include <string>

#include "control/policy.h"
#include "scan/engine/database.h"
#include "scan/engine/signature_set.h"
#include "scan/envelope/envelope_policy.h"
#include "scan/inspector/banned_names.h"
#include "scan/url/url_lists.h"

namespace sluice::scan {

struct PolicySnapshot {
  uint64_t version = 0;            // the commit that produced it (records name it as policy_version)
  control::Policy policy;
  std::unique_ptr<engine::Database> database;
  url::UrlLists url_lists;
  engine::LoadStats signature_stats;
  std::unique_ptr<const envelope::EnvelopePolicy> envelope;  // never null in a built snapshot
  BannedNames banned_names;        // config attachment-filter, normalised (empty when its status is disable)
};

// Loads every signature file and URL list the policy names, adds the built-in EICAR signature and the
// anti-spam rules, compiles; builds the envelope policy (reading reputation list files). On failure returns nullptr and a message naming the file or rule at fault.
std::unique_ptr<PolicySnapshot> build_policy_snapshot(const control::Policy&, std::string* error);
// The signature set a snapshot compiles, in its order (rule ids = Hyperscan ids): the built-in EICAR, the
// signature files, then the spam rules (a header rule as an anchored "Name:" prefix). For tools that time or
// inspect the compile the daemon does (tools/bench/hs_compile_bench.cc).
bool load_policy_signatures(const control::Policy&, engine::SignatureSet& set, std::string* error);

}  // namespace sluice::scan
