#include "scan/archive/zip_walker.h"

#include <algorithm>
#include <cstring>

namespace sluice::archive {
namespace {

// Record signatures and layouts: PKWARE APPNOTE.TXT sections 4.3.7 - 4.3.16.
constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kDescriptorSig = 0x08074b50;
constexpr size_t kLocalFixed = 30;
constexpr size_t kCentralFixed = 46;
constexpr size_t kEndFixed = 22;
constexpr size_t kZip64EndFixed = 12;
constexpr size_t kZip64LocatorFixed = 20;
// The largest record gathered whole: a central header with maximal name and extra (the
// comment is skipped, not gathered).
constexpr size_t kMaxRecordBytes = kCentralFixed + 2 * 0xffff;
constexpr uint16_t kFlagEncrypted = 1u << 0;
constexpr uint16_t kFlagDescriptor = 1u << 3;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint64_t kZip64Escape = 0xffffffffu;
constexpr uint16_t kZip64ExtraId = 0x0001;

uint64_t read_le(const uint8_t* p, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = bytes; i-- > 0;) value = (value << 8) | p[i];
  return value;
}

// Zip64 extended information (APPNOTE 4.5.3): an 8-byte value for each field whose 32-bit
// value is the escape, in the order given. Returns whether the extra block was present.
bool apply_zip64_extra(std::string_view extra, std::span<uint64_t* const> fields) {
  const auto* p = reinterpret_cast<const uint8_t*>(extra.data());
  size_t at = 0;
  while (at + 4 <= extra.size()) {
    const auto id = static_cast<uint16_t>(read_le(p + at, 2));
    const size_t len = read_le(p + at + 2, 2);
    const size_t body = at + 4;
    if (body + len > extra.size()) return false;
    if (id == kZip64ExtraId) {
      size_t field_at = body;
      for (uint64_t* field : fields) {
        if (*field != kZip64Escape) continue;
        if (field_at + 8 > body + len) break;
        *field = read_le(p + field_at, 8);
        field_at += 8;
      }
      return true;
    }
    at = body + len;
  }
  return false;
}

}  // namespace

ZipWalker::ZipWalker(uint32_t depth, uint32_t max_entries, EntryOutput& out, ReusableArena& arena,
                     std::span<char> window)
    : depth_(depth),
      out_(out),
      window_(window),
      inflater_(arena, -15),
      directory_(max_entries),
      record_(kMaxRecordBytes) {}

void ZipWalker::begin() {
  directory_.reset();
  state_ = State::Signature;
  have_ = 0;
  pos_ = 0;
  record_start_ = 0;
  entry_open_ = false;
  seen_end_record_ = false;
}

void ZipWalker::feed(std::string_view in) {
  while (!in.empty() && !out_.stopped()) {
    switch (state_) {
      case State::Signature:
        if (gather(in, 4)) on_signature();
        break;
      case State::LocalHeader: on_local_header(in); break;
      case State::StoredData: on_stored_data(in); break;
      case State::DeflateData: on_deflate_data(in); break;
      case State::DataDescriptor: on_data_descriptor(in); break;
      case State::CentralHeader: on_central_header(in); break;
      case State::EndRecord: on_end_record(in); break;
      case State::Zip64EndRecord: on_zip64_end_record(in); break;
      case State::Zip64Locator:
        if (gather(in, kZip64LocatorFixed)) expect_signature();
        break;
      case State::Skip: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(skip_left_, in.size()));
        consume(in, n);
        skip_left_ -= n;
        if (skip_left_ == 0) expect_signature();
        break;
      }
      case State::RestIsEntry: {
        const std::string_view chunk = in.substr(0, window_.size());
        consume(in, chunk.size());
        out_.entry_data(depth_, chunk);
        break;
      }
      case State::SkipAll: consume(in, in.size()); break;
    }
  }
}

void ZipWalker::finish() {
  if (out_.stopped()) return;
  if (state_ == State::RestIsEntry || state_ == State::SkipAll) {
    // Both already raised their event; the walk ending here is expected.
    end_entry(false);
    return;
  }
  if (seen_end_record_ && state_ == State::Signature) {
    if (have_ > 0) out_.flag(ArchiveEvent::TrailingData);  // too short to be a signature
    return;
  }
  if (entry_open_) end_entry(true);
  else out_.flag(ArchiveEvent::Corrupt);  // cut inside a record, or no end record at all
}

