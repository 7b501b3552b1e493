// tests/adversarial/limits/bdat_verdict_test.cc — THREATS.md RES-10 (BDAT abuse), RES-16 (verdict timing) and
// RES-14 (scanner exhaustion: HTML nested 1,000,000 deep) through the live relay and inspector.
//
// RES-10 runs against a backend that offers CHUNKING, so what the relay forwards is BDAT too: the backend's record
// is re-read chunk by chunk from its raw bytes (bdat_view below), because the conversation harness's line reader
// only knows DATA. One case repeats the 1-byte chunks against a DATA backend (BDAT → DATA translation stuffs dots).
// RES-16 forces a scan that cannot finish with a nested gzip that expands inside one scanner call (fast input never
// does: see send_bomb), and holds the backend's reply to the last chunk back to show the client hears nothing
// before it. RES-14 runs the million-deep HTML twins under a budget that lets the scan finish and one that cannot.
// May call: the conversation harness (relay_conversation.h), the message builders (mime_messages.h), the gzip
// builder of the archive unit tests (archive_test_support.h, already linked into this binary).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/unit/archive/archive_test_support.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

const std::string kChunkingEhlo = "250-mx.example\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n";

// A backend with CHUNKING. Its line-based reader sees a chunk's bytes as lines too: it counts them off the
// announced size and answers the chunk when it is complete (a chunk that ends mid-line ends inside the line that
// carries the next command, which is then answered as well). `last_reply` answers a LAST chunk; empty = never.
struct ChunkingState {
  uint64_t remaining = 0;
  bool in_chunk = false, last = false;
  std::string last_reply = "250 2.0.0 Ok: queued as BACKEND-7\r\n";
};

std::optional<std::string> chunking_command(ChunkingState& s, std::string_view line);

std::string chunk_end(ChunkingState& s) {
  s.in_chunk = false;
  return s.last ? s.last_reply : "250 2.0.0 Ok: chunk\r\n";
}

std::optional<std::string> chunking_reply(ChunkingState& s, std::string_view line) {
  if (!s.in_chunk) return chunking_command(s, line);
  const uint64_t with_crlf = line.size() + 2;
  if (with_crlf < s.remaining) {
    s.remaining -= with_crlf;
    return std::string();
  }
  if (with_crlf == s.remaining) {
    s.remaining = 0;
    return chunk_end(s);
  }
  // The chunk ended inside this line; the rest of it is the next command.
  const std::string_view next = line.substr(static_cast<size_t>(s.remaining));
  s.remaining = 0;
  std::string reply = chunk_end(s);
  const std::optional<std::string> more = chunking_command(s, next);
  return reply + more.value_or("250 2.0.0 Ok\r\n");
}

std::optional<std::string> chunking_command(ChunkingState& s, std::string_view line) {
  if (!line.starts_with("BDAT ")) return std::nullopt;   // the harness's defaults
  const std::string_view rest = line.substr(5);
  s.remaining = std::stoull(std::string(rest));
  s.last = rest.find(" LAST") != std::string_view::npos;
  s.in_chunk = true;
  if (s.remaining == 0) return chunk_end(s);
  return std::string();
}

ScriptedBackend chunking_backend(std::shared_ptr<ChunkingState> state = std::make_shared<ChunkingState>()) {
  ScriptedBackend b;
  b.ehlo = kChunkingEhlo;
  b.reply_to = [state](std::string_view line) { return chunking_reply(*state, line); };
  return b;
}

// The backend's raw input read as RFC 3030 says: command lines, and after `BDAT n` exactly n chunk bytes.
struct BdatView {
  std::vector<std::string> commands;   // command lines, BDAT ones included, chunk bytes never
  std::vector<std::string> messages;   // content of each transaction ended by a LAST chunk
  std::string open;                    // chunks of a transaction not (yet) ended by LAST
  uint64_t reset_bytes = 0;            // chunk bytes of transactions ended by RSET instead
};

