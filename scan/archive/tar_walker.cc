#include "scan/archive/tar_walker.h"

#include <algorithm>
#include <cstring>

namespace sluice::archive {
namespace {

constexpr size_t kBlock = 512;

// An octal field as tar writes it: optional leading spaces, digits, then NUL or space. Sizes
// of 8 GiB and more are base-256 (GNU, star): the first byte's high bit set, big-endian after.
bool parse_number(std::string_view field, uint64_t* value) {
  *value = 0;
  if (!field.empty() && (static_cast<uint8_t>(field[0]) & 0x80) != 0) {
    if ((static_cast<uint8_t>(field[0]) & 0x40) != 0) return false;  // negative
    for (size_t i = 1; i < field.size(); ++i) {
      if (*value >> 56 != 0) return false;
      *value = (*value << 8) | static_cast<uint8_t>(field[i]);
    }
    return true;
  }
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool digits = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (*value >> 60 != 0) return false;
    *value = (*value << 3) | static_cast<uint64_t>(field[i] - '0');
    digits = true;
  }
  return digits && (i == field.size() || field[i] == '\0' || field[i] == ' ');
}

// The checksum is the byte sum with the checksum field read as spaces; historic writers summed
// signed chars, so either sum is accepted (as GNU tar and libarchive do).
bool checksum_matches(const std::array<char, kBlock>& h) {
  uint64_t stored = 0;
  if (!parse_number({h.data() + 148, 8}, &stored)) return false;
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const char c = (i >= 148 && i < 156) ? ' ' : h[i];
    unsigned_sum += static_cast<uint8_t>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return static_cast<int64_t>(stored) == unsigned_sum || static_cast<int64_t>(stored) == signed_sum;
}

std::string_view c_string(const char* field, size_t capacity) {
  return {field, strnlen(field, capacity)};
}

}  // namespace

TarWalker::TarWalker(uint32_t depth, EntryOutput& out) : depth_(depth), out_(out) {
  long_name_.reserve(kTarNameCapacity);
  name_.reserve(kTarNameCapacity);
  pax_.reserve(kTarPaxCapacity);
}

void TarWalker::begin() {
  state_ = State::Header;
  header_len_ = 0;
  data_left_ = 0;
  padding_left_ = 0;
  entry_open_ = false;
  has_long_name_ = false;
  has_pax_size_ = false;
  after_end_ = false;
}

void TarWalker::feed(std::string_view bytes) {
  while (!bytes.empty() && !out_.stopped()) {
    switch (state_) {
      case State::Header: {
        const size_t take = std::min(kBlock - header_len_, bytes.size());
        std::memcpy(header_.data() + header_len_, bytes.data(), take);
        header_len_ += take;
        bytes.remove_prefix(take);
        if (header_len_ == kBlock) on_header();
        break;
      }
      case State::Member:
      case State::LongName:
      case State::Pax:
      case State::Skip: {
        // Member bytes go on in windows of at most kExpansionWindowBytes, like every reader's.
        const size_t take = static_cast<size_t>(
            std::min<uint64_t>({data_left_, bytes.size(), uint64_t{kExpansionWindowBytes}}));
        const std::string_view chunk = bytes.substr(0, take);
        if (state_ == State::Member) {
          out_.entry_data(depth_, chunk);
        } else if (state_ == State::LongName) {
          long_name_.append(chunk.substr(0, kTarNameCapacity - std::min(kTarNameCapacity, long_name_.size())));
        } else if (state_ == State::Pax && !pax_too_large_) {
          if (pax_.size() + take > kTarPaxCapacity) {
            pax_too_large_ = true;
            pax_.clear();
          } else {
            pax_.append(chunk);
          }
        }
        bytes.remove_prefix(take);
        data_left_ -= take;
        if (data_left_ == 0 && !out_.stopped()) end_data();
        break;
      }
      case State::End:
        // Zero blocks end a tar, but extractors differ on what follows one: a valid header after it
        // is walked (its members scanned, TrailingData flagged); anything else ends the walk quietly.
        state_ = State::Header;
        header_len_ = 0;
        break;
      case State::SkipAll:
        return;
    }
  }
}

