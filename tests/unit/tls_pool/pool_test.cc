// The TLS worker pool with real handshakes: a pooled server leg against an in-thread client TlsSession (TLS 1.2
// and 1.3, RSA and ECDSA certificates, 1 MiB each way byte for byte, close_notify both ways), a pooled client
// leg against an in-thread server (backend verification), 200 sessions at once over 2 TLS workers driven from
// one dataplane thread by poll(), release in the middle of a handshake, exhaustion, and the two handshake
// failures the log classifies (version below min-version, no shared cipher).
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/tls/tls_fixture.h"
#include "tests/unit/tls_pool/pool_harness.h"

namespace sluice::tls::test {
namespace {

class Pool : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = make_server(Suite::get().server_settings()).release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static TlsWorkerPoolSettings small(uint32_t tls_workers, uint32_t max_legs) {
    TlsWorkerPoolSettings s;
    s.tls_workers = tls_workers;
    s.max_legs = max_legs;
    s.cipher_ring_bytes = 16 * 1024;
    s.plain_ring_bytes = 16 * 1024;
    return s;
  }
  static uint64_t total(RunningPool& p, std::atomic<uint64_t> TlsWorkerStats::*field) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < p.pool().settings().tls_workers; ++i) n += (p.pool().stats(i).*field).load();
    return n;
  }
  static inline TlsServerContext* server_ = nullptr;
};

struct TransferCase {
  int version;
  const char* sigalgs;
  int key_type;
  const char* name;
};

class PoolTransfer : public Pool, public ::testing::WithParamInterface<TransferCase> {};

TEST_P(PoolTransfer, OneMiBEachWayByteExact) {
  const TransferCase& c = GetParam();
  RunningPool running(small(1, 4));
  auto cctx = make_client({.max_version = c.version, .min_version = c.version, .sigalgs = c.sigalgs});
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = running.source().open_server(*server_, 7);
  ASSERT_NE(conv.leg, nullptr);
  conv.to_server = pattern(1 << 20, 1);
  conv.to_client = pattern(1 << 20, 2);

  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.transferred(); }))
      << "leg " << state_name(conv.leg->state()) << ": " << conv.leg->report().failure << " / client "
      << state_name(conv.peer->state()) << ": " << conv.peer->failure() << "; got " << conv.got_at_server.size()
      << " / " << conv.got_at_client.size();
  EXPECT_TRUE(conv.got_at_server == conv.to_server);
  EXPECT_TRUE(conv.got_at_client == conv.to_client);
  EXPECT_EQ(peer_key_type(*conv.peer), c.key_type);

  const TlsLegReport& r = conv.leg->report();
  EXPECT_EQ(r.version, c.version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2");
  EXPECT_EQ(r.cipher, conv.peer->cipher_name());
  EXPECT_EQ(r.sni, "mail.example.test");
  EXPECT_FALSE(r.resumed);
  EXPECT_TRUE(r.failure.empty()) << r.failure;
  EXPECT_FALSE(r.version_unsupported);
  EXPECT_FALSE(r.cipher_unsupported);
  EXPECT_FALSE(r.offered_versions.empty());

  // close() on the leg: close_notify out, the client answers, both end Closed.
  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.closed(); }, std::chrono::seconds(10)))
      << state_name(conv.leg->state()) << " / " << state_name(conv.peer->state());
  EXPECT_EQ(total(running, &TlsWorkerStats::handshakes), 1u);
  EXPECT_EQ(total(running, &TlsWorkerStats::handshake_failures), 0u);
  running.source().release(conv.leg);
}

INSTANTIATE_TEST_SUITE_P(
    All, PoolTransfer,
    ::testing::Values(TransferCase{TLS1_3_VERSION, "ECDSA+SHA256", EVP_PKEY_EC, "Tls13Ecdsa"},
                      TransferCase{TLS1_3_VERSION, "rsa_pss_rsae_sha256", EVP_PKEY_RSA, "Tls13Rsa"},
                      TransferCase{TLS1_2_VERSION, "ECDSA+SHA256", EVP_PKEY_EC, "Tls12Ecdsa"},
                      TransferCase{TLS1_2_VERSION, "RSA+SHA256:rsa_pss_rsae_sha256", EVP_PKEY_RSA, "Tls12Rsa"}),
    [](const ::testing::TestParamInfo<TransferCase>& i) { return std::string(i.param.name); });

