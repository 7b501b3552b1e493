// scan/envelope/decision.h — what the relay does with one envelope command (MAIL FROM or RCPT TO).
//
// Owns: the EnvelopeDecision value every check in scan/envelope returns.
// May call: the C++ standard library only.
#pragma once

#include <string>

namespace sluice::scan::envelope {

struct EnvelopeDecision {
  bool refuse = false;  // false: forward the command to the backend
  int code = 0;         // 550 / 451 ... (0 when not refused)
  std::string reply;    // the reply text after the code: "5.7.1 <r>: Relay access denied"
  std::string rule;     // what decided, for the log: "relay-control", "sender-blocklist", "reputation:a,b", "greylist"
};

}  // namespace sluice::scan::envelope
