#include "scan/archive/mapi_block_reader.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace sluice::archive {
namespace {


// MAPI property ids and types (MS-OXPROPS, MS-OXCDATA 2.11.1).
constexpr uint16_t kPrAttachDataBin = 0x3701;  // PR_ATTACH_DATA_BIN / PR_ATTACH_DATA_OBJ
constexpr uint16_t kPrAttachFilename = 0x3704;
constexpr uint16_t kPrAttachLongFilename = 0x3707;
constexpr uint16_t kNamedPropertyFirstId = 0x8000;
constexpr uint16_t kPtString8 = 0x001E;
constexpr uint16_t kPtUnicode = 0x001F;
constexpr uint16_t kPtBinary = 0x0102;
constexpr uint16_t kPtObject = 0x000D;
constexpr uint16_t kMultiValued = 0x1000;
constexpr uint32_t kObjectInterfaceIdBytes = 16;  // PT_OBJECT values start with an IID
constexpr uint32_t kNameKindId = 0;
constexpr uint32_t kNameKindString = 1;
// The fewest bytes a property can take (tag + the smallest value or value count), and a value
// of a variable-length property (its length field): used to refuse counts the block cannot hold.
constexpr uint32_t kMinPropertyBytes = 8;
constexpr uint32_t kMinVariableValueBytes = 4;


bool is_variable_length(uint16_t base_type) {
  return base_type == kPtString8 || base_type == kPtUnicode || base_type == kPtBinary ||
         base_type == kPtObject;
}

// Bytes one fixed-size value takes in TNEF (2-byte values are padded to 4); 0 for a type this
// reader does not know, whose size therefore cannot be skipped.
uint32_t fixed_value_bytes(uint16_t base_type) {
  switch (base_type) {
    case 0x0002:  // PtypInteger16
    case 0x0003:  // PtypInteger32
    case 0x0004:  // PtypFloating32
    case 0x000A:  // PtypErrorCode
    case 0x000B:  // PtypBoolean
      return 4;
    case 0x0005:  // PtypFloating64
    case 0x0006:  // PtypCurrency
    case 0x0007:  // PtypFloatingTime
    case 0x0014:  // PtypInteger64
    case 0x0040:  // PtypTime
      return 8;
    case 0x0048:  // PtypGuid
      return 16;
    default: return 0;
  }
}

uint32_t padding_to_4(uint32_t bytes) { return (4 - bytes % 4) % 4; }


// UTF-16LE (up to the first NUL) to UTF-8 in `out`, stopping before a character that would not
// fit; unpaired surrogates become U+FFFD. Returns the bytes written.
size_t utf16le_to_utf8(std::string_view in, std::span<char> out) {
  size_t at = 0;
  const auto unit = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(in[i]) | (static_cast<uint8_t>(in[i + 1]) << 8));
  };
  for (size_t i = 0; i + 1 < in.size(); i += 2) {
    uint32_t cp = unit(i);
    if (cp == 0) break;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < in.size() && unit(i + 2) >= 0xDC00 &&
        unit(i + 2) <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    char bytes[4];
    size_t n = 0;
    if (cp < 0x80) {
      bytes[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      bytes[n++] = static_cast<char>(0xC0 | (cp >> 6));
      bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      bytes[n++] = static_cast<char>(0xE0 | (cp >> 12));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      bytes[n++] = static_cast<char>(0xF0 | (cp >> 18));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    if (at + n > out.size()) break;
    std::memcpy(out.data() + at, bytes, n);
    at += n;
  }
  return at;
}

}  // namespace

uint32_t le32(const uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

std::string_view up_to_nul(std::string_view s) { return s.substr(0, s.find('\0')); }

// ---- MapiBlockReader ------------------------------------------------------------------------

MapiBlockReader::MapiBlockReader(EntryOutput& out, MapiBlockListener& listener)
    : out_(out), listener_(listener) {}

void MapiBlockReader::begin(uint32_t block_bytes) {
  left_ = block_bytes;
  have_ = 0;
  use_ = Use::None;
  state_ = State::Count;
}

void MapiBlockReader::feed(std::string_view in) {
  while (!in.empty() && !out_.stopped()) {
    switch (state_) {
      case State::Count:
        if (gather(in, 4)) on_count();
        break;
      case State::Tag:
        if (gather(in, 4)) on_tag();
        break;
      case State::NamedGuid:
        if (gather(in, 20)) on_named_guid();
        break;
      case State::NamedId:
        if (gather(in, 4)) start_value();
        break;
      case State::NamedLength:
        if (gather(in, 4)) {
          const uint32_t name_bytes = u32();
          skip(uint64_t{name_bytes} + padding_to_4(name_bytes), Then::StartValue);
        }
        break;
      case State::ValueCount:
        if (gather(in, 4)) on_value_count();
        break;
      case State::ValueLength:
        if (gather(in, 4)) on_value_length();
        break;
      case State::ValueBytes: on_value_bytes(in); break;
      case State::Skip: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(skip_left_, in.size()));
        take(in, n);
        skip_left_ -= n;
        if (skip_left_ == 0) after_skip();
        break;
      }
      case State::SkipRest: take(in, in.size()); break;
    }
  }
}

void MapiBlockReader::end() {
  if (out_.stopped()) return;
  if (use_ == Use::Object) listener_.on_object_end();  // only if a length check was missed
  use_ = Use::None;
  if (state_ != State::SkipRest) out_.flag(ArchiveEvent::Corrupt);  // properties cut short
  state_ = State::SkipRest;
}

