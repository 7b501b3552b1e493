// tests/adversarial/limits/relay_conversation.cc — see relay_conversation.h.
#include "tests/adversarial/limits/relay_conversation.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cctype>
#include <chrono>

#include "dataplane/frame_layout.h"
#include "dataplane/tcp_header.h"
#include "reassembly/tcp_options.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"

namespace sluice::testing {

using dataplane::Side;

namespace {

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

constexpr uint16_t kClientPort = 41000;
// How many bytes the client hands its TCP endpoint per pump: bounded by the endpoint's send buffer anyway.
constexpr size_t kWriteSlice = 16 * 1024;

}  // namespace

std::string limits_config(const LimitsConfig& c) {
  // The ring harness's addresses and VIP (tests/component/ring_config.h); a later block's `set`s win.
  std::string text = "config system tcp\n  set time-wait 0\nend\nconfig smtp protocol-options\n  set ports 25\n" +
                     c.protocol_options + "end\n";
  if (!c.mime_limits.empty()) text += "config mime limits\n" + c.mime_limits + "end\n";
  if (!c.archive.empty()) text += "config archive\n" + c.archive + "end\n";
  if (!c.url_filter.empty()) text += "config url-filter\n" + c.url_filter + "end\n";
  return ring_config({.extra = text + c.extra});
}

int count_replies(std::string_view text, size_t* consumed) {
  int n = 0;
  size_t pos = 0, end_of_last = 0;
  for (;;) {
    const size_t eol = text.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.size() >= 4 && line[3] == '-') continue;   // a continuation: the reply goes on
    ++n;
    end_of_last = pos;
  }
  if (consumed != nullptr) *consumed = end_of_last;
  return n;
}

RelayConversation::RelayConversation(const std::string& config_text, ScriptedBackend backend)
    : script_(std::move(backend)) {
  RingApplianceLimits limits;
  app_ = std::make_unique<RingAppliance>(config_text, limits);
  if (!app_->ok()) return;
  client_ = std::make_unique<EmulatedPeer>(*app_, Side::Outside, kClient, app_->mac(Side::Outside), kVip,
                                           kClientPort, 25, peer_config());
  server_ = std::make_unique<EmulatedPeer>(*app_, Side::Inside, kBackend, app_->mac(Side::Inside), kClient.ip, 25,
                                           kClientPort, peer_config());
}

RelayConversation::~RelayConversation() = default;

bool RelayConversation::ok() const { return app_->ok(); }
std::string RelayConversation::error() const { return app_->error(); }

