// tests/unit/smtp/session_script.cc — see session_script.h.
#include "session_script.h"

namespace sluice::smtp::test {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += "[" + item + "]";
  return out;
}

std::string describe_envelope(const Envelope& e) {
  return "helo=" + e.helo + " esmtp=" + std::to_string(e.esmtp) + " from=" + e.mail_from +
         " params=" + join(e.mail_params) + " rcpt=" + join(e.rcpt_to) +
         " rejected=" + join(e.rcpt_rejected);
}

void feed(PassiveSession& session, const Step& step, size_t chunk) {
  std::string_view bytes = step.bytes;
  if (chunk == 0) chunk = bytes.size() + 1;
  do {
    const std::string_view piece = bytes.substr(0, chunk);
    bytes.remove_prefix(piece.size());
    if (step.kind == Step::Client) session.on_client_bytes(piece);
    if (step.kind == Step::Server) session.on_server_bytes(piece);
  } while (!bytes.empty());
}

}  // namespace

std::string Recorder::describe() const {
  std::string out = "events=" + join(events) + " caps=" + join(capabilities) +
                    " flags=" + std::to_string(session_flags) +
                    " encrypted=" + std::to_string(encrypted) +
                    " smtp=" + std::to_string(looks_like_smtp) +
                    " count=" + std::to_string(message_count) + "\n";
  for (const auto& m : messages) {
    out += "begin{" + describe_envelope(m.begin_envelope) + "} content{" + m.content +
           "} ended=" + std::to_string(m.ended) + " end{" + describe_envelope(m.end_envelope) +
           "} complete=" + std::to_string(m.end.complete) +
           " code=" + std::to_string(m.end.final_reply_code) + " text=" + m.end.final_reply_text +
           " size=" + std::to_string(m.end.size) + " flags=" + std::to_string(m.end.flags) +
           " bdat=" + std::to_string(m.end.bdat) + "\n";
  }
  return out;
}

Recorder run_script(const Script& script, size_t chunk, const SmtpLimits& limits) {
  Recorder recorder;
  PassiveSession session(limits, recorder);
  for (const Step& step : script) {
    switch (step.kind) {
      case Step::Client:
      case Step::Server:
        feed(session, step, chunk);
        break;
      case Step::ClientGap:
        session.on_client_gap(step.gap);
        break;
      case Step::ServerGap:
        session.on_server_gap(step.gap);
        break;
      case Step::Close:
        session.on_close();
        break;
    }
  }
  recorder.session_flags = session.flags();
  recorder.encrypted = session.encrypted();
  recorder.looks_like_smtp = session.looks_like_smtp();
  recorder.message_count = session.messages();
  return recorder;
}

Recorder run_both(const Script& script, const SmtpLimits& limits) {
  Recorder whole = run_script(script, 0, limits);
  const Recorder bytewise = run_script(script, 1, limits);
  EXPECT_EQ(whole.describe(), bytewise.describe()) << "1-byte feeding differs from one-shot";
  return whole;
}

uint32_t bits(std::initializer_list<SessionFlag> flags) {
  uint32_t out = 0;
  for (const SessionFlag f : flags) out |= flag_bit(f);
  return out;
}

Script smuggling_prefix() {
  return {
      server("220 mx.protected.example ESMTP\r\n"),
      client("EHLO t\r\n"),
      server("250-mx.protected.example\r\n250 PIPELINING\r\n"),
      client("MAIL FROM:<a@ext.example>\r\n"),
      server("250 2.1.0 Ok\r\n"),
      client("RCPT TO:<u@protected.example>\r\n"),
      server("250 2.1.5 Ok\r\n"),
      client("DATA\r\n"),
      server("354 End data with <CR><LF>.<CR><LF>\r\n"),
  };
}

}  // namespace sluice::smtp::test
