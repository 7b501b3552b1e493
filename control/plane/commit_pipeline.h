// control/plane/commit_pipeline.h — `commit`: a validated candidate becomes the running policy, or nothing
// changes.
//
// Owns: the order of a commit — compile the snapshot off the workers (signature and URL files read, Hyperscan
// databases built, envelope lists loaded), build every TLS context the VIPs would use (key matches
// certificate, chain, expiry warnings) and the live topology, then publish through the SnapshotRegistry and
// record the text in the history. Any failure before the publish leaves the running policy as it was. Also
// says which changed blocks only take effect at `execute restart workers` (interfaces, VIPs, TCP, TLS,
// protocol options the relay is built with).
// May call: scan/inspector (build_policy_snapshot, SnapshotRegistry), dataplane (LiveTopology, TlsPlan),
// control/edit (CommitHistory), control/config (writer).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/edit/commit_history.h"
#include "control/policy.h"
#include "scan/inspector/snapshot_registry.h"

namespace sluice::control::plane {

struct CommitOutcome {
  bool ok = false;
  uint64_t version = 0;
  std::vector<std::string> errors;          // why nothing changed
  std::vector<std::string> warnings;        // committed anyway (e.g. a certificate expiring soon)
  std::vector<std::string> restart_blocks;  // changed blocks that wait for `execute restart workers`
  std::string summary;                      // "signatures 12 (body 3, hash 2, rules 7), url lists 2 domains ..."
};

class CommitPipeline {
 public:
  CommitPipeline(scan::SnapshotRegistry& registry, edit::CommitHistory* history)
      : registry_(registry), history_(history) {}
  // policy: the candidate as validated; text: its configuration text (stored in the history).
  CommitOutcome commit(const Policy& policy, const std::string& text, const std::string& user,
                       const std::string& comment);
  // The blocks whose change a running worker cannot take (compared by their configuration text).
  static std::vector<std::string> restart_blocks(const Policy& running, const Policy& next);
  // What the workers were started with; commits that change restart blocks make it differ from latest().
  void set_workers_policy(const Policy& p) { workers_policy_ = p; }
  std::vector<std::string> pending_restart() const;

 private:
  scan::SnapshotRegistry& registry_;
  edit::CommitHistory* history_;
  Policy workers_policy_;
};

}  // namespace sluice::control::plane
