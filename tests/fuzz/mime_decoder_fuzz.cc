// libFuzzer target: each content decoder of scan/mime on its own, picked by the first input byte (low 3 bits, or
// low 4 bits equal to 8); the second byte picks a chunk size for the streaming ones. The rest of the input is the
// decoder's input.
//   0 base64 (Base64Decoder)        1 quoted-printable (QuotedPrintableDecoder)   2 uuencode (UuDecoder)
//   3 RFC 2047 encoded words        4 charset conversion (append_as_utf8)          5 filename sanitiser
//   6 structured header values + RFC 2231 assembly                              7 Content-Transfer-Encoding
//   8 BinHex 4.0 (BinhexDecoder; bit 4 of the first byte: the text is declared BinHex)
// Invariants checked beyond "no crash":
//  - streaming: fed in chunks, a streaming decoder gives exactly what it gives for the whole input at once;
//  - bounds: base64 output <= 3/4 of its input (+2 for an open quantum), QP output <= its input, a uuencoded
//    line <= 63 bytes and never more than its length character says;
//  - BinHex: line pieces of any size give what whole lines give; no fork holds more than its header declared, and
//    no block more than 255 bytes per input byte (the 0x90 run bound);
//  - round trips: the input bytes encoded by a textbook encoder (base64 in 76-column lines, QP with =XX and
//    soft breaks, uuencode with ` for zero, RFC 2047 B and Q words separated by folding whitespace, BinHex with
//    0x90 runs and CRC-16/XMODEM in 64-column lines) decode back to exactly those bytes, with no garbage/invalid
//    flag (BinHex: every CRC verified);
//  - text without a well-formed encoded word comes out of RFC 2047 decoding unchanged;
//  - the charsets Sluice converts (Latin-1, Windows-1252, UTF-16/UCS-2) always yield valid UTF-8;
//  - a sanitised filename fits its bound, holds no control byte, and sanitising it again changes nothing;
//  - parameter names are lowercase and RFC 2231 assembly never invents parameters;
//  - a CTE verdict is named, and "ambiguous" exactly when the decoding is.
// May call: the scan/mime decoder headers named below.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scan/mime/base64_decoder.h"
#include "scan/mime/binhex_decoder.h"
#include "scan/mime/charset.h"
#include "scan/mime/filename_sanitiser.h"
#include "scan/mime/header_params.h"
#include "scan/mime/qp_decoder.h"
#include "scan/mime/rfc2047.h"
#include "scan/mime/rfc2231.h"
#include "scan/mime/transfer_encoding.h"
#include "scan/mime/uu_decoder.h"
#include "tests/unit/mime/binhex_writer.h"

namespace {

using namespace sluice::mime;

void require(bool condition) {
  if (!condition) std::abort();
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789ABCDEF";

std::string encode_base64(std::string_view in, size_t line_chars) {
  std::string out;
  size_t column = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<uint8_t>(in[i + k]) : 0);
    for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? kBase64Alphabet[(v >> (18 - 6 * k)) & 63] : '=');
    column += 4;
    if (line_chars && column >= line_chars) {
      out += "\r\n";
      column = 0;
    }
  }
  return out;
}

std::string encode_qp(std::string_view in) {
  std::string out;
  size_t column = 0;
  for (char c : in) {
    const auto b = static_cast<uint8_t>(c);
    if (column >= 72) {
      out += "=\r\n";
      column = 0;
    }
    if (b >= 33 && b <= 126 && b != '=') {
      out.push_back(c);
      column += 1;
    } else {
      out += {'=', kHex[b >> 4], kHex[b & 15]};
      column += 3;
    }
  }
  return out;
}

template <typename Decoder>
std::string decode_chunked(std::string_view in, size_t chunk) {
  Decoder decoder;
  std::string out;
  for (size_t off = 0; off < in.size(); off += chunk) decoder.feed(in.substr(off, chunk), out);
  decoder.finish(out);
  return out;
}

void fuzz_base64(std::string_view in, size_t chunk) {
  Base64Decoder whole;
  std::string out;
  whole.feed(in, out);
  whole.finish(out);
  require(out.size() <= in.size() * 3 / 4 + 2);
  require(decode_chunked<Base64Decoder>(in, chunk) == out);
  Base64Decoder round;
  std::string back;
  round.feed(encode_base64(in, 76), back);
  round.finish(back);
  require(back == in && !round.saw_garbage());
}

