// dataplane/ip_reassembly.h — one worker's IPv4 and IPv6 fragment reassembly (THREATS TCP-6).
//
// Owns: the datagrams being reassembled, in a table allocated once at construction (no allocation per fragment,
// no locks: one writer, the worker); the checks on each fragment (RFC 791, RFC 8200 §4.5: IPv4 header checksum,
// non-last fragments a multiple of 8 bytes, one consistent end); the overlap rule — any overlap drops the whole
// datagram (RFC 5722 for IPv6; applied to IPv4 too, as Linux does, because two copies of the same bytes are
// exactly what an evader wants a reassembler to choose between); and writing the whole frame back out.
// Fragments are copied into their datagram's slot, so nothing keeps an mbuf while a datagram waits: a fragment
// flood costs slots (bounded, counted), never the rx pool. Only TCP datagrams are reassembled (nothing else goes
// past the worker), which also keeps other traffic's fragments from taking the slots.
// May call: dataplane/frame_layout.h, dataplane/checksum.h. No DPDK: unit-tested on plain bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/frame_layout.h"

namespace sluice::dataplane {

// `config system session` fragment-* keys (live_worker_settings maps them).
struct FragmentLimits {
  uint32_t max_datagrams = 64;           // "fragment-datagrams": in reassembly at once per worker; 0: drop fragments
  uint64_t timeout_ns = 2'000'000'000;   // "fragment-timeout": first fragment to whole datagram (Linux: 30 s)
  uint32_t max_fragments = 16;           // "fragments-per-datagram"
  // The whole frame written back must fit one buffer (the worker's mbuf data room): not policy, physics.
  uint32_t max_frame = 2048;
};

enum class FragmentResult : uint8_t {
  Held,          // kept; the datagram is not whole yet
  Reassembled,   // the whole frame was written out
  Duplicate,     // the same bytes at the same place as a fragment already held: ignored
  Overlap,       // overlapped a held fragment otherwise: the whole datagram dropped
  Malformed,     // inconsistent with the datagram (a second end, past the end, a non-last piece not 8-aligned),
                 // or a header the walk cannot read: the fragment (and its datagram, if any) dropped
  BadChecksum,   // IPv4 header checksum failed: the fragment dropped (chaff, TCP-3), the datagram kept
  TooMany,       // past max_fragments: the datagram dropped
  TooBig,        // the whole frame would not fit max_frame: the datagram dropped
  TableFull,     // no free slot in the key's bucket and none expired: the fragment dropped
  NotTcp,        // not a TCP datagram: the fragment dropped
  Disabled,      // max_datagrams 0: every fragment dropped
};

struct FragmentOutcome {
  FragmentResult result = FragmentResult::Held;
  uint32_t expired = 0;      // datagrams found past their time-out (and freed) while looking this one up
  size_t frame_len = 0;      // Reassembled: bytes written
};

// What identifies a fragment's datagram and where its bytes go (RFC 791 / RFC 8200 §4.5).
struct FragmentInfo {
  bool v6 = false;
  std::array<uint8_t, 16> src{}, dst{};   // IPv4: the 4 bytes first, the rest zero
  uint32_t id = 0;
  uint8_t protocol = 0;          // IPv4 protocol / the Fragment header's next header
  uint32_t offset = 0;           // bytes into the datagram's fragmentable part
  bool more = false;             // MF / M
  const uint8_t* data = nullptr; // this fragment's share of the fragmentable part
  uint32_t length = 0;
  size_t header_len = 0;         // Ethernet, tags and the unfragmentable IP part (IPv6: without the Fragment header)
  size_t next_header_at = 0;     // IPv6: the byte that names the Fragment header (44), from the frame's start
};

// Reads a located fragment's identity (frame_layout marked it `fragment`). False: a header it cannot walk.
bool parse_fragment(const uint8_t* frame, size_t len, const FrameLayout& layout, FragmentInfo* out);

// Which of `workers` reassembles a datagram: fixed by (source, destination, id, family) alone, so all its fragments
// meet at one worker whatever queue each arrived on (non-first fragments carry no TCP ports).
uint32_t fragment_worker(const FragmentInfo& info, uint32_t workers);

class IpReassembly {
 public:
  // Allocates every slot now. `seed` keys the bucket hash (a per-worker random value: no chosen collisions).
  IpReassembly(const FragmentLimits& limits, uint64_t seed);

  // One located fragment. On Reassembled the whole frame (the first fragment's Ethernet and IP headers, lengths
  // and flags fixed, the IPv4 header checksum recomputed, IPv6's Fragment header removed) is in out[0, frame_len).
  // `out` may be the fragment's own buffer: every byte of the input is read before the first is written.
  FragmentOutcome add(const uint8_t* frame, size_t len, const FrameLayout& layout, uint64_t now_ns, uint8_t* out,
                      size_t out_capacity);

  uint32_t in_use() const { return in_use_; }
  const FragmentLimits& limits() const { return limits_; }

 private:
  static constexpr uint32_t kWays = 8;           // slots per hash bucket
  static constexpr size_t kMaxHeader = 128;      // Ethernet, 2 tags, IPv4 with options / IPv6 with extensions

  struct Range {
    uint16_t begin, end;
  };
  struct Slot {
    bool used = false;
    bool v6 = false;
    uint8_t protocol = 0;
    uint32_t id = 0;
    std::array<uint8_t, 16> src{}, dst{};
    uint64_t deadline_ns = 0;
    uint32_t total = 0;          // fragmentable bytes, once the last fragment told
    bool total_known = false;
    uint32_t received = 0;
    uint32_t count = 0;          // fragments held (ranges_ of this slot)
    uint16_t header_len = 0;     // from the offset-0 fragment; 0 until it came
    uint16_t l3_offset = 0;      // ... and where its IP header starts
    uint16_t next_header_at = 0;
  };

  Slot* find_or_claim(const FragmentInfo& info, uint64_t now_ns, uint32_t* expired, uint32_t* index);
  void free_slot(Slot& slot);
  FragmentResult drop(Slot& slot, FragmentResult why) {
    free_slot(slot);
    return why;
  }
  size_t write_frame(const Slot& slot, uint32_t index, uint8_t* out) const;

  FragmentLimits limits_;
  uint64_t seed_;
  uint32_t buckets_ = 0;
  uint32_t in_use_ = 0;
  std::vector<Slot> slots_;
  std::vector<Range> ranges_;        // max_fragments per slot
  std::vector<uint8_t> payload_;     // max_frame per slot
  std::vector<uint8_t> headers_;     // kMaxHeader per slot
};

}  // namespace sluice::dataplane
