// tests/adversarial/tcp/urgent_pointer_test.cc — THREATS TCP-4 live: client segments with URG set and an urgent
// pointer inside a command or inside DATA content. Stacks disagree about urgent data: with SO_OOBINLINE off a
// BSD-style stack removes the "urgent byte" (the one before the pointer, RFC 6093 §2) from the stream, an inline
// reader keeps it. An evader uses the disagreement to make the inspector and the mail server read different bytes.
// Sluice's endpoint ignores URG (reassembly/tcp_endpoint.h: bytes inline), so what the relay parses and scans is
// every byte the client sent; and because the backend leg is Sluice's own TCP connection, URG is never carried to
// it, so the backend's stack has no urgent byte to remove: both read the same stream.
//
// Expected, per case: the backend receives exactly the bytes the same session sends without URG, no backend
// segment carries URG or an urgent pointer, the client hears exactly the replies of the session without URG, and a
// message whose EICAR is split around an urgent byte is still refused.
// May call: the adversarial fixture (crafted client and backend frames, WireLog), crafted_frames.h.
#include <optional>
#include <string>
#include <vector>

#include "tests/adversarial/tcp/adversarial_fixture.h"
#include "tests/adversarial/tcp/crafted_frames.h"

namespace sluice::testing {
namespace {

using dataplane::kTcpUrg;

// The EICAR anti-virus test file (68 bytes), which `builtin-eicar` detects.
const std::string kEicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
constexpr const char* kAntivirus = "config antivirus\n  set builtin-eicar enable\n  set action reject\nend\n";
constexpr std::string_view kQueued = "250 2.0.0 Ok: queued as 4F2A1\r\n";

// Sets the urgent pointer of a frame tcp_frame() built (flags already carry URG, the field was 0) and fixes the TCP
// checksum incrementally (RFC 1624: the field grows from 0 to `pointer`).
std::vector<uint8_t> with_urgent_pointer(std::vector<uint8_t> frame, uint16_t pointer) {
  uint8_t* tcp = frame.data() + kEthernetLen + (is_ipv4_frame(frame) ? kIpv4HeaderLen : kIpv6HeaderLen);
  const uint16_t old_checksum = static_cast<uint16_t>(tcp[16] << 8 | tcp[17]);
  store_be16(tcp + 18, pointer);
  store_be16(tcp + 16, dataplane::checksum_finish(static_cast<uint16_t>(~old_checksum) + uint64_t{pointer}));
  return frame;
}

uint16_t urgent_pointer_of(const Frame& f) {
  const size_t l4 = kEthernetLen + (is_ipv4_frame(f.bytes) ? kIpv4HeaderLen : kIpv6HeaderLen);
  return static_cast<uint16_t>(f.bytes[l4 + 18] << 8 | f.bytes[l4 + 19]);
}

// Where one client segment of the conversation carries URG: the `segment`-th piece the client sends (0 = the
// first), with `pointer` bytes from its first byte (RFC 6093: a BSD stack's urgent byte is the one at pointer - 1).
struct Urgent {
  size_t segment = 0;
  uint16_t pointer = 0;
};

// What each peer received in one conversation, and whether the backend leg ever carried urgent data.
struct Transcript {
  std::string to_client, to_backend;
  uint64_t backend_frames = 0, backend_urgent_frames = 0;
  bool client_rst = false, backend_rst = false;
};

class Tcp4UrgentPointer : public AdversarialTcp {
 protected:
  // Each conversation starts its own appliance (converse): a URG run and its reference never share state.
  void SetUp() override {}

  // One session on a fresh appliance: the greeting, then each of `pieces` as one client segment (one of them with
  // URG when `urgent` says so). The crafted backend answers like a mail server (smtp-sink style).
  Transcript converse(const std::vector<std::string>& pieces, std::optional<Urgent> urgent) {
    app_.reset();
    start(config_with("end\n" + std::string(kAntivirus) + "config system tcp\n"));
    client_ = kClient;
    backend_ = kBackend;
    vip_ = kVip;
    greeting_bytes_ = 0;   // the fixture's sequence helpers count from this run's greeting
    backend_sent_ = 0;
    client_sent_ = 0;
    answered_ = 0;
    in_data_ = false;
    transcript_ = Transcript{};
    establish();
    to_client_ = WireLog(w_to_client());
    to_backend_ = WireLog(w_to_backend());
    for (size_t i = 0; i < pieces.size(); ++i) {
      const std::string& piece = pieces[i];
      const bool urg = urgent && urgent->segment == i;
      std::vector<uint8_t> frame =
          client_frame(c_seq(client_sent_), to_client_.next, kTcpPsh | kTcpAck | (urg ? kTcpUrg : 0), piece);
      if (urg) frame = with_urgent_pointer(std::move(frame), urgent->pointer);
      const Frame sent = parse_frame(frame.data(), frame.size());
      EXPECT_TRUE(sent.checksums_ok) << "a crafted segment must be valid";
      EXPECT_EQ((sent.flags & kTcpUrg) != 0, urg);
      EXPECT_EQ(urgent_pointer_of(sent), urg ? urgent->pointer : 0);
      inject_from_client(frame);
      client_sent_ += static_cast<uint32_t>(piece.size());
      turn();
    }
    transcript_.to_client = to_client_.bytes;
    transcript_.to_backend = to_backend_.bytes;
    transcript_.client_rst = to_client_.rst;
    transcript_.backend_rst = to_backend_.rst;
    return transcript_;
  }

