// scan/smtp/command_parser.h — reads one client command line (RFC 5321 §4.1).
// Owns: nothing but a reusable parameter list. Calls nothing.
//
// Tolerance is chosen to match what real MTAs accept, since the appliance
// must read commands the way the backend does: verbs are case-insensitive
// (`Mail From:` from the TRex captures), spaces are allowed after the colon
// of `MAIL FROM:` / `RCPT TO:` (`Rcpt To: <b>`), and the path may lack its
// angle brackets. ESMTP parameters are the space-separated words after the
// path, kept as sent (`SIZE=1234`, `BODY=8BITMIME`).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::smtp {

enum class Verb : uint8_t {
  Unknown,   // verb not recognised, or a known verb with broken syntax
  Helo, Ehlo, Mail, Rcpt, Data, Bdat, Rset, Quit, Starttls,
  Noop, Vrfy, Expn, Help, Auth,
};

struct Command {
  Verb verb = Verb::Unknown;
  std::string_view argument;    // MAIL/RCPT: the path without <>; HELO/EHLO: the
                                // domain; other verbs: the text after the verb
  std::span<const std::string_view> params;  // MAIL/RCPT ESMTP parameters
  uint64_t bdat_size = 0;       // BDAT: the announced chunk size
  bool bdat_last = false;       // BDAT: the LAST keyword was present
};

class CommandParser {
 public:
  CommandParser() { params_.reserve(8); }

  // Parses `line` (no CRLF). Views in the result point into `line` and stay
  // valid as long as it does. Broken syntax yields Verb::Unknown.
  Command parse(std::string_view line);

 private:
  bool parse_path_command(std::string_view rest, std::string_view keyword, Command& out);
  static bool parse_bdat(std::string_view rest, Command& out);

  std::vector<std::string_view> params_;  // reused between calls
};

// Case-insensitive ASCII comparison, shared with the reply side.
bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace sluice::smtp
