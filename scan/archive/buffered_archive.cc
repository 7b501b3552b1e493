#include "scan/archive/buffered_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace sluice::archive {
namespace {

struct ReaderFree {
  void operator()(struct ::archive* reader) const { archive_read_free(reader); }
};
using Reader = std::unique_ptr<struct ::archive, ReaderFree>;

// libarchive converts names to the process locale, which in a daemon is usually "C": a 7z or RAR5
// name outside ASCII would then come back NULL. The UTF-8 form is asked for first for that reason.
std::string_view member_name(struct archive_entry* entry) {
  const char* name = archive_entry_pathname_utf8(entry);
  if (name == nullptr) name = archive_entry_pathname(entry);
  return name == nullptr ? std::string_view() : std::string_view(name);
}

}  // namespace

BufferedArchive::BufferedArchive(uint32_t depth, uint64_t max_buffered_bytes, EntryOutput& out,
                                 std::span<char> window)
    : depth_(depth), max_buffered_bytes_(max_buffered_bytes), out_(out), window_(window) {}

void BufferedArchive::begin(ArchiveFormat format) {
  format_ = format;
  buffer_.clear();  // capacity kept: no allocation per archive once the largest one was seen
  state_ = State::Collecting;
  iso_confirmed_ = false;
}

void BufferedArchive::feed(std::string_view bytes) {
  if (state_ != State::Collecting) return;
  if (buffer_.size() + bytes.size() > max_buffered_bytes_) {
    // An unconfirmed ISO candidate is not known to be an archive at all: no event for it.
    if (format_ != ArchiveFormat::Iso9660 || iso_confirmed_) out_.flag(ArchiveEvent::BufferLimit);
    state_ = State::Ignoring;
    buffer_.clear();
    return;
  }
  buffer_.append(bytes);
  if (format_ == ArchiveFormat::Iso9660 && !iso_confirmed_ && buffer_.size() >= kIso9660SniffBytes)
    decide_iso_candidate();
}

// Decided as soon as the last place a volume descriptor may start has arrived, so that a large file
// which merely starts with zeros is dropped after 36 KiB instead of being collected to the cap.
void BufferedArchive::decide_iso_candidate() {
  if (has_iso9660_volume_descriptor(buffer_)) {
    iso_confirmed_ = true;
    out_.flag(ArchiveEvent::DiskImage);
    return;
  }
  state_ = State::Ignoring;
  buffer_.clear();
}

void BufferedArchive::finish() {
  if (state_ == State::Collecting && format_ == ArchiveFormat::Iso9660 && !iso_confirmed_) decide_iso_candidate();
  if (state_ == State::Collecting && !out_.stopped()) read_members();
  buffer_.clear();
  state_ = State::Ignoring;
  format_ = ArchiveFormat::None;
}

bool BufferedArchive::enable_format(struct ::archive* reader) const {
  // Only the format the magic named: a 7z is never tried as anything else, and no filter is
  // enabled (7z and RAR carry their own codecs; ISO 9660 stores files as they are).
  switch (format_) {
    case ArchiveFormat::SevenZip: return archive_read_support_format_7zip(reader) == ARCHIVE_OK;
    case ArchiveFormat::Rar:
      return archive_read_support_format_rar(reader) == ARCHIVE_OK &&
             archive_read_support_format_rar5(reader) == ARCHIVE_OK;
    case ArchiveFormat::Iso9660: return archive_read_support_format_iso9660(reader) == ARCHIVE_OK;
    default: return false;
  }
}

void BufferedArchive::read_members() {
  Reader reader(archive_read_new());
  if (!reader || !enable_format(reader.get()) ||
      archive_read_support_filter_none(reader.get()) != ARCHIVE_OK ||
      archive_read_open_memory(reader.get(), buffer_.data(), buffer_.size()) != ARCHIVE_OK) {
    out_.flag(ArchiveEvent::Corrupt);
    return;
  }
  for (;;) {
    struct archive_entry* entry = nullptr;
    const int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) return;
    // ARCHIVE_WARN still yields a usable entry (e.g. a name that did not convert); worse ends the walk.
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      // Encrypted headers (7z -mhe, RAR5 -hp) fail here: say encrypted, not corrupt, when libarchive knows.
      out_.flag(archive_read_has_encrypted_entries(reader.get()) > 0 ? ArchiveEvent::Encrypted
                                                                      : ArchiveEvent::Corrupt);
      return;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;  // directories, links, devices: no bytes
    if (!out_.begin_entry(depth_, member_name(entry))) return;
    if (archive_entry_is_encrypted(entry)) {
      out_.flag(ArchiveEvent::Encrypted);  // named, never decrypted
      out_.end_entry(depth_);
      if (out_.stopped()) return;
      continue;
    }
    const bool complete = copy_member_data(reader.get());
    if (out_.stopped()) return;
    out_.end_entry(depth_);
    if (!complete || out_.stopped()) return;
  }
}

bool BufferedArchive::copy_member_data(struct ::archive* reader) {
  for (;;) {
    const la_ssize_t n = archive_read_data(reader, window_.data(), window_.size());
    if (n == 0) return true;
    if (n < 0) {
      // A member libarchive cannot decode (bad checksum, truncated, unsupported codec): the walk
      // stops here; whatever the member gave so far has been scanned.
      out_.flag(ArchiveEvent::Corrupt);
      return false;
    }
    out_.entry_data(depth_, std::string_view(window_.data(), static_cast<size_t>(n)));
    if (out_.stopped()) return false;
  }
}

}  // namespace sluice::archive
