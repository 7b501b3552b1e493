// The pool's async path with the "sluice-pause" engine loaded (tls/async_test_engine, through CryptoOffload as
// the daemon loads QAT's): every server signature pauses its job, the TLS worker parks the leg on the job's
// eventfd and resumes it when the engine's thread signals. 200 pooled handshakes (RSA and ECDSA, TLS 1.2 and
// 1.3) over 2 TLS workers complete, each parked at least once, and pauses == resumes. A leg released while its
// job is parked is freed only after the job finished.
#include <gtest/gtest.h>
#include <openssl/engine.h>

#include <set>

#include "tests/unit/tls/tls_fixture.h"
#include "tests/unit/tls_async/pause_engine_fixture.h"
#include "tests/unit/tls_pool/pool_harness.h"

namespace sluice::tls::test {
namespace {

class PoolAsync : public PauseEngineTest {
 protected:
  void SetUp() override {
    PauseEngineTest::SetUp();
    if (HasFatalFailure()) return;
    // The engine's test certificates (self-signed), as PEM files for a TlsServerContext; then the offloaded keys
    // replace the ones decoded from PEM, which would never reach the engine.
    pki_ = std::make_unique<TestPki>();
    TlsServerSettings ss;
    ss.cert_files = {pki_->write("rsa.pem", credential(0), false), pki_->write("ecdsa.pem", credential(1), false)};
    ss.async = true;
    ss.session_tickets = false;
    server_ = make_server(ss);
    ASSERT_NE(server_, nullptr);
    ASSERT_EQ(server_->context_count(), 2u);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_->ctx_for_name("rsa.test.sluice"), offloaded_key(0)), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_->ctx_for_name("ecdsa.test.sluice"), offloaded_key(1)), 1);
    for (int v = 0; v < 2; ++v) {
      TlsClientSettings cs;
      cs.async = false;  // the client is the test, not the pool: keep it synchronous
      std::string error;
      clients_[v] = TlsClientContext::build(cs, &error);
      ASSERT_NE(clients_[v], nullptr) << error;
      const int version = v == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
      SSL_CTX_set_min_proto_version(clients_[v]->ctx(), version);
      SSL_CTX_set_max_proto_version(clients_[v]->ctx(), version);
    }
  }
  void TearDown() override {
    ENGINE_ctrl_cmd_string(engine(), "DELAY_US", "0", 0);
    server_.reset();  // before the engine goes (suite teardown): its SSL_CTXs hold offloaded keys
  }
  static TlsWorkerPoolSettings settings(uint32_t tls_workers, uint32_t max_legs) {
    TlsWorkerPoolSettings s;
    s.tls_workers = tls_workers;
    s.max_legs = max_legs;
    s.cipher_ring_bytes = 16 * 1024;
    s.plain_ring_bytes = 16 * 1024;
    return s;
  }

  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<TlsServerContext> server_;
  std::unique_ptr<TlsClientContext> clients_[2];  // [0] TLS 1.2 only, [1] TLS 1.3 only
};

