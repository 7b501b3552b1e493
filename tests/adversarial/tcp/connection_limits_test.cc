// THREATS RES-2: connections per client and in total. Expected: beyond the per-client limit, `421 4.7.0 Error: too
// many connections` and close; a global cap as well; other clients still served.
// Sluice: `config system session` max-connections-per-client (default 50, Postfix's) and max-flows. A client over
// either gets its handshake completed statelessly (a SYN cookie) and one segment with the 421 and FIN; no backend
// is dialled and nothing is kept. Real endpoints on both sides (tests/component/ring_appliance.h EmulatedPeer).
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/component/ring_appliance.h"
#include "tests/component/ring_config.h"
#include "tests/component/smtp_peers.h"

namespace sluice::testing {
namespace {

using dataplane::Side;

const Host kOtherClient{{0x02, 0, 0, 0, 0, 0x03}, *dataplane::IpAddr::parse("198.51.100.3")};
constexpr std::string_view kBanner = "220 mx.example ESMTP\r\n";

// One client connection and the backend behind it (the backend accepts whatever the appliance dials).
struct Connection {
  std::unique_ptr<EmulatedPeer> client, backend;
  bool dialled = false, banner_sent = false;
  std::string heard;   // every byte the client received
};

class ConnectionLimits : public ::testing::Test {
 protected:
  void start(uint32_t per_client, uint32_t max_flows = 65536) {
    app_ = std::make_unique<RingAppliance>(ring_config({.max_flows = max_flows,
                                                        .max_connections_per_client = per_client,
                                                        .extra = "config system tcp\n  set time-wait 0\nend\n"}));
    ASSERT_TRUE(app_->ok()) << app_->error();
    app_->inject(Side::Inside, arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
    app_->inject(Side::Outside, arp_request(kClient, kVip));
    app_->inject(Side::Outside, arp_request(kOtherClient, kVip));
    app_->poll(2);
    app_->discard(Side::Inside);
    app_->discard(Side::Outside);
  }

  Connection& open(const Host& from) {
    auto c = std::make_unique<Connection>();
    const uint16_t port = next_port_++;
    c->client = std::make_unique<EmulatedPeer>(*app_, Side::Outside, from, app_->mac(Side::Outside), kVip, port, 25,
                                               peer_config());
    c->backend = std::make_unique<EmulatedPeer>(*app_, Side::Inside, kBackend, app_->mac(Side::Inside), from.ip, 25,
                                                port, peer_config());
    c->client->tcp().connect(iss_ += 7919, now_);
    c->client->tcp().flush(now_);
    connections_.push_back(std::move(c));
    return *connections_.back();
  }

  // Polls the appliance and runs every peer for `rounds` rounds (5 ms of peer time each).
  void pump(int rounds = 40) {
    std::vector<rte_mbuf*> burst(64);
    for (int r = 0; r < rounds; ++r) {
      now_ += 5'000'000;
      app_->poll(1);
      for (Side side : {Side::Outside, Side::Inside}) {
        uint32_t n;
        while ((n = app_->take(side, burst.data(), static_cast<uint32_t>(burst.size()))) > 0) {
          for (uint32_t k = 0; k < n; ++k) hand_over(side, burst[k]);
          rte_pktmbuf_free_bulk(burst.data(), n);
        }
      }
      for (auto& c : connections_) run(*c);
    }
  }

  uint64_t counter_client_limit() { return app_->worker().counters().sessions_refused_client_limit.get(); }
  uint64_t counter_table_full() { return app_->worker().counters().sessions_refused_table_full.get(); }

  std::unique_ptr<RingAppliance> app_;
  std::vector<std::unique_ptr<Connection>> connections_;
  uint64_t now_ = 1'000'000'000;

 private:
  void hand_over(Side side, const rte_mbuf* frame) {
    const uint8_t* data = rte_pktmbuf_mtod(frame, const uint8_t*);
    const size_t length = rte_pktmbuf_data_len(frame);
    for (auto& c : connections_) {
      EmulatedPeer& peer = side == Side::Outside ? *c->client : *c->backend;
      if (!peer.owns(data, length)) continue;
      if (side == Side::Inside && !c->dialled) {
        c->dialled = c->backend->accept_dial(data, length, iss_ += 104729, now_);   // the backend's listener
      } else {
        peer.deliver(data, length, now_);
      }
      return;
    }
  }

  void run(Connection& c) {
    if (c.dialled && !c.banner_sent && c.backend->tcp().state() == reassembly::TcpState::Established) {
      c.backend->tcp().write(kBanner);
      c.banner_sent = true;
    }
    reassembly::TcpEndpoint& client = c.client->tcp();
    while (client.readable() > 0) {
      const std::string_view v = client.read_view();
      c.heard.append(v);
      client.consume(static_cast<uint32_t>(v.size()));
    }
    for (EmulatedPeer* p : {c.client.get(), c.backend.get()}) {
      p->tcp().flush(now_);
      if (p->tcp().next_timer_ns() <= now_) {
        p->tcp().on_timer(now_);
        p->tcp().flush(now_);
      }
    }
  }

  uint16_t next_port_ = 30000;
  uint32_t iss_ = 1;
};

TEST_F(ConnectionLimits, ClientOverItsLimitHears421AndOtherClientsAreServed) {
  start(3);
  for (int i = 0; i < 3; ++i) open(kClient);
  pump();
  for (auto& c : connections_) {
    EXPECT_EQ(c->heard, kBanner);
    EXPECT_TRUE(c->dialled);
  }
  Connection& fourth = open(kClient);
  pump();
  EXPECT_EQ(fourth.heard, "421 4.7.0 Error: too many connections from 198.51.100.2\r\n");
  EXPECT_TRUE(fourth.client->tcp().peer_closed()) << "the 421 comes with FIN";
  EXPECT_FALSE(fourth.dialled) << "no backend connection for a refused client";
  EXPECT_EQ(counter_client_limit(), 1u);
  EXPECT_EQ(app_->worker().sessions_in_use(), 3u);

  Connection& other = open(kOtherClient);
  pump();
  EXPECT_EQ(other.heard, kBanner) << "another client is served";
  EXPECT_TRUE(other.dialled);
}

TEST_F(ConnectionLimits, ClosingAConnectionMakesRoomAtOnce) {
  start(2);
  open(kClient);
  open(kClient);
  pump();
  Connection& refused = open(kClient);
  pump();
  EXPECT_TRUE(refused.heard.starts_with("421 4.7.0")) << refused.heard;
  // The first client closes (QUIT's effect on TCP). Its session may still be closing on the backend side, or in
  // TIME-WAIT: those are the appliance's, not the client's, and do not count.
  connections_[0]->client->tcp().close(now_);
  pump();
  Connection& again = open(kClient);
  pump();
  EXPECT_EQ(again.heard, kBanner);
  EXPECT_TRUE(again.dialled);
  EXPECT_EQ(counter_client_limit(), 1u);
}

TEST_F(ConnectionLimits, EverySessionInUseGives421InsteadOfASilentDrop) {
  start(0, 16);   // no per-client limit; max-flows 16 (its minimum)
  for (int i = 0; i < 16; ++i) open(kClient);
  pump();
  for (auto& c : connections_) ASSERT_EQ(c->heard, kBanner);
  Connection& seventeenth = open(kOtherClient);
  pump();
  EXPECT_EQ(seventeenth.heard, "421 4.7.0 Error: too many connections\r\n");
  EXPECT_FALSE(seventeenth.dialled);
  EXPECT_EQ(counter_table_full(), 1u);
  EXPECT_EQ(counter_client_limit(), 0u);
}

TEST_F(ConnectionLimits, ZeroMeansNoPerClientLimit) {
  start(0);
  for (int i = 0; i < 60; ++i) open(kClient);   // over Postfix's 50
  pump(80);
  for (auto& c : connections_) EXPECT_EQ(c->heard, kBanner);
  EXPECT_EQ(counter_client_limit(), 0u);
}

}  // namespace
}  // namespace sluice::testing
