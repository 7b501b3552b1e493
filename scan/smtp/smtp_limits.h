// scan/smtp/smtp_limits.h — the limits and the anomaly flags shared by every
// part of the SMTP parser (passive session now, live relay later).
// Owns: SmtpLimits, SessionFlag and their log names. Calls nothing.
#pragma once

#include <cstdint>

namespace sluice::smtp {

// Every bound the parser applies. Defaults follow Postfix where it has one
// (line_length_limit 2048, smtpd_recipient_limit 1000) so that the appliance
// never rejects what the protected backend would accept.
struct SmtpLimits {
  // Longest client command line kept whole (without CRLF); longer lines are
  // read in pieces and flagged LongCommand (RES-5).
  uint32_t max_command_line = 2048;
  // Longest server reply line kept whole (without CRLF).
  uint32_t max_reply_line = 2048;
  // Body lines longer than this are flagged LongLine; they are never split
  // or dropped (RES-6, the TRex 90,000-byte line).
  uint32_t max_line_length = 2048;
  // Recipients kept per transaction (accepted and refused each); more set
  // TooManyRecipients (RES-8).
  uint32_t max_recipients = 1000;
  // Commands awaiting a reply; beyond this replies can no longer be matched
  // and the session is flagged Desync.
  uint32_t max_pipelined_commands = 1000;
  // Client bytes kept while waiting for the reply to DATA or STARTTLS
  // (SM-18, CVE-2011-0411); the excess is treated as a gap.
  uint32_t max_held_bytes = 65536;
  // Lines of one multi-line reply whose text is kept (EHLO capabilities);
  // later lines are still parsed, their text is not stored (ST-14).
  uint32_t max_reply_lines = 256;
  // Reply text handed to the sink (greeting, final reply) is cut here.
  uint32_t max_reply_text = 512;
};

// Anomalies, one bit each. A session keeps the union; every message keeps
// the bits raised between its MAIL command and its end.
enum class SessionFlag : uint32_t {
  BareLf = 1,                 // LF not preceded by CR
  BareCr = 2,                 // CR not followed by LF
  SmugglingSequence = 4,      // a "." line with non-CRLF line ends (SM-1..12)
  NulInData = 8,              // NUL byte in the message content
  LongLine = 16,              // body line over max_line_length
  LongCommand = 32,           // command line over max_command_line
  Truncated = 64,             // bytes lost (gap) or connection closed mid-message
  Desync = 128,               // the server saw a state we did not
  StarttlsInjection = 256,    // plaintext pipelined after STARTTLS
  Pipelining = 512,           // a command sent before the previous reply
  Bdat = 1024,                // CHUNKING used
  TooManyRecipients = 2048,   // over max_recipients
  PreGreeting = 4096,         // client spoke before the banner
  UnknownCommand = 8192,      // unknown verb or malformed command
  MalformedReply = 16384,     // server line without a valid reply code
  BackendPlaintext = 32768,   // the client got TLS while the backend leg stayed plaintext (opportunistic/none)
  BackendInjection = 65536,   // the backend sent bytes after its 220 to STARTTLS (ST-6)
};

constexpr uint32_t flag_bit(SessionFlag f) { return static_cast<uint32_t>(f); }

// snake_case name for logs ("bare_lf"); "unknown" for a value not listed.
const char* session_flag_name(SessionFlag flag);

}  // namespace sluice::smtp
