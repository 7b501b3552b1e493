#pragma once
// Internal: walks a TNEF stream (MS-OXTNEF; the winmail.dat of application/ms-tnef parts) as it
// streams in and reports each embedded attachment as an entry through EntryOutput. Owns TNEF
// framing (signature, attributes, checksums); the MAPI property blocks inside attAttachment and
// attMsgProps are read by MapiBlockReader (mapi_block_reader.h). Keeps only one attribute header
// and a few bounded names. May call: EntryOutput and MapiBlockReader. Policies are listed in
// archive_expander.h.
//
// Why names are reported the way they are: an attachment can carry up to three names
// (attAttachTitle, PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME), usually the long one AFTER
// the data (Outlook writes attAttachData, then attAttachment). The data is streamed, never
// held back until a later name arrives, so the data entry takes the best name known when it
// begins (long filename, else title, else short filename, else ""), and every other distinct
// name the attachment carries is reported as a zero-length entry of its own as soon as it is
// known (or when the attachment ends). The scanner sees every byte once; the attachment
// filter sees every name.
#include <array>
#include <cstdint>
#include <string_view>

#include "scan/archive/entry_output.h"
#include "scan/archive/mapi_block_reader.h"

namespace sluice::archive {

class TnefWalker final : private MapiBlockListener {
 public:
  TnefWalker(uint32_t depth, EntryOutput& out);

  void begin();
  void feed(std::string_view bytes);
  void finish();

 private:
  enum class State {
    Signature,        // 4 bytes, 0x223E9F78 little-endian
    LegacyKey,        // 2 bytes
    AttributeHeader,  // level (1), id (4), length (4)
    AttributeData,    // attribute_left_ bytes, handled by attribute_
    Checksum,         // 2 bytes: sum of the data bytes mod 65536
    SkipAll,          // not TNEF: ignore the rest
  };
  enum class Attribute : uint8_t { Other, Title, Data, Properties };

  struct NameSlot {
    std::array<char, kTnefNameCapacity> bytes{};
    size_t size = 0;
    bool reported = false;
    std::string_view view() const { return {bytes.data(), size}; }
    // Not the bytes: clearing 1 KiB per attribute would cost far more than the attribute.
    void clear() { size = 0; reported = false; }
  };

  bool gather(std::string_view& in, size_t want);
  void on_attribute_header();
  void on_attribute_data(std::string_view& in);
  void end_attribute_data();
  void on_checksum();
  void begin_data_entry();
  void report_name_entry(NameSlot& slot);
  void name_completed(NameSlot& slot);
  bool already_reported(std::string_view name) const;
  void close_attachment();
  NameSlot& slot(NameSource source) { return names_[static_cast<size_t>(source)]; }

  // MapiBlockListener
  void on_name(NameSource source, std::string_view name) override;
  void on_object_begin() override;
  void on_object_data(std::string_view bytes) override;
  void on_object_end() override;

  uint32_t depth_;
  EntryOutput& out_;
  MapiBlockReader properties_;
  State state_ = State::Signature;
  std::array<uint8_t, 9> header_{};  // the largest fixed field: an attribute header
  size_t have_ = 0;
  Attribute attribute_ = Attribute::Other;
  bool message_properties_ = false;  // the open Properties attribute is attMsgProps
  uint32_t attribute_left_ = 0;
  uint16_t checksum_ = 0;
  bool entry_open_ = false;
  // The attachment being read (from one attAttachRendData to the next): its names and whether
  // any entry has been reported for it yet.
  std::array<NameSlot, 3> names_{};
  bool attachment_reported_ = false;
  bool title_ended_ = false;  // the title's NUL was seen: what follows is not its name
};

}  // namespace sluice::archive
