#include "control/telemetry/rfc5424.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace sluice::control::telemetry {
namespace {

constexpr std::string_view kNil = "-";
constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";   // U+FFFD
constexpr size_t kMaxHostname = 255, kMaxAppName = 48, kMaxProcId = 128, kMaxMsgId = 32, kMaxSdName = 32;
constexpr int kMaxFacility = 23, kUserFacility = 1;

// Length of the valid UTF-8 sequence starting at text[pos], 0 when the bytes there are not one (RFC 3629 4).
size_t utf8_sequence_length(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;   // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;          // no overlongs
    if (b0 == 0xED) hi = 0x9F;          // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;          // no overlongs
    if (b0 == 0xF4) hi = 0x8F;          // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (pos + len > text.size()) return 0;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF) return 0;
  }
  return len;
}

bool all_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// SD-NAME = 1*32PRINTUSASCII except '=', SP, ']', '"'.
bool valid_sd_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxSdName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"';
  });
}

// A header field: printable US-ASCII only, cut to the RFC's length, NILVALUE when empty.
void append_header_field(std::string& out, std::string_view value, size_t max_len) {
  if (value.empty()) {
    out += kNil;
    return;
  }
  value = value.substr(0, max_len);
  for (char c : value) out += (c >= 33 && c <= 126) ? c : '_';
}

void append_timestamp(std::string& out, int64_t unix_us) {
  // Floor division, so times before 1970 still get a non-negative microsecond part.
  int64_t seconds = unix_us / 1'000'000;
  int64_t micros = unix_us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
    out += kNil;
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros));
  out += buf;
}

// Everything up to and including STRUCTURED-DATA.
std::string format_prefix(int facility, int sev, int64_t unix_us, std::string_view hostname, std::string_view app,
                          uint32_t procid, std::string_view msgid, std::string_view structured_data) {
  if (facility < 0 || facility > kMaxFacility) facility = kUserFacility;
  sev = std::clamp(sev, 0, 7);
  std::string out;
  out.reserve(128 + structured_data.size());
  out += '<';
  out += std::to_string(facility * 8 + sev);
  out += ">1 ";
  append_timestamp(out, unix_us);
  out += ' ';
  append_header_field(out, hostname, kMaxHostname);
  out += ' ';
  append_header_field(out, app, kMaxAppName);
  out += ' ';
  append_header_field(out, procid == 0 ? std::string() : std::to_string(procid), kMaxProcId);
  out += ' ';
  append_header_field(out, msgid, kMaxMsgId);
  out += ' ';
  if (!structured_data.empty() && valid_structured_data(structured_data)) out += structured_data;
  else out += kNil;
  return out;
}

// Where to cut `msg` so that at most `room` bytes remain: in UTF-8, never inside a character.
size_t cut_point(std::string_view msg, size_t room, bool utf8) {
  size_t cut = std::min(room, msg.size());
  if (utf8) {
    while (cut > 0 && cut < msg.size() && (static_cast<unsigned char>(msg[cut]) & 0xC0) == 0x80) --cut;
  }
  return cut;
}

}  // namespace

bool facility_from_word(std::string_view word, int* facility) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp"};
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  for (size_t i = 0; i < kWords.size(); ++i) {
    if (lower == kWords[i]) {
      *facility = static_cast<int>(i);
      return true;
    }
  }
  if (lower.size() == 6 && lower.starts_with("local") && lower[5] >= '0' && lower[5] <= '7') {
    *facility = 16 + (lower[5] - '0');
    return true;
  }
  return false;
}

bool valid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const size_t len = utf8_sequence_length(text, pos);
    if (len == 0) return false;
    pos += len;
  }
  return true;
}

bool StructuredData::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return false;
}

bool StructuredData::element(std::string_view sd_id) {
  if (!valid_sd_name(sd_id)) return fail("invalid SD-ID '" + std::string(sd_id) + "'");
  text_ += '[';
  text_ += sd_id;
  text_ += ']';
  return true;
}