 private:
  // Polls until nothing moves; the crafted backend answers every complete command (and the end of data) it got.
  void turn() {
    for (int i = 0; i < 8; ++i) {
      app_->poll();
      for (const Frame& f : app_->drain(Side::Inside)) {
        ++transcript_.backend_frames;
        if ((f.flags & kTcpUrg) != 0 || urgent_pointer_of(f) != 0) ++transcript_.backend_urgent_frames;
        to_backend_.take(f);
      }
      to_client_.take(app_->drain(Side::Outside));
      while (const std::optional<std::string> reply = backend_answer()) {
        backend_replies(to_client_, to_backend_, *reply);
      }
    }
  }

  // The next reply a mail server owes for what it received and has not answered yet.
  std::optional<std::string> backend_answer() {
    const std::string& got = to_backend_.bytes;
    if (in_data_) {
      const size_t end = got.find("\r\n.\r\n", answered_ == 0 ? 0 : answered_ - 2);
      if (end == std::string::npos) return std::nullopt;
      answered_ = end + 5;
      in_data_ = false;
      return std::string(kQueued);
    }
    const size_t eol = got.find("\r\n", answered_);
    if (eol == std::string::npos) return std::nullopt;
    const std::string line = got.substr(answered_, eol - answered_);
    answered_ = eol + 2;
    if (line.starts_with("EHLO")) return "250 mx.example\r\n";
    if (line.starts_with("MAIL")) return "250 2.1.0 Ok\r\n";
    if (line.starts_with("RCPT")) return "250 2.1.5 Ok\r\n";
    if (line == "DATA") {
      in_data_ = true;
      return "354 End data with <CR><LF>.<CR><LF>\r\n";
    }
    if (line == "QUIT") return "221 2.0.0 Bye\r\n";
    return "502 5.5.2 Error: command not recognized\r\n";
  }