BdatView bdat_view(std::string_view raw) {
  BdatView v;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    const std::string line(raw.substr(pos, eol - pos));
    pos = eol + 2;
    v.commands.push_back(line);
    if (!line.starts_with("BDAT ")) {
      if (line == "RSET") {
        v.reset_bytes += v.open.size();
        v.open.clear();
      }
      continue;
    }
    const uint64_t size = std::stoull(line.substr(5));
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, raw.size() - pos));
    v.open.append(raw.substr(pos, take));
    pos += take;
    if (line.ends_with(" LAST")) v.messages.push_back(std::move(v.open)), v.open.clear();
  }
  return v;
}

bool has_command(const std::vector<std::string>& commands, std::string_view prefix) {
  for (const std::string& c : commands) {
    if (c.starts_with(prefix)) return true;
  }
  return false;
}

// A plain message of about `size` bytes, every line CRLF-ended; one line starts with a dot (stuffing shows).
std::string plain_message(size_t size) {
  std::string m = "From: a@client.example\r\nTo: b@mx.example\r\nSubject: chunks\r\n\r\n.leading dot line\r\n";
  size_t n = 0;
  while (m.size() + 80 <= size) {
    std::string line = "line " + std::to_string(n++) + " ";
    line.resize(78, 'x');
    m += line + "\r\n";
  }
  return m;
}

// Exactly `size` bytes (size >= 100): plain_message, then one more line to make up the difference.
std::string message_of_exactly(size_t size) {
  std::string m = plain_message(size - 3);
  m += std::string(size - m.size() - 2, 'z') + "\r\n";
  return m;
}

// EHLO (CHUNKING offered to the client), MAIL, RCPT; no DATA.
void envelope(RelayConversation& c) {
  const std::string ehlo = c.exchange("EHLO client.example\r\n");
  ASSERT_TRUE(ehlo.starts_with("250")) << ehlo;
  ASSERT_NE(ehlo.find("CHUNKING"), std::string::npos) << ehlo;
  ASSERT_EQ(c.exchange("MAIL FROM:<a@client.example>\r\n"), "250 2.1.0 Ok\r\n");
  ASSERT_EQ(c.exchange("RCPT TO:<b@mx.example>\r\n"), "250 2.1.0 Ok\r\n");
}

// ---------------------------------------------------------------------------------------------- RES-10 BDAT abuse

constexpr uint32_t kCommandTimeoutS = 1;
constexpr uint32_t kMinDataRate = 500;

LimitsConfig deadline_config() {
  return {.protocol_options = "  set command-timeout " + std::to_string(kCommandTimeoutS) + "\n  set min-data-rate " +
                              std::to_string(kMinDataRate) + "\n  set chunking enable\n"};
}