// The backend leg: a pooled client leg verifies the in-thread server against the CA and carries data.
TEST_F(Pool, ClientLegVerifiesAndTransfers) {
  RunningPool running(small(1, 4));
  TlsClientSettings cs;
  cs.verify = BackendVerify::CaFile;
  cs.ca_file = Suite::get().pki.ca_file();
  cs.server_name = "mail.example.test";
  std::string error;
  auto cctx = TlsClientContext::build(cs, &error);
  ASSERT_NE(cctx, nullptr) << error;
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*server_);
  conv.leg = running.source().open_client(*cctx, "mail.example.test", 3);
  ASSERT_NE(conv.leg, nullptr);
  conv.to_server = pattern(100000, 3);  // from the leg's relay to the server
  conv.to_client = pattern(100000, 4);
  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.transferred(); }))
      << conv.leg->report().failure << " / " << conv.peer->failure();
  EXPECT_TRUE(conv.got_at_server == conv.to_server);
  EXPECT_TRUE(conv.got_at_client == conv.to_client);
  EXPECT_EQ(conv.leg->report().peer_verify, "verified");
  EXPECT_EQ(conv.leg->report().sni, "mail.example.test");
  running.source().release(conv.leg);
}

// 200 sessions in flight over 2 TLS workers, serviced only when poll() names them (after one first round):
// every handshake and transfer completes, so no progress notification was lost.
TEST_F(Pool, TwoHundredSessionsOverTwoWorkersFromOneDataplaneThread) {
  constexpr uint32_t kSessions = 200;
  RunningPool running(small(2, 256));
  TlsLegSource& source = running.source();
  auto cctx12 = make_client({.max_version = TLS1_2_VERSION});
  auto cctx13 = make_client({});
  std::vector<Conversation> convs(kSessions);
  for (uint32_t i = 0; i < kSessions; ++i) {
    Conversation& c = convs[i];
    c.peer = std::make_unique<TlsSession>(i % 2 == 0 ? *cctx12 : *cctx13);
    c.leg = source.open_server(*server_, i);
    ASSERT_NE(c.leg, nullptr) << i;
    c.to_server = pattern(16384 + i * 17, 100 + i);
    c.to_client = pattern(16384 + i * 13, 500 + i);
  }
  EXPECT_EQ(source.legs_in_use(), kSessions);
  for (Conversation& c : convs) c.step();

  size_t done = 0;
  std::vector<bool> finished(kSessions, false);
  std::set<uint32_t> seen;
  auto step = [&] {
    bool moved = false;
    source.poll([&](uint32_t s) {
      seen.insert(s);
      Conversation& c = convs.at(s);
      while (c.step()) moved = true;
      if (!finished[s] && c.closed()) {
        finished[s] = true;
        ++done;
      }
    });
    return moved;
  };
  ASSERT_TRUE(drive_until(step, [&] { return done == kSessions; }, std::chrono::seconds(120)))
      << done << " of " << kSessions << " finished";
  EXPECT_EQ(seen.size(), size_t(kSessions));
  for (uint32_t i = 0; i < kSessions; ++i) {
    EXPECT_TRUE(convs[i].got_at_server == convs[i].to_server) << i;
    EXPECT_TRUE(convs[i].got_at_client == convs[i].to_client) << i;
    EXPECT_EQ(convs[i].leg->report().version, i % 2 == 0 ? "TLSv1.2" : "TLSv1.3") << i;
  }
  EXPECT_EQ(total(running, &TlsWorkerStats::handshakes), kSessions);
  // Round-robin assignment: both TLS workers took half.
  EXPECT_EQ(running.pool().stats(0).handshakes.load(), kSessions / 2);
  EXPECT_EQ(running.pool().stats(1).handshakes.load(), kSessions / 2);
  EXPECT_EQ(total(running, &TlsWorkerStats::queue_overflows), 0u);
  for (Conversation& c : convs) source.release(c.leg);
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return source.legs_in_use() == 0; }, std::chrono::seconds(10)));
}

