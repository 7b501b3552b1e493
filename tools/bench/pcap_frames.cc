// tools/bench/pcap_frames.cc — see pcap_frames.h. The file is read in one go (its size first, then one read)
// and kept as it is: the index points at each record's bytes in place, so a file costs its own size in memory
// and nothing is copied. Every length is checked against the file size and the limits before it is used.
#include "tools/bench/pcap_frames.h"

#include <cstring>
#include <fstream>

namespace sluice::bench {
namespace {

constexpr size_t kFileHeaderLen = 24;
constexpr size_t kRecordHeaderLen = 16;
constexpr uint32_t kMagicMicro = 0xA1B2C3D4;
constexpr uint32_t kMagicNano = 0xA1B23C4D;

uint32_t read_u32(const uint8_t* p, bool swapped) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return swapped ? __builtin_bswap32(v) : v;
}

}  // namespace

std::optional<PcapFrames> PcapFrames::load(const std::string& path, std::string* error,
                                           const PcapLoadLimits& limits) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    *error = path + ": cannot open";
    return std::nullopt;
  }
  const std::streamoff file_size = in.tellg();
  if (file_size < 0 || static_cast<uint64_t>(file_size) > limits.max_total_bytes + kFileHeaderLen +
                                                               kRecordHeaderLen * uint64_t{limits.max_frames}) {
    *error = path + ": larger than max_total_bytes (" + std::to_string(limits.max_total_bytes) + ") allows";
    return std::nullopt;
  }
  PcapFrames out;
  std::vector<uint8_t>& file = out.data_;
  file.resize(static_cast<size_t>(file_size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(file.data()), file_size)) {
    *error = path + ": read failed";
    return std::nullopt;
  }
  if (file.size() < kFileHeaderLen) {
    *error = path + ": shorter than a pcap file header";
    return std::nullopt;
  }
  // The magic is written in the writer's byte order: read natively, it is either the value or its byte swap.
  const uint32_t magic = read_u32(file.data(), false);
  bool swapped = false;
  if (magic == kMagicMicro || magic == kMagicNano) {
    out.nanosecond_ = magic == kMagicNano;
  } else if (magic == __builtin_bswap32(kMagicMicro) || magic == __builtin_bswap32(kMagicNano)) {
    swapped = true;
    out.nanosecond_ = magic == __builtin_bswap32(kMagicNano);
  } else {
    *error = path + ": not a classic pcap file (pcapng: convert with editcap -F pcap)";
    return std::nullopt;
  }
  out.linktype_ = read_u32(file.data() + 20, swapped) & 0x0FFFFFFF;  // the top bits carry FCS information
  const uint64_t ns_per_fraction = out.nanosecond_ ? 1 : 1000;

  size_t at = kFileHeaderLen;
  while (file.size() - at >= kRecordHeaderLen) {
    const uint8_t* rec = file.data() + at;
    const uint32_t seconds = read_u32(rec, swapped);
    const uint32_t fraction = read_u32(rec + 4, swapped);
    const uint32_t caplen = read_u32(rec + 8, swapped);
    const uint32_t origlen = read_u32(rec + 12, swapped);
    if (caplen > limits.max_frame_bytes) {
      *error = path + ": record " + std::to_string(out.index_.size()) + " claims " + std::to_string(caplen) +
               " bytes (max_frame_bytes " + std::to_string(limits.max_frame_bytes) + "): corrupt file";
      return std::nullopt;
    }
    if (file.size() - at - kRecordHeaderLen < caplen) {
      ++out.truncated_records_;
      break;
    }
    if (out.index_.size() == limits.max_frames || out.frame_bytes_ + caplen > limits.max_total_bytes) {
      *error = path + ": more than max_frames (" + std::to_string(limits.max_frames) + ") or max_total_bytes (" +
               std::to_string(limits.max_total_bytes) + ")";
      return std::nullopt;
    }
    out.index_.push_back(Entry{at + kRecordHeaderLen, caplen, origlen,
                               uint64_t{seconds} * 1'000'000'000 + uint64_t{fraction} * ns_per_fraction});
    out.frame_bytes_ += caplen;
    at += kRecordHeaderLen + caplen;
  }
  if (at < file.size() && file.size() - at < kRecordHeaderLen) ++out.truncated_records_;
  return out;
}

PcapFrame PcapFrames::operator[](size_t i) const {
  const Entry& e = index_[i];
  return PcapFrame{std::span<const uint8_t>(data_.data() + e.offset, e.length), e.original_length, e.timestamp_ns};
}

}  // namespace sluice::bench