bool MapiBlockReader::gather(std::string_view& in, size_t want) {
  const size_t n = std::min(want - have_, in.size());
  std::memcpy(field_.data() + have_, in.data(), n);
  have_ += n;
  take(in, n);
  if (have_ < want) return false;
  have_ = 0;
  return true;
}

void MapiBlockReader::take(std::string_view& in, size_t n) {
  in.remove_prefix(n);
  left_ -= n;
}

uint32_t MapiBlockReader::u32() const { return le32(field_.data()); }

void MapiBlockReader::corrupt() {
  out_.flag(ArchiveEvent::Corrupt);
  state_ = State::SkipRest;
}

void MapiBlockReader::on_count() {
  props_left_ = u32();
  if (props_left_ > left_ / kMinPropertyBytes) return corrupt();  // an absurd count
  state_ = props_left_ == 0 ? State::SkipRest : State::Tag;
}

void MapiBlockReader::on_tag() {
  const uint32_t tag = u32();
  type_ = static_cast<uint16_t>(tag & 0xffff);
  id_ = static_cast<uint16_t>(tag >> 16);
  if (id_ >= kNamedPropertyFirstId) {
    state_ = State::NamedGuid;  // a named property: its name comes before its value
    return;
  }
  start_value();
}

void MapiBlockReader::on_named_guid() {
  const uint32_t kind = le32(field_.data() + 16);
  if (kind == kNameKindId) state_ = State::NamedId;
  else if (kind == kNameKindString) state_ = State::NamedLength;
  else corrupt();
}

// After the tag (and a named property's name): variable-length and multi-valued properties
// start with a value count, a single fixed-size value is skipped whole.
void MapiBlockReader::start_value() {
  const uint16_t base = type_ & static_cast<uint16_t>(~kMultiValued);
  if (is_variable_length(base) || (type_ & kMultiValued)) {
    state_ = State::ValueCount;
    return;
  }
  const uint32_t bytes = fixed_value_bytes(base);
  if (bytes == 0) return corrupt();  // unknown type: its size, so the rest, cannot be found
  skip(bytes, Then::NextProperty);
}

void MapiBlockReader::on_value_count() {
  values_left_ = u32();
  const uint16_t base = type_ & static_cast<uint16_t>(~kMultiValued);
  if (is_variable_length(base)) {
    if (values_left_ > left_ / kMinVariableValueBytes) return corrupt();
    return next_value();
  }
  const uint32_t bytes = fixed_value_bytes(base);
  if (bytes == 0) return corrupt();
  skip(uint64_t{values_left_} * bytes, Then::NextProperty);
}

void MapiBlockReader::next_value() {
  if (values_left_ == 0) return next_property();
  --values_left_;
  state_ = State::ValueLength;
}

void MapiBlockReader::next_property() {
  state_ = --props_left_ == 0 ? State::SkipRest : State::Tag;
}

void MapiBlockReader::on_value_length() {
  value_left_ = u32();
  value_pad_ = padding_to_4(value_left_);
  if (uint64_t{value_left_} + value_pad_ > left_) return corrupt();  // overruns the block
  use_ = Use::None;
  if (id_ == kPrAttachLongFilename || id_ == kPrAttachFilename) {
    if (type_ == kPtString8 || type_ == kPtUnicode) {
      use_ = Use::Name;
      raw_name_size_ = 0;
    }
  } else if (id_ == kPrAttachDataBin && (type_ == kPtBinary || type_ == kPtObject)) {
    use_ = Use::Object;
    object_header_left_ = type_ == kPtObject ? kObjectInterfaceIdBytes : 0;
    listener_.on_object_begin();
  }
  state_ = State::ValueBytes;
  if (value_left_ == 0) end_value();
}

void MapiBlockReader::on_value_bytes(std::string_view& in) {
  std::string_view chunk = in.substr(0, value_left_);
  take(in, chunk.size());
  value_left_ -= static_cast<uint32_t>(chunk.size());
  if (use_ == Use::Name) {
    const size_t n = std::min(chunk.size(), raw_name_.size() - raw_name_size_);
    std::memcpy(raw_name_.data() + raw_name_size_, chunk.data(), n);
    raw_name_size_ += n;
  } else if (use_ == Use::Object) {
    const size_t header = std::min<size_t>(object_header_left_, chunk.size());
    object_header_left_ -= static_cast<uint32_t>(header);
    chunk.remove_prefix(header);
    if (!chunk.empty()) listener_.on_object_data(chunk);
  }
  if (value_left_ == 0) end_value();
}

void MapiBlockReader::end_value() {
  if (use_ == Use::Name) {
    const std::string_view raw(raw_name_.data(), raw_name_size_);
    const std::string_view name =
        type_ == kPtUnicode ? std::string_view(name_.data(), utf16le_to_utf8(raw, name_))
                            : up_to_nul(raw.substr(0, name_.size()));
    listener_.on_name(id_ == kPrAttachLongFilename ? NameSource::LongFilename
                                                   : NameSource::ShortFilename,
                      name);
  } else if (use_ == Use::Object) {
    listener_.on_object_end();
  }
  use_ = Use::None;
  skip(value_pad_, Then::NextValue);
}

void MapiBlockReader::skip(uint64_t bytes, Then then) {
  if (bytes > left_) return corrupt();
  after_skip_ = then;
  if (bytes == 0) return after_skip();
  skip_left_ = bytes;
  state_ = State::Skip;
}

void MapiBlockReader::after_skip() {
  switch (after_skip_) {
    case Then::StartValue: return start_value();
    case Then::NextValue: return next_value();
    case Then::NextProperty: return next_property();
  }
}

}  // namespace sluice::archive