// A leg released mid-handshake (ClientHello in, server flight maybe half out) is freed by its TLS worker and its
// slot reused; with 2 slots, 50 rounds reuse each many times.
TEST_F(Pool, ReleaseWhileHandshaking) {
  RunningPool running(small(1, 2));
  TlsLegSource& source = running.source();
  auto cctx = make_client({});
  for (int round = 0; round < 50; ++round) {
    TlsSession client(*cctx);
    client.advance();
    TlsLeg* leg = nullptr;
    // The slot freed last round may still be on its way back.
    ASSERT_TRUE(drive_until([] { return false; }, [&] { return (leg = source.open_server(*server_, round)) != nullptr; },
                            std::chrono::seconds(10)));
    std::string_view hello = client.pending_ciphertext();
    leg->put_ciphertext(hello);
    leg->pump();
    if (round % 3 == 1) std::this_thread::sleep_for(std::chrono::microseconds(200 * (round % 7)));
    source.release(leg);
  }
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return source.legs_in_use() == 0; }, std::chrono::seconds(10)));
  // The pool still works: a full handshake on a recycled slot.
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = source.open_server(*server_, 99);
  ASSERT_NE(conv.leg, nullptr);
  conv.to_server = "EHLO client\r\n";
  conv.to_client = "250 ok\r\n";
  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.transferred(); }, std::chrono::seconds(10)));
  EXPECT_EQ(conv.got_at_server, conv.to_server);
  EXPECT_GE(total(running, &TlsWorkerStats::legs_recycled), 50u);
  source.release(conv.leg);
}

TEST_F(Pool, ExhaustionReturnsNullAndCounts) {
  RunningPool running(small(1, 3));
  TlsLegSource& source = running.source();
  TlsLeg* legs[3];
  for (int i = 0; i < 3; ++i) ASSERT_NE(legs[i] = source.open_server(*server_, i), nullptr);
  EXPECT_EQ(source.open_server(*server_, 3), nullptr);
  auto cctx = make_client({});
  EXPECT_EQ(source.open_client(*cctx, "x.test", 4), nullptr);
  EXPECT_EQ(source.legs_exhausted(), 2u);
  EXPECT_EQ(running.pool().total_legs_exhausted(), 2u);
  EXPECT_EQ(source.legs_in_use(), 3u);
  source.release(legs[1]);
  TlsLeg* again = nullptr;
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return (again = source.open_server(*server_, 5)) != nullptr; },
                          std::chrono::seconds(10)));
  EXPECT_EQ(source.legs_in_use(), 3u);
  for (TlsLeg* l : {legs[0], legs[2], again}) source.release(l);
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return source.legs_in_use() == 0; }, std::chrono::seconds(10)));
}

// A client that offers only TLS 1.0 against min-version 1.2: the leg fails, says it was the version, and keeps
// the client's offer for the log; the alert reaches the client.
TEST_F(Pool, VersionBelowMinimumFailsWithTheOffer) {
  RunningPool running(small(1, 2));
  auto cctx = make_client({.max_version = TLS1_VERSION, .min_version = TLS1_VERSION, .security_level = 0});
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = running.source().open_server(*server_, 1);
  ASSERT_NE(conv.leg, nullptr);
  ASSERT_TRUE(drive_until([&] { return conv.step(); },
                          [&] { return conv.leg->state() == TlsState::Failed && conv.peer->state() == TlsState::Failed; },
                          std::chrono::seconds(10)))
      << state_name(conv.leg->state()) << " / " << state_name(conv.peer->state());
  const TlsLegReport& r = conv.leg->report();
  EXPECT_TRUE(r.version_unsupported) << r.failure;
  EXPECT_FALSE(r.cipher_unsupported);
  EXPECT_EQ(r.offered_versions, "TLSv1");
  EXPECT_FALSE(r.offered_ciphers.empty());
  EXPECT_NE(r.failure.find("unsupported protocol"), std::string::npos) << r.failure;
  EXPECT_NE(r.failure.find("client offered versions TLSv1,"), std::string::npos) << r.failure;
  EXPECT_TRUE(r.version.empty());
  EXPECT_NE(conv.peer->failure().find("protocol version"), std::string::npos) << conv.peer->failure();
  EXPECT_EQ(total(running, &TlsWorkerStats::handshake_failures), 1u);
  running.source().release(conv.leg);
}

