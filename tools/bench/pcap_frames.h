// tools/bench/pcap_frames.h — a whole classic pcap file in memory, as the frames a benchmark feeds to Sluice's
// ring ports (e.g. the outside/inside files tools/trex-amplify --split writes).
//
// Owns: the file's bytes, read whole into one buffer, and an index of its frames (offset of the bytes in that
// buffer, length, original length, timestamp in ns) parsed from the pcap header (microsecond and nanosecond
// magic, either byte order) and records. One buffer rather than a vector per frame: loading millions of frames
// costs one read and no copy, and the benchmark walks the frames in order through contiguous memory.
// May call: the C++ standard library only (no libpcap, no DPDK). Not for the fast path: it reads files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sluice::bench {

// Limits that keep a wrong or hostile file from exhausting memory.
struct PcapLoadLimits {
  size_t max_frames = 50'000'000;       // more than tools/trex-amplify writes by default (--max-frames 20M)
  uint64_t max_total_bytes = 16ull << 30;  // frame bytes (the file is kept in memory: about this much)
  uint32_t max_frame_bytes = 262'144;   // a record longer than this is a corrupt file (pcap's usual snaplen)
};

struct PcapFrame {
  std::span<const uint8_t> bytes;  // the captured bytes (caplen)
  uint32_t original_length = 0;    // the frame's length on the wire (>= bytes.size())
  uint64_t timestamp_ns = 0;       // since the epoch, whatever the file's resolution
};

class PcapFrames {
 public:
  // Reads `path`. On failure returns nullopt and says why in *error. A last record cut short (a capture
  // killed while writing) is dropped and counted in truncated_records(), not treated as an error.
  static std::optional<PcapFrames> load(const std::string& path, std::string* error,
                                        const PcapLoadLimits& limits = {});

  size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  PcapFrame operator[](size_t i) const;
  uint32_t linktype() const { return linktype_; }     // 1 = Ethernet
  bool nanosecond() const { return nanosecond_; }     // the file's timestamps were in ns
  uint64_t total_bytes() const { return frame_bytes_; }   // sum of the frames' captured lengths
  uint32_t truncated_records() const { return truncated_records_; }

 private:
  struct Entry {
    uint64_t offset;
    uint32_t length;
    uint32_t original_length;
    uint64_t timestamp_ns;
  };
  std::vector<uint8_t> data_;  // the whole file; frames are read in place
  uint64_t frame_bytes_ = 0;
  std::vector<Entry> index_;
  uint32_t linktype_ = 0;
  bool nanosecond_ = false;
  uint32_t truncated_records_ = 0;
};

}  // namespace sluice::bench
