// Two TcpEndpoints wired back to back through an in-memory link that loses, reorders and
// duplicates segments (seeded PRNG, simulated clock). Each side sends 5 MB, reads the
// other's 5 MB, half-closes, and both must end Closed/Normal with every byte exact.
// SYN options travel as wire bytes (encode_syn_options -> parse_tcp_options).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <random>
#include <string>

#include "reassembly/tcp_endpoint.h"
#include "reassembly/tcp_options.h"

namespace sluice::reassembly {
namespace {

constexpr uint64_t kUs = 1000, kMs = 1000 * kUs;

struct LinkParams {
  double loss = 0.05, duplicate = 0.01;
  uint64_t delay_ns = 1 * kMs, jitter_ns = 1 * kMs;  // jitter reorders
};

// One direction's wire copy of a segment.
struct WirePacket {
  int to = 0;
  TcpSegment header;  // payload re-pointed at `bytes` on delivery
  std::string bytes;
  bool has_options = false;
  uint8_t options[20] = {};
  size_t options_length = 0;
};

class Link {
 public:
  Link(const LinkParams& params, uint32_t seed) : params_(params), rng_(seed) {}

  void send(int to, const SegmentOut& out, uint64_t now) {
    ++sent_;
    // LOOPBACK_TRACE=1 prints every segment to stderr: how a wedged seed is diagnosed.
    if (std::getenv("LOOPBACK_TRACE")) std::fprintf(stderr, "%.4f to=%d seq=%u ack=%u fl=%02x win=%u len=%u\n", now / 1e9, to, out.seq, out.ack, out.flags, out.window, out.payload_length());
    if (chance(params_.loss)) {
      if (std::getenv("LOOPBACK_TRACE")) std::fprintf(stderr, "  lost\n");
      ++lost_;
      return;
    }
    WirePacket packet;
    packet.to = to;
    packet.header.seq = out.seq;
    packet.header.ack = out.ack;
    packet.header.flags = out.flags;
    packet.header.window = out.window;
    packet.bytes.assign(out.payload[0]);
    packet.bytes.append(out.payload[1]);
    if (out.has_syn_options) {
      packet.has_options = true;
      packet.options_length = encode_syn_options(out.syn_options, packet.options);
    }
    const int copies = chance(params_.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      const uint64_t at = now + params_.delay_ns + rng_() % (params_.jitter_ns + 1);
      queue_.emplace(at, packet);
    }
  }

  uint64_t next_time() const { return queue_.empty() ? UINT64_MAX : queue_.begin()->first; }
  bool has_due(uint64_t now) const { return !queue_.empty() && queue_.begin()->first <= now; }
  WirePacket pop() {
    WirePacket packet = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    packet.header.payload = packet.bytes;
    return packet;
  }
  uint64_t sent() const { return sent_; }
  uint64_t lost() const { return lost_; }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  LinkParams params_;
  std::mt19937_64 rng_;
  std::multimap<uint64_t, WirePacket> queue_;
  uint64_t sent_ = 0, lost_ = 0;
};

class LinkSink : public SegmentSink {
 public:
  LinkSink(Link& link, int to, const uint64_t& now) : link_(link), to_(to), now_(now) {}
  void send_segment(const SegmentOut& out) override { link_.send(to_, out, now_); }

 private:
  Link& link_;
  int to_;
  const uint64_t& now_;
};

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

struct Side {
  TcpEndpoint endpoint;
  const std::string& outgoing;
  size_t written = 0;
  std::string received;
  bool closed_called = false;
  Side(const TcpEndpointConfig& config, const std::string& out) : endpoint(config), outgoing(out) {}

