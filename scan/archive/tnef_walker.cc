#include "scan/archive/tnef_walker.h"

#include <algorithm>
#include <cstring>

namespace sluice::archive {
namespace {

// MS-OXTNEF 2.1.3: the stream's signature, attribute levels and the attribute tags (the low
// 16 bits of the attribute id; the high 16 bits are its type, which is not trusted).
constexpr uint32_t kTnefSignature = 0x223E9F78;
constexpr size_t kSignatureBytes = 4;
constexpr size_t kLegacyKeyBytes = 2;
constexpr size_t kAttributeHeaderBytes = 9;  // level, id, length
constexpr size_t kChecksumBytes = 2;
constexpr uint8_t kLevelMessage = 1;
constexpr uint8_t kLevelAttachment = 2;
constexpr uint16_t kAttAttachData = 0x800F;
constexpr uint16_t kAttAttachTitle = 0x8010;
constexpr uint16_t kAttAttachRendData = 0x9002;  // starts a new attachment
constexpr uint16_t kAttMsgProps = 0x9003;
constexpr uint16_t kAttAttachment = 0x9005;

}  // namespace

// ---- TnefWalker -----------------------------------------------------------------------------

TnefWalker::TnefWalker(uint32_t depth, EntryOutput& out)
    : depth_(depth), out_(out), properties_(out, *this) {}

void TnefWalker::begin() {
  state_ = State::Signature;
  have_ = 0;
  attribute_ = Attribute::Other;
  message_properties_ = false;
  entry_open_ = false;
  for (NameSlot& s : names_) s.clear();
  attachment_reported_ = false;
  title_ended_ = false;
}

void TnefWalker::feed(std::string_view in) {
  while (!in.empty() && !out_.stopped()) {
    switch (state_) {
      case State::Signature:
        if (!gather(in, kSignatureBytes)) break;
        if (le32(header_.data()) != kTnefSignature) {
          out_.flag(ArchiveEvent::Corrupt);
          state_ = State::SkipAll;
        } else {
          state_ = State::LegacyKey;
        }
        break;
      case State::LegacyKey:
        if (gather(in, kLegacyKeyBytes)) state_ = State::AttributeHeader;
        break;
      case State::AttributeHeader:
        if (gather(in, kAttributeHeaderBytes)) on_attribute_header();
        break;
      case State::AttributeData: on_attribute_data(in); break;
      case State::Checksum:
        if (gather(in, kChecksumBytes)) on_checksum();
        break;
      case State::SkipAll: in.remove_prefix(in.size()); break;
    }
  }
}

void TnefWalker::finish() {
  if (out_.stopped()) return;
  const bool clean = state_ == State::AttributeHeader && have_ == 0;
  if (!clean && state_ != State::SkipAll) out_.flag(ArchiveEvent::Corrupt);  // cut short
  if (entry_open_) {
    entry_open_ = false;
    out_.end_entry(depth_);
  }
  if (out_.stopped()) return;
  close_attachment();  // even a cut attachment's names reach the sink
  state_ = State::SkipAll;
}

bool TnefWalker::gather(std::string_view& in, size_t want) {
  const size_t n = std::min(want - have_, in.size());
  std::memcpy(header_.data() + have_, in.data(), n);
  have_ += n;
  in.remove_prefix(n);
  if (have_ < want) return false;
  have_ = 0;
  return true;
}

void TnefWalker::on_attribute_header() {
  const uint8_t level = header_[0];
  const uint16_t tag = static_cast<uint16_t>(le32(header_.data() + 1) & 0xffff);
  attribute_left_ = le32(header_.data() + 5);
  // An unknown level still frames the attribute the same way: keep walking, say so.
  if (level != kLevelMessage && level != kLevelAttachment) out_.flag(ArchiveEvent::Corrupt);
  checksum_ = 0;
  attribute_ = Attribute::Other;
  switch (tag) {
    case kAttAttachRendData: close_attachment(); break;
    case kAttAttachTitle:
      attribute_ = Attribute::Title;
      slot(NameSource::Title).clear();
      title_ended_ = false;
      break;
    case kAttAttachData:
      attribute_ = Attribute::Data;
      begin_data_entry();
      break;
    case kAttMsgProps:
      // Message-level properties are their own attachment context: a PR_ATTACH_DATA_OBJ or
      // name in them is not mixed up with the attachments around them.
      close_attachment();
      attribute_ = Attribute::Properties;
      message_properties_ = true;
      properties_.begin(attribute_left_);
      break;
    case kAttAttachment:
      attribute_ = Attribute::Properties;
      message_properties_ = false;
      properties_.begin(attribute_left_);
      break;
    default: break;
  }
  state_ = State::AttributeData;
  if (attribute_left_ == 0 && !out_.stopped()) end_attribute_data();
}

void TnefWalker::on_attribute_data(std::string_view& in) {
  const size_t n = std::min({static_cast<size_t>(attribute_left_), in.size(), kExpansionWindowBytes});
  const std::string_view chunk = in.substr(0, n);
  in.remove_prefix(n);
  attribute_left_ -= static_cast<uint32_t>(n);
  for (char c : chunk) checksum_ = static_cast<uint16_t>(checksum_ + static_cast<uint8_t>(c));
  switch (attribute_) {
    case Attribute::Title: {
      NameSlot& title = slot(NameSource::Title);
      const std::string_view text = up_to_nul(chunk);
      if (!title_ended_) {
        const size_t take = std::min(text.size(), title.bytes.size() - title.size);
        std::memcpy(title.bytes.data() + title.size, text.data(), take);
        title.size += take;
      }
      title_ended_ = title_ended_ || text.size() < chunk.size();
      break;
    }
    case Attribute::Data:
      if (entry_open_) out_.entry_data(depth_, chunk);
      break;
    case Attribute::Properties: properties_.feed(chunk); break;
    case Attribute::Other: break;
  }
  if (attribute_left_ == 0 && !out_.stopped()) end_attribute_data();
}

void TnefWalker::end_attribute_data() {
  switch (attribute_) {
    case Attribute::Title: name_completed(slot(NameSource::Title)); break;
    case Attribute::Data:
      if (entry_open_) {
        entry_open_ = false;
        out_.end_entry(depth_);
      }
      break;
    case Attribute::Properties:
      properties_.end();
      if (message_properties_ && !out_.stopped()) close_attachment();
      message_properties_ = false;
      break;
    case Attribute::Other: break;
  }
  attribute_ = Attribute::Other;
  state_ = State::Checksum;
}

void TnefWalker::on_checksum() {
  const uint16_t stored = static_cast<uint16_t>(header_[0] | (header_[1] << 8));
  // A wrong checksum changes nothing about where the next attribute starts: flag, go on.
  if (stored != checksum_) out_.flag(ArchiveEvent::Corrupt);
  state_ = State::AttributeHeader;
}

void TnefWalker::begin_data_entry() {
  if (entry_open_) on_object_end();  // never two open entries at one depth
  NameSlot* best = nullptr;
  for (NameSource source : {NameSource::LongFilename, NameSource::Title, NameSource::ShortFilename}) {
    if (slot(source).size > 0) {
      best = &slot(source);
      break;
    }
  }
  if (!out_.begin_entry(depth_, best ? best->view() : std::string_view{})) return;
  entry_open_ = true;
  attachment_reported_ = true;
  if (best) best->reported = true;
}

void TnefWalker::report_name_entry(NameSlot& name) {
  if (!out_.begin_entry(depth_, name.view())) return;
  out_.end_entry(depth_);
  name.reported = true;
  attachment_reported_ = true;
}

// A name that completes after the attachment's data was already reported cannot rename that
// entry: it is reported at once as a zero-length entry (unless it is a name already reported).
// Before any data, it is kept to name the data entry (or for close_attachment()).
void TnefWalker::name_completed(NameSlot& name) {
  if (name.size == 0 || !attachment_reported_ || entry_open_ || out_.stopped()) return;
  if (already_reported(name.view())) {
    name.reported = true;
    return;
  }
  report_name_entry(name);
}

bool TnefWalker::already_reported(std::string_view name) const {
  return std::any_of(names_.begin(), names_.end(),
                     [&](const NameSlot& s) { return s.reported && s.view() == name; });
}

// The attachment ends (a new one starts, message properties start, or the stream ends): every
// distinct name it carried that no entry was reported under yet becomes a zero-length entry,
// so a name reaches the attachment filter even for an attachment without data.
void TnefWalker::close_attachment() {
  for (NameSource source : {NameSource::LongFilename, NameSource::Title, NameSource::ShortFilename}) {
    if (out_.stopped()) break;
    NameSlot& name = slot(source);
    if (name.size == 0 || name.reported) continue;
    if (already_reported(name.view())) {
      name.reported = true;
      continue;
    }
    report_name_entry(name);
  }
  for (NameSlot& s : names_) s.clear();
  attachment_reported_ = false;
  title_ended_ = false;
}

void TnefWalker::on_name(NameSource source, std::string_view name) {
  NameSlot& s = slot(source);
  s.clear();
  s.size = std::min(name.size(), s.bytes.size());
  std::memcpy(s.bytes.data(), name.data(), s.size);
  name_completed(s);
}

void TnefWalker::on_object_begin() { begin_data_entry(); }

void TnefWalker::on_object_data(std::string_view bytes) {
  if (entry_open_) out_.entry_data(depth_, bytes);
}

void TnefWalker::on_object_end() {
  if (!entry_open_) return;
  entry_open_ = false;
  out_.end_entry(depth_);
}

}  // namespace sluice::archive

