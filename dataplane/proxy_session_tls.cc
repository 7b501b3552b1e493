// dataplane/proxy_session_tls.cc — ProxySession: the TLS legs. The relay says when a leg turns to TLS
// (smtp::TlsStep); this file opens the leg, moves ciphertext between it and TCP, watches the handshakes
// (outcome, deadline, the unsupported-ssl action) and splices a certificate-inspection session.
#include "dataplane/proxy_session.h"

namespace sluice::dataplane {

namespace {

const char* action_word(control::UnsupportedSslAction a) {
  return a == control::UnsupportedSslAction::Block ? "block" : "close";
}

void copy_leg(const tls::TlsLegReport& r, scan::TlsLegRecord& out) {
  out.version = r.version;
  out.cipher = r.cipher;
  out.sni = r.sni;
  out.verify = r.peer_verify;
  out.resumed = r.resumed;
}

}  // namespace

// SMTPS: the client leg is TLS from the first byte (and the backend's too, when implicit); without a terminating
// profile the whole session is spliced.
void ProxySession::start_tls(uint64_t now_ns) {
  client_tls_ = server_tls_ = nullptr;
  client_tls_settled_ = server_tls_settled_ = false;
  client_eof_fed_ = server_eof_fed_ = false;
  splice_ = tls_close_ = false;
  client_handshake_deadline_ns_ = server_handshake_deadline_ns_ = 0;
  if (port_tls_ == nullptr) return;
  relay_.set_tls(port_tls_->relay);
  if (port_tls_->splice_from_start()) {
    splice_ = true;
    inspector_.tls().mode = port_tls_->mode_name;
    inspector_.log_not_inspected("tls_not_inspected");
    ++tls_services_->counters.spliced;
    return;
  }
  if (!port_tls_->smtps) return;
  client_tls_ = tls_services_->legs->open_server(*port_tls_->server, index());
  if (client_tls_ == nullptr) {
    tls_close_ = true;   // no leg free: refuse the session rather than talk plaintext on 465
    return;
  }
  client_handshake_deadline_ns_ = now_ns + port_tls_->handshake_timeout_ns;
  if (port_tls_->backend_implicit) {
    server_tls_ = tls_services_->legs->open_client(*port_tls_->backend, port_tls_->backend_server_name, index());
    if (server_tls_ == nullptr) {
      tls_close_ = true;
      return;
    }
    server_handshake_deadline_ns_ = now_ns + port_tls_->handshake_timeout_ns;
  }
}

void ProxySession::end_tls() {
  if (tls_services_ == nullptr || tls_services_->legs == nullptr) return;
  for (tls::TlsLeg** leg : {&client_tls_, &server_tls_}) {
    if (*leg != nullptr) {
      tls_services_->counters.async_pauses += (*leg)->report().async_pauses;
      tls_services_->legs->release(*leg);
      *leg = nullptr;
    }
  }
}

bool ProxySession::cipher_in(reassembly::TcpEndpoint& tcp, tls::TlsLeg* leg, bool& eof_fed) {
  if (leg == nullptr) return false;
  bool moved = false;
  while (tcp.readable() > 0) {
    const size_t taken = leg->put_ciphertext(tcp.read_view());
    if (taken == 0) break;
    tcp.consume(static_cast<uint32_t>(taken));
    moved = true;
  }
  if (!eof_fed && (tcp.peer_closed() || tcp.is_closed()) && tcp.readable() == 0) {
    eof_fed = true;
    leg->put_peer_eof();
    moved = true;
  }
  leg->pump();
  return moved;
}

bool ProxySession::cipher_out(tls::TlsLeg* leg, reassembly::TcpEndpoint& tcp) {
  if (leg == nullptr || tcp.is_closed()) return false;
  leg->pump();
  bool moved = false;
  for (std::string_view out = leg->ciphertext_out(); !out.empty(); out = leg->ciphertext_out()) {
    const uint32_t written = send(tcp, out);
    if (written == 0) break;
    leg->ciphertext_sent(written);
    moved = true;
  }
  return moved;
}

bool ProxySession::take_tls_step(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns) {
  switch (relay_.tls_step()) {
    case smtp::TlsStep::None:
      return false;
    case smtp::TlsStep::StartBackendTls: {
      if (server_tls_ != nullptr) return false;
      server_tls_ = tls_services_->legs->open_client(*port_tls_->backend, port_tls_->backend_server_name, index());
      if (server_tls_ == nullptr) {
        relay_.on_backend_tls(false, "no TLS leg free");
        return true;
      }
      server_handshake_deadline_ns_ = now_ns + port_tls_->handshake_timeout_ns;
      relay_.tls_step_done();
      cipher_out(server_tls_, server);   // the ClientHello
      return true;
    }
    case smtp::TlsStep::StartClientTls: {
      if (!relay_.to_client().empty()) return false;   // our 220 goes out in plaintext first
      // CVE-2011-0411: whatever the client sent before it could have read our 220 is not TLS; it is dropped.
      if (client.readable() > 0) client.consume(client.readable());
      client_tls_ = tls_services_->legs->open_server(*port_tls_->server, index());
      if (client_tls_ == nullptr) {
        tls_close_ = true;
        return true;
      }
      client_handshake_deadline_ns_ = now_ns + port_tls_->handshake_timeout_ns;
      relay_.tls_step_done();
      return true;
    }
    case smtp::TlsStep::Splice:
      if (!relay_.to_client().empty()) return false;   // the backend's 220 first
      if (client.readable() > 0) client.consume(client.readable());   // pipelined before the 220: dropped
      splice_ = true;
      inspector_.tls().mode = port_tls_->mode_name;
      inspector_.log_not_inspected("tls_not_inspected");
      ++tls_services_->counters.spliced;
      relay_.tls_step_done();
      (void)server;
      return true;
  }
  return false;
}

// Handshake outcomes (once each), failures after them, and the handshake deadlines (TLS-10).
void ProxySession::check_handshakes(uint64_t now_ns) {
  if (client_tls_ != nullptr) {
    const tls::TlsState s = client_tls_->state();
    const bool done = s == tls::TlsState::Established || s == tls::TlsState::Failed || s == tls::TlsState::Closed;
    if (!client_tls_settled_ && done) {
      client_tls_settled_ = true;
      client_handshake_deadline_ns_ = 0;
      if (s == tls::TlsState::Established) {
        ++tls_services_->counters.handshakes;
        scan::TlsRecord& record = inspector_.tls();
        record.mode = port_tls_->mode_name;
        record.client = true;
        copy_leg(client_tls_->report(), record.client_leg);
      } else {
        client_tls_failed(client_tls_->report().failure, client_tls_->report(), now_ns);
      }
    } else if (client_tls_settled_ && s == tls::TlsState::Failed && !tls_close_ && !client_end_told_) {
      // After the handshake: a renegotiation attempt (TLS-3), a bad record, a truncation (TLS-8). The relay
      // abandons any message in flight; both legs close.
      tls_close_ = true;
      relay_.on_client_closed();
      client_end_told_ = true;
    } else if (!client_tls_settled_ && client_handshake_deadline_ns_ != 0 && now_ns >= client_handshake_deadline_ns_) {
      client_tls_settled_ = true;
      client_handshake_deadline_ns_ = 0;
      client_tls_failed("handshake not finished within handshake-timeout", client_tls_->report(), now_ns);
    }
  }
  if (server_tls_ != nullptr && !server_tls_settled_) {
    const tls::TlsState s = server_tls_->state();
    if (s == tls::TlsState::Established) {
      server_tls_settled_ = true;
      server_handshake_deadline_ns_ = 0;
      const tls::TlsLegReport& r = server_tls_->report();
      const bool verified = r.peer_verify == "verified" || r.peer_verify == "not verified";
      backend_tls_settled(verified, verified ? std::string_view{} : std::string_view(r.peer_verify));
    } else if (s == tls::TlsState::Failed || s == tls::TlsState::Closed) {
      server_tls_settled_ = true;
      server_handshake_deadline_ns_ = 0;
      backend_tls_settled(false, server_tls_->report().failure);
    } else if (server_handshake_deadline_ns_ != 0 && now_ns >= server_handshake_deadline_ns_) {
      server_tls_settled_ = true;
      server_handshake_deadline_ns_ = 0;
      backend_tls_settled(false, "handshake not finished within handshake-timeout");
    }
  }
}

void ProxySession::backend_tls_settled(bool ok, std::string_view why) {
  if (ok) {
    scan::TlsRecord& record = inspector_.tls();
    record.backend = true;
    copy_leg(server_tls_->report(), record.backend_leg);
  } else {
    ++tls_services_->counters.backend_failures;
    const tls::TlsLegReport& r = server_tls_->report();
    inspector_.log_tls_failure("backend", why, r.offered_versions, r.offered_ciphers, "close");
  }
  relay_.on_backend_tls(ok, why);
}

void ProxySession::client_tls_failed(std::string_view reason, const tls::TlsLegReport& report, uint64_t now_ns) {
  ++tls_services_->counters.failures;
  const control::UnsupportedSslAction action = report.version_unsupported  ? port_tls_->on_version
                                               : report.cipher_unsupported ? port_tls_->on_cipher
                                                                           : port_tls_->on_negotiation;
  inspector_.log_tls_failure("client", reason, report.offered_versions, report.offered_ciphers, action_word(action));
  if (action == control::UnsupportedSslAction::Block && tls_services_->blocked != nullptr) {
    tls_services_->blocked->block(addresses_.client, now_ns + port_tls_->block_ns);
  }
  // Alert (if OpenSSL made one), then FIN both ways: an MTA that cannot do our TLS retries, in plaintext.
  tls_close_ = true;
  relay_.on_client_closed();
  client_end_told_ = true;
}

// Certificate inspection after the 220 (or SMTPS without termination): bytes move unchanged both ways.
bool ProxySession::splice(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server) {
  bool moved = false;
  for (int d = 0; d < 2; ++d) {
    reassembly::TcpEndpoint& from = d == 0 ? client : server;
    reassembly::TcpEndpoint& to = d == 0 ? server : client;
    while (from.readable() > 0 && !to.is_closed()) {
      const uint32_t written = send(to, from.read_view());
      if (written == 0) break;
      from.consume(written);
      proxy_.count_relayed(d == 0 ? reassembly::Direction::ClientToServer : reassembly::Direction::ServerToClient,
                           written);
      moved = true;
    }
  }
  return moved;
}

}  // namespace sluice::dataplane
