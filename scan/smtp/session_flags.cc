// scan/smtp/session_flags.cc — log names of SessionFlag bits.
#include "scan/smtp/smtp_limits.h"

namespace sluice::smtp {

const char* session_flag_name(SessionFlag flag) {
  switch (flag) {
    case SessionFlag::BareLf: return "bare_lf";
    case SessionFlag::BareCr: return "bare_cr";
    case SessionFlag::SmugglingSequence: return "smuggling_sequence";
    case SessionFlag::NulInData: return "nul_in_data";
    case SessionFlag::LongLine: return "long_line";
    case SessionFlag::LongCommand: return "long_command";
    case SessionFlag::Truncated: return "truncated";
    case SessionFlag::Desync: return "desync";
    case SessionFlag::StarttlsInjection: return "starttls_injection";
    case SessionFlag::Pipelining: return "pipelining";
    case SessionFlag::Bdat: return "bdat";
    case SessionFlag::TooManyRecipients: return "too_many_recipients";
    case SessionFlag::PreGreeting: return "pre_greeting";
    case SessionFlag::UnknownCommand: return "unknown_command";
    case SessionFlag::MalformedReply: return "malformed_reply";
    case SessionFlag::BackendPlaintext: return "backend_plaintext";
    case SessionFlag::BackendInjection: return "backend_starttls_injection";
  }
  return "unknown";
}

}  // namespace sluice::smtp