bool StructuredData::param(std::string_view name, std::string_view value) {
  if (text_.empty()) return fail("SD-PARAM '" + std::string(name) + "' before any SD-ELEMENT");
  if (!valid_sd_name(name)) return fail("invalid SD-PARAM name '" + std::string(name) + "'");
  text_.pop_back();   // the element's ']', put back below
  text_ += ' ';
  text_ += name;
  text_ += "=\"";
  for (size_t pos = 0; pos < value.size();) {
    const size_t len = utf8_sequence_length(value, pos);
    if (len == 0) {
      text_ += kReplacementChar;
      ++pos;
      continue;
    }
    const char c = value[pos];
    if (len == 1 && (c == '"' || c == '\\' || c == ']')) text_ += '\\';
    text_.append(value.substr(pos, len));
    pos += len;
  }
  text_ += "\"]";
  return true;
}

bool valid_structured_data(std::string_view text) {
  size_t pos = 0;
  const auto take_name = [&]() {
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= 33 && text[pos] <= 126 && text[pos] != '=' && text[pos] != ']' &&
           text[pos] != '"') {
      ++pos;
    }
    return valid_sd_name(text.substr(start, pos - start));
  };
  if (text.empty()) return false;
  while (pos < text.size()) {
    if (text[pos++] != '[' || !take_name()) return false;
    while (pos < text.size() && text[pos] == ' ') {
      ++pos;
      if (!take_name() || pos + 1 >= text.size() || text[pos] != '=' || text[pos + 1] != '"') return false;
      pos += 2;
      // PARAM-VALUE up to the closing '"'; '"', '\' and ']' appear only escaped.
      for (;;) {
        if (pos >= text.size()) return false;
        const char c = text[pos];
        if (c == '"') break;
        if (c == ']') return false;
        if (c == '\\' && pos + 1 < text.size() &&
            (text[pos + 1] == '"' || text[pos + 1] == '\\' || text[pos + 1] == ']')) {
          pos += 2;
          continue;
        }
        ++pos;
      }
      ++pos;   // the closing '"'
    }
    if (pos >= text.size() || text[pos++] != ']') return false;
  }
  return true;
}

std::string format_rfc5424(int facility, int severity, int64_t unix_us, std::string_view hostname,
                           std::string_view app, uint32_t procid, std::string_view msgid,
                           std::string_view structured_data, std::string_view msg) {
  std::string out = format_prefix(facility, severity, unix_us, hostname, app, procid, msgid, structured_data);
  if (!msg.empty()) {
    out += ' ';
    if (!all_ascii(msg) && valid_utf8(msg)) out += kBom;
    out += msg;
  }
  return out;
}

std::string format_rfc5424(int facility, int severity, int64_t unix_us, std::string_view hostname,
                           std::string_view app, uint32_t procid, std::string_view msgid,
                           std::string_view structured_data, std::string_view msg, size_t max_bytes,
                           bool* truncated) {
  max_bytes = std::max(max_bytes, kMinMessageBytes);
  *truncated = false;
  std::string out = format_prefix(facility, severity, unix_us, hostname, app, procid, msgid, structured_data);
  const bool utf8 = !all_ascii(msg) && valid_utf8(msg);
  const size_t msg_bytes = msg.empty() ? 0 : 1 + (utf8 ? kBom.size() : 0) + msg.size();
  if (out.size() + msg_bytes <= max_bytes) {
    if (!msg.empty()) {
      out += ' ';
      if (utf8) out += kBom;
      out += msg;
    }
    return out;
  }
  *truncated = true;
  const size_t overhead = 1 + (utf8 ? kBom.size() : 0) + kTruncatedMarker.size();
  if (out.size() + overhead > max_bytes) {
    out = format_prefix(facility, severity, unix_us, hostname, app, procid, msgid, {});
  }
  out += ' ';
  if (utf8) out += kBom;
  out.append(msg.substr(0, cut_point(msg, max_bytes - out.size() - kTruncatedMarker.size(), utf8)));
  out += kTruncatedMarker;
  return out;
}

}  // namespace sluice::control::telemetry