  WireLog to_client_, to_backend_;
  uint32_t client_sent_ = 0;
  size_t answered_ = 0;   // bytes of to_backend_ the crafted backend has answered
  bool in_data_ = false;
  Transcript transcript_;
};

const std::string kEhlo = "EHLO client.example\r\n";
const std::string kMail = "MAIL FROM:<a@client.example>\r\n";
const std::string kRcptWithX = "RCPT TO:<a@exXample>\r\n";   // THREATS TCP-4's own input
const size_t kX = kRcptWithX.find('X');

std::string message(std::string_view body) {
  return "From: a@client.example\r\nTo: a@exXample\r\nSubject: urgent\r\n\r\n" + std::string(body) + "\r\n.\r\n";
}

// The pieces of a whole session: envelope, DATA, the message as given (already cut), QUIT.
std::vector<std::string> session(const std::vector<std::string>& content) {
  std::vector<std::string> pieces = {kEhlo, kMail, kRcptWithX, "DATA\r\n"};
  pieces.insert(pieces.end(), content.begin(), content.end());
  pieces.push_back("QUIT\r\n");
  return pieces;
}

// Every URG case compared with the same pieces without URG: same backend bytes, same replies, no URG inside.
void expect_same_as_without_urgent(const Transcript& urgent, const Transcript& plain) {
  EXPECT_EQ(urgent.to_backend, plain.to_backend);
  EXPECT_EQ(urgent.to_client, plain.to_client);
  EXPECT_GT(urgent.backend_frames, 0u);
  EXPECT_EQ(urgent.backend_urgent_frames, 0u) << "URG or an urgent pointer reached the backend leg";
  EXPECT_EQ(plain.backend_urgent_frames, 0u);
  EXPECT_FALSE(urgent.client_rst);
  EXPECT_FALSE(urgent.backend_rst);
}

// The reference itself: a clean message is delivered and the backend's own 250 reaches the client.
TEST_F(Tcp4UrgentPointer, ReferenceSessionWithoutUrgentDelivers) {
  const std::string content = message("plain body line");
  const Transcript plain = converse(session({content}), std::nullopt);
  EXPECT_EQ(plain.to_backend, kEhlo + kMail + kRcptWithX + "DATA\r\n" + content + "QUIT\r\n");
  EXPECT_NE(plain.to_client.find(kQueued), std::string::npos) << plain.to_client;
  EXPECT_TRUE(plain.to_client.ends_with("221 2.0.0 Bye\r\n")) << plain.to_client;
}

// THREATS TCP-4's input: RCPT with the pointer on X, read both ways (RFC 1122 "last urgent byte" and BSD
// "byte after it", which makes X the byte a BSD stack removes): X stays in the address, at the relay and the backend.
TEST_F(Tcp4UrgentPointer, UrgentByteInACommandStaysInline) {
  const std::vector<std::string> pieces = session({message("plain body line")});
  const Transcript plain = converse(pieces, std::nullopt);
  for (const uint16_t pointer : {static_cast<uint16_t>(kX), static_cast<uint16_t>(kX + 1)}) {
    SCOPED_TRACE("urgent pointer " + std::to_string(pointer));
    const Transcript urgent = converse(pieces, Urgent{.segment = 2, .pointer = pointer});
    expect_same_as_without_urgent(urgent, plain);
    EXPECT_NE(urgent.to_backend.find(kRcptWithX), std::string::npos) << urgent.to_backend;
  }
}

// An urgent pointer past the end of its segment (legal: the urgent data is still to come) changes nothing either.
TEST_F(Tcp4UrgentPointer, UrgentPointerBeyondTheSegmentChangesNothing) {
  const std::vector<std::string> pieces = session({message("plain body line")});
  const Transcript plain = converse(pieces, std::nullopt);
  const Transcript urgent = converse(pieces, Urgent{.segment = 1, .pointer = 400});
  expect_same_as_without_urgent(urgent, plain);
}

// Urgent bytes in DATA content, the urgent byte in the middle of a body line and on the last byte of a segment that
// ends mid-line: the content is delivered as sent, with the byte a BSD stack would drop.
TEST_F(Tcp4UrgentPointer, UrgentByteInDataContentStaysInline) {
  const std::string content = message("the urgent byte is the U in this line\r\nand a second line");
  const size_t u = content.find('U');
  const std::vector<std::string> pieces = session({content.substr(0, u + 1), content.substr(u + 1)});
  const Transcript plain = converse(pieces, std::nullopt);
  EXPECT_NE(plain.to_client.find(kQueued), std::string::npos) << plain.to_client;
  const size_t first_content_piece = 4;
  for (const uint16_t pointer : {static_cast<uint16_t>(u + 1), static_cast<uint16_t>(u / 2)}) {
    SCOPED_TRACE("urgent pointer " + std::to_string(pointer));
    const Transcript urgent = converse(pieces, Urgent{.segment = first_content_piece, .pointer = pointer});
    expect_same_as_without_urgent(urgent, plain);
    EXPECT_NE(urgent.to_backend.find(content), std::string::npos) << "content not delivered as sent";
  }
}

// EICAR cut in two segments, the first ending on an EICAR byte marked urgent (BSD pointer): an inspector that
// dropped the urgent byte would see no signature. Sluice keeps it inline, finds EICAR, refuses, delivers nothing.
TEST_F(Tcp4UrgentPointer, EicarSplitAroundAnUrgentByteIsStillRefused) {
  const std::string content = message("attached:\r\n" + kEicar);
  const size_t cut = content.find(kEicar) + kEicar.size() / 2;
  const std::vector<std::string> pieces = session({content.substr(0, cut), content.substr(cut)});
  for (const bool urg : {false, true}) {
    SCOPED_TRACE(urg ? "with URG" : "without URG");
    const Transcript t =
        converse(pieces, urg ? std::optional<Urgent>(Urgent{.segment = 4, .pointer = static_cast<uint16_t>(cut)})
                             : std::nullopt);
    EXPECT_NE(t.to_client.find("550 5.7.1 Message rejected: "), std::string::npos) << t.to_client;
    EXPECT_EQ(t.to_client.find(kQueued), std::string::npos) << "the backend's 250 reached the client";
    EXPECT_EQ(t.to_backend.find("EICAR"), std::string::npos) << "refused content reached the backend";
    EXPECT_EQ(t.to_backend.find("\r\n.\r\n"), std::string::npos) << "a message ended at the backend";
    EXPECT_EQ(t.backend_urgent_frames, 0u);
  }
}

// The evasion the other way round: one extra byte inside EICAR, marked urgent, which a BSD stack would remove to
// rebuild the signature. The relay reads it inline (no signature) and so does the backend, because it is sent the
// byte as ordinary data with no URG: the delivered bytes are the inspected bytes, never the rebuilt EICAR.
TEST_F(Tcp4UrgentPointer, AByteInsertedIntoEicarAndMarkedUrgentIsDeliveredInline) {
  const size_t half = kEicar.size() / 2;
  const std::string broken = kEicar.substr(0, half) + "#" + kEicar.substr(half);
  const std::string content = message("attached:\r\n" + broken);
  const size_t extra = content.find(broken) + half;   // the inserted byte
  const std::vector<std::string> pieces = session({content.substr(0, extra + 1), content.substr(extra + 1)});
  const Transcript plain = converse(pieces, std::nullopt);
  const Transcript urgent = converse(pieces, Urgent{.segment = 4, .pointer = static_cast<uint16_t>(extra + 1)});
  expect_same_as_without_urgent(urgent, plain);
  EXPECT_NE(urgent.to_backend.find(broken), std::string::npos) << "the inspected bytes are what was delivered";
  EXPECT_EQ(urgent.to_backend.find(kEicar), std::string::npos);
  EXPECT_NE(urgent.to_client.find(kQueued), std::string::npos) << urgent.to_client;
}

}  // namespace
}  // namespace sluice::testing
