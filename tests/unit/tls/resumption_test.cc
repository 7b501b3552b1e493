// Session tickets: resumed on a second handshake, still after one key
// rotation (the previous key decrypts), not after two (TLS-9).
#include <openssl/ssl.h>

#include "tests/unit/tls/tls_fixture.h"

namespace sluice::tls::test {
namespace {

class Resumption : public ::testing::TestWithParam<int> {
 protected:
  // One full connection; returns the client's session (after reading the
  // TLS 1.3 tickets, which arrive after the handshake) and whether it was a resumption.
  SSL_SESSION* connect(TlsServerContext& server_ctx, TlsClientContext& client_ctx, SSL_SESSION* resume,
                       bool* reused) {
    TlsSession client(client_ctx), server(server_ctx);
    if (resume != nullptr) {
      EXPECT_EQ(SSL_set_session(client.native(), resume), 1);
    }
    EXPECT_TRUE(handshake(client, server)) << server.failure();
    char buf[16];
    move_bytes(server, client);
    EXPECT_EQ(client.read_plaintext(buf, sizeof buf), 0u);  // processes NewSessionTicket
    *reused = server.session_reused();
    EXPECT_EQ(client.session_reused(), *reused);
    SSL_SESSION* session = SSL_get1_session(client.native());
    client.close();  // OpenSSL marks a session closed without close_notify unresumable
    return session;
  }
};

TEST_P(Resumption, TicketsSurviveOneRotationNotTwo) {
  auto server = make_server(Suite::get().server_settings());
  auto client = make_client({.max_version = GetParam()});
  bool reused = true;
  SSL_SESSION* first = connect(*server, *client, nullptr, &reused);
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(reused);
  EXPECT_EQ(SSL_SESSION_has_ticket(first), 1);
  ASSERT_EQ(SSL_SESSION_is_resumable(first), 1);

  SSL_SESSION* s = connect(*server, *client, first, &reused);
  EXPECT_TRUE(reused) << "second handshake";
  SSL_SESSION_free(s);

  server->rotate_ticket_keys();
  s = connect(*server, *client, first, &reused);
  EXPECT_TRUE(reused) << "after one rotation";
  SSL_SESSION_free(s);

  server->rotate_ticket_keys();
  s = connect(*server, *client, first, &reused);
  EXPECT_FALSE(reused) << "after two rotations";
  SSL_SESSION_free(s);
  SSL_SESSION_free(first);
}

// SNI moved the session to the second certificate's context: the ticket still opens.
TEST_P(Resumption, ResumesOnAnSniSelectedContext) {
  auto server = make_server(Suite::get().server_settings());
  auto client = make_client({.max_version = GetParam(), .server_name = "other.example.test"});
  bool reused = true;
  SSL_SESSION* first = connect(*server, *client, nullptr, &reused);
  EXPECT_FALSE(reused);
  SSL_SESSION* s = connect(*server, *client, first, &reused);
  EXPECT_TRUE(reused);
  SSL_SESSION_free(s);
  SSL_SESSION_free(first);
}

TEST_P(Resumption, AnotherProfilesTicketIsNotAccepted) {
  auto server_a = make_server(Suite::get().server_settings());
  auto server_b = make_server(Suite::get().server_settings());
  auto client = make_client({.max_version = GetParam()});
  bool reused = true;
  SSL_SESSION* first = connect(*server_a, *client, nullptr, &reused);
  SSL_SESSION* s = connect(*server_b, *client, first, &reused);
  EXPECT_FALSE(reused);
  SSL_SESSION_free(s);
  SSL_SESSION_free(first);
}

TEST_P(Resumption, NoTicketsWhenTurnedOff) {
  TlsServerSettings settings = Suite::get().server_settings();
  settings.session_tickets = false;
  auto server = make_server(settings);
  auto client = make_client({.max_version = GetParam()});
  bool reused = true;
  SSL_SESSION* first = connect(*server, *client, nullptr, &reused);
  SSL_SESSION* s = connect(*server, *client, first, &reused);
  EXPECT_FALSE(reused);
  SSL_SESSION_free(s);
  SSL_SESSION_free(first);
}

INSTANTIATE_TEST_SUITE_P(Versions, Resumption, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return i.param == TLS1_3_VERSION ? std::string("Tls13") : std::string("Tls12");
                         });

}  // namespace
}  // namespace sluice::tls::test
