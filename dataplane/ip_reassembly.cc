// dataplane/ip_reassembly.cc — see ip_reassembly.h.
#include "dataplane/ip_reassembly.h"

#include <algorithm>
#include <cstring>

#include "dataplane/checksum.h"

namespace sluice::dataplane {
namespace {

constexpr uint8_t kNextFragment = 44;
constexpr int kMaxExtensionHeaders = 8;   // the bound frame_layout walks with
constexpr uint16_t kIpv4MoreFragments = 0x2000;
constexpr uint16_t kIpv4OffsetMask = 0x1fff;

bool parse_ipv4(const uint8_t* frame, const FrameLayout& layout, FragmentInfo* out) {
  const uint8_t* ip = frame + layout.l3_offset;
  const uint16_t flags = load_be16(ip + 6);
  out->v6 = false;
  std::memcpy(out->src.data(), ip + 12, 4);
  std::memcpy(out->dst.data(), ip + 16, 4);
  out->id = load_be16(ip + 4);
  out->protocol = ip[9];
  out->offset = static_cast<uint32_t>(flags & kIpv4OffsetMask) * 8;
  out->more = (flags & kIpv4MoreFragments) != 0;
  out->data = frame + layout.l4_offset;
  out->length = static_cast<uint32_t>(layout.l4_len);
  out->header_len = layout.l4_offset;
  return true;
}

// Walks the unfragmentable part (hop-by-hop, routing, destination options) to the Fragment header.
bool parse_ipv6(const uint8_t* frame, const FrameLayout& layout, FragmentInfo* out) {
  const uint8_t* ip = frame + layout.l3_offset;
  const size_t end = 40 + static_cast<size_t>(load_be16(ip + 4));   // frame_layout checked it fits the frame
  size_t at = 40, names_next = 6;
  for (int i = 0; i < kMaxExtensionHeaders; ++i) {
    const uint8_t next = ip[names_next];
    if (next == kNextFragment) {
      if (at + 8 > end) return false;
      const uint8_t* fragment = ip + at;
      const uint16_t offset_m = load_be16(fragment + 2);
      out->v6 = true;
      std::memcpy(out->src.data(), ip + 8, 16);
      std::memcpy(out->dst.data(), ip + 24, 16);
      out->id = load_be32(fragment + 4);
      out->protocol = fragment[0];
      out->offset = offset_m & 0xfff8;
      out->more = (offset_m & 1) != 0;
      out->data = fragment + 8;
      out->length = static_cast<uint32_t>(end - at - 8);
      out->header_len = layout.l3_offset + at;
      out->next_header_at = layout.l3_offset + names_next;
      return true;
    }
    if (next != 0 && next != 43 && next != 60) return false;   // an upper layer before any Fragment header
    if (at + 8 > end) return false;
    const size_t ext_len = (static_cast<size_t>(ip[at + 1]) + 1) * 8;
    if (at + ext_len > end) return false;
    names_next = at;
    at += ext_len;
  }
  return false;
}

uint64_t mix(uint64_t h) {   // splitmix64's finaliser
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

uint64_t key_hash(const FragmentInfo& info, uint64_t seed) {
  uint64_t words[4];
  std::memcpy(&words[0], info.src.data(), 8);
  std::memcpy(&words[1], info.src.data() + 8, 8);
  std::memcpy(&words[2], info.dst.data(), 8);
  std::memcpy(&words[3], info.dst.data() + 8, 8);
  uint64_t h = seed ^ (static_cast<uint64_t>(info.id) << 1 | (info.v6 ? 1 : 0));
  for (uint64_t w : words) h = mix(h ^ w);
  return h;
}

}  // namespace

bool parse_fragment(const uint8_t* frame, size_t len, const FrameLayout& layout, FragmentInfo* out) {
  *out = FragmentInfo{};
  if (!layout.fragment || layout.l3_offset >= len) return false;
  if (layout.kind == FrameKind::Ipv4) return parse_ipv4(frame, layout, out);
  if (layout.kind == FrameKind::Ipv6) return parse_ipv6(frame, layout, out);
  return false;
}

uint32_t fragment_worker(const FragmentInfo& info, uint32_t workers) {
  return workers <= 1 ? 0 : static_cast<uint32_t>(key_hash(info, 0) % workers);
}

IpReassembly::IpReassembly(const FragmentLimits& limits, uint64_t seed) : limits_(limits), seed_(seed) {
  limits_.max_frame = std::min<uint32_t>(limits_.max_frame, 65535);   // Range holds 16-bit offsets
  limits_.max_fragments = std::max<uint32_t>(limits_.max_fragments, 1);
  const uint32_t n = limits_.max_datagrams;
  buckets_ = (n + kWays - 1) / kWays;
  slots_.resize(n);
  ranges_.resize(static_cast<size_t>(n) * limits_.max_fragments);
  payload_.resize(static_cast<size_t>(n) * limits_.max_frame);
  headers_.resize(static_cast<size_t>(n) * kMaxHeader);
}

// A bucket is a run of up to kWays slots; the key's hash picks the bucket. Expired datagrams met on the way are
// freed (they hold no buffers, so nothing waits for a sweep).
IpReassembly::Slot* IpReassembly::find_or_claim(const FragmentInfo& info, uint64_t now_ns, uint32_t* expired,
                                                uint32_t* index) {
  const uint32_t first = static_cast<uint32_t>(key_hash(info, seed_) % buckets_) * kWays;
  const uint32_t last = std::min<uint32_t>(first + kWays, static_cast<uint32_t>(slots_.size()));
  Slot* free = nullptr;
  uint32_t free_index = 0;
  for (uint32_t i = first; i < last; ++i) {
    Slot& s = slots_[i];
    if (s.used && s.deadline_ns <= now_ns) {
      free_slot(s);
      ++*expired;
    }
    if (!s.used) {
      if (free == nullptr) {
        free = &s;
        free_index = i;
      }
      continue;
    }
    if (s.id == info.id && s.v6 == info.v6 && s.protocol == info.protocol && s.src == info.src &&
        s.dst == info.dst) {
      *index = i;
      return &s;
    }
  }
  if (free == nullptr) return nullptr;
  free->used = true;
  free->v6 = info.v6;
  free->protocol = info.protocol;
  free->id = info.id;
  free->src = info.src;
  free->dst = info.dst;
  free->deadline_ns = now_ns + limits_.timeout_ns;
  free->total = 0;
  free->total_known = false;
  free->received = 0;
  free->count = 0;
  free->header_len = 0;
  free->next_header_at = 0;
  free->l3_offset = 0;
  ++in_use_;
  *index = free_index;
  return free;
}

void IpReassembly::free_slot(Slot& slot) {
  slot.used = false;
  --in_use_;
}

FragmentOutcome IpReassembly::add(const uint8_t* frame, size_t len, const FrameLayout& layout, uint64_t now_ns,
                                  uint8_t* out, size_t out_capacity) {
  FragmentOutcome outcome;
  FragmentInfo info;
  if (!parse_fragment(frame, len, layout, &info)) {
    outcome.result = FragmentResult::Malformed;
    return outcome;
  }
  if (!info.v6 && !checksum_valid(frame + layout.l3_offset, layout.l3_header_len)) {
    outcome.result = FragmentResult::BadChecksum;
    return outcome;
  }
  if (info.protocol != kIpProtoTcp) {
    outcome.result = FragmentResult::NotTcp;
    return outcome;
  }
  if (slots_.empty()) {
    outcome.result = FragmentResult::Disabled;
    return outcome;
  }
  // RFC 8200 §4.5 (and RFC 791's arithmetic): every fragment but the last carries a multiple of 8 bytes.
  if (info.length == 0 || (info.more && info.length % 8 != 0)) {
    outcome.result = FragmentResult::Malformed;
    return outcome;
  }
  uint32_t index = 0;
  Slot* slot = find_or_claim(info, now_ns, &outcome.expired, &index);
  if (slot == nullptr) {
    outcome.result = FragmentResult::TableFull;
    return outcome;
  }
  const uint32_t begin = info.offset, end = info.offset + info.length;
  if (end > limits_.max_frame || (info.offset == 0 && info.header_len + end > limits_.max_frame) ||
      info.header_len > kMaxHeader) {
    outcome.result = drop(*slot, FragmentResult::TooBig);
    return outcome;
  }
  uint8_t* payload = payload_.data() + static_cast<size_t>(index) * limits_.max_frame;
  Range* ranges = ranges_.data() + static_cast<size_t>(index) * limits_.max_fragments;
  for (uint32_t i = 0; i < slot->count; ++i) {
    const Range r = ranges[i];
    if (r.begin == begin && r.end == end && std::memcmp(payload + begin, info.data, info.length) == 0 &&
        (info.more || (slot->total_known && slot->total == end))) {
      outcome.result = FragmentResult::Duplicate;
      return outcome;
    }
    if (begin < r.end && r.begin < end) {
      outcome.result = drop(*slot, FragmentResult::Overlap);
      return outcome;
    }
  }
  // One end: the last fragment fixes it, nothing may reach past it, and a second, different end is a lie.
  if (!info.more) {
    if (slot->total_known && slot->total != end) {
      outcome.result = drop(*slot, FragmentResult::Malformed);
      return outcome;
    }
    for (uint32_t i = 0; i < slot->count; ++i) {
      if (ranges[i].end > end) {
        outcome.result = drop(*slot, FragmentResult::Malformed);
        return outcome;
      }
    }
    slot->total = end;
    slot->total_known = true;
  } else if (slot->total_known && end > slot->total) {
    outcome.result = drop(*slot, FragmentResult::Malformed);
    return outcome;
  }
  if (slot->count == limits_.max_fragments) {
    outcome.result = drop(*slot, FragmentResult::TooMany);
    return outcome;
  }
  ranges[slot->count++] = Range{static_cast<uint16_t>(begin), static_cast<uint16_t>(end)};
  std::memcpy(payload + begin, info.data, info.length);
  slot->received += info.length;
  if (begin == 0) {   // the first fragment's headers are the datagram's (RFC 791 §3.2, RFC 8200 §4.5)
    std::memcpy(headers_.data() + static_cast<size_t>(index) * kMaxHeader, frame, info.header_len);
    slot->header_len = static_cast<uint16_t>(info.header_len);
    slot->next_header_at = static_cast<uint16_t>(info.next_header_at);
    slot->l3_offset = static_cast<uint16_t>(layout.l3_offset);
  }
  // No overlaps were let in, so as many bytes as the datagram holds means every byte of it.
  if (!slot->total_known || slot->received != slot->total) {
    outcome.result = FragmentResult::Held;
    return outcome;
  }
  if (slot->header_len + slot->total > limits_.max_frame || slot->header_len + slot->total > out_capacity) {
    outcome.result = drop(*slot, FragmentResult::TooBig);
    return outcome;
  }
  outcome.frame_len = write_frame(*slot, index, out);
  outcome.result = FragmentResult::Reassembled;
  free_slot(*slot);
  return outcome;
}

size_t IpReassembly::write_frame(const Slot& slot, uint32_t index, uint8_t* out) const {
  const uint8_t* header = headers_.data() + static_cast<size_t>(index) * kMaxHeader;
  std::memcpy(out, header, slot.header_len);
  std::memcpy(out + slot.header_len, payload_.data() + static_cast<size_t>(index) * limits_.max_frame, slot.total);
  uint8_t* ip = out + slot.l3_offset;
  if (!slot.v6) {
    const size_t ihl = slot.header_len - slot.l3_offset;
    store_be16(ip + 2, static_cast<uint16_t>(ihl + slot.total));
    store_be16(ip + 6, 0);   // whole: no MF, no offset (and DF was clear, or it would not have been fragmented)
    store_be16(ip + 10, 0);
    store_be16(ip + 10, internet_checksum(ip, ihl));
  } else {
    out[slot.next_header_at] = slot.protocol;   // the Fragment header is gone: name what followed it
    store_be16(ip + 4, static_cast<uint16_t>(slot.header_len - slot.l3_offset - 40 + slot.total));
  }
  return slot.header_len + slot.total;
}

}  // namespace sluice::dataplane
