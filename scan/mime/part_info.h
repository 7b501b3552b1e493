// PartInfo and ViewKind: what the parser tells a sink about one MIME entity and
// about the kind of byte stream (view) it is handing over. Plain data; calls nothing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::mime {

// How the bytes of a view relate to the part's body.
enum class ViewKind : uint8_t {
  Decoded,          // the body decoded by its (unambiguous) transfer encoding
  RawAlternate,     // undecoded bytes: ambiguous CTE reading, preamble, epilogue, flat rest
  Base64Alternate,  // the body read as base64 because its CTE is ambiguous
  QpAlternate,      // the body read as quoted-printable because its CTE is ambiguous
  Uuencoded,        // a begin/end uuencode block found inside the body
  Yenc,             // a =ybegin/=yend yEnc block found inside the body (its parts, in order, as one)
  Binhex,           // a BinHex 4.0 block's data fork, or its resource fork (a second view)
};

const char* view_kind_name(ViewKind kind);

struct PartInfo {
  uint32_t index = 0;  // order of appearance, top-level message = 0
  uint32_t depth = 0;  // top-level message = 0, its children = 1, ...
  std::string content_type = "text/plain";  // lowercased "type/subtype"
  std::string charset;                      // lowercased, may be empty
  // "7bit","8bit","binary","base64","quoted-printable","x-uuencode",
  // "x-yenc", "x-binhex" or "ambiguous".
  std::string transfer_encoding = "7bit";
  // Every candidate name, decoded + sanitised + de-duplicated, in order of appearance.
  std::vector<std::string> filenames;
  bool attachment = false;  // disposition attachment or has a filename

  bool is_text() const;  // text/*
  bool is_html() const;  // text/html
  // application/mac-binhex40 and its aliases: the body is BinHex text whatever its CTE.
  bool declares_binhex() const;
};

}  // namespace sluice::mime