// Static-RSA key exchange only (the server's list has none): no shared cipher.
TEST_F(Pool, NoSharedCipherIsClassified) {
  RunningPool running(small(1, 2));
  auto cctx = make_client({.max_version = TLS1_2_VERSION, .ciphers12 = "AES128-SHA"});
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = running.source().open_server(*server_, 1);
  ASSERT_NE(conv.leg, nullptr);
  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.leg->state() == TlsState::Failed; },
                          std::chrono::seconds(10)));
  const TlsLegReport& r = conv.leg->report();
  EXPECT_TRUE(r.cipher_unsupported) << r.failure;
  EXPECT_FALSE(r.version_unsupported) << r.failure;
  EXPECT_NE(r.offered_ciphers.find("AES128-SHA"), std::string::npos) << r.offered_ciphers;
  running.source().release(conv.leg);
}

// A dataplane that only drains cipher_out (no pump()) still gets the whole stream: the TLS worker stopped on a
// full ring and the dataplane's ciphertext_sent() kicks it (wants_room).
TEST_F(Pool, DrainingOutputAloneKeepsItFlowing) {
  TlsWorkerPoolSettings s = small(1, 2);
  s.plain_ring_bytes = 2 << 20;  // the whole message fits in plain_in at once
  RunningPool running(s);
  auto cctx = make_client({});
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = running.source().open_server(*server_, 1);
  ASSERT_NE(conv.leg, nullptr);
  conv.to_server = "x";
  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.got_at_server == "x"; },
                          std::chrono::seconds(10)));
  const std::string message = pattern(1 << 20, 9);
  ASSERT_EQ(conv.leg->put_plaintext(message), message.size());
  conv.leg->pump();  // once
  std::string got;
  char buf[16384];
  auto drain = [&] {
    bool moved = false;
    for (std::string_view out = conv.leg->ciphertext_out(); !out.empty(); out = conv.leg->ciphertext_out()) {
      const size_t n = conv.peer->feed_ciphertext(out);
      if (n == 0) break;
      conv.leg->ciphertext_sent(n);
      moved = true;
    }
    for (size_t n; (n = conv.peer->read_plaintext(buf, sizeof buf)) > 0;) got.append(buf, n);
    return moved;
  };
  ASSERT_TRUE(drive_until(drain, [&] { return got.size() == message.size(); }, std::chrono::seconds(20)))
      << got.size();
  EXPECT_TRUE(got == message);
  running.source().release(conv.leg);
}

// The peer's FIN in the middle of the stream, without close_notify: the leg fails (truncation, TLS-8).
TEST_F(Pool, PeerEofWithoutCloseNotifyFails) {
  RunningPool running(small(1, 2));
  auto cctx = make_client({});
  Conversation conv;
  conv.peer = std::make_unique<TlsSession>(*cctx);
  conv.leg = running.source().open_server(*server_, 1);
  ASSERT_NE(conv.leg, nullptr);
  conv.to_server = "DATA\r\n";
  ASSERT_TRUE(drive_until([&] { return conv.step(); }, [&] { return conv.transferred(); }, std::chrono::seconds(10)));
  conv.leg->put_peer_eof();
  conv.leg->pump();
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return conv.leg->state() == TlsState::Failed; },
                          std::chrono::seconds(10)));
  running.source().release(conv.leg);
}

TEST(PoolSettings, OutOfRangeIsRefused) {
  std::string error;
  TlsWorkerPoolSettings s;
  s.tls_workers = 0;
  EXPECT_EQ(TlsWorkerPool::create(s, &error), nullptr);
  EXPECT_NE(error.find("tls_workers"), std::string::npos) << error;
  s = {};
  s.max_legs = 0;
  EXPECT_EQ(TlsWorkerPool::create(s, &error), nullptr);
  EXPECT_NE(error.find("max_legs"), std::string::npos) << error;
}

}  // namespace
}  // namespace sluice::tls::test
