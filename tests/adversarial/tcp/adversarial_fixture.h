// tests/adversarial/tcp/adversarial_fixture.h — the live-dataplane fixture (tests/component/
// live_dataplane_fixture.h: a real LiveWorker on two net_ring ports) with what the THREATS §4 cases need on top:
// the client's frames as bytes a test may damage before injecting them, an IPv6 session, and a record of what
// each peer received in sequence order.
//
// Owns: the frames a crafted client sends (as bytes), polling into each side's WireLog, IPv6 establishment. May call: the component fixture and ring harness.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/adversarial/tcp/wire_log.h"
#include "tests/component/live_dataplane_fixture.h"

namespace sluice::testing {

class AdversarialTcp : public LiveDataplane {
 protected:
  // A client segment as bytes, for the test to damage before injecting.
  std::vector<uint8_t> client_frame(uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload = {},
                                    const reassembly::TcpSynOptions* syn = nullptr) const {
    return tcp_frame(client_, out_mac_, vip_, kClientPort, kSmtp, seq, ack, flags, kPeerWindow, payload, syn);
  }
  void inject_from_client(const std::vector<uint8_t>& frame) { ASSERT_TRUE(app_->inject(Side::Outside, frame)); }

  // Polls once and adds both sides' transmissions to the logs.
  void poll_into(WireLog& to_client, WireLog& to_backend) {
    app_->poll();
    to_client.take(app_->drain(Side::Outside));
    to_backend.take(app_->drain(Side::Inside));
  }

  // The IPv6 twin of establish(): both peers introduced by Neighbor Solicitations, then handshake and greeting.
  void establish_v6() {
    ASSERT_TRUE(app_->inject(Side::Inside, neighbor_solicitation(kBackend6, *IpAddr::parse("fd00::1"))));
    ASSERT_TRUE(app_->inject(Side::Outside, neighbor_solicitation(kClient6, kVip6)));
    app_->poll();
    ASSERT_EQ(app_->drain(Side::Inside).size(), 1u);    // the Neighbor Advertisement to the backend
    ASSERT_EQ(app_->drain(Side::Outside).size(), 1u);   // and to the client
    client_ = kClient6;
    backend_ = kBackend6;
    vip_ = kVip6;
    client_syn();
    complete_handshake();
    greet();
  }

  // The backend answers `command` (already relayed) with `reply`; what the client then gets is logged.
  void backend_replies(WireLog& to_client, WireLog& to_backend, std::string_view reply) {
    from_backend(b_seq(backend_sent_), to_backend.next, kTcpPsh | kTcpAck, reply);
    backend_sent_ += static_cast<uint32_t>(reply.size());
    poll_into(to_client, to_backend);
  }

  uint32_t backend_sent_ = 0;   // reply bytes the crafted backend sent after the greeting
};

}  // namespace sluice::testing
