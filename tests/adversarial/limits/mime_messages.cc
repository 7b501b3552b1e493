// tests/adversarial/limits/mime_messages.cc — see mime_messages.h.
#include "tests/adversarial/limits/mime_messages.h"

#include <algorithm>
#include <cstdint>

namespace sluice::testing {

std::string base64_lines(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string flat;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<uint8_t>(bytes[i + k]) : 0);
    for (size_t k = 0; k < 4; ++k) flat += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  std::string out;
  for (size_t pos = 0; pos < flat.size(); pos += 76) out += flat.substr(pos, 76) + "\r\n";
  return out;
}

std::string message_with_attachment(std::string_view filename, std::string_view content_type, std::string_view bytes) {
  std::string m =
      "From: <a@client.example>\r\nTo: <b@mx.example>\r\nSubject: attachment\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--b1\r\nContent-Type: ";
  m.append(content_type);
  m += "; name=\"";
  m.append(filename);
  m += "\"\r\nContent-Disposition: attachment; filename=\"";
  m.append(filename);
  m += "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(bytes) + "--b1--\r\n";
  return m;
}

std::string single_part_message(std::string_view content_type, std::string_view transfer_encoding,
                                std::string_view encoded_body, std::string_view extra_headers) {
  std::string m = "From: <a@client.example>\r\nTo: <b@mx.example>\r\nSubject: single part\r\nMIME-Version: 1.0\r\n";
  m.append(extra_headers);
  m += "Content-Type: ";
  m.append(content_type);
  m += "\r\nContent-Transfer-Encoding: ";
  m.append(transfer_encoding);
  m += "\r\n\r\n";
  m.append(encoded_body);
  if (!m.ends_with("\r\n")) m += "\r\n";
  return m;
}

std::string base64_flat(std::string_view bytes) {
  std::string lines = base64_lines(bytes);
  std::erase(lines, '\r');
  std::erase(lines, '\n');
  return lines;
}

std::string qp_escaped_lines(std::string_view bytes, size_t per_line) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    out += '=';
    out += kHex[b >> 4];
    out += kHex[b & 15];
    if (i + 1 == bytes.size()) {
      out += "\r\n";
    } else if ((i + 1) % per_line == 0) {
      out += "=\r\n";
    }
  }
  return out;
}

std::string uuencode_block(std::string_view name, std::string_view bytes) {
  const auto uu_char = [](uint32_t six) { return six == 0 ? '`' : static_cast<char>(' ' + six); };
  std::string out = "begin 644 " + std::string(name) + "\r\n";
  for (size_t i = 0; i < bytes.size(); i += 45) {
    const std::string_view chunk = bytes.substr(i, 45);
    out += uu_char(static_cast<uint32_t>(chunk.size()));
    for (size_t k = 0; k < chunk.size(); k += 3) {
      uint32_t n = 0;
      for (size_t j = 0; j < 3; ++j) n = (n << 8) | (k + j < chunk.size() ? static_cast<uint8_t>(chunk[k + j]) : 0);
      for (int s = 18; s >= 0; s -= 6) out += uu_char((n >> s) & 63);
    }
    out += "\r\n";
  }
  return out + "`\r\nend\r\n";
}

std::string yenc_block(std::string_view name, std::string_view bytes) {
  constexpr size_t kLine = 128;
  const std::string size = std::to_string(bytes.size());
  std::string out = "=ybegin line=" + std::to_string(kLine) + " size=" + size + " name=" + std::string(name) + "\r\n";
  size_t column = 0;
  for (char c : bytes) {
    const auto e = static_cast<uint8_t>(static_cast<uint8_t>(c) + 42);
    if (e == 0 || e == '\n' || e == '\r' || e == '=') {
      out += '=';
      out += static_cast<char>(static_cast<uint8_t>(e + 64));
      column += 2;
    } else {
      out += static_cast<char>(e);
      ++column;
    }
    if (column >= kLine) {
      out += "\r\n";
      column = 0;
    }
  }
  if (column > 0) out += "\r\n";
  return out + "=yend size=" + size + "\r\n";
}

std::string as_relayed(std::string_view content) {
  std::string canonical;
  for (size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (c == '\r' && (i + 1 == content.size() || content[i + 1] != '\n')) {
      canonical += ' ';
    } else if (c == '\n' && (i == 0 || content[i - 1] != '\r')) {
      canonical += "\r\n";
    } else {
      canonical += c;
    }
  }
  return dot_stuffed(canonical);
}

std::string dot_stuffed(std::string_view content) {
  std::string out;
  bool line_start = true;
  for (char c : content) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out;
}

}  // namespace sluice::testing
