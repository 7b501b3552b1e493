#include "tests/unit/archive/archive_test_support.h"

#include <bzlib.h>
#include <zlib.h>

#include <algorithm>
#include <stdexcept>

namespace sluice::archive::test {

void put16(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

void put64(std::string& out, uint64_t v) {
  put32(out, static_cast<uint32_t>(v));
  put32(out, static_cast<uint32_t>(v >> 32));
}
// Zip64 extended information extra field holding both sizes.
void put_zip64_sizes(std::string& out, uint64_t uncompressed, uint64_t compressed) {
  put16(out, 0x0001);
  put16(out, 16);
  put64(out, uncompressed);
  put64(out, compressed);
}
constexpr uint32_t kEscape = 0xffffffffu;

std::string deflate_with(std::string_view data, int window_bits, const char* fname) {
  z_stream s{};
  if (deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  gz_header header{};
  if (fname != nullptr) {
    header.name = reinterpret_cast<Bytef*>(const_cast<char*>(fname));
    deflateSetHeader(&s, &header);
  }
  std::string out(deflateBound(&s, data.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

}  // namespace

void PrintTo(const Entry& entry, std::ostream* os) {
  *os << "{depth " << entry.depth << ", \"" << entry.name << "\", " << entry.data.size()
      << " bytes: \"" << entry.data.substr(0, 40) << "\"}";
}

void RecordingSink::on_entry_begin(uint32_t depth, std::string_view name) {
  if (open_.size() < depth) open_.resize(depth, kNone);
  if (open_[depth - 1] != kNone) order_errors.push_back("begin while open at " + std::to_string(depth));
  if (depth > 1 && open_[depth - 2] == kNone)
    order_errors.push_back("begin without parent at " + std::to_string(depth));
  open_[depth - 1] = entries.size();
  entries.push_back({depth, std::string(name), {}});
}

void RecordingSink::on_entry_data(uint32_t depth, std::string_view bytes) {
  if (open_.size() < depth || open_[depth - 1] == kNone) {
    order_errors.push_back("data without entry at " + std::to_string(depth));
    return;
  }
  if (bytes.empty()) order_errors.push_back("empty data");
  entries[open_[depth - 1]].data.append(bytes);
}

void RecordingSink::on_entry_end(uint32_t depth) {
  if (open_.size() < depth || open_[depth - 1] == kNone) {
    order_errors.push_back("end without entry at " + std::to_string(depth));
    return;
  }
  if (open_.size() > depth && open_[depth] != kNone)
    order_errors.push_back("end before nested end at " + std::to_string(depth));
  open_[depth - 1] = kNone;
}

bool RecordingSink::all_closed() const {
  return std::all_of(open_.begin(), open_.end(), [](size_t i) { return i == kNone; });
}

Expansion expand(ArchiveFormat format, std::string_view input, size_t chunk,
                 const ArchiveLimits& limits) {
  RecordingSink sink;
  ArchiveExpander expander(limits, sink);
  expander.begin(format);
  if (chunk == 0) chunk = std::max<size_t>(input.size(), 1);
  for (size_t at = 0; at < input.size(); at += chunk) expander.feed(input.substr(at, chunk));
  expander.finish();
  return {sink.entries, expander.events(), expander.expanded_bytes(), expander.entries(),
          sink.order_errors, sink.all_closed()};
}

uint32_t bits(std::initializer_list<ArchiveEvent> events) {
  uint32_t all = 0;
  for (ArchiveEvent event : events) all |= static_cast<uint32_t>(event);
  return all;
}

std::string raw_deflate(std::string_view data) { return deflate_with(data, -15, nullptr); }

std::string gzip_member(std::string_view data, const char* fname) {
  return deflate_with(data, 31, fname);
}

std::string bzip2_stream(std::string_view data) {
  std::string out(data.size() + data.size() / 100 + 600, '\0');
  auto out_len = static_cast<unsigned>(out.size());
  if (BZ2_bzBuffToBuffCompress(out.data(), &out_len, const_cast<char*>(data.data()),
                               static_cast<unsigned>(data.size()), 9, 0, 0) != BZ_OK)
    throw std::runtime_error("BZ2_bzBuffToBuffCompress");
  out.resize(out_len);
  return out;
}

size_t ZipWriter::add(std::string_view name, std::string_view data, Method method,
                      uint16_t flags) {
  const std::string body = method == Method::Deflate ? raw_deflate(data) : std::string(data);
  Local local{bytes_.size(),
              std::string(name),
              static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()),
                                          static_cast<uInt>(data.size()))),
              static_cast<uint32_t>(body.size()),
              static_cast<uint32_t>(data.size()),
              static_cast<uint16_t>(method),
              flags};
  const bool descriptor = (flags & kDescriptor) != 0;
  put32(bytes_, 0x04034b50);
  put16(bytes_, 20);
  put16(bytes_, flags);
  put16(bytes_, local.method);
  put32(bytes_, 0);  // DOS time and date
  put32(bytes_, descriptor ? 0 : local.crc);
  put32(bytes_, zip64_ ? kEscape : descriptor ? 0 : local.compressed);
  put32(bytes_, zip64_ ? kEscape : descriptor ? 0 : local.uncompressed);
  put16(bytes_, static_cast<uint32_t>(name.size()));
  put16(bytes_, zip64_ ? 20 : 0);
  bytes_.append(name);
  if (zip64_) put_zip64_sizes(bytes_, descriptor ? 0 : local.uncompressed, descriptor ? 0 : local.compressed);
  bytes_.append(body);
  if (descriptor) {
    put32(bytes_, 0x08074b50);
    put32(bytes_, local.crc);
    if (zip64_) {
      put64(bytes_, local.compressed);
      put64(bytes_, local.uncompressed);
    } else {
      put32(bytes_, local.compressed);
      put32(bytes_, local.uncompressed);
    }
  }
  locals_.push_back(local);
  return locals_.size() - 1;
}

void ZipWriter::central(size_t local_index, std::string_view name) {
  centrals_.push_back({local_index, locals_[local_index].offset, std::string(name)});
}

void ZipWriter::central_at(size_t local_index, uint64_t offset, std::string_view name) {
  centrals_.push_back({local_index, offset, std::string(name)});
}

std::string ZipWriter::finish() {
  if (centrals_.empty())
    for (size_t i = 0; i < locals_.size(); ++i) central(i, locals_[i].name);
  std::string out = bytes_;
  const size_t directory_start = out.size();
  for (const Central& c : centrals_) {
    const Local& l = locals_[c.local_index];
    put32(out, 0x02014b50);
    put16(out, 20);  // made by
    put16(out, 20);  // needed
    put16(out, l.flags);
    put16(out, l.method);
    put32(out, 0);
    put32(out, l.crc);
    put32(out, zip64_ ? kEscape : l.compressed);
    put32(out, zip64_ ? kEscape : l.uncompressed);
    put16(out, static_cast<uint32_t>(c.name.size()));
    put16(out, zip64_ ? 20 : 0);  // extra
    put16(out, 0);  // comment
    put16(out, 0);  // disk
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, static_cast<uint32_t>(c.offset));
    out.append(c.name);
    if (zip64_) put_zip64_sizes(out, l.uncompressed, l.compressed);
  }
  const size_t directory_size = out.size() - directory_start;
  if (zip64_) {
    const size_t zip64_end_at = out.size();
    put32(out, 0x06064b50);
    put64(out, 44);  // size of the rest of this record
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, centrals_.size());
    put64(out, centrals_.size());
    put64(out, directory_size);
    put64(out, directory_start);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, zip64_end_at);
    put32(out, 1);
  }
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint32_t>(centrals_.size()));
  put16(out, static_cast<uint32_t>(centrals_.size()));
  put32(out, static_cast<uint32_t>(directory_size));
  put32(out, static_cast<uint32_t>(directory_start));
  put16(out, 0);  // comment
  return out;
}

std::string zip_of(std::string_view name, std::string_view inner) {
  ZipWriter writer;
  writer.add(name, inner, Method::Deflate);
  return writer.finish();
}

}  // namespace sluice::archive::test
