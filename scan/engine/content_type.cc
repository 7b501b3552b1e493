#include "scan/engine/content_type.h"

#include <algorithm>
#include <cctype>

namespace sluice::engine {
namespace {

struct Magic {
  std::string_view prefix;
  ContentType type;
};

// Checked in order; the first prefix that matches wins. CAFEBABE is handled separately because
// Java class files and Mach-O universal binaries share it.
constexpr Magic kMagics[] = {
    {std::string_view("\x7f" "ELF", 4), ContentType::Elf},
    {std::string_view("\xfe\xed\xfa\xce", 4), ContentType::MachO},
    {std::string_view("\xfe\xed\xfa\xcf", 4), ContentType::MachO},
    {std::string_view("\xce\xfa\xed\xfe", 4), ContentType::MachO},
    {std::string_view("\xcf\xfa\xed\xfe", 4), ContentType::MachO},
    {std::string_view("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8), ContentType::Ole2},
    {"%PDF-", ContentType::Pdf},
    {std::string_view("PK\x03\x04", 4), ContentType::Zip},
    {std::string_view("PK\x05\x06", 4), ContentType::Zip},
    {std::string_view("\x1f\x8b", 2), ContentType::Gzip},
    {"BZh", ContentType::Bzip2},
    {"GIF87a", ContentType::Graphics},
    {"GIF89a", ContentType::Graphics},
    {std::string_view("\x89PNG\r\n\x1a\n", 8), ContentType::Graphics},
    {std::string_view("\xff\xd8\xff", 3), ContentType::Graphics},
    {std::string_view("II*\0", 4), ContentType::Graphics},
    {std::string_view("MM\0*", 4), ContentType::Graphics},
    {"FWS", ContentType::Flash},
    {"CWS", ContentType::Flash},
    {"ZWS", ContentType::Flash},
    // Disk images mount as drives whose files lose the Mark-of-the-Web (THREATS MIME-13): VHD (dynamic and
    // differencing disks start with a copy of the footer), VHDX, QCOW, VMDK (sparse extent).
    {"conectix", ContentType::DiskImage},
    {"vhdxfile", ContentType::DiskImage},
    {std::string_view("QFI\xfb", 4), ContentType::DiskImage},
    {"KDMV", ContentType::DiskImage},
    // Only two bytes: checked after every longer magic.
    {"MZ", ContentType::Pe},
};

// Java class files carry major version >= 45 in bytes 6..7; a Mach-O universal binary carries a
// small architecture count in bytes 4..7. Both begin with CAFEBABE.
ContentType sniff_cafebabe(std::string_view b) {
  if (b.size() < 8) return ContentType::Java;
  uint32_t next = 0;
  for (size_t i = 4; i < 8; ++i) next = (next << 8) | static_cast<uint8_t>(b[i]);
  constexpr uint32_t kFirstJavaMajor = 45;
  return next < kFirstJavaMajor ? ContentType::MachO : ContentType::Java;
}

// "BM" alone would claim any text starting with those letters; a BMP header also has four
// reserved zero bytes at offset 6.
bool looks_like_bmp(std::string_view b) {
  return b.size() >= 10 && b.starts_with("BM") && b.substr(6, 4) == std::string_view("\0\0\0\0", 4);
}

// A volume boot sector (FAT12/16/32, NTFS, exFAT: what a raw .img or a fixed VHD's partition starts with): a
// jump instruction (EB xx 90 or E9 xx xx), then the OEM name, then bytes per sector (512..4096, a power of two) at
// offset 11, little-endian.
bool looks_like_boot_sector(std::string_view b) {
  if (b.size() < 13) return false;
  const auto u = [&](size_t i) { return static_cast<uint8_t>(b[i]); };
  const bool jump = (u(0) == 0xEB && u(2) == 0x90) || u(0) == 0xE9;
  const uint32_t sector = u(11) | (static_cast<uint32_t>(u(12)) << 8);
  return jump && (sector == 512 || sector == 1024 || sector == 2048 || sector == 4096);
}

// Every DOS header has a NUL in its first 16 bytes (small little-endian counts); "MZ" followed by text does not.
bool looks_like_dos_header(std::string_view b) {
  return b.size() < kSniffBytes || b.substr(0, kSniffBytes).find('\0') != std::string_view::npos;
}

bool starts_with_caseless(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

bool looks_like_html(std::string_view b) {
  size_t i = 0;
  while (i < b.size() && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
  std::string_view rest = b.substr(i);
  // A tag cut short by the sniff window still counts once its first five characters are in.
  constexpr size_t kMinTagChars = 5;
  for (std::string_view tag : {"<html", "<!doctype html", "<head", "<body"}) {
    const size_t n = std::min(tag.size(), rest.size());
    if (n >= kMinTagChars && starts_with_caseless(rest, tag.substr(0, n))) return true;
  }
  return false;
}

// Printable ASCII, common whitespace and bytes >= 0x80 (UTF-8 or legacy 8-bit text) count as
// text; NUL never does. At least 90% must be printable.
bool looks_like_text(std::string_view b) {
  size_t printable = 0;
  for (char c : b) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0) return false;
    if ((u >= 0x20 && u != 0x7f) || u == '\t' || u == '\r' || u == '\n' || u == '\f') {
      ++printable;
    }
  }
  constexpr size_t kPercentPrintable = 90;
  return printable * 100 >= b.size() * kPercentPrintable;
}

}  // namespace

const char* content_type_name(ContentType t) {
  switch (t) {
    case ContentType::Unknown: return "unknown";
    case ContentType::Text: return "text";
    case ContentType::Html: return "html";
    case ContentType::Pe: return "pe";
    case ContentType::Elf: return "elf";
    case ContentType::MachO: return "mach-o";
    case ContentType::Ole2: return "ole2";
    case ContentType::Pdf: return "pdf";
    case ContentType::Zip: return "zip";
    case ContentType::Gzip: return "gzip";
    case ContentType::Bzip2: return "bzip2";
    case ContentType::Graphics: return "graphics";
    case ContentType::Flash: return "flash";
    case ContentType::Java: return "java";
    case ContentType::DiskImage: return "disk-image";
  }
  return "unknown";
}

ContentType sniff_content_type(std::string_view first_bytes) {
  if (first_bytes.empty()) return ContentType::Unknown;
  if (first_bytes.starts_with(std::string_view("\xca\xfe\xba\xbe", 4))) {
    return sniff_cafebabe(first_bytes);
  }
  for (const Magic& m : kMagics) {
    if (!first_bytes.starts_with(m.prefix)) continue;
    if (m.type == ContentType::Pe && !looks_like_dos_header(first_bytes)) break;
    return m.type;
  }
  if (looks_like_boot_sector(first_bytes)) return ContentType::DiskImage;
  if (looks_like_bmp(first_bytes)) return ContentType::Graphics;
  if (looks_like_html(first_bytes)) return ContentType::Html;
  if (looks_like_text(first_bytes)) return ContentType::Text;
  return ContentType::Unknown;
}

bool target_type_mask(unsigned target_type, ContentMask* mask) {
  constexpr ContentMask kTextual = content_bit(ContentType::Text) | content_bit(ContentType::Html);
  switch (target_type) {
    case 0: *mask = kAnyContent; return true;
    case 1: *mask = content_bit(ContentType::Pe); return true;
    case 2: *mask = content_bit(ContentType::Ole2); return true;
    case 3: case 4: case 7: *mask = kTextual; return true;
    case 5: *mask = content_bit(ContentType::Graphics); return true;
    case 6: *mask = content_bit(ContentType::Elf); return true;
    case 9: *mask = content_bit(ContentType::MachO); return true;
    case 10: *mask = content_bit(ContentType::Pdf); return true;
    case 11: *mask = content_bit(ContentType::Flash); return true;
    case 12: *mask = content_bit(ContentType::Java); return true;
    default: return false;
  }
}

}  // namespace sluice::engine
