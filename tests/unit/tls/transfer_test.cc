// Bytes through established sessions: a trickled handshake and exchange (one
// byte per step, TLS-10), and 1 MiB each way, byte-exact.
#include <random>

#include "tests/unit/tls/tls_fixture.h"

namespace sluice::tls::test {
namespace {

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = char(gen() & 0xff);
  return out;
}

// Moves `data` from `from` to `to` while also draining `to`'s own reads into
// `got`; one step = write what fits, move, read what is ready.
void step(TlsSession& from, TlsSession& to, const std::string& data, size_t* sent, std::string* got,
          size_t chunk) {
  *sent += from.write_plaintext(std::string_view(data).substr(*sent));
  move_bytes(from, to, chunk);
  char buf[16384 + 1];
  while (size_t n = to.read_plaintext(buf, sizeof buf)) got->append(buf, n);
}

TEST(Transfer, OneByteAtATime) {
  auto server_ctx = make_server(Suite::get().server_settings());
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    auto cctx = make_client({.max_version = version});
    TlsSession client(*cctx), server(*server_ctx);
    ASSERT_TRUE(handshake(client, server, 1)) << server.failure() << " / " << client.failure();
    const std::string hello = "EHLO sender.example\r\n";
    const std::string reply = "250-mail.example.test\r\n250 PIPELINING\r\n";
    size_t sent_c = 0, sent_s = 0;
    std::string at_server, at_client;
    for (int i = 0; i < 100000 && (at_server.size() < hello.size() || at_client.size() < reply.size()); ++i) {
      step(client, server, hello, &sent_c, &at_server, 1);
      step(server, client, reply, &sent_s, &at_client, 1);
    }
    EXPECT_EQ(at_server, hello);
    EXPECT_EQ(at_client, reply);
  }
}

TEST(Transfer, OneMebibyteEachWay) {
  auto server_ctx = make_server(Suite::get().server_settings());
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    auto cctx = make_client({.max_version = version});
    TlsSession client(*cctx), server(*server_ctx);
    ASSERT_TRUE(handshake(client, server)) << server.failure();
    const std::string up = random_bytes(1 << 20, 1), down = random_bytes(1 << 20, 2);
    size_t sent_up = 0, sent_down = 0;
    std::string at_server, at_client;
    for (int i = 0; i < 100000 && (at_server.size() < up.size() || at_client.size() < down.size()); ++i) {
      step(client, server, up, &sent_up, &at_server, SIZE_MAX);
      step(server, client, down, &sent_down, &at_client, SIZE_MAX);
      ASSERT_NE(client.state(), TlsState::Failed) << client.failure();
      ASSERT_NE(server.state(), TlsState::Failed) << server.failure();
    }
    EXPECT_TRUE(at_server == up) << "client -> server differs, got " << at_server.size();
    EXPECT_TRUE(at_client == down) << "server -> client differs, got " << at_client.size();
  }
}

// The outgoing buffer is bounded: a writer that never drains is refused, not buffered without end.
TEST(Transfer, WritesStopAtTheBound) {
  auto server_ctx = make_server(Suite::get().server_settings());
  auto cctx = make_client({});
  TlsSession client(*cctx), server(*server_ctx);
  ASSERT_TRUE(handshake(client, server));
  const std::string big(1 << 20, 'x');
  size_t taken = client.write_plaintext(big);
  EXPECT_GT(taken, 0u);
  EXPECT_LE(taken, TlsSessionLimits{}.ciphertext_buffer);
  EXPECT_EQ(client.write_plaintext(std::string_view(big).substr(taken)), 0u);
  EXPECT_EQ(client.state(), TlsState::Established);
}

}  // namespace
}  // namespace sluice::tls::test