  // The proxy's part of one poll iteration: write what fits, read what is there, close after the last byte.
  void run_application(uint64_t now) {
    if (written < outgoing.size()) {
      written += endpoint.write(std::string_view(outgoing).substr(written, 20000));
    } else if (!closed_called && (endpoint.state() == TcpState::Established || endpoint.state() == TcpState::CloseWait)) {
      endpoint.close(now);
      closed_called = true;
    }
    while (endpoint.readable() > 0) {
      const std::string_view view = endpoint.read_view();
      const uint32_t take = static_cast<uint32_t>(std::min<size_t>(view.size(), 3000));  // a slow reader
      received.append(view.substr(0, take));
      endpoint.consume(take);
      if (take < view.size()) break;
    }
  }
};

struct Result {
  uint64_t sim_ns = 0;
  uint64_t lost = 0, sent = 0;
};

Result run_transfer(const LinkParams& params, uint32_t seed, Side& client, Side& server) {
  uint64_t now = 0;
  Link link(params, seed);
  LinkSink to_server(link, 1, now), to_client(link, 0, now);
  client.endpoint.set_sink(&to_server);
  server.endpoint.set_sink(&to_client);
  Side* sides[2] = {&client, &server};
  client.endpoint.connect(0xFFFF0000u, now);  // both directions cross the 2^32 wrap
  bool accepted = false;
  const uint64_t limit = 600ull * 1000 * kMs;
  while (now < limit) {
    while (link.has_due(now)) {
      WirePacket packet = link.pop();
      TcpSynOptions options;
      const TcpSynOptions* options_ptr = nullptr;
      if (packet.has_options) {
        EXPECT_TRUE(parse_tcp_options(packet.options, packet.options_length, &options));
        options_ptr = &options;
      }
      TcpEndpoint& to = sides[packet.to]->endpoint;
      if (packet.to == 1 && !accepted && packet.header.has(tcp_flag::SYN) && !packet.header.has(tcp_flag::ACK)) {
        to.receive_syn(packet.header, options, 0x7FFFFF00u, now);
        to.accept(now);
        accepted = true;
        continue;
      }
      to.on_segment(packet.header, options_ptr, now);
    }
    for (Side* side : sides) {
      side->run_application(now);
      side->endpoint.flush(now);
      if (side->endpoint.next_timer_ns() <= now) side->endpoint.on_timer(now);
    }
    if (client.endpoint.is_closed() && server.endpoint.is_closed()) break;
    // Skip idle stretches (RTO back-off, TIME-WAIT) straight to the next event.
    const uint64_t next_event = std::min(
        {link.next_time(), client.endpoint.next_timer_ns(), server.endpoint.next_timer_ns()});
    now = std::max(now + 100 * kUs, next_event);
  }
  // Bytes received before the close stay readable after it.
  for (Side* side : sides) {
    while (side->endpoint.readable() > 0) side->run_application(now);
  }
  return {now, link.lost(), link.sent()};
}

TcpEndpointConfig loopback_config() {
  TcpEndpointConfig config;  // the defaults: 64 KiB buffers, MSS 1460, window scale 7, SACK offered
  config.max_retransmits = 15;
  config.syn_retries = 8;
  return config;
}

void expect_clean_transfer(const LinkParams& params, uint32_t seed, size_t bytes) {
  const std::string a_data = random_bytes(bytes, seed * 2 + 1), b_data = random_bytes(bytes, seed * 2 + 2);
  const TcpEndpointConfig config = loopback_config();
  Side client(config, a_data), server(config, b_data);
  const Result result = run_transfer(params, seed, client, server);
  const EndpointCounters& c = client.endpoint.counters();
  EXPECT_EQ(c.bytes_out, bytes);
  EXPECT_EQ(c.bytes_in, bytes);
  std::printf("seed %u loss %.2f: client %s/%s, server %s/%s, %.1f s simulated, %llu/%llu segments lost, client: %llu retransmits "
              "(%llu fast, %llu RTO), %llu out of order, %llu duplicates\n",
              seed, params.loss, tcp_state_name(client.endpoint.state()),
              endpoint_close_reason_name(client.endpoint.close_reason()), tcp_state_name(server.endpoint.state()),
              endpoint_close_reason_name(server.endpoint.close_reason()), static_cast<double>(result.sim_ns) / 1e9,
              static_cast<unsigned long long>(result.lost), static_cast<unsigned long long>(result.sent),
              static_cast<unsigned long long>(c.retransmits), static_cast<unsigned long long>(c.fast_retransmits),
              static_cast<unsigned long long>(c.rto_expiries), static_cast<unsigned long long>(c.out_of_order),
              static_cast<unsigned long long>(c.duplicates));
  EXPECT_EQ(server.received.size(), a_data.size());
  EXPECT_EQ(client.received.size(), b_data.size());
  EXPECT_TRUE(server.received == a_data);
  EXPECT_TRUE(client.received == b_data);
  EXPECT_TRUE(client.endpoint.is_closed());
  EXPECT_TRUE(server.endpoint.is_closed());
  EXPECT_EQ(client.endpoint.close_reason(), EndpointCloseReason::Normal);
  EXPECT_EQ(server.endpoint.close_reason(), EndpointCloseReason::Normal);
  EXPECT_EQ(client.endpoint.snd_scale(), 7);
  EXPECT_EQ(server.endpoint.effective_mss(), 1460u);
  if (params.loss > 0) {
    EXPECT_GT(result.lost, 0u);
    EXPECT_GT(client.endpoint.counters().retransmits + server.endpoint.counters().retransmits, 0u);
  }
}

TEST(TcpEndpointLoopback, CleanLinkTransfers5MbEachWay) {
  expect_clean_transfer({.loss = 0, .duplicate = 0, .delay_ns = 1 * kMs, .jitter_ns = 0}, 1, 5 << 20);
}

TEST(TcpEndpointLoopback, LossyReorderingDuplicatingLinkTransfers5MbEachWay) {
  expect_clean_transfer({.loss = 0.05, .duplicate = 0.01, .delay_ns = 1 * kMs, .jitter_ns = 1 * kMs}, 7, 5 << 20);
}

TEST(TcpEndpointLoopback, TwentySeedsWithHeavierReordering) {
  for (uint32_t seed = 20; seed < 40; ++seed) {
    expect_clean_transfer({.loss = 0.05, .duplicate = 0.02, .delay_ns = 1 * kMs, .jitter_ns = 3 * kMs}, seed, 1 << 20);
  }
}

}  // namespace
}  // namespace sluice::reassembly
