// tests/adversarial/limits/smtp_abuse_test.cc — THREATS.md RES-4, RES-5, RES-8 and RES-11 through the live relay:
// command lines at and over `max-command-line` (up to a line that never ends), a flood of junk commands
// (`max-junk-commands`, `max-errors`), recipients at and beyond `max-recipients` (`max-recipient-overshoot`), and a
// pipelined flood from a client that never reads its replies (backpressure, then `command-timeout` and
// `idle-timeout`).
// Every case asserts what the client heard and what the backend received.
// May call: the conversation harness (relay_conversation.h), the ring harness's peers (tests/component).
#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/component/smtp_peers.h"

namespace sluice::testing {
namespace {

constexpr std::string_view kLineTooLong = "500 5.5.2 Error: line too long\r\n";
constexpr std::string_view kTooManyErrors = "421 4.7.0 Error: too many errors\r\n";
constexpr std::string_view kTooManyRecipients = "452 4.5.3 Error: too many recipients\r\n";
constexpr std::string_view kBackendOk = "250 2.1.0 Ok\r\n";   // the scripted backend's answer to any command

std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

long count_commands(const BackendLog& log, std::string_view prefix) {
  return std::count_if(log.commands.begin(), log.commands.end(),
                       [&](const std::string& c) { return c.starts_with(prefix); });
}

// Peak resident memory of this process (the appliance runs in it), in KB.
long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// ---- RES-5: long command lines -------------------------------------------------------------------------------

constexpr uint32_t kRfcCommandLine = 512;   // RFC 5321 4.5.3.1.4: 512 octets including CRLF must be accepted

LimitsConfig line_config() { return {.protocol_options = "  set max-command-line 512\n"}; }

// A NOOP line of exactly `bytes` bytes before its CRLF.
std::string noop_of(size_t bytes) { return "NOOP " + std::string(bytes - 5, 'x') + "\r\n"; }

TEST(Res5CommandLines, TheLimitIsTheLastLengthAcceptedAndOneMoreIsRefused) {
  RelayConversation c(limits_config(line_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_EQ(c.exchange(noop_of(kRfcCommandLine)), kBackendOk);
  EXPECT_EQ(c.exchange(noop_of(kRfcCommandLine + 1)), kLineTooLong);
  EXPECT_EQ(c.exchange("NOOP\r\n"), kBackendOk) << "the refused line's end was not read as a command";
  EXPECT_EQ(c.backend().commands, (std::vector<std::string>{"NOOP", "NOOP"}))
      << "the 512-byte NOOP is forwarded as the relay re-serialises it (NOOP takes no argument), the 513-byte one "
         "not at all";
}

TEST(Res5CommandLines, A64KiBLineIsRefusedAndNoneOfItIsForwarded) {
  RelayConversation c(limits_config(line_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));
  // Verbs inside the line must not become commands either: "RCPT TO" after 64 KiB of filler is still that line.
  EXPECT_EQ(c.exchange("MAIL FROM:<" + std::string(64 * 1024, 'a') + "RCPT TO:<v@mx.example>\r\n"), kLineTooLong);
  EXPECT_EQ(c.exchange("NOOP\r\n"), kBackendOk);
  EXPECT_EQ(c.backend().commands, (std::vector<std::string>{"EHLO client.example", "NOOP"}));
}

// 100 MB of one line without LF, fed in 1 MB pieces as the window allows. The relay reads it and drops it as it
// goes: the backend gets none of it, the client hears one 500 when the line finally ends, and the process's
// peak memory does not grow by anything like the line's size.
TEST(Res5CommandLines, AHundredMegabyteLineWithoutLfIsDiscardedAsItArrives) {
  constexpr size_t kTotal = 100u << 20, kPiece = 1u << 20;
  RelayConversation c(limits_config(line_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  const long rss_before = peak_rss_kb();
  const std::string piece(kPiece, 'Z');
  const auto started = std::chrono::steady_clock::now();
  c.send("NOOP ");
  for (size_t sent = 0; sent < kTotal; sent += kPiece) {
    c.send(piece);
    while (c.client_bytes_pending() > 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(60)) {
      c.settle(0.001);
    }
    ASSERT_EQ(c.client_bytes_pending(), 0u) << "the appliance stopped reading after " << sent << " bytes";
    ASSERT_FALSE(c.client_closed_by_appliance());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(c.exchange("\r\nNOOP\r\n"), kLineTooLong);
  EXPECT_EQ(c.replies(), kBackendOk);
  EXPECT_EQ(c.backend().commands, (std::vector<std::string>{"NOOP"}));
  EXPECT_EQ(c.backend().raw.find('Z'), std::string::npos);
  const long growth_kb = peak_rss_kb() - rss_before;
  EXPECT_LT(growth_kb, 32 * 1024) << "peak memory grew by " << growth_kb << " KB while 100 MB passed";
  std::printf("[ RES-5    ] 100 MB line without LF: %.2f s (%.0f MB/s), peak RSS growth %ld KB\n", seconds,
              100 / seconds, growth_kb);
}

// ---- RES-11: junk and error loops ----------------------------------------------------------------------------

LimitsConfig junk_config() { return {.protocol_options = "  set max-junk-commands 100\n  set max-errors 20\n"}; }

TEST(Res11JunkCommands, TenThousandNoopsEndAfterTheJunkLimitAndMaxErrors) {
  RelayConversation c(limits_config(junk_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));   // junk command 1
  c.send(repeat("NOOP\r\n", 10000));
  // 99 more are free, the next 20 are errors: the 20th is answered, then 421.
  const std::string replies = c.replies(120);
  EXPECT_EQ(replies, repeat(kBackendOk, 119) + std::string(kTooManyErrors));
  c.settle(0.2);
  EXPECT_TRUE(c.client_closed_by_appliance());
  EXPECT_EQ(count_commands(c.backend(), "NOOP"), 119);
  EXPECT_EQ(c.backend().commands.size(), 120u);
}

TEST(Res11JunkCommands, AMixOfJunkAndBadCommandsEndsAtMaxErrors) {
  RelayConversation c(limits_config(junk_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  // Every fourth line is not a command (an error); the other three are junk, still under 100 at the 20th error.
  c.send(repeat("NOOP\r\nRSET\r\nVRFY postmaster\r\nFROB\r\n", 2500));
  const std::string replies = c.replies(81);
  EXPECT_EQ(replies, repeat(std::string(kBackendOk) + std::string(kBackendOk) + std::string(kBackendOk) +
                                "502 5.5.2 Error: command not recognized\r\n",
                            20) +
                         std::string(kTooManyErrors));
  c.settle(0.2);
  EXPECT_TRUE(c.client_closed_by_appliance());
  EXPECT_EQ(c.backend().commands.size(), 60u);
  EXPECT_EQ(count_commands(c.backend(), "FROB"), 0);
}

// ---- RES-8: recipient limits ---------------------------------------------------------------------------------

LimitsConfig recipient_config() {
  return {.protocol_options =
              "  set max-recipients 1000\n  set max-recipient-overshoot 1000\n  set max-errors 20\n"
              "  set max-pipelined-commands 1000\n"};
}

std::string rcpts(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += "RCPT TO:<user" + std::to_string(i) + "@mx.example>\r\n";
  return out;
}

TEST(Res8Recipients, AHundredAreAcceptedAndThe1001stGets452) {
  RelayConversation c(limits_config(recipient_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));
  c.send("MAIL FROM:<a@client.example>\r\n" + rcpts(0, 100));
  EXPECT_EQ(c.replies(101), repeat(kBackendOk, 101));
  EXPECT_EQ(count_commands(c.backend(), "RCPT TO:<user"), 100);
  EXPECT_EQ(c.backend().commands.back(), "RCPT TO:<user99@mx.example>");
  c.send(rcpts(100, 1001));
  EXPECT_EQ(c.replies(901), repeat(kBackendOk, 900) + std::string(kTooManyRecipients));
  EXPECT_EQ(count_commands(c.backend(), "RCPT TO:<user"), 1000);
  EXPECT_FALSE(c.client_closed_by_appliance());
}

TEST(Res8Recipients, BeyondTheOvershootEveryRefusedRecipientIsAnErrorAndTheSessionEnds) {
  RelayConversation c(limits_config(recipient_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  EXPECT_TRUE(c.exchange("EHLO client.example\r\n").starts_with("250"));
  c.send("MAIL FROM:<a@client.example>\r\n" + rcpts(0, 1000));
  EXPECT_EQ(c.replies(1001), repeat(kBackendOk, 1001));
  // 1,000 refusals are free (max-recipient-overshoot), the next 20 are errors: 421 after the 20th.
  c.send(rcpts(1000, 3000));
  EXPECT_EQ(c.replies(1021), repeat(kTooManyRecipients, 1020) + std::string(kTooManyErrors));
  c.settle(0.2);
  EXPECT_TRUE(c.client_closed_by_appliance());
  EXPECT_EQ(count_commands(c.backend(), "RCPT TO:<user"), 1000);
}

// ---- RES-4: a pipelined flood from a client that never reads -------------------------------------------------

// RelayConversation's client reads every reply; this one never does, so its receive window closes and the
// appliance's replies back up. The backend is smtp_peers' kind of sink, answering every line.
class NeverReadingClient {
 public:
  explicit NeverReadingClient(const std::string& config) : app_(config) {
    if (!app_.ok()) return;
    slots_.resize(1);
    make_peers(app_, slots_[0]);
    slot_of_port_.assign(65536, -1);
    slot_of_port_[kPort] = 0;
  }
  bool ok() const { return app_.ok(); }
  std::string error() const { return app_.error(); }

  void open() {
    app_.inject(Side::Inside, arp_request(kBackend, *dataplane::IpAddr::parse("10.0.0.1")));
    app_.inject(Side::Outside, arp_request(kClient, kVip));
    app_.poll(2);
    app_.discard(Side::Inside);
    app_.discard(Side::Outside);
    start_session(slots_[0], kPort, 7919, now_ns());
  }
  void send(std::string bytes) { pending_ += bytes; }
  // Runs for `seconds` or until the appliance ended the client's leg.
  void run(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline && !client_ended()) pump();
  }
  bool client_ended() const {
    const reassembly::TcpEndpoint& tcp = slots_[0].client->tcp();
    return tcp.peer_closed() || tcp.close_reason() == reassembly::EndpointCloseReason::ResetByPeer;
  }
  size_t client_unsent() const { return pending_.size() - sent_; }
  long backend_rcpts() const { return backend_rcpts_; }
  uint32_t client_unread() const { return slots_[0].client->tcp().readable(); }
  bool backend_closed() const { return slots_[0].backend->tcp().peer_closed(); }

 private:
  static constexpr uint16_t kPort = 41001;
  static uint64_t now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  void pump() {
    const uint64_t now = now_ns();
    app_.poll(1);
    rte_mbuf* burst[256];
    for (Side side : {Side::Outside, Side::Inside}) {
      uint32_t n;
      while ((n = app_.take(side, burst, 256)) > 0) {
        for (uint32_t k = 0; k < n; ++k) deliver(slots_, slot_of_port_, side, burst[k], &iss_, now);
        rte_pktmbuf_free_bulk(burst, n);
      }
    }
    PeerSlot& s = slots_[0];
    reassembly::TcpEndpoint& client = s.client->tcp();
    if (sent_ < pending_.size() && client.state() == reassembly::TcpState::Established) {
      sent_ += client.write(std::string_view(pending_).substr(sent_, 16 * 1024));
    }
    if (s.backend_open) sink();
    for (EmulatedPeer* p : {s.client.get(), s.backend.get()}) {
      p->tcp().flush(now);
      if (p->tcp().next_timer_ns() <= now) {
        p->tcp().on_timer(now);
        p->tcp().flush(now);
      }
    }
  }
  void sink() {
    reassembly::TcpEndpoint& tcp = slots_[0].backend->tcp();
    if (!banner_sent_ && tcp.state() == reassembly::TcpState::Established) {
      tcp.write("220 mx.example ESMTP\r\n");
      banner_sent_ = true;
    }
    while (tcp.readable() > 0) {
      const std::string_view v = tcp.read_view();
      backend_in_.append(v);
      tcp.consume(static_cast<uint32_t>(v.size()));
    }
    size_t eol;
    while ((eol = backend_in_.find("\r\n")) != std::string::npos) {
      if (backend_in_.starts_with("RCPT TO:")) ++backend_rcpts_;
      tcp.write(backend_in_.starts_with("EHLO") ? "250-mx.example\r\n250 PIPELINING\r\n" : "250 2.1.5 Ok\r\n");
      backend_in_.erase(0, eol + 2);
    }
  }

  RingAppliance app_;
  std::vector<PeerSlot> slots_;
  std::vector<int32_t> slot_of_port_;
  std::string pending_, backend_in_;
  size_t sent_ = 0;
  uint32_t iss_ = 104729;
  bool banner_sent_ = false;
  long backend_rcpts_ = 0;
};

// The flood is read until the replies back up, then waits in the client's socket. Postfix would end such a client
// by smtpd_timeout on its reply writes; here `command-timeout` runs while replies wait unread (a zero-window probe
// byte the client takes now and then would otherwise count as activity forever): the backend leg is closed, the
// unread replies dropped, and the client's leg, with nothing left to send, is reset by `idle-timeout`.
TEST(Res4NeverReadingClient, PipelinedRcptFloodIsHeldInTcpAndTheSessionEndsByTimeout) {
  constexpr int kRcpts = 100000;
  constexpr int kCommandTimeoutS = 1, kIdleTimeoutS = 2;
  // max-recipients at its top so the flood is all accepted work (no 452 or error ends it first).
  NeverReadingClient c(limits_config(
      {.protocol_options = "  set max-recipients 100000\n  set max-pipelined-commands 1000\n  set command-timeout " +
                           std::to_string(kCommandTimeoutS) + "\n",
       .extra = "config system session\n  set idle-timeout " + std::to_string(kIdleTimeoutS) + "\nend\n"}));
  ASSERT_TRUE(c.ok()) << c.error();
  c.open();
  c.send("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\n" + repeat("RCPT TO:<x@mx.example>\r\n", kRcpts));
  c.run(0.5);
  // Backpressure: the replies fill the client's window and the relay's output, so the relay stops reading; the
  // rest of the flood waits in the client's socket, not in the appliance.
  const long forwarded = c.backend_rcpts();
  const size_t unsent = c.client_unsent();
  EXPECT_GT(unsent, 0u) << "the client could write all " << kRcpts << " RCPTs";
  EXPECT_LT(forwarded, kRcpts / 4) << "RCPTs that reached the backend while the client read nothing";
  EXPECT_FALSE(c.backend_closed());
  const auto stalled = std::chrono::steady_clock::now();
  c.run(kCommandTimeoutS + kIdleTimeoutS + 3.0);
  const double ended_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - stalled).count();
  EXPECT_TRUE(c.backend_closed()) << "the backend leg outlived command-timeout";
  EXPECT_TRUE(c.client_ended()) << "the client leg outlived command-timeout + idle-timeout";
  EXPECT_EQ(c.backend_rcpts(), forwarded) << "nothing more reached the backend once the relay stopped reading";
  std::printf("[ RES-4    ] %d RCPT pipelined, client never reads: %ld forwarded, %zu bytes held in the client's "
              "socket at the stall, %u reply bytes unread; client leg reset %.1f s after the stall\n",
              kRcpts, forwarded, unsent, c.client_unread(), ended_after);
}

}  // namespace
}  // namespace sluice::testing
