#pragma once
// Internal: streams one MAPI property block of a TNEF stream (MS-OXTNEF 2.1.3.5, the attAttachment
// and attMsgProps attributes) and tells a listener what is worth reporting: the attachment's names
// and its PR_ATTACH_DATA_BIN/OBJ value. Owns the property framing and its bounds (every count and
// length checked against the bytes left). May call: EntryOutput (to flag Corrupt) and its listener.
#include <array>
#include <cstdint>
#include <string_view>

#include "scan/archive/entry_output.h"

namespace sluice::archive {

// Little-endian 32-bit field; shared with the TNEF attribute framing.
uint32_t le32(const uint8_t* p);
// The string as a MUA would show it: up to its first NUL.
std::string_view up_to_nul(std::string_view s);

// TNEF attachment names longer than this are cut (the router cuts again to max_name_bytes).
inline constexpr size_t kTnefNameCapacity = 1024;

// What the MAPI property reader found worth reporting; the TnefWalker implements it.
class MapiBlockListener {
 public:
  enum class NameSource : uint8_t { Title, LongFilename, ShortFilename };
  virtual ~MapiBlockListener() = default;
  virtual void on_name(NameSource source, std::string_view name) = 0;
  virtual void on_object_begin() = 0;  // a PR_ATTACH_DATA_BIN/OBJ value starts
  virtual void on_object_data(std::string_view bytes) = 0;
  virtual void on_object_end() = 0;
};

// Streams one MAPI property block (MS-OXTNEF 2.1.3.5: a count, then tagged values, variable
// ones as count + (length, bytes, padding to 4)). Every count and length is checked against
// the bytes left in the block before it is believed: one that overruns flags Corrupt and the
// rest of the block is skipped, so no count or length can cause work the bytes do not pay for.
class MapiBlockReader {
 public:
  MapiBlockReader(EntryOutput& out, MapiBlockListener& listener);

  void begin(uint32_t block_bytes);
  void feed(std::string_view bytes);  // never more than the block_bytes announced
  void end();                         // the block's bytes are all fed: cut short -> Corrupt

 private:
  enum class State {
    Count,         // 4 bytes: number of properties
    Tag,           // 4 bytes: type (low 16) | id (high 16)
    NamedGuid,     // 16-byte GUID + 4-byte kind of a named property (id >= 0x8000)
    NamedId,       // kind 0: 4-byte numeric name
    NamedLength,   // kind 1: 4-byte length of a UTF-16 name
    ValueCount,    // 4 bytes: values of a multi-valued or variable-length property
    ValueLength,   // 4 bytes: one variable-length value's size
    ValueBytes,    // that many bytes (then padding to 4)
    Skip,          // skip_left_ bytes, then after_skip_
    SkipRest,      // the block is done or corrupt: ignore what is left
  };
  // Where a skip leads: a named property's name is followed by its value, a variable value's
  // padding by the next value, a whole fixed value by the next property.
  enum class Then : uint8_t { StartValue, NextValue, NextProperty };
  using NameSource = MapiBlockListener::NameSource;

  bool gather(std::string_view& in, size_t want);
  void take(std::string_view& in, size_t n);
  void on_count();
  void on_tag();
  void on_named_guid();
  void start_value();
  void on_value_count();
  void next_value();
  void on_value_length();
  void on_value_bytes(std::string_view& in);
  void end_value();
  void next_property();
  void skip(uint64_t bytes, Then then);
  void after_skip();
  void corrupt();
  uint32_t u32() const;

  EntryOutput& out_;
  MapiBlockListener& listener_;
  State state_ = State::SkipRest;
  Then after_skip_ = Then::NextProperty;
  std::array<uint8_t, 20> field_{};  // the fixed field being gathered (the largest: GUID + kind)
  size_t have_ = 0;
  uint64_t left_ = 0;        // bytes of the block not yet consumed
  uint64_t skip_left_ = 0;
  uint32_t props_left_ = 0;
  uint32_t values_left_ = 0;
  uint32_t value_left_ = 0;  // bytes of the current variable-length value not yet consumed
  uint32_t value_pad_ = 0;
  uint16_t type_ = 0;
  uint16_t id_ = 0;
  // What the current value is for: a name (gathered, bounded), the attachment's data
  // (streamed), or nothing (skipped).
  enum class Use : uint8_t { None, Name, Object } use_ = Use::None;
  uint32_t object_header_left_ = 0;  // PT_OBJECT: the 16-byte interface id before the data
  std::array<char, 2 * kTnefNameCapacity> raw_name_{};  // UTF-16LE needs two bytes a character
  size_t raw_name_size_ = 0;
  std::array<char, kTnefNameCapacity> name_{};
};

}  // namespace sluice::archive