TEST_F(PoolAsync, TwoHundredPooledHandshakesPauseAndResume) {
  constexpr uint32_t kSessions = 200;
  uint64_t pauses = 0, resumes = 0, fd_errors = 0;
  std::vector<Conversation> convs(kSessions);
  {
    RunningPool running(settings(2, 256));
    TlsLegSource& source = running.source();
    for (uint32_t i = 0; i < kSessions; ++i) {
      Conversation& c = convs[i];
      // key: RSA for even i, ECDSA for odd; version: 1.2 for i % 4 < 2, else 1.3.
      c.peer = std::make_unique<TlsSession>(*clients_[(i / 2) % 2], i % 2 == 0 ? "rsa.test.sluice" : "ecdsa.test.sluice");
      c.leg = source.open_server(*server_, i);
      ASSERT_NE(c.leg, nullptr) << i;
      c.to_server = "EHLO client.test\r\n";
      c.to_client = "250-mx.test\r\n250 8BITMIME\r\n";
    }
    for (Conversation& c : convs) c.step();
    size_t done = 0;
    std::vector<bool> finished(kSessions, false);
    auto step = [&] {
      bool moved = false;
      source.poll([&](uint32_t s) {
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
        << done << " of " << kSessions;
    for (uint32_t i = 0; i < kSessions; ++i) {
      const TlsLegReport& r = convs[i].leg->report();
      EXPECT_EQ(r.version, (i / 2) % 2 == 0 ? "TLSv1.2" : "TLSv1.3") << i;
      EXPECT_EQ(r.sni, i % 2 == 0 ? "rsa.test.sluice" : "ecdsa.test.sluice") << i;
      EXPECT_GE(r.async_pauses, 1u) << i;  // the server's signature went through the engine
      EXPECT_EQ(convs[i].got_at_server, convs[i].to_server) << i;
      EXPECT_EQ(convs[i].got_at_client, convs[i].to_client) << i;
    }
    for (Conversation& c : convs) source.release(c.leg);
    ASSERT_TRUE(
        drive_until([] { return false; }, [&] { return source.legs_in_use() == 0; }, std::chrono::seconds(10)));
    running.stop();
    pauses = running.pool().total_async_pauses();
    resumes = running.pool().total_async_resumes();
    for (uint32_t t = 0; t < 2; ++t) fd_errors += running.pool().stats(t).async_fd_errors.load();
    EXPECT_EQ(running.pool().stats(0).parked_now.load() + running.pool().stats(1).parked_now.load(), 0u);
  }
  EXPECT_GE(pauses, uint64_t(kSessions));
  EXPECT_EQ(pauses, resumes);
  EXPECT_EQ(fd_errors, 0u);  // every job's fd was watched, none resumed blind
  const pause_engine::Stats s = stats();
  EXPECT_GE(s.offloaded_ops, uint64_t(kSessions));
  EXPECT_EQ(s.paused, s.resumed);
  // Not asserted: s.early_resumes. The engine rings the fd before it marks the work done
  // (offload_worker.cc), so a pool that resumes the moment the fd is readable can land in that window and
  // be counted "early" although it did wait for the fd; fd_errors == 0 above is what says it did.
}

// Release while the job is parked: the TLS worker lets the job finish (resume on the fd) before SSL_free.
TEST_F(PoolAsync, ReleaseWhileParkedWaitsForTheJob) {
  ASSERT_EQ(ENGINE_ctrl_cmd_string(engine(), "DELAY_US", "30000", 0), 1);  // 30 ms per signature
  RunningPool running(settings(1, 2));
  TlsLegSource& source = running.source();
  TlsSession client(*clients_[1], "ecdsa.test.sluice");
  client.advance();
  TlsLeg* leg = source.open_server(*server_, 1);
  ASSERT_NE(leg, nullptr);
  leg->put_ciphertext(client.pending_ciphertext());
  leg->pump();
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return leg->state() == TlsState::WantAsync; },
                          std::chrono::seconds(10)));
  EXPECT_EQ(running.pool().stats(0).parked_now.load(), 1u);
  source.release(leg);
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return source.legs_in_use() == 0; }, std::chrono::seconds(10)));
  EXPECT_EQ(running.pool().total_async_pauses(), 1u);
  EXPECT_EQ(running.pool().total_async_resumes(), 1u);
  const pause_engine::Stats s = stats();
  EXPECT_EQ(s.paused, 1u);
  EXPECT_EQ(s.resumed, 1u);
}

// Stop while a job is parked: run_worker keeps polling until it finished, so the pool frees nothing under it.
TEST_F(PoolAsync, StopDrainsParkedJobs) {
  ASSERT_EQ(ENGINE_ctrl_cmd_string(engine(), "DELAY_US", "30000", 0), 1);
  RunningPool running(settings(1, 2));
  TlsSession client(*clients_[0], "rsa.test.sluice");
  client.advance();
  TlsLeg* leg = running.source().open_server(*server_, 1);
  ASSERT_NE(leg, nullptr);
  leg->put_ciphertext(client.pending_ciphertext());
  leg->pump();
  ASSERT_TRUE(drive_until([] { return false; }, [&] { return leg->state() == TlsState::WantAsync; },
                          std::chrono::seconds(10)));
  running.stop();
  EXPECT_EQ(running.pool().stats(0).leaked_at_stop.load(), 0u);
  EXPECT_EQ(running.pool().total_async_resumes(), 1u);
  const pause_engine::Stats s = stats();
  EXPECT_EQ(s.paused, s.resumed);
}

}  // namespace
}  // namespace sluice::tls::test
