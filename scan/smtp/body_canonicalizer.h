// scan/smtp/body_canonicalizer.h — the one rule for stray CR and LF in message content, and dot-stuffing on the
// way out (THREATS.md §2).
//
// Owns: a byte of state per message for each of the two steps. Calls nothing.
//
// CANONICAL CONTENT is what the scanner reads and what the backend stores: lines that end in CR LF and contain no
// other CR or LF.
//   - a CR LF pair is kept (also when the pair is split across two calls);
//   - a bare LF becomes CR LF: senders that end lines in LF keep their line structure (RFC 5321 §2.3.8, the
//     behaviour of Postfix 3.9 `normalize`);
//   - a bare CR becomes a space: no MTA ends a line with it, and a space can never form a line end or a "." line
//     (Postfix `cleanup_replace_stray_cr_lf`);
//   - NUL and every other byte are kept.
// A "." line made by this rule (SM-1..SM-12) is content, never an end of data: the DataDecoder found the only end
// of data before this step, and DotStuffer stuffs the line again for a DATA backend, so no CR LF "." CR LF is
// ever created downstream (the Cisco "Clean" trap of SM-4). `stray()` tells whether any rewrite happened, for the
// `bare-newline reject` setting.
#pragma once

#include <cstdint>
#include <string_view>

#include "scan/smtp/relay_output.h"

namespace sluice::smtp {

class BodyCanonicalizer {
 public:
  void reset() {
    pending_cr_ = false;
    bare_cr_ = bare_lf_ = false;
  }
  // Appends the canonical form of `in` to `out` (at most 2 * in.size() + 1 bytes).
  template <class Sink>
  void feed(std::string_view in, Sink& out);
  // End of content: a CR still pending had no LF after it.
  template <class Sink>
  void finish(Sink& out) {
    if (pending_cr_) {
      out.append(std::string_view(" ", 1));
      bare_cr_ = true;
      pending_cr_ = false;
    }
  }
  bool stray() const { return bare_cr_ || bare_lf_; }
  bool bare_cr() const { return bare_cr_; }
  bool bare_lf() const { return bare_lf_; }

 private:
  bool pending_cr_ = false;
  bool bare_cr_ = false;
  bool bare_lf_ = false;
};

template <class Sink>
void BodyCanonicalizer::feed(std::string_view in, Sink& out) {
  size_t run_start = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '\r' && c != '\n') {
      if (pending_cr_) {  // CR followed by an ordinary byte
        out.append(std::string_view(" ", 1));
        bare_cr_ = true;
        pending_cr_ = false;
      }
      continue;
    }
    out.append(in.substr(run_start, i - run_start));
    run_start = i + 1;
    if (c == '\r') {
      if (pending_cr_) {  // CR CR: the first one is stray
        out.append(std::string_view(" ", 1));
        bare_cr_ = true;
      }
      pending_cr_ = true;
    } else {  // LF
      if (!pending_cr_) bare_lf_ = true;
      out.append(std::string_view("\r\n", 2));
      pending_cr_ = false;
    }
  }
  out.append(in.substr(run_start));
}

// Re-stuffs canonical content for a DATA transaction (RFC 5321 §4.5.2): a line that starts with "." gets one more.
class DotStuffer {
 public:
  void reset() { at_line_start_ = true; }
  template <class Sink>
  void feed(std::string_view canonical, Sink& out) {
    size_t run_start = 0;
    for (size_t i = 0; i < canonical.size(); ++i) {
      if (at_line_start_ && canonical[i] == '.') {
        out.append(canonical.substr(run_start, i - run_start));
        out.append(std::string_view(".", 1));
        run_start = i;
      }
      at_line_start_ = canonical[i] == '\n';
    }
    out.append(canonical.substr(run_start));
  }
  // The terminator: CR LF first when the content did not end a line (RFC 5321: the end of data starts a line).
  template <class Sink>
  void finish(Sink& out) {
    if (!at_line_start_) out.append(std::string_view("\r\n", 2));
    out.append(std::string_view(".\r\n", 3));
    at_line_start_ = true;
  }

 private:
  bool at_line_start_ = true;
};

}  // namespace sluice::smtp