void fuzz_qp(std::string_view in, size_t chunk) {
  QuotedPrintableDecoder whole;
  std::string out;
  whole.feed(in, out);
  whole.finish(out);
  require(out.size() <= in.size());
  require(decode_chunked<QuotedPrintableDecoder>(in, chunk) == out);
  QuotedPrintableDecoder round;
  std::string back;
  round.feed(encode_qp(in), back);
  round.finish(back);
  require(back == in && !round.saw_invalid());
}

void fuzz_uu(std::string_view in) {
  UuDecoder decoder;
  std::string out;
  for (size_t start = 0; start <= in.size();) {
    size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view line = in.substr(start, end - start);
    const size_t before = out.size();
    const UuDecoder::Event event = decoder.line(line, out);
    const size_t produced = out.size() - before;
    require(produced <= 63 && (produced == 0 || produced <= static_cast<size_t>((line[0] - ' ') & 0x3f)));
    require((event == UuDecoder::Event::Data) == (produced > 0));
    if (event == UuDecoder::Event::Begin) require(!decoder.filename().empty());
    start = end + 1;
  }
  // The same bytes uuencoded, 45 to a line, decode back exactly.
  decoder.reset();
  std::string back;
  require(decoder.line("begin 644 fuzz.bin", back) == UuDecoder::Event::Begin);
  for (size_t i = 0; i < in.size(); i += 45) {
    const std::string_view piece = in.substr(i, 45);
    std::string line(1, static_cast<char>(' ' + piece.size()));
    for (size_t k = 0; k < piece.size(); k += 3) {
      uint32_t v = 0;
      for (size_t j = 0; j < 3; ++j) v = v << 8 | (k + j < piece.size() ? static_cast<uint8_t>(piece[k + j]) : 0);
      for (int j = 0; j < 4; ++j) {
        const unsigned s = (v >> (18 - 6 * j)) & 63;
        line.push_back(s == 0 ? '`' : static_cast<char>(' ' + s));
      }
    }
    require(decoder.line(line, back) == UuDecoder::Event::Data);
  }
  require(decoder.line("`", back) == UuDecoder::Event::None);
  require(decoder.line("end", back) == UuDecoder::Event::End);
  require(back == in);
}

// BinHex 4.0: `in` as text lines, whole and in `chunk`-byte pieces; then `in` as a data fork, encoded and decoded.
struct BinhexRun {
  std::string data, resource, names;
  uint32_t blocks = 0, verified = 0;
};

BinhexRun binhex_lines(std::string_view in, size_t chunk, bool declared) {
  BinhexDecoder decoder;
  if (declared) decoder.expect_block();
  BinhexRun run;
  BinhexDecoder::Output out;
  size_t block_data = 0, block_resource = 0;  // this block's fork bytes so far
  for (size_t start = 0; start <= in.size();) {
    size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view line = in.substr(start, end - start);
    for (size_t i = 0; i == 0 || i < line.size(); i += chunk) {
      const size_t data_before = out.data.size(), resource_before = out.resource.size();
      const BinhexDecoder::Progress p = decoder.piece(line.substr(i, chunk), i == 0, out);
      if (p.began) {
        ++run.blocks;
        block_data = block_resource = 0;
      }
      block_data += out.data.size() - data_before;
      block_resource += out.resource.size() - resource_before;
      if (p.header) run.names += decoder.name() + '/';
      require(decoder.header_done() ? block_data <= decoder.data_length() && block_resource <= decoder.resource_length()
                                    : block_data == 0 && block_resource == 0);
      if (p.ended) run.verified += decoder.verified();
    }
    start = end + 1;
  }
  require(out.data.size() + out.resource.size() <= 255 * in.size());
  run.data = std::move(out.data);
  run.resource = std::move(out.resource);
  return run;
}

