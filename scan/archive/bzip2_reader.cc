#include "scan/archive/bzip2_reader.h"

#include <algorithm>
#include <climits>

namespace sluice::archive {

Bzip2Reader::Bzip2Reader(uint32_t depth, EntryOutput& out, ReusableArena& arena,
                         std::span<char> window)
    : depth_(depth), out_(out), arena_(arena), window_(window) {}

Bzip2Reader::~Bzip2Reader() { stop_stream(); }

bool Bzip2Reader::start_stream() {
  stream_ = bz_stream{};
  stream_.bzalloc = &ReusableArena::bz2_alloc;
  stream_.bzfree = &ReusableArena::bz2_free;
  stream_.opaque = &arena_;
  stream_ready_ = BZ2_bzDecompressInit(&stream_, 0, 0) == BZ_OK;
  stream_started_ = false;
  return stream_ready_;
}

void Bzip2Reader::stop_stream() {
  if (stream_ready_) BZ2_bzDecompressEnd(&stream_);
  stream_ready_ = false;
}

void Bzip2Reader::begin() {
  stop_stream();
  streams_done_ = 0;
  entry_open_ = false;
  skip_rest_ = !start_stream();
  if (skip_rest_) out_.flag(ArchiveEvent::Corrupt);  // out of memory: cannot expand
}

Bzip2Reader::Step Bzip2Reader::step(std::string_view& in, size_t& produced) {
  const auto in_len = static_cast<unsigned>(std::min<size_t>(in.size(), UINT_MAX));
  stream_.next_in = const_cast<char*>(in.data());
  stream_.avail_in = in_len;
  stream_.next_out = window_.data();
  stream_.avail_out = static_cast<unsigned>(window_.size());
  const int rc = BZ2_bzDecompress(&stream_);
  in.remove_prefix(in_len - stream_.avail_in);
  produced = window_.size() - stream_.avail_out;
  if (in_len != stream_.avail_in) stream_started_ = true;
  if (rc == BZ_STREAM_END) return Step::StreamEnd;
  return rc == BZ_OK ? Step::Progress : Step::Error;
}

bool Bzip2Reader::open_entry() {
  // bzip2 carries no name; the entry begins with its first output (or its end, if empty),
  // so junk after the last stream never opens an entry.
  if (entry_open_) return true;
  if (!out_.begin_entry(depth_, "")) return false;
  entry_open_ = true;
  return true;
}

void Bzip2Reader::feed(std::string_view in) {
  bool more_output = false;  // a full window: libbz2 may hold more output for no more input
  while ((!in.empty() || more_output) && !out_.stopped() && !skip_rest_) {
    const size_t before = in.size();
    size_t produced = 0;
    const Step status = step(in, produced);
    if ((produced > 0 || status == Step::StreamEnd) && !open_entry()) return;
    if (produced > 0) out_.entry_data(depth_, {window_.data(), produced});
    if (out_.stopped()) return;
    more_output = status == Step::Progress && produced == window_.size();
    if (status == Step::StreamEnd) {
      end_stream(false);
    } else if (status == Step::Error || (before > 0 && produced == 0 && in.size() == before)) {
      // After a complete stream, bytes that are not a bzip2 stream are trailing data.
      const bool trailing = !entry_open_ && streams_done_ > 0;
      out_.flag(trailing ? ArchiveEvent::TrailingData : ArchiveEvent::Corrupt);
      if (entry_open_) {
        entry_open_ = false;
        out_.end_entry(depth_);
      }
      skip_rest_ = true;
    }
  }
}

void Bzip2Reader::end_stream(bool corrupt) {
  if (corrupt) out_.flag(ArchiveEvent::Corrupt);
  if (entry_open_) {
    entry_open_ = false;
    out_.end_entry(depth_);
  }
  ++streams_done_;
  stop_stream();
  skip_rest_ = !start_stream();
}

void Bzip2Reader::finish() {
  if (out_.stopped() || skip_rest_) return;
  if (stream_started_ || streams_done_ == 0) end_stream(true);
}

}  // namespace sluice::archive
