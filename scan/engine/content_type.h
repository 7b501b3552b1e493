// Content type sniffing for one decoded stream (a MIME view or an archive entry).
//
// Owns: the ContentType enum, its printable names, the magic-number / text sniffer, and the
// mapping from ClamAV .ndb target types to the content types a signature may hit.
// Calls: nothing outside the C++ standard library.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::engine {

enum class ContentType : uint8_t {
  Unknown, Text, Html, Pe, Elf, MachO, Ole2, Pdf, Zip, Gzip, Bzip2, Graphics, Flash, Java,
  DiskImage,  // a disk or volume image: VHD, VHDX, QCOW, VMDK, a FAT/NTFS/exFAT boot sector (ISO 9660: scan/archive)
};

const char* content_type_name(ContentType);
// Content that sniffed as a known non-text type. Unknown is not claimed binary: nothing said what it is.
constexpr bool is_binary(ContentType t) {
  return t != ContentType::Unknown && t != ContentType::Text && t != ContentType::Html;
}

// How many leading bytes the sniffer needs; StreamScanner holds back this many bytes of each
// stream so a signature's target type is known before its first match can be reported.
inline constexpr size_t kSniffBytes = 16;

// An executable a machine would run (the attachment filter's `executable-content`, THREATS MIME-8).
constexpr bool is_executable(ContentType t) {
  return t == ContentType::Pe || t == ContentType::Elf || t == ContentType::MachO;
}

// Magic numbers first ("MZ" counts as Pe only with a NUL in the window, as every DOS header has, or when the
// stream is shorter than the window: text that starts with the letters "MZ" is not an executable); otherwise Html when the text starts (after blanks) with an HTML tag,
// Text when the printable ratio is high and no NUL appears, else Unknown. Empty → Unknown.
ContentType sniff_content_type(std::string_view first_bytes);

// A set of ContentTypes, one bit per enumerator.
using ContentMask = uint16_t;
inline constexpr ContentMask content_bit(ContentType t) {
  return static_cast<ContentMask>(1u << static_cast<unsigned>(t));
}
inline constexpr ContentMask kAnyContent = 0xFFFF;

// ClamAV target type → the content types it may hit. Returns false for an unknown/unused type.
// 0 any; 3 HTML, 4 mail and 7 ASCII text all accept Text and Html (a mail body or an HTML
// document is text to the sniffer); the others accept exactly their own type.
bool target_type_mask(unsigned target_type, ContentMask* mask);

}  // namespace sluice::engine