bool RelayConversation::open() {
  app_->inject(Side::Inside, arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
  app_->inject(Side::Outside, arp_request(kClient, kVip));
  app_->poll(2);
  app_->discard(Side::Inside);
  app_->discard(Side::Outside);
  client_->tcp().connect(iss_, now_ns());
  client_->tcp().flush(now_ns());
  const std::string banner = replies(1, 5);
  return banner.starts_with("220 ");
}

void RelayConversation::send(std::string_view bytes) {
  if (pending_sent_ == pending_.size()) {
    pending_.clear();
    pending_sent_ = 0;
  }
  pending_.append(bytes);
}

bool RelayConversation::client_closed_by_appliance() const {
  const reassembly::TcpEndpoint& tcp = client_->tcp();
  return tcp.peer_closed() || tcp.close_reason() == reassembly::EndpointCloseReason::ResetByPeer;
}

void RelayConversation::pump() {
  const uint64_t now = now_ns();
  app_->poll(1);
  rte_mbuf* burst[256];
  for (Side side : {Side::Outside, Side::Inside}) {
    uint32_t n;
    while ((n = app_->take(side, burst, 256)) > 0) {
      for (uint32_t k = 0; k < n; ++k) {
        const uint8_t* data = rte_pktmbuf_mtod(burst[k], const uint8_t*);
        const size_t length = rte_pktmbuf_data_len(burst[k]);
        if (side == Side::Outside) {
          if (client_->owns(data, length)) client_->deliver(data, length, now);
          continue;
        }
        if (!server_->owns(data, length)) continue;
        // The backend's listening socket: a passive open on the appliance's SYN.
        if (!backend_open_ && server_->accept_dial(data, length, iss_ + 104729, now)) {
          iss_ += 104729;
          backend_open_ = true;
        } else {
          server_->deliver(data, length, now);
        }
      }
      rte_pktmbuf_free_bulk(burst, n);
    }
  }
  reassembly::TcpEndpoint& c = client_->tcp();
  while (c.readable() > 0) {
    const std::string_view v = c.read_view();
    client_in_.append(v);
    c.consume(static_cast<uint32_t>(v.size()));
  }
  if (pending_sent_ < pending_.size() && c.state() == reassembly::TcpState::Established) {
    const std::string_view rest = std::string_view(pending_).substr(pending_sent_, kWriteSlice);
    pending_sent_ += c.write(rest);
  }
  if (backend_open_) run_backend();
  for (EmulatedPeer* p : {client_.get(), server_.get()}) {
    p->tcp().flush(now);
    if (p->tcp().next_timer_ns() <= now) {
      p->tcp().on_timer(now);
      p->tcp().flush(now);
    }
  }
}

void RelayConversation::run_backend() {
  reassembly::TcpEndpoint& tcp = server_->tcp();
  if (!banner_sent_ && tcp.state() == reassembly::TcpState::Established) {
    tcp.write("220 mx.example ESMTP\r\n");
    banner_sent_ = true;
  }
  while (tcp.readable() > 0) {
    const std::string_view v = tcp.read_view();
    log_.raw.append(v);
    backend_in_.append(v);
    tcp.consume(static_cast<uint32_t>(v.size()));
  }
  for (;;) {
    if (log_.in_data) {
      // Content begins right after 354 and ends at CRLF.CRLF; the search starts at DATA's own CRLF, kept.
      const size_t end = backend_in_.find("\r\n.\r\n");
      if (end == std::string::npos) {
        // backend_in_[0, 2) is always accounted for already (DATA's CRLF, or content moved to `partial`); keep
        // the last 10 bytes so a terminator split across reads is still found, move the rest to `partial`.
        if (backend_in_.size() > 10) {
          log_.partial.append(backend_in_, 2, backend_in_.size() - 10);
          backend_in_.erase(0, backend_in_.size() - 10);
        }
        break;
      }
      log_.partial.append(backend_in_, 2, end);   // with the CRLF ending the last line
      log_.messages.push_back(std::move(log_.partial));
      log_.partial.clear();
      backend_in_.erase(0, end + 5);
      log_.in_data = false;
      tcp.write("250 2.0.0 Ok: queued as 1\r\n");
      continue;
    }
    const size_t eol = backend_in_.find("\r\n");
    if (eol == std::string::npos) break;
    const std::string line = backend_in_.substr(0, eol);
    backend_in_.erase(0, eol + 2);
    backend_line(line);
  }
  if (tcp.peer_closed() && !backend_closed_) {
    tcp.close(now_ns());
    backend_closed_ = true;
  }
}

void RelayConversation::backend_line(std::string_view line) {
  reassembly::TcpEndpoint& tcp = server_->tcp();
  log_.commands.emplace_back(line);
  if (script_.reply_to) {
    if (std::optional<std::string> reply = script_.reply_to(line)) {
      tcp.write(*reply);
      return;
    }
  }
  auto verb = [&](std::string_view v) {
    if (line.size() < v.size()) return false;
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(line[i])) != v[i]) return false;
    }
    return true;
  };
  if (verb("EHLO")) {
    tcp.write(script_.ehlo);
  } else if (verb("DATA")) {
    tcp.write("354 End data with <CR><LF>.<CR><LF>\r\n");
    log_.in_data = true;
    log_.partial.clear();
    backend_in_.insert(0, "\r\n");   // the content's first line starts after a CRLF, like every other
  } else if (verb("QUIT")) {
    tcp.write("221 2.0.0 Bye\r\n");
    tcp.close(now_ns());
    backend_closed_ = true;
  } else {
    tcp.write("250 2.1.0 Ok\r\n");
  }
}

std::string RelayConversation::replies(int count, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  size_t consumed = 0;
  while (count_replies(client_in_, &consumed) < count && std::chrono::steady_clock::now() < deadline) {
    pump();
  }
  int have = count_replies(client_in_, &consumed);
  if (have > count) {   // return exactly `count`: find where the count-th reply ends
    size_t pos = 0, end = 0;
    for (int n = 0; n < count;) {
      const size_t eol = client_in_.find("\r\n", pos);
      const bool continuation = eol - pos >= 4 && client_in_[pos + 3] == '-';
      pos = eol + 2;
      if (!continuation) {
        ++n;
        end = pos;
      }
    }
    consumed = end;
  }
  std::string out = client_in_.substr(0, consumed);
  client_in_.erase(0, consumed);
  return out;
}

void RelayConversation::settle(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) pump();
}

bool RelayConversation::start_message() {
  const std::string ehlo = exchange("EHLO client.example\r\n");
  EXPECT_TRUE(ehlo.starts_with("250")) << ehlo;
  const std::string mail = exchange("MAIL FROM:<a@client.example>\r\n");
  EXPECT_TRUE(mail.starts_with("250")) << mail;
  const std::string rcpt = exchange("RCPT TO:<b@mx.example>\r\n");
  EXPECT_TRUE(rcpt.starts_with("250")) << rcpt;
  const std::string data = exchange("DATA\r\n");
  EXPECT_TRUE(data.starts_with("354")) << data;
  return ehlo.starts_with("250") && mail.starts_with("250") && rcpt.starts_with("250") && data.starts_with("354");
}

}  // namespace sluice::testing
