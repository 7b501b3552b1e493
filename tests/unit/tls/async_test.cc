// SSL_MODE_ASYNC as the session sees it: a handshake whose job pauses reports
// WantAsync with the fd to wait on, sends nothing meanwhile, and finishes when
// advance() is called again. The pause here comes from a certificate callback
// that parks the job the way an offload engine does (ASYNC_pause_job with a
// wait fd); the engine itself is tested with tls/async_test_engine.
#include <openssl/async.h>
#include <poll.h>
#include <unistd.h>

#include "tests/unit/tls/tls_fixture.h"

namespace sluice::tls::test {
namespace {

struct Parker {
  int pipe_fds[2] = {-1, -1};
  int pauses = 0;
  bool in_job = false;
};

int park_once(SSL* /*ssl*/, void* arg) {
  auto* p = static_cast<Parker*>(arg);
  ASYNC_JOB* job = ASYNC_get_current_job();
  p->in_job = job != nullptr;
  if (job == nullptr || p->pauses > 0) return 1;
  ++p->pauses;
  ASYNC_WAIT_CTX* wait = ASYNC_get_wait_ctx(job);
  ASYNC_WAIT_CTX_set_wait_fd(wait, p, p->pipe_fds[0], nullptr, nullptr);
  ASYNC_pause_job();  // back here when the session's owner calls advance() again
  ASYNC_WAIT_CTX_clear_fd(wait, p);
  return 1;
}

class Async : public ::testing::TestWithParam<int> {};

TEST_P(Async, ParkedHandshakeResumes) {
  auto server_ctx = make_server(Suite::get().server_settings());
  auto cctx = make_client({.max_version = GetParam()});
  TlsSession client(*cctx), server(*server_ctx);
  Parker parker;
  ASSERT_EQ(pipe(parker.pipe_fds), 0);
  SSL_set_cert_cb(server.native(), park_once, &parker);

  client.advance();
  move_bytes(client, server);
  EXPECT_EQ(server.advance(), TlsState::WantAsync);
  EXPECT_TRUE(parker.in_job);
  EXPECT_EQ(parker.pauses, 1);
  OSSL_ASYNC_FD fds[4];
  ASSERT_EQ(server.async_fds(fds, 4), 1u);
  EXPECT_EQ(fds[0], parker.pipe_fds[0]);
  EXPECT_TRUE(server.pending_ciphertext().empty());  // nothing leaves while the job is parked

  // The "offload" completes: the fd signals, the worker resumes the session.
  ASSERT_EQ(write(parker.pipe_fds[1], "x", 1), 1);
  pollfd pfd{fds[0], POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 1000), 1);
  EXPECT_EQ(server.advance(), TlsState::Handshaking);
  EXPECT_FALSE(server.pending_ciphertext().empty());  // the ServerHello flight
  ASSERT_TRUE(handshake(client, server)) << server.failure() << " / " << client.failure();
  EXPECT_EQ(server.async_fds(fds, 4), 0u);
  close(parker.pipe_fds[0]);
  close(parker.pipe_fds[1]);
}

INSTANTIATE_TEST_SUITE_P(Versions, Async, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return i.param == TLS1_3_VERSION ? std::string("Tls13") : std::string("Tls12");
                         });

}  // namespace
}  // namespace sluice::tls::test