bool ZipWalker::gather(std::string_view& in, size_t want) {
  const size_t n = std::min(want - have_, in.size());
  std::memcpy(record_.data() + have_, in.data(), n);
  have_ += n;
  consume(in, n);
  return have_ == want;
}

void ZipWalker::consume(std::string_view& in, size_t n) {
  in.remove_prefix(n);
  pos_ += n;
}

void ZipWalker::expect_signature() {
  state_ = State::Signature;
  have_ = 0;
  record_start_ = pos_;
}

void ZipWalker::skip_then_signature(uint64_t bytes) {
  if (bytes == 0) return expect_signature();
  skip_left_ = bytes;
  state_ = State::Skip;
}

void ZipWalker::on_signature() {
  const uint32_t sig = u32(0);
  if (seen_end_record_) {
    out_.flag(ArchiveEvent::TrailingData);
    if (sig != kLocalSig) {
      state_ = State::SkipAll;
      return;
    }
    // A second zip concatenated: walk it as new, its offsets relative to its own start.
    seen_end_record_ = false;
    directory_.reset();
    pos_ -= record_start_;
    record_start_ = 0;
  }
  switch (sig) {
    case kLocalSig: state_ = State::LocalHeader; break;
    case kCentralSig: state_ = State::CentralHeader; break;
    case kEndSig: state_ = State::EndRecord; break;
    case kZip64EndSig: state_ = State::Zip64EndRecord; break;
    case kZip64LocatorSig: state_ = State::Zip64Locator; break;
    default:
      out_.flag(ArchiveEvent::Corrupt);
      state_ = State::SkipAll;
  }
}

void ZipWalker::on_local_header(std::string_view& in) {
  if (have_ < kLocalFixed && !gather(in, kLocalFixed)) return;
  const size_t name_len = u16(26);
  const size_t extra_len = u16(28);
  if (!gather(in, kLocalFixed + name_len + extra_len)) return;
  const auto* base = reinterpret_cast<const char*>(record_.data());
  start_entry({base + kLocalFixed, name_len}, {base + kLocalFixed + name_len, extra_len});
}

void ZipWalker::start_entry(std::string_view name, std::string_view extra) {
  const uint16_t flags = u16(6);
  const uint16_t method = u16(8);
  uint64_t uncompressed = u32(22);
  uint64_t compressed = u32(18);
  uint64_t* const sizes[] = {&uncompressed, &compressed};
  zip64_sizes_ = apply_zip64_extra(extra, sizes);
  descriptor_follows_ = (flags & kFlagDescriptor) != 0;
  size_known_ = !descriptor_follows_;
  data_left_ = compressed;

  directory_.add_local(record_start_, name);
  if (!out_.begin_entry(depth_, name)) return;
  entry_open_ = true;

  const bool encrypted = (flags & kFlagEncrypted) != 0;
  const bool supported = method == kMethodStored || method == kMethodDeflate;
  if (encrypted || !supported) {
    out_.flag(encrypted ? ArchiveEvent::Encrypted : ArchiveEvent::UnsupportedMethod);
    end_entry(false);
    if (!size_known_) {
      state_ = State::SkipAll;  // nothing tells where these bytes end
      return;
    }
    directory_.close_local(pos_ + compressed);
    return skip_then_signature(compressed);
  }
  if (method == kMethodStored) {
    if (descriptor_follows_) {
      out_.flag(ArchiveEvent::StoredWithDescriptor);
      state_ = State::RestIsEntry;
    } else if (compressed == 0) {
      end_entry(false);
      expect_signature();
    } else {
      state_ = State::StoredData;
    }
    return;
  }
  inflater_.reset();
  if (size_known_ && compressed == 0) {  // even an empty deflate stream takes 2 bytes
    end_entry(true);
    return expect_signature();
  }
  state_ = State::DeflateData;
}

void ZipWalker::on_stored_data(std::string_view& in) {
  const auto n = static_cast<size_t>(std::min<uint64_t>({data_left_, in.size(), window_.size()}));
  const std::string_view chunk = in.substr(0, n);
  consume(in, n);
  data_left_ -= n;
  out_.entry_data(depth_, chunk);
  if (out_.stopped() || data_left_ != 0) return;
  directory_.close_local(pos_);
  end_entry(false);
  expect_signature();
}

