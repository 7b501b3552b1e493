// control/telemetry/rfc5424.h — the syslog message format of RFC 5424, and the words that name facilities.
//
// Owns: turning (facility, severity, time, origin, structured data, text) into one RFC 5424 message:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG]
// TIMESTAMP is RFC 3339 UTC with microseconds ("2024-03-01T12:00:00.000123Z"); an empty field is the
// NILVALUE "-"; header fields keep only printable US-ASCII (others become '_') and are cut to the RFC's
// lengths (HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32).
// MSG encoding (RFC 5424 6.4), decided: a message that is all ASCII goes as is; one with non-ASCII bytes that
// are valid UTF-8 starts with the UTF-8 BOM (the RFC's "MUST" for UTF-8 MSG), so collectors decode it as
// UTF-8; one that is not valid UTF-8 goes without BOM (MSG-ANY), bytes untouched.
// May call: nothing (standard library and libc time functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::control::telemetry {

// RFC 5424 6.2.1 severities.
namespace severity {
constexpr int kEmergency = 0, kAlert = 1, kCritical = 2, kError = 3, kWarning = 4, kNotice = 5,
              kInformational = 6, kDebug = 7;
}

// kern user mail daemon auth syslog lpr news uucp cron authpriv ftp local0..local7 (any letter case) ->
// the RFC 5424 facility code. False for anything else.
bool facility_from_word(std::string_view word, int* facility);

// Builds STRUCTURED-DATA (RFC 5424 6.3): SD-ELEMENTs "[id name="value" ...]", with '"', '\' and ']' in
// values escaped by a backslash (6.3.3) and invalid UTF-8 in values replaced by U+FFFD (PARAM-VALUE is
// UTF-8). SD-IDs and PARAM-NAMEs are 1..32 printable US-ASCII characters other than '=', ' ', ']', '"'; a
// private SD-ID has the form name@<enterprise number>.
class StructuredData {
 public:
  bool element(std::string_view sd_id);                         // false (nothing added) on a bad SD-ID
  bool param(std::string_view name, std::string_view value);    // false on a bad name or with no element
  const std::string& text() const { return text_; }             // "" when no element: format writes "-"
  const std::string& error() const { return error_; }           // the first failure, "" when none

 private:
  bool fail(std::string message);
  std::string text_;
  std::string error_;
};

// True when `text` is one or more well-formed SD-ELEMENTs (what StructuredData builds).
bool valid_structured_data(std::string_view text);
// True when `text` is valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

// The message, unbounded. `structured_data` is "" (written as "-") or what StructuredData::text() gave; text
// that is not well-formed SD is written as "-" rather than corrupting the header. procid 0 means unknown
// ("-"). A facility outside 0..23 is sent as user (1); severity is clamped to 0..7; a time outside years
// 0001..9999 is "-".
std::string format_rfc5424(int facility, int severity, int64_t unix_us, std::string_view hostname,
                           std::string_view app, uint32_t procid, std::string_view msgid,
                           std::string_view structured_data, std::string_view msg);

// Marker that ends a message cut to fit a size limit.
constexpr std::string_view kTruncatedMarker = "[truncated]";
// The smallest message every receiver must accept (RFC 5424 6.1); limits below it are raised to it (the
// longest possible header fits in it).
constexpr size_t kMinMessageBytes = 480;

// The same message, at most max_bytes long: a longer MSG is cut on a character boundary and ends with
// kTruncatedMarker (*truncated = true); if even the header and structured data leave no room for the marker,
// the structured data is dropped ("-") as well.
std::string format_rfc5424(int facility, int severity, int64_t unix_us, std::string_view hostname,
                           std::string_view app, uint32_t procid, std::string_view msgid,
                           std::string_view structured_data, std::string_view msg, size_t max_bytes,
                           bool* truncated);

}  // namespace sluice::control::telemetry
