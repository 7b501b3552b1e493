// tests/component/smtp_peers.cc — see smtp_peers.h.
#include "tests/component/smtp_peers.h"

#include <rte_mbuf.h>

#include "dataplane/frame_layout.h"
#include "dataplane/tcp_header.h"
#include "reassembly/tcp_options.h"

namespace sluice::testing {

using dataplane::Side;

const Host kClient{{0x02, 0, 0, 0, 0, 0x02}, *dataplane::IpAddr::parse("198.51.100.2")};
const Host kBackend{{0x02, 0, 0, 0, 0, 0x25}, *dataplane::IpAddr::parse("10.0.0.25")};
const dataplane::IpAddr kVip = *dataplane::IpAddr::parse("198.51.100.10");

reassembly::TcpEndpointConfig peer_config() {
  reassembly::TcpEndpointConfig c;
  c.time_wait_ms = 0;
  return c;
}

std::string message_body(uint32_t bytes) {
  std::string body = "From: <a@client.example>\r\nTo: <b@mx.example>\r\nSubject: bench\r\n\r\n";
  while (body.size() < bytes) body += "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
  return body + ".\r\n";
}

std::vector<Step> smtp_steps(const std::string& body) {
  return {{"220", "EHLO client.example\r\n"}, {"250", "MAIL FROM:<a@client.example>\r\n"},
          {"250", "RCPT TO:<b@mx.example>\r\n"}, {"250", "DATA\r\n"}, {"354", body}, {"250", "QUIT\r\n"},
          {"221", ""}};
}

void make_peers(RingAppliance& app, PeerSlot& s) {
  s.client = std::make_unique<EmulatedPeer>(app, Side::Outside, kClient, app.mac(Side::Outside), kVip, 0, 25,
                                                     peer_config());
  s.backend = std::make_unique<EmulatedPeer>(app, Side::Inside, kBackend, app.mac(Side::Inside), kClient.ip,
                                                      25, 0, peer_config());
}

void start_session(PeerSlot& s, uint16_t port, uint32_t iss, uint64_t now) {
  s.port = port;
  s.client->rebind(kVip, port, 25);
  s.backend->rebind(kClient.ip, 25, port);
  s.active = true;
  s.backend_open = s.banner_sent = s.sink_data = s.sink_closed = false;
  s.step = 0;
  s.client_in.clear();
  s.sink_in.clear();
  s.client->tcp().connect(iss, now);
}

namespace {

void sink_handle(PeerSlot& s, uint64_t now) {
  reassembly::TcpEndpoint& tcp = s.backend->tcp();
  if (!s.banner_sent && tcp.state() == reassembly::TcpState::Established) {
    tcp.write("220 sink.example ESMTP\r\n");
    s.banner_sent = true;
  }
  while (tcp.readable() > 0) {
    const std::string_view v = tcp.read_view();
    s.sink_in.append(v);
    tcp.consume(static_cast<uint32_t>(v.size()));
  }
  for (;;) {
    if (s.sink_data) {
      const size_t end = s.sink_in.find("\r\n.\r\n");
      if (end == std::string::npos) {
        if (s.sink_in.size() > 8) s.sink_in.erase(0, s.sink_in.size() - 8);  // keep a possible split terminator
        return;
      }
      s.sink_in.erase(0, end + 5);
      s.sink_data = false;
      tcp.write("250 2.0.0 Ok: queued\r\n");
      continue;
    }
    const size_t eol = s.sink_in.find("\r\n");
    if (eol == std::string::npos) break;
    const std::string_view line(s.sink_in.data(), eol);
    if (line.starts_with("DATA")) {
      tcp.write("354 End data with <CR><LF>.<CR><LF>\r\n");
      s.sink_data = true;
      // The body may start right after DATA's line; the terminator search begins at its CRLF.
      s.sink_in.erase(0, eol);
      continue;
    }
    if (line.starts_with("QUIT")) {
      tcp.write("221 2.0.0 Bye\r\n");
      tcp.close(now);
      s.sink_closed = true;
    } else if (line.starts_with("EHLO")) {
      tcp.write("250 sink.example\r\n");
    } else {
      tcp.write("250 2.1.0 Ok\r\n");
    }
    s.sink_in.erase(0, eol + 2);
  }
  if (s.backend->tcp().peer_closed() && !s.sink_closed) {
    tcp.close(now);
    s.sink_closed = true;
  }
}

void client_handle(PeerSlot& s, const std::vector<Step>& steps, uint64_t now) {
  reassembly::TcpEndpoint& tcp = s.client->tcp();
  while (tcp.readable() > 0) {
    const std::string_view v = tcp.read_view();
    s.client_in.append(v);
    tcp.consume(static_cast<uint32_t>(v.size()));
  }
  size_t eol;
  while (s.step < static_cast<int>(steps.size()) && (eol = s.client_in.find("\r\n")) != std::string::npos) {
    const bool continuation = eol > 3 && s.client_in[3] == '-';   // a multi-line reply ends at "code SP"
    const bool expected = s.client_in.starts_with(steps[s.step].code);
    s.client_in.erase(0, eol + 2);
    if (continuation && expected) continue;
    if (!expected) {
      tcp.abort(now);
      s.step = static_cast<int>(steps.size());
      return;
    }
    if (steps[s.step].send.empty()) {
      tcp.close(now);
    } else {
      tcp.write(steps[s.step].send);
    }
    ++s.step;
  }
}

}  // namespace

void deliver(std::vector<PeerSlot>& slots, const std::vector<int32_t>& slot_of_port, Side side, const rte_mbuf* frame,
             uint32_t* iss, uint64_t now) {
  const uint8_t* data = rte_pktmbuf_mtod(frame, const uint8_t*);
  const size_t length = rte_pktmbuf_data_len(frame);
  dataplane::FrameLayout layout;
  dataplane::TcpHeaderView tcp;
  const dataplane::FrameKind kind = dataplane::locate_layers(data, length, layout);
  if ((kind != dataplane::FrameKind::Ipv4 && kind != dataplane::FrameKind::Ipv6) ||
      !dataplane::read_tcp_header(data, layout, &tcp)) {
    return;
  }
  const uint16_t port = side == Side::Outside ? tcp.dst_port : tcp.src_port;
  const int32_t index = slot_of_port[port];
  if (index < 0 || !slots[index].active) return;
  PeerSlot& s = slots[index];
  if (side == Side::Outside) {
    s.client->deliver(data, length, now);
  } else if (!s.backend_open && tcp.flags == dataplane::kTcpSyn) {
    // smtp-sink's listen socket: a passive open on the worker's SYN.
    s.backend_open = s.backend->accept_dial(data, length, *iss += 104729, now);
  } else {
    s.backend->deliver(data, length, now);
  }
}

SlotEnd run_slot(PeerSlot& s, const std::vector<Step>& steps, uint64_t now) {
  client_handle(s, steps, now);
  if (s.backend_open) sink_handle(s, now);
  for (EmulatedPeer* p : {s.client.get(), s.backend.get()}) {
    // Flush before the timers: with time-wait 0 the timer would close the endpoint before the ACK of the
    // peer's FIN (coalesced until flush) left.
    p->tcp().flush(now);
    if (p->tcp().next_timer_ns() <= now) {
      p->tcp().on_timer(now);
      p->tcp().flush(now);
    }
  }
  const bool client_done = s.client->tcp().is_closed();
  const bool backend_done = !s.backend_open || s.backend->tcp().is_closed();
  if (client_done && backend_done && s.step > 0) {
    s.active = false;
    return s.client->tcp().close_reason() == reassembly::EndpointCloseReason::Normal &&
                   s.step == static_cast<int>(steps.size())
               ? SlotEnd::Completed
               : SlotEnd::Reset;
  }
  if (client_done && s.step == 0 && s.client->tcp().close_reason() != reassembly::EndpointCloseReason::None) {
    s.active = false;   // refused before the banner
    return SlotEnd::Reset;
  }
  return SlotEnd::Running;
}

}  // namespace sluice::testing
