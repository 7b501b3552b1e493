#pragma once
// Test support for the buffered formats (scan/archive/buffered_archive.*): 7z, ISO 9660 and tar
// made in-test with libarchive's writer, and RAR 5 and RAR 4 files with one stored member made by
// the small writers below from the format descriptions (RAR 5.0 technote: vints, CRC32 of each
// header; RAR 4.x technote: marker, archive, file and end blocks with 16-bit header CRCs). Shared
// by tests/unit/archive and tests/adversarial/limits; no fixture files.
// May call: libarchive (write side), zlib (crc32).
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::archive::test {

using Members = std::vector<std::pair<std::string, std::string>>;  // name, bytes

enum class WrittenFormat { SevenZip, Iso9660, Ustar, Pax, Gnutar };

inline la_ssize_t append_to_string(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// options: libarchive write options, e.g. "7zip:compression=store" (nullptr: the format's default).
inline std::string write_with_libarchive(WrittenFormat format, const Members& members,
                                         const char* options = nullptr) {
  struct archive* writer = archive_write_new();
  int status = ARCHIVE_OK;
  switch (format) {
    case WrittenFormat::SevenZip: status = archive_write_set_format_7zip(writer); break;
    case WrittenFormat::Iso9660: status = archive_write_set_format_iso9660(writer); break;
    case WrittenFormat::Ustar: status = archive_write_set_format_ustar(writer); break;
    case WrittenFormat::Pax: status = archive_write_set_format_pax(writer); break;
    case WrittenFormat::Gnutar: status = archive_write_set_format_gnutar(writer); break;
  }
  if (status == ARCHIVE_OK && options != nullptr) status = archive_write_set_options(writer, options);
  // No padding to libarchive's 10240-byte blocks: the archive ends where its format says.
  if (status == ARCHIVE_OK) status = archive_write_set_bytes_in_last_block(writer, 1);
  std::string out;
  if (status == ARCHIVE_OK) status = archive_write_open(writer, &out, nullptr, append_to_string, nullptr);
  for (const auto& [name, bytes] : members) {
    if (status != ARCHIVE_OK) break;
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_mtime(entry, 1700000000, 0);
    status = archive_write_header(writer, entry);
    if (status == ARCHIVE_OK && !bytes.empty() &&
        archive_write_data(writer, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
      status = ARCHIVE_FATAL;
    archive_entry_free(entry);
  }
  if (status == ARCHIVE_OK) status = archive_write_close(writer);
  const std::string error = archive_error_string(writer) ? archive_error_string(writer) : "";
  archive_write_free(writer);
  if (status != ARCHIVE_OK) throw std::runtime_error("libarchive writer: " + error);
  return out;
}

inline uint32_t crc32_of(std::string_view bytes) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

inline void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

// RAR 5 variable-length integer: 7 bits a byte, low first, high bit = more.
inline void put_vint(std::string& out, uint64_t value) {
  do {
    const auto low = static_cast<uint8_t>(value & 0x7f);
    value >>= 7;
    out.push_back(static_cast<char>(value != 0 ? (low | 0x80) : low));
  } while (value != 0);
}

// A RAR 5 header: CRC32 of (size vint + body), the size vint, then body (type, flags, ...).
inline std::string rar5_block(const std::string& body) {
  std::string sized;
  put_vint(sized, body.size());
  sized += body;
  std::string out;
  put_le(out, crc32_of(sized), 4);
  return out + sized;
}

struct Rar5Options {
  bool bad_header_crc = false;  // the file header's CRC32 does not match it
};

// RAR 5 with one stored (method 0) member per element.
inline std::string rar5_stored(const Members& members, Rar5Options options = {}) {
  std::string out("Rar!\x1A\x07\x01\x00", 8);
  std::string main;
  put_vint(main, 1);  // main archive header
  put_vint(main, 0);  // header flags
  put_vint(main, 0);  // archive flags
  out += rar5_block(main);
  for (const auto& [name, bytes] : members) {
    std::string file;
    put_vint(file, 2);             // file header
    put_vint(file, 0x0002);        // data area present
    put_vint(file, bytes.size());  // data size
    put_vint(file, 0x0004);        // file flags: data CRC32 present
    put_vint(file, bytes.size());  // unpacked size
    put_vint(file, 0100644);       // attributes: a regular file, mode 0644 (host OS Unix)
    put_le(file, crc32_of(bytes), 4);
    put_vint(file, 0);             // compression: version 0, method 0 (store), smallest dictionary
    put_vint(file, 1);             // host OS: Unix
    put_vint(file, name.size());
    file += name;
    std::string block = rar5_block(file);
    if (options.bad_header_crc) block[0] ^= 1;
    out += block + bytes;
  }
  std::string end;
  put_vint(end, 5);  // end of archive header
  put_vint(end, 0);
  put_vint(end, 0);
  return out + rar5_block(end);
}

// A RAR 4 block: HEAD_CRC (low 16 bits of the CRC32 of the rest), then the rest.
inline std::string rar4_block(const std::string& rest) {
  std::string out;
  put_le(out, crc32_of(rest) & 0xffff, 2);
  return out + rest;
}

// RAR 4 with one stored (method 0x30) member per element; encrypted sets each file's password flag
// (the bytes are left as they are: the reader must not need them to say "encrypted").
inline std::string rar4_stored(const Members& members, bool encrypted = false) {
  std::string out("Rar!\x1A\x07\x00", 7);
  std::string main;
  main.push_back(0x73);  // archive header
  put_le(main, 0, 2);    // flags
  put_le(main, 13, 2);   // header size
  put_le(main, 0, 6);    // reserved
  out += rar4_block(main);
  for (const auto& [name, bytes] : members) {
    std::string file;
    file.push_back(0x74);                       // file header
    put_le(file, 0x8000 | (encrypted ? 0x0004 : 0), 2);  // LONG_BLOCK: a data area follows; password
    put_le(file, 32 + name.size(), 2);          // header size
    put_le(file, bytes.size(), 4);              // packed size
    put_le(file, bytes.size(), 4);              // unpacked size
    file.push_back(3);                          // host OS: Unix
    put_le(file, crc32_of(bytes), 4);
    put_le(file, 0x5a210000, 4);                // DOS time
    file.push_back(20);                         // version needed: 2.0
    file.push_back(0x30);                       // method: store
    put_le(file, name.size(), 2);
    put_le(file, 0x81a4, 4);                    // attributes: regular file 0644
    file += name;
    out += rar4_block(file) + bytes;
  }
  std::string end;
  end.push_back(0x7b);
  put_le(end, 0x4000, 2);
  put_le(end, 7, 2);
  return out + rar4_block(end);
}

}  // namespace sluice::archive::test