void fuzz_binhex(std::string_view in, size_t chunk, bool declared) {
  const BinhexRun whole = binhex_lines(in, in.size() + 1, declared);
  const BinhexRun pieces = binhex_lines(in, chunk, declared);
  require(pieces.data == whole.data && pieces.resource == whole.resource && pieces.names == whole.names &&
          pieces.blocks == whole.blocks && pieces.verified == whole.verified);
  // `in` as the data fork (its first half again as the resource fork), encoded the textbook way.
  const std::string_view resource = in.substr(0, in.size() / 2);
  const std::string lines = sluice::mime::testing::block_text("fuzz.bin", in, resource, {}, "\n");
  const BinhexRun back = binhex_lines(lines, chunk, false);
  require(back.data == in && back.resource == resource && back.names == "fuzz.bin/" && back.blocks == 1 &&
          back.verified == 1);
}

void fuzz_rfc2047(std::string_view in) {
  const std::string decoded = decode_rfc2047(in);
  if (!has_rfc2047_word(in)) require(decoded == in);
  const std::string_view first = in.substr(0, in.size() / 2), second = in.substr(in.size() / 2);
  std::string q_payload;
  for (char c : second) q_payload += {'=', kHex[static_cast<uint8_t>(c) >> 4], kHex[static_cast<uint8_t>(c) & 15]};
  const std::string words = "=?utf-8?B?" + encode_base64(first, 0) + "?= \r\n =?UTF-8?q?" + q_payload + "?=";
  require(has_rfc2047_word(words));
  require(decode_rfc2047(words) == in);
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void fuzz_charset(std::string_view in, uint8_t selector) {
  static constexpr std::string_view kConverted[] = {"iso-8859-1", "Windows-1252", "latin1", "UTF-16",
                                                    "utf-16le",   "UTF-16BE",     "ucs-2",  "unicode"};
  const std::string_view charset = kConverted[selector % std::size(kConverted)];
  std::string out;
  append_as_utf8(charset, in, out);
  require(valid_utf8(out));
  require(out.size() <= in.size() * 3 + 4);
  std::string copied;
  append_as_utf8("x-unknown", in, copied);   // any other charset is copied as bytes
  require(copied == in);
}

void fuzz_filename(std::string_view in, uint8_t selector) {
  const uint32_t max_bytes = selector;
  std::string name(in);
  sanitise_filename(name, max_bytes);
  require(name.size() <= max_bytes);
  for (char c : name) {
    const auto b = static_cast<uint8_t>(c);
    require(b >= 0x20 && b != 0x7f);
  }
  std::string again = name;
  require(!sanitise_filename(again, max_bytes) && again == name);
}

void fuzz_params(std::string_view in, uint8_t selector) {
  StructuredValue value;
  parse_structured_value(in, value);
  for (char c : value.token) require(!(c >= 'A' && c <= 'Z'));
  for (const auto& p : value.params) {
    for (char c : p.name) require(!(c >= 'A' && c <= 'Z'));
  }
  std::vector<AssembledParam> assembled;
  assemble_rfc2231(value.params, 1 + selector % 64, assembled);
  require(assembled.size() <= value.params.size());
  std::vector<std::string> words;
  split_words_without_comments(in, words);
  for (const auto& w : words) require(!w.empty());
}

void fuzz_transfer_encoding(std::string_view in) {
  std::vector<std::string> values;
  for (size_t start = 0; start <= in.size() && values.size() < 8;) {
    size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    values.emplace_back(in.substr(start, end - start));
    start = end + 1;
  }
  const TransferEncodingVerdict verdict = classify_transfer_encoding(values);
  require(!verdict.name.empty());
  require((verdict.decoding == TransferDecoding::Ambiguous) == (verdict.name == "ambiguous"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t selector = data[0], parameter = data[1];
  const size_t chunk = 1 + parameter % 61;
  const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
  if ((selector & 15) == 8) {
    fuzz_binhex(in, chunk, selector & 16);
    return 0;
  }
  switch (selector & 7) {
    case 0: fuzz_base64(in, chunk); break;
    case 1: fuzz_qp(in, chunk); break;
    case 2: fuzz_uu(in); break;
    case 3: fuzz_rfc2047(in); break;
    case 4: fuzz_charset(in, parameter); break;
    case 5: fuzz_filename(in, parameter); break;
    case 6: fuzz_params(in, parameter); break;
    default: fuzz_transfer_encoding(in); break;
  }
  return 0;
}
