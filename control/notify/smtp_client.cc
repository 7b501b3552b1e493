#include "control/notify/smtp_client.h"

#include <cstdio>

#include "control/notify/smtp_session.h"

namespace sluice::control::notify {

const char* secure_option_name(SecureOption option) {
  switch (option) {
    case SecureOption::Default: return "default";
    case SecureOption::None: return "none";
    case SecureOption::Smtps: return "smtps";
    case SecureOption::Starttls: return "starttls";
  }
  return "default";
}

bool parse_secure_option(std::string_view word, SecureOption* out) {
  for (SecureOption o : {SecureOption::Default, SecureOption::None, SecureOption::Smtps, SecureOption::Starttls}) {
    if (word == secure_option_name(o)) {
      *out = o;
      return true;
    }
  }
  return false;
}

std::string format_transcript(const Transcript& transcript) {
  std::string out;
  char stamp[32];
  for (const Transcript::Step& step : transcript.steps) {
    std::snprintf(stamp, sizeof stamp, "+%llu.%03llu ms ", static_cast<unsigned long long>(step.at_us / 1000),
                  static_cast<unsigned long long>(step.at_us % 1000));
    out += stamp;
    out += step.direction;
    out += ": ";
    out += step.text;
    out += '\n';
  }
  return out;
}

SendResult send_mail(const MailServer& server, const std::string& from, const std::vector<std::string>& to,
                     std::string_view message, Transcript* transcript) {
  SendResult result;
  if (!valid_envelope_address(from, true)) {
    result.error = "sender address '" + from + "' is not a valid envelope address";
    return result;
  }
  if (to.empty()) {
    result.error = "no recipients";
    return result;
  }
  for (const std::string& rcpt : to) {
    if (!valid_envelope_address(rcpt, false)) {
      result.error = "recipient address '" + rcpt + "' is not a valid envelope address";
      return result;
    }
  }

  SmtpSession session(server, transcript);
  result = session.open();
  if (!result.ok) {
    session.quit();
    return result;
  }
  SmtpReply reply;
  std::string error;
  auto abandon = [&](SendResult r) {
    session.quit();
    return r;
  };
  if (!session.command("MAIL FROM:<" + from + ">", &reply, &error)) return abandon({false, true, error, ""});
  if (!reply.positive()) return abandon(SmtpSession::from_reply("MAIL FROM rejected", reply));

  std::string refused;
  size_t accepted = 0;
  SmtpReply last_refusal;
  for (const std::string& rcpt : to) {
    if (!session.command("RCPT TO:<" + rcpt + ">", &reply, &error)) return abandon({false, true, error, ""});
    if (reply.positive()) {
      ++accepted;
    } else if (reply.transient()) {
      SmtpReply ignored;
      session.command("RSET", &ignored, &error);
      return abandon(SmtpSession::from_reply("RCPT TO:<" + rcpt + "> deferred", reply));
    } else {
      refused += (refused.empty() ? "" : "; ") + ("RCPT TO:<" + rcpt + "> rejected: " + reply.text());
      last_refusal = reply;
    }
  }
  if (accepted == 0) {
    SendResult r = SmtpSession::from_reply("RCPT", last_refusal);
    r.error = refused;
    return abandon(r);
  }
  result = session.send_message(message);
  if (result.ok && !refused.empty()) result.error = refused;   // delivered, but not to everyone
  session.quit();
  return result;
}

}  // namespace sluice::control::notify
