// dataplane/conn_table.cc — see conn_table.h.
#include "dataplane/conn_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

namespace sluice::dataplane {

namespace {

// The value is stored in rte_hash's void* slot: kind in the top bit, pool index below.
constexpr uintptr_t kPassthroughBit = uintptr_t{1} << 31;

void* encode(ConnRef ref) {
  return reinterpret_cast<void*>((ref.kind == ConnKind::Passthrough ? kPassthroughBit : 0) | ref.index);
}

ConnRef decode(void* data) {
  const auto raw = reinterpret_cast<uintptr_t>(data);
  return ConnRef{(raw & kPassthroughBit) != 0 ? ConnKind::Passthrough : ConnKind::Proxy,
                 static_cast<uint32_t>(raw & (kPassthroughBit - 1))};
}

}  // namespace

ConnTable::~ConnTable() {
  if (hash_ != nullptr) rte_hash_free(hash_);
}

bool ConnTable::init(const std::string& name, uint32_t entries, int socket_id, std::string* error) {
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = entries < 64 ? 64 : entries;
  params.key_len = sizeof(ConnKey);
  params.hash_func = rte_hash_crc;
  params.socket_id = socket_id;
  hash_ = rte_hash_create(&params);
  if (hash_ == nullptr) {
    *error = "rte_hash_create(" + name + "): " + rte_strerror(rte_errno);
    return false;
  }
  return true;
}

std::optional<ConnRef> ConnTable::find(const ConnKey& key) const {
  void* data = nullptr;
  if (rte_hash_lookup_data(hash_, &key, &data) < 0) return std::nullopt;
  return decode(data);
}

void ConnTable::find_bulk(const ConnKey* keys, uint32_t count, ConnRef* refs, bool* found) const {
  const void* key_pointers[kBulkMax];
  void* data[kBulkMax];
  for (uint32_t i = 0; i < count; ++i) key_pointers[i] = &keys[i];
  uint64_t hits = 0;
  if (count > 0) rte_hash_lookup_bulk_data(hash_, key_pointers, count, &hits, data);
  for (uint32_t i = 0; i < count; ++i) {
    found[i] = (hits >> i) & 1u;
    if (found[i]) refs[i] = decode(data[i]);
  }
}

bool ConnTable::insert(const ConnKey& key, ConnRef ref) { return rte_hash_add_key_data(hash_, &key, encode(ref)) >= 0; }

void ConnTable::erase(const ConnKey& key) { rte_hash_del_key(hash_, &key); }

uint32_t ConnTable::size() const { return static_cast<uint32_t>(rte_hash_count(hash_)); }

}  // namespace sluice::dataplane
