// dataplane/passthrough_table.cc — see passthrough_table.h.
#include "dataplane/passthrough_table.h"

#include "reassembly/tcp_segment.h"

namespace sluice::dataplane {

namespace flag = reassembly::tcp_flag;

PassthroughTable::PassthroughTable(uint32_t capacity, const PassthroughTimeouts& timeouts)
    : entries_(capacity), timeouts_(timeouts) {
  free_.reserve(capacity);
  for (uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
}

PassthroughEntry* PassthroughTable::acquire() {
  if (free_.empty()) return nullptr;
  PassthroughEntry& entry = entries_[free_.back()];
  free_.pop_back();
  entry = PassthroughEntry{};
  entry.used = true;
  ++in_use_;
  return &entry;
}

void PassthroughTable::observe(PassthroughEntry& entry, uint8_t tcp_flags, bool from_client, uint64_t now_ns) {
  entry.last_seen_ns = now_ns;
  if (tcp_flags & flag::RST) entry.reset = true;
  if (tcp_flags & flag::FIN) (from_client ? entry.fin_from_client : entry.fin_from_backend) = true;
  if (!from_client && (tcp_flags & flag::SYN) && (tcp_flags & flag::ACK)) entry.established = true;
}

bool PassthroughTable::expired(const PassthroughEntry& entry, uint64_t now_ns) const {
  const uint64_t quiet = now_ns - entry.last_seen_ns;
  if (entry.reset || (entry.fin_from_client && entry.fin_from_backend)) return quiet >= timeouts_.closed_ns;
  return quiet >= (entry.established ? timeouts_.idle_ns : timeouts_.embryonic_ns);
}

void PassthroughTable::release(PassthroughEntry& entry, ConnTable& conns) {
  conns.erase(entry.outside_key());
  conns.erase(entry.inside_key());
  entry.used = false;
  free_.push_back(index_of(entry));
  --in_use_;
}

uint32_t PassthroughTable::sweep(uint64_t now_ns, uint32_t step, ConnTable& conns) {
  if (in_use_ == 0 || entries_.empty()) return 0;
  uint32_t released = 0;
  for (uint32_t i = 0; i < step; ++i) {
    PassthroughEntry& entry = entries_[cursor_];
    cursor_ = (cursor_ + 1) % static_cast<uint32_t>(entries_.size());
    if (entry.used && expired(entry, now_ns)) {
      release(entry, conns);
      ++released;
    }
  }
  return released;
}

}  // namespace sluice::dataplane