void ZipWalker::on_deflate_data(std::string_view& in) {
  // A known compressed size fences the inflater so a bad stream cannot eat the next header.
  std::string_view offered =
      size_known_ ? in.substr(0, static_cast<size_t>(std::min<uint64_t>(data_left_, in.size()))) : in;
  const size_t offered_len = offered.size();
  InflateStatus status;
  size_t produced = 0;
  size_t total_produced = 0;
  do {  // one window per step; the router checks every limit on each window
    status = inflater_.step(offered, window_, produced);
    total_produced += produced;
    if (produced > 0) out_.entry_data(depth_, {window_.data(), produced});
    if (out_.stopped()) return;
  } while (status == InflateStatus::Progress && produced == window_.size());
  const size_t consumed = offered_len - offered.size();
  consume(in, consumed);
  if (size_known_) data_left_ -= consumed;
  if (status == InflateStatus::Progress && consumed == 0 && total_produced == 0)
    status = InflateStatus::Error;  // zlib refused input it was offered: never spin

  if (status == InflateStatus::Progress) {
    if (size_known_ && data_left_ == 0) {  // size used up, stream not ended
      directory_.close_local(pos_);
      end_entry(true);
      expect_signature();
    }
    return;
  }
  end_entry(status == InflateStatus::Error);
  if (size_known_) {  // skip slack after the stream, or the rest of a corrupt one
    directory_.close_local(pos_ + data_left_);
    return skip_then_signature(data_left_);
  }
  if (status == InflateStatus::Error) {
    state_ = State::SkipAll;
    return;
  }
  directory_.close_local(pos_);
  state_ = State::DataDescriptor;
  have_ = 0;
}

void ZipWalker::on_data_descriptor(std::string_view& in) {
  // The signature is optional (APPNOTE 4.3.9.3); sizes are 8 bytes for zip64 entries.
  if (have_ < 4 && !gather(in, 4)) return;
  const bool has_signature = u32(0) == kDescriptorSig;
  const size_t want = (has_signature ? 4 : 0) + 4 + (zip64_sizes_ ? 16 : 8);
  if (gather(in, want)) expect_signature();
}

void ZipWalker::on_central_header(std::string_view& in) {
  if (have_ < kCentralFixed && !gather(in, kCentralFixed)) return;
  const size_t name_len = u16(28);
  const size_t extra_len = u16(30);
  if (!gather(in, kCentralFixed + name_len + extra_len)) return;
  const auto* base = reinterpret_cast<const char*>(record_.data());
  uint64_t uncompressed = u32(24);
  uint64_t compressed = u32(20);
  uint64_t local_offset = u32(42);
  uint64_t* const fields[] = {&uncompressed, &compressed, &local_offset};
  apply_zip64_extra({base + kCentralFixed + name_len, extra_len}, fields);
  const uint32_t events = directory_.check_central(local_offset, {base + kCentralFixed, name_len});
  for (uint32_t bit = 1; bit != 0; bit <<= 1)
    if ((events & bit) != 0) out_.flag(static_cast<ArchiveEvent>(bit));
  skip_then_signature(u16(32));  // the file comment
}

void ZipWalker::on_end_record(std::string_view& in) {
  if (!gather(in, kEndFixed)) return;
  if (directory_.check_end_record() != 0) out_.flag(ArchiveEvent::NameMismatch);
  seen_end_record_ = true;
  skip_then_signature(u16(20));  // the archive comment
}

void ZipWalker::on_zip64_end_record(std::string_view& in) {
  if (!gather(in, kZip64EndFixed)) return;
  skip_then_signature(u64(4));  // "size of zip64 end of central directory record"
}

void ZipWalker::end_entry(bool corrupt) {
  if (corrupt) out_.flag(ArchiveEvent::Corrupt);
  if (!entry_open_) return;
  entry_open_ = false;
  out_.end_entry(depth_);
}

uint16_t ZipWalker::u16(size_t at) const {
  return static_cast<uint16_t>(read_le(record_.data() + at, 2));
}
uint32_t ZipWalker::u32(size_t at) const {
  return static_cast<uint32_t>(read_le(record_.data() + at, 4));
}
uint64_t ZipWalker::u64(size_t at) const { return read_le(record_.data() + at, 8); }

}  // namespace sluice::archive
