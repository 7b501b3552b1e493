// dataplane/conn_table.h — the live worker's connection lookup: (arrival side, 5-tuple) -> owner.
//
// Owns: one rte_hash per worker. Every live connection has two keys, one per port it is seen on: the
// client's packets arrive outside as client -> VIP, the backend's arrive inside as backend -> client.
// The value names what owns the connection: a proxied session or a pass-through NAT entry, by pool index.
// May call: rte_hash. Not thread-safe by design: one worker, one table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/ip_address.h"
#include "dataplane/live_topology.h"

struct rte_hash;

namespace sluice::dataplane {

struct ConnKey {
  uint8_t side = 0;  // Side of arrival
  uint8_t reserved[3] = {0, 0, 0};
  IpAddress src{};
  IpAddress dst{};
  uint16_t src_port = 0, dst_port = 0;

  static ConnKey make(Side side, const IpAddr& src, uint16_t src_port, const IpAddr& dst, uint16_t dst_port) {
    ConnKey key;
    key.fill(side, src, src_port, dst, dst_port);
    return key;
  }
  // In place, for the per-packet path: returning a key by value makes GCC assemble it in a stack temporary
  // from narrow stores and copy it with wide loads, which stall on store forwarding.
  void fill(Side s, const IpAddr& from, uint16_t from_port, const IpAddr& to, uint16_t to_port) {
    side = static_cast<uint8_t>(s);
    reserved[0] = reserved[1] = reserved[2] = 0;
    src = from.bytes;
    dst = to.bytes;
    src_port = from_port;
    dst_port = to_port;
  }
};
static_assert(sizeof(ConnKey) == 40, "ConnKey is hashed as raw bytes: no padding holes");

enum class ConnKind : uint8_t { Proxy = 0, Passthrough = 1 };

struct ConnRef {
  ConnKind kind;
  uint32_t index;
};

class ConnTable {
 public:
  ConnTable() = default;
  ~ConnTable();
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  bool init(const std::string& name, uint32_t entries, int socket_id, std::string* error);
  std::optional<ConnRef> find(const ConnKey&) const;
  // Looks up to kBulkMax keys at once (rte_hash's bulk path hides the bucket cache misses behind each other).
  // found[i] tells whether refs[i] is valid.
  static constexpr uint32_t kBulkMax = 64;
  void find_bulk(const ConnKey* keys, uint32_t count, ConnRef* refs, bool* found) const;
  bool insert(const ConnKey&, ConnRef);
  void erase(const ConnKey&);
  uint32_t size() const;

 private:
  rte_hash* hash_ = nullptr;
};

}  // namespace sluice::dataplane
