// tests/unit/mime/binhex_writer.h — a test-side BinHex 4.0 encoder (RFC 1741), written from the format definition
// and not from the decoder: the header (name, type, creator, flags, fork lengths), each part's CRC-16/XMODEM (which a
// test may corrupt), 0x90 run-length encoding and the 6-bit text in 64-character lines. Shared by the decoder's unit
// tests, the live MIME-11 rows and the mime_decoder fuzz target's round trip. Calls nothing but the standard library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::mime::testing {

// Bit by bit, the way the BinHex definition states it (the decoder uses a table).
inline uint16_t crc_of(std::string_view bytes) {
  uint16_t crc = 0;
  for (char c : bytes) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(c) << 8);
    for (int i = 0; i < 8; ++i) crc = static_cast<uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

inline std::string be16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
inline std::string be32(uint32_t v) { return be16(static_cast<uint16_t>(v >> 16)) + be16(static_cast<uint16_t>(v)); }

struct Crcs {
  int header_delta = 0, data_delta = 0, resource_delta = 0;  // added to the true CRC: nonzero corrupts it
};

// Header, data fork, resource fork, each with its CRC. `declared_data`: the data length the header claims
// (the real one when negative).
inline std::string binary(std::string_view name, std::string_view data, std::string_view resource, Crcs crcs = {},
                   int64_t declared_data = -1) {
  const auto data_length = static_cast<uint32_t>(declared_data < 0 ? static_cast<int64_t>(data.size()) : declared_data);
  std::string header = std::string(1, static_cast<char>(name.size())) + std::string(name) + std::string(1, '\0') +
                       "TEXTttxt" + std::string(2, '\0') + be32(data_length) +
                       be32(static_cast<uint32_t>(resource.size()));
  std::string out = header + be16(static_cast<uint16_t>(crc_of(header) + crcs.header_delta));
  out += std::string(data) + be16(static_cast<uint16_t>(crc_of(data) + crcs.data_delta));
  out += std::string(resource) + be16(static_cast<uint16_t>(crc_of(resource) + crcs.resource_delta));
  return out;
}

// Runs of `min_run` or more equal bytes become byte, 0x90, count (count <= 255); 0x90 itself is 0x90 0x00.
inline std::string run_length_encode(std::string_view in, size_t min_run = 3) {
  std::string out;
  for (size_t i = 0; i < in.size();) {
    const char b = in[i];
    size_t n = 1;
    while (i + n < in.size() && in[i + n] == b && n < 255) ++n;
    if (static_cast<uint8_t>(b) == 0x90) out += std::string("\x90\x00", 2);
    else out += b;
    if (n >= min_run) {
      out += '\x90';
      out += static_cast<char>(n);
    } else {
      n = 1;
    }
    i += n;
  }
  return out;
}

inline constexpr std::string_view kTestAlphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

inline std::string six_bit(std::string_view in) {
  std::string out;
  uint32_t acc = 0, count = 0;
  for (char c : in) {
    acc = acc << 8 | static_cast<uint8_t>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kTestAlphabet[(acc >> count) & 63];
    }
    acc &= (1u << count) - 1;
  }
  if (count > 0) out += kTestAlphabet[(acc << (6 - count)) & 63];
  return out;
}

// The lines of a block: the marker line, then `:` + text + `:` cut into 64-character lines.
inline std::vector<std::string> block_lines(std::string_view encoded_binary, bool marker = true) {
  std::vector<std::string> lines;
  if (marker) lines.emplace_back("(This file must be converted with BinHex 4.0)");
  const std::string all = ":" + six_bit(encoded_binary) + ":";
  for (size_t i = 0; i < all.size(); i += 64) lines.push_back(all.substr(i, 64));
  return lines;
}

// The whole block with its marker line, each line ended by `eol`.
inline std::string block_text(std::string_view name, std::string_view data, std::string_view resource = {},
                              Crcs crcs = {}, std::string_view eol = "\r\n") {
  std::string text;
  for (const std::string& line : block_lines(run_length_encode(binary(name, data, resource, crcs))))
    text += line + std::string(eol);
  return text;
}

}  // namespace sluice::mime::testing
