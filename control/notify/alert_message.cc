#include "control/notify/base64.h"
#include "control/notify/alert_message.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace sluice::control::notify {
namespace {

constexpr size_t kMaxPlainLine = 998;   // RFC 5322 §2.1.1: longer lines cannot travel as 7bit

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool needs_encoding(std::string_view body) {
  if (!is_ascii(body)) return true;
  size_t line = 0;
  for (char c : body) {
    if (c == '\n') line = 0;
    else if (++line > kMaxPlainLine) return true;
    if (c == '\0') return true;
  }
  return false;
}

std::string domain_of(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos || at + 1 == address.size() ? "localhost" : address.substr(at + 1);
}

}  // namespace

std::string rfc5322_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string build_alert_message(const std::string& from, const std::vector<std::string>& to, std::string_view subject,
                                std::string_view body, int64_t now_unix, const std::string& message_id_seed) {
  std::string clean_subject(subject);
  for (char& c : clean_subject)
    if (c == '\r' || c == '\n') c = ' ';
  std::string m;
  m += "From: <" + from + ">\r\n";
  m += "To: ";
  for (size_t i = 0; i < to.size(); ++i) m += (i == 0 ? "<" : ",\r\n <") + to[i] + ">";
  m += "\r\n";
  if (is_ascii(clean_subject)) {
    m += "Subject: " + clean_subject + "\r\n";
  } else {
    // RFC 2047: encoded-words of at most 75 characters, split on UTF-8 character boundaries.
    m += "Subject:";
    size_t pos = 0;
    while (pos < clean_subject.size()) {
      size_t len = std::min<size_t>(45, clean_subject.size() - pos);
      while (pos + len < clean_subject.size() && (static_cast<unsigned char>(clean_subject[pos + len]) & 0xC0) == 0x80)
        --len;
      m += " =?UTF-8?B?" + base64(std::string_view(clean_subject).substr(pos, len)) + "?=\r\n";
      pos += len;
    }
  }
  m += "Date: " + rfc5322_date(now_unix) + "\r\n";
  m += "Message-ID: <" + message_id_seed + "@" + domain_of(from) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  if (needs_encoding(body)) {
    m += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string encoded = base64(body);
    for (size_t pos = 0; pos < encoded.size(); pos += 76) m += encoded.substr(pos, 76) + "\r\n";
  } else {
    m += "Content-Transfer-Encoding: 7bit\r\n\r\n";
    size_t pos = 0;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      size_t end = nl == std::string_view::npos ? body.size() : nl;
      std::string_view line = body.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      m.append(line);
      m += "\r\n";
      pos = nl == std::string_view::npos ? body.size() : nl + 1;
    }
  }
  return m;
}

}  // namespace sluice::control::notify