void TarWalker::on_header() {
  header_len_ = 0;
  if (std::all_of(header_.begin(), header_.end(), [](char c) { return c == '\0'; })) {
    after_end_ = true;
    state_ = State::End;
    return;
  }
  uint64_t size = 0;
  if (!checksum_matches(header_) || !parse_number({header_.data() + 124, 12}, &size)) {
    if (!after_end_) out_.flag(ArchiveEvent::Corrupt);  // after the end marker: padding, not a tar
    state_ = State::SkipAll;
    return;
  }
  if (after_end_) out_.flag(ArchiveEvent::TrailingData);
  after_end_ = false;
  const char type = header_[156];
  if (type == 'L') {  // GNU: this entry's data is the next header's name
    long_name_.clear();
    return start_data(State::LongName, size);
  }
  if (type == 'x') {  // pax: records for the next header
    pax_.clear();
    pax_too_large_ = false;
    return start_data(State::Pax, size);
  }
  if (type == 'g' || type == 'K') return start_data(State::Skip, size);  // pax globals, GNU long link names
  if (has_pax_size_) size = pax_size_;
  name_.clear();
  if (has_long_name_) {
    name_ = long_name_;
  } else {
    // POSIX ustar splits long names into prefix (345, 155 bytes) and name; GNU tar ("ustar  ")
    // keeps other fields there, so the prefix is read only with the POSIX magic.
    const std::string_view prefix = c_string(header_.data() + 345, 155);
    if (std::string_view(header_.data() + 257, 6) == std::string_view("ustar\0", 6) && !prefix.empty()) {
      name_ = prefix;
      name_ += '/';
    }
    name_ += c_string(header_.data(), 100);
  }
  has_long_name_ = false;
  has_pax_size_ = false;
  // Regular files ('0', v7 '\0', contiguous '7'); GNU sparse ('S') data is the file's non-hole
  // bytes, scanned as they are. Links, directories, devices and FIFOs carry no content.
  if (type == '0' || type == '\0' || type == '7' || type == 'S') {
    if (!out_.begin_entry(depth_, name_)) return;
    entry_open_ = true;
    return start_data(State::Member, size);
  }
  start_data(State::Skip, size);
}

void TarWalker::start_data(State state, uint64_t size) {
  state_ = state;
  data_left_ = size;
  padding_left_ = (kBlock - size % kBlock) % kBlock;
  if (size == 0) end_data();
}

void TarWalker::end_data() {
  switch (state_) {
    case State::Member:
      entry_open_ = false;
      out_.end_entry(depth_);
      break;
    case State::LongName: {
      long_name_.resize(strnlen(long_name_.data(), long_name_.size()));  // GNU writes a trailing NUL
      has_long_name_ = true;
      break;
    }
    case State::Pax:
      if (!pax_too_large_) apply_pax_records();
      if (state_ == State::SkipAll) return;  // a size record that cannot be read: framing lost
      break;
    default:
      break;
  }
  if (padding_left_ > 0) {
    state_ = State::Skip;
    data_left_ = padding_left_;
    padding_left_ = 0;
  } else {
    state_ = State::Header;
    header_len_ = 0;
  }
}

// pax records: "<length> <key>=<value>\n", the length counting the whole record. A malformed
// record ends the parse; records already read still apply.
void TarWalker::apply_pax_records() {
  std::string_view rest = pax_;
  while (!rest.empty()) {
    size_t length = 0, i = 0;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && length < kTarPaxCapacity)
      length = length * 10 + static_cast<size_t>(rest[i++] - '0');
    if (i == 0 || i >= rest.size() || rest[i] != ' ' || length <= i + 1 || length > rest.size() ||
        rest[length - 1] != '\n')
      return;
    const std::string_view record = rest.substr(i + 1, length - i - 2);
    rest.remove_prefix(length);
    const size_t eq = record.find('=');
    if (eq == std::string_view::npos) return;
    const std::string_view key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") {
      long_name_.assign(value.substr(0, kTarNameCapacity));
      has_long_name_ = true;
    } else if (key == "size") {
      uint64_t size = 0;
      bool ok = !value.empty();
      for (char c : value) {
        ok = ok && c >= '0' && c <= '9' && size <= (UINT64_MAX - 9) / 10;
        if (ok) size = size * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!ok) {
        out_.flag(ArchiveEvent::Corrupt);
        state_ = State::SkipAll;  // framing unknown from here
        return;
      }
      pax_size_ = size;
      has_pax_size_ = true;
    }
  }
}

void TarWalker::finish() {
  const bool cut_short = (state_ == State::Header && header_len_ > 0) ||
                         (state_ != State::Header && state_ != State::End && state_ != State::SkipAll &&
                          data_left_ > 0);
  if (cut_short && !out_.stopped()) out_.flag(ArchiveEvent::Corrupt);
  if (entry_open_ && !out_.stopped()) out_.end_entry(depth_);
  entry_open_ = false;
  state_ = State::SkipAll;
}

}  // namespace sluice::archive