// Postfix reads the missing 50 bytes under its 300 s smtpd_timeout; Sluice's deadline is command-timeout, then
// min-data-rate over the chunk's bytes: 50 bytes earn 0.1 s at 500 B/s, so command-timeout decides.
TEST(Res10Bdat, ShortChunkThenSilenceEndsAtTheDeadlineAndNothingIsDelivered) {
  RelayConversation c(limits_config(deadline_config()), chunking_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  envelope(c);
  const auto t0 = Clock::now();
  c.send("BDAT 100\r\n" + std::string(50, 'z'));
  const std::string reply = c.replies(1, 10);
  const double waited = seconds_since(t0);
  EXPECT_EQ(reply, "421 4.4.2 Error: timeout exceeded\r\n");
  EXPECT_GE(waited, kCommandTimeoutS * 0.9);
  EXPECT_LT(waited, kCommandTimeoutS + 4.0) << "the deadline took too long";
  c.settle(0.2);
  EXPECT_TRUE(c.client_closed_by_appliance());
  const BdatView b = bdat_view(c.backend().raw);
  EXPECT_TRUE(b.messages.empty());
  EXPECT_FALSE(has_command(b.commands, "BDAT")) << c.backend().raw;
  EXPECT_EQ(b.open, "") << "chunk bytes reached the backend";
}

// RFC 3030 allows `BDAT 0 LAST` only; Postfix answers a null non-LAST chunk `551 5.7.1 Null BDAT request`.
TEST(Res10Bdat, NullChunkWithoutLastIsRefusedAndNeverForwarded) {
  RelayConversation c(limits_config(deadline_config()), chunking_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  envelope(c);
  EXPECT_EQ(c.exchange("BDAT 0\r\n"), "551 5.7.1 Null BDAT request\r\n");
  EXPECT_EQ(c.exchange("NOOP\r\n"), "250 2.1.0 Ok\r\n") << "the session goes on";
  const BdatView b = bdat_view(c.backend().raw);
  EXPECT_FALSE(has_command(b.commands, "BDAT")) << c.backend().raw;
  EXPECT_TRUE(b.messages.empty());
}

constexpr size_t kTinyChunks = 5000;

std::string one_byte_chunks(std::string_view content) {
  std::string out;
  for (size_t i = 0; i < content.size(); ++i) {
    out += i + 1 == content.size() ? "BDAT 1 LAST\r\n" : "BDAT 1\r\n";
    out += content[i];
  }
  return out;
}

// Every non-LAST chunk is answered by the relay; the LAST one by the backend's own reply. CRLFs split between two
// chunks stay CRLFs (not a bare CR + a bare LF).
TEST(Res10Bdat, FiveThousandOneByteChunksGiveOneIntactMessageAtAChunkingBackend) {
  RelayConversation c(limits_config(deadline_config()), chunking_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  envelope(c);
  const std::string content = message_of_exactly(kTinyChunks);
  ASSERT_EQ(content.size(), kTinyChunks);
  c.send(one_byte_chunks(content));
  const std::string replies = c.replies(static_cast<int>(content.size()), 60);
  ASSERT_EQ(count_replies(replies), static_cast<int>(content.size())) << replies.substr(replies.size() - 200);
  EXPECT_EQ(replies.substr(0, 24), "250 2.0.0 Ok: 1 octets\r\n");
  EXPECT_TRUE(replies.ends_with("\r\n250 2.0.0 Ok: queued as BACKEND-7\r\n")) << replies.substr(replies.size() - 100);
  const BdatView b = bdat_view(c.backend().raw);
  ASSERT_EQ(b.messages.size(), 1u) << c.backend().raw.substr(0, 400);
  EXPECT_EQ(b.messages[0], content);
  EXPECT_EQ(b.open, "");
  // Held, then released whole: one chunk, not 5,000.
  EXPECT_EQ(b.commands, (std::vector<std::string>{"EHLO client.example", "MAIL FROM:<a@client.example>",
                                                  "RCPT TO:<b@mx.example>",
                                                  "BDAT " + std::to_string(content.size()) + " LAST"}));
}

TEST(Res10Bdat, FiveThousandOneByteChunksGiveOneStuffedMessageAtADataBackend) {
  RelayConversation c(limits_config(deadline_config()));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  envelope(c);
  const std::string content = message_of_exactly(kTinyChunks);
  c.send(one_byte_chunks(content));
  const std::string replies = c.replies(static_cast<int>(content.size()), 60);
  ASSERT_EQ(count_replies(replies), static_cast<int>(content.size()));
  EXPECT_TRUE(replies.ends_with("\r\n250 2.0.0 Ok: queued as 1\r\n")) << replies.substr(replies.size() - 100);
  ASSERT_EQ(c.backend().messages.size(), 1u);
  std::string stuffed = content;
  stuffed.replace(stuffed.find("\r\n\r\n.leading") + 4, 1, "..");
  EXPECT_EQ(c.backend().messages[0], stuffed);
  EXPECT_FALSE(c.backend().in_data);
  EXPECT_EQ(c.backend().commands, (std::vector<std::string>{"EHLO client.example", "MAIL FROM:<a@client.example>",
                                                            "RCPT TO:<b@mx.example>", "DATA"}));
}

constexpr uint32_t kOversizeMb = 1;
constexpr size_t kBigChunk = 64 * 1024;

// 1.5 MB in 64 KB chunks over a 1 MB limit. Postfix refuses the chunk that crosses the limit (552 5.3.4) and
// discards the rest; Sluice answers every non-LAST chunk and refuses at the end, having sent the backend nothing
// past the limit and no LAST chunk, then RSET: the backend has an open transaction and no message.
TEST(Res10Bdat, TotalOverTheSizeLimitIsRefusedWith552AndNothingIsDelivered) {
  LimitsConfig config = deadline_config();
  config.protocol_options += "  set oversize-limit " + std::to_string(kOversizeMb) + "\n";
  RelayConversation c(limits_config(config), chunking_backend());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  envelope(c);
  constexpr int kChunks = 24;   // 1.5 MB
  std::string chunk = plain_message(kBigChunk);
  chunk.resize(kBigChunk, 'y');
  chunk.replace(kBigChunk - 2, 2, "\r\n");
  for (int i = 0; i < kChunks; ++i) {
    c.send((i + 1 == kChunks ? "BDAT " + std::to_string(kBigChunk) + " LAST\r\n"
                             : "BDAT " + std::to_string(kBigChunk) + "\r\n") +
           chunk);
  }
  const std::string replies = c.replies(kChunks, 60);
  ASSERT_EQ(count_replies(replies), kChunks) << replies;
  const size_t last = replies.rfind("\r\n", replies.size() - 3);
  const std::string final_reply = replies.substr(last + 2);
  EXPECT_TRUE(final_reply.starts_with("552 5.3.4 Message size exceeds fixed limit")) << final_reply;
  EXPECT_EQ(replies.find("552"), last + 2) << "only the end is refused: " << replies;
  c.settle(0.3);
  const BdatView b = bdat_view(c.backend().raw);
  EXPECT_TRUE(b.messages.empty()) << "a LAST chunk reached the backend";
  EXPECT_EQ(b.open, "");
  EXPECT_GT(b.reset_bytes, 0u) << "past hold-limit the content streams";
  EXPECT_LE(b.reset_bytes, static_cast<uint64_t>(kOversizeMb) << 20) << "content past the limit was sent";
  ASSERT_FALSE(b.commands.empty());
  EXPECT_EQ(b.commands.back(), "RSET");
  EXPECT_EQ(c.exchange("NOOP\r\n"), "250 2.1.0 Ok\r\n") << "the session goes on after the refusal";
  std::printf("[ RES-10   ] 1.5 MB over 1 MB: the backend got %llu chunk bytes, then RSET\n",
              static_cast<unsigned long long>(b.reset_bytes));
}

// --------------------------------------------------------------------------------------------- RES-16 verdicts

constexpr uint32_t kVerdictTimeoutMs = 100;   // verdict-timeout's minimum
constexpr uint64_t kSliceCycles = 10'000;     // slice-cycles' minimum: a few KB scanned per poll
constexpr uint64_t kHugeBudget = 1'000'000'000'000;   // cycles-per-message's maximum: never what stops the scan

std::string scan_budget(uint64_t cycles, uint64_t slice, uint32_t verdict_ms) {
  return "config scan budget\n  set cycles-per-message " + std::to_string(cycles) + "\n  set slice-cycles " +
         std::to_string(slice) + "\n  set verdict-timeout " + std::to_string(verdict_ms) +
         "\n  set scan-timeout-action tempfail\nend\n";
}

// A scan that cannot finish in time: a gzip inside a gzip, about 1 KB that expands to kBombMb of zeros inside
// the scanner call that reads it (archive limits raised so it is not refused as a bomb first), then a 1 MB
// epilogue. Fast, cheap input does not force a verdict timeout: with slice-cycles at its minimum the worker still
// takes one 16 KB call per poll and keeps up (a 6 MB message and 60,000 1-byte BDAT chunks were both judged in
// under 0.2 s). The message is held (under hold-limit), so the backend must see none of it.
constexpr size_t kBombMb = 128;
constexpr double kSlackS = 1.0;   // transfer of the 1 MB message and scheduling on 2 shared cores

struct BombOutcome {
  std::string reply;
  double seconds = 0;   // from the client's first byte of the message to the reply
  bool delivered = false, scan_timeout = false;
  size_t bomb_bytes = 0;
};

BombOutcome send_bomb(uint64_t cycles) {
  const LimitsConfig config{
      .protocol_options = "  set chunking enable\n  set hold-limit 4096\n",
      .archive = "  set max-depth 4\n  set uncompressed-oversize-limit 4096\n  set max-ratio 100000\n"
                 "  set ratio-floor 1048576\n",
      .extra = scan_budget(cycles, kSliceCycles, kVerdictTimeoutMs)};
  RelayConversation c(limits_config(config), chunking_backend());
  BombOutcome o;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open()) return o;
  envelope(c);
  const std::string inner = archive::test::gzip_member(std::string(kBombMb << 20, '\0'), "zeros.bin");
  const std::string bomb = archive::test::gzip_member(inner, "zeros.bin.gz");
  o.bomb_bytes = bomb.size();
  const std::string content = message_with_attachment("zeros.bin.gz", "application/gzip", bomb) +
                              plain_message(1 << 20).substr(60);   // an epilogue after the last boundary
  const auto t0 = Clock::now();
  c.send("BDAT " + std::to_string(content.size()) + " LAST\r\n" + content);
  o.reply = c.replies(1, 120);
  o.seconds = seconds_since(t0);
  c.settle(0.2);
  const BdatView b = bdat_view(c.backend().raw);
  o.delivered = !b.messages.empty() || has_command(b.commands, "BDAT");
  o.scan_timeout = !c.records().empty() && c.records().back().scan_timeout;
  std::printf("[ RES-16   ] gzip(gzip(%zu MB zeros)) = %zu bytes + 1 MB epilogue, cycles-per-message %llu: reply "
              "after %.3f s: %s",
              kBombMb, o.bomb_bytes, static_cast<unsigned long long>(cycles), o.seconds, o.reply.c_str());
  return o;
}

// The verdict is safe: deferred, nothing delivered. (The time it takes is the open finding below.)
TEST(Res16VerdictTiming, ScanThatCannotFinishIsDeferredAndNothingIsDelivered) {
  const BombOutcome o = send_bomb(1'000'000);
  EXPECT_TRUE(o.reply.starts_with("451 4.7.1 Message deferred: ")) << o.reply;
  EXPECT_NE(o.reply.find("scan:timeout"), std::string::npos) << o.reply;
  EXPECT_FALSE(o.delivered);
  EXPECT_TRUE(o.scan_timeout);
}

// RES-16: a hung scan gets its 451 within verdict-timeout. The cycle budget is at its maximum, so only
// verdict-timeout can end it. The whole bomb is expanded inside one scanner call, where the dataplane cannot look:
// the relay inspector hands the verdict-timeout deadline down to the archive expander, which checks it every
// 256 KiB of output (before: '250 2.0.0 Ok' after 0.72 s and the message delivered).
TEST(Res16VerdictTiming, ScanThatCannotFinishIsDeferredWithinVerdictTimeout) {
  const BombOutcome o = send_bomb(kHugeBudget);
  EXPECT_TRUE(o.reply.starts_with("451 4.7.1 Message deferred: ")) << o.reply;
  EXPECT_LT(o.seconds, kVerdictTimeoutMs / 1000.0 + kSlackS);
  EXPECT_FALSE(o.delivered);
  EXPECT_TRUE(o.scan_timeout);
}

// The backend holds its reply to the LAST chunk back: the client hears nothing, though the message is complete
// and clean; then a backend whose own reply is distinctive: that text, and only it, is what the client hears.
TEST(Res16VerdictTiming, ClientHearsNothingBeforeTheBackendsReplyAndThenExactlyIt) {
  auto silent = std::make_shared<ChunkingState>();
  silent->last_reply.clear();
  RelayConversation c(limits_config({}), chunking_backend(silent));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.open());
  envelope(c);
  const std::string content = plain_message(4000);
  EXPECT_EQ(c.exchange("BDAT " + std::to_string(content.size()) + " LAST\r\n" + content, 3), "");
  const BdatView b = bdat_view(c.backend().raw);
  ASSERT_EQ(b.messages.size(), 1u) << "the clean message was released to the backend";
  EXPECT_EQ(b.messages[0], content);
  EXPECT_EQ(c.client_unread(), "") << "the client heard something before the backend answered";

  auto own = std::make_shared<ChunkingState>();
  own->last_reply = "250 2.0.0 Ok: queued as 4XyZ-backend-own\r\n";
  RelayConversation d(limits_config({}), chunking_backend(own));
  ASSERT_TRUE(d.ok()) << d.error();
  ASSERT_TRUE(d.open());
  envelope(d);
  EXPECT_EQ(d.exchange("BDAT " + std::to_string(content.size()) + " LAST\r\n" + content),
            "250 2.0.0 Ok: queued as 4XyZ-backend-own\r\n");
  // And a backend that refuses the clean message: its refusal, not a 250.
  auto refusing = std::make_shared<ChunkingState>();
  refusing->last_reply = "554 5.7.1 backend says no\r\n";
  RelayConversation e(limits_config({}), chunking_backend(refusing));
  ASSERT_TRUE(e.ok()) << e.error();
  ASSERT_TRUE(e.open());
  envelope(e);
  EXPECT_EQ(e.exchange("BDAT " + std::to_string(content.size()) + " LAST\r\n" + content),
            "554 5.7.1 backend says no\r\n");
}

// ------------------------------------------------------------------------------------- RES-14 deep HTML nesting

constexpr size_t kHtmlDepth = 1'000'000;
constexpr double kHtmlBoundS = 30;   // wall-clock bound on the whole conversation

std::string deep_html(bool with_eicar) {
  std::string html = "<html><body>";
  html.reserve(kHtmlDepth * 5 + 200);
  for (size_t i = 0; i < kHtmlDepth; ++i) {
    html += "<div>";
    if (i % 15 == 14) html += "\r\n";   // lines of 75 bytes: within max-line-length, so only nesting is tested
  }
  html += "\r\n" + (with_eicar ? kEicar : std::string("nothing to see")) + "\r\n</body></html>\r\n";
  return single_part_message("text/html", "7bit", html);
}

struct HtmlOutcome {
  std::string reply;
  double seconds = 0;
  size_t delivered = 0;   // complete messages at the backend
  bool partial_at_backend = false;
};

HtmlOutcome send_deep_html(bool with_eicar, uint64_t cycles) {
  const LimitsConfig config{.protocol_options = "  set oversize-limit 10\n",
                            .extra = scan_budget(cycles, 1'000'000, 30000)};
  RelayConversation c(limits_config(config));
  HtmlOutcome o;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return o;
  const auto t0 = Clock::now();
  std::string body = deep_html(with_eicar);
  c.send(body + ".\r\n");
  o.reply = c.replies(1, kHtmlBoundS);
  o.seconds = seconds_since(t0);
  c.settle(0.2);
  o.delivered = c.backend().messages.size();
  o.partial_at_backend = c.backend().in_data;
  std::printf("[ RES-14   ] %zu-deep HTML %s, cycles-per-message %llu: %.3f s, %s", kHtmlDepth,
              with_eicar ? "+ EICAR" : "benign", static_cast<unsigned long long>(cycles), o.seconds, o.reply.c_str());
  return o;
}

// With a budget large enough to finish: EICAR after the nesting is found (550), streamed content stays short of
// its end at the backend; the benign twin is delivered.
TEST(Res14DeepHtml, EicarAfterAMillionNestedDivsIsRejectedInBoundedTime) {
  const HtmlOutcome o = send_deep_html(true, 200'000'000'000);
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: ") || o.reply.starts_with("451 4.7.1 ")) << o.reply;
  EXPECT_NE(o.reply.find("antivirus:Eicar"), std::string::npos) << "found, not timed out: " << o.reply;
  EXPECT_LT(o.seconds, kHtmlBoundS);
  EXPECT_EQ(o.delivered, 0u);
  EXPECT_TRUE(o.partial_at_backend) << "5 MB streams past hold-limit; the refusal closes the DATA leg without its end";
}

TEST(Res14DeepHtml, BenignTwinIsDelivered) {
  const HtmlOutcome o = send_deep_html(false, 200'000'000'000);
  EXPECT_EQ(o.reply, "250 2.0.0 Ok: queued as 1\r\n");
  EXPECT_LT(o.seconds, kHtmlBoundS);
  EXPECT_EQ(o.delivered, 1u);
}

// With cycles-per-message at its minimum the scan cannot finish: both twins are deferred, neither delivered.
TEST(Res14DeepHtml, TinyBudgetDefersBothTwinsAndDeliversNeither) {
  for (bool eicar : {true, false}) {
    const HtmlOutcome o = send_deep_html(eicar, 1'000'000);
    EXPECT_TRUE(o.reply.starts_with("451 4.7.1 Message deferred: ")) << o.reply;
    EXPECT_NE(o.reply.find("scan:timeout"), std::string::npos) << o.reply;
    EXPECT_LT(o.seconds, kHtmlBoundS);
    EXPECT_EQ(o.delivered, 0u);
  }
}

}  // namespace
}  // namespace sluice::testing
