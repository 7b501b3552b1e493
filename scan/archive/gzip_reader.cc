#include "scan/archive/gzip_reader.h"

#include <cstring>

namespace sluice::archive {
namespace {
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper only
}  // namespace

GzipReader::GzipReader(uint32_t depth, EntryOutput& out, ReusableArena& arena,
                       std::span<char> window)
    : depth_(depth), out_(out), window_(window), inflater_(arena, kGzipWindowBits) {}

void GzipReader::begin() {
  members_done_ = 0;
  skip_rest_ = false;
  entry_open_ = false;
  start_member();
}

void GzipReader::start_member() {
  inflater_.reset();
  name_.fill(0);
  header_ = gz_header{};
  header_.name = reinterpret_cast<Bytef*>(name_.data());
  header_.name_max = static_cast<uInt>(name_.size() - 1);
  inflateGetHeader(&inflater_.stream(), &header_);
  member_started_ = false;
}

void GzipReader::feed(std::string_view in) {
  bool more_output = false;  // a full window: zlib may hold more output for no more input
  while ((!in.empty() || more_output) && !out_.stopped() && !skip_rest_) {
    const size_t before = in.size();
    size_t produced = 0;
    const InflateStatus status = inflater_.step(in, window_, produced);
    member_started_ = member_started_ || in.size() != before;
    // zlib sets done once the whole member header is parsed: the entry begins there, before
    // any of its data, so an empty member still is an entry.
    if (!entry_open_ && header_.done == 1) {
      const size_t name_len = header_.name != Z_NULL ? strnlen(name_.data(), name_.size()) : 0;
      if (!out_.begin_entry(depth_, {name_.data(), name_len})) return;
      entry_open_ = true;
    }
    if (produced > 0) out_.entry_data(depth_, {window_.data(), produced});
    if (out_.stopped()) return;
    more_output = status == InflateStatus::Progress && produced == window_.size();
    if (status == InflateStatus::StreamEnd) {
      end_member(false);
    } else if (status == InflateStatus::Error) {
      // After a complete member, bytes that are not a gzip header are trailing data
      // (tar padding, junk); anything else is a damaged member.
      const bool trailing = !entry_open_ && members_done_ > 0;
      out_.flag(trailing ? ArchiveEvent::TrailingData : ArchiveEvent::Corrupt);
      end_member(false);
      skip_rest_ = true;
    } else if (before > 0 && produced == 0 && in.size() == before) {
      // Guard only: zlib always consumes offered input or produces output.
      out_.flag(ArchiveEvent::Corrupt);
      end_member(false);
      skip_rest_ = true;
    }
  }
}

void GzipReader::end_member(bool corrupt) {
  if (corrupt) out_.flag(ArchiveEvent::Corrupt);
  if (entry_open_) {
    entry_open_ = false;
    out_.end_entry(depth_);
    ++members_done_;
  }
  start_member();
}

void GzipReader::finish() {
  if (out_.stopped() || skip_rest_) return;
  // A member cut short, or no member at all, is a truncated gzip.
  if (member_started_ || members_done_ == 0) end_member(true);
}

}  // namespace sluice::archive
