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

}  // namespace sluice::testing
