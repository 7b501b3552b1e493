// "No allocation per segment" for the live endpoint: construction allocates nothing; a whole connection
// (handshake, 1 MB each way with loss and reordering, close, TIME-WAIT) allocates only while its buffers double
// up to their bounds, a bounded number of times, and nothing once they have grown; reset() gives the growth back,
// and a pooled endpoint reused for small traffic (an SMTP banner and replies) allocates nothing at all.
// This binary replaces the global operator new to count calls, so it is its own
// executable: allocation_test.cc already does the same in reassembly_test.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "reassembly/tcp_endpoint.h"
#include "tests/unit/reassembly/allocation_counter.h"


namespace sluice::reassembly {
namespace {

constexpr uint64_t kMs = 1'000'000;

// A link that allocates nothing: a fixed array of slots used as a FIFO, with (when lossy) every
// 11th segment dropped and every 5th held back one poll (reordering).
class FixedLink {
 public:
  explicit FixedLink(bool lossy = true) : lossy_(lossy) {}
  bool lossy() const { return lossy_; }
  struct Slot {
    int to;
    TcpSegment header;
    TcpSynOptions options;
    bool has_options;
    uint32_t length;
    std::array<char, 2048> bytes;
  };

  void push(int to, const SegmentOut& out) {
    if (++count_ % 11 == 0 && lossy_) return;
    if (size_ == slots_.size()) return;  // full: a drop like any other
    Slot& slot = slots_[(head_ + size_) % slots_.size()];
    ++size_;
    slot.to = to;
    slot.header.seq = out.seq;
    slot.header.ack = out.ack;
    slot.header.flags = out.flags;
    slot.header.window = out.window;
    slot.options = out.syn_options;
    slot.has_options = out.has_syn_options;
    slot.length = out.payload_length();
    std::memcpy(slot.bytes.data(), out.payload[0].data(), out.payload[0].size());
    std::memcpy(slot.bytes.data() + out.payload[0].size(), out.payload[1].data(), out.payload[1].size());
  }
  bool empty() const { return size_ == 0; }
  Slot& front() { return slots_[head_]; }
  void pop() {
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }
  void rotate() {  // move the front to the back: reordering
    if (size_ < 2) return;
    Slot saved = front();
    pop();
    slots_[(head_ + size_) % slots_.size()] = saved;
    ++size_;
  }
  uint64_t count() const { return count_; }

 private:
  std::array<Slot, 512> slots_{};
  size_t head_ = 0, size_ = 0;
  uint64_t count_ = 0;
  bool lossy_;
};

class FixedSink : public SegmentSink {
 public:
  FixedSink(FixedLink& link, int to) : link_(link), to_(to) {}
  void send_segment(const SegmentOut& out) override { link_.push(to_, out); }

 private:
  FixedLink& link_;
  int to_;
};

// Runs one connection between two endpoints over `link` until both are closed: each side writes `bytes`, closes,
// and reads everything. `mid_count` (if not null) gets the allocation count once each side received half.
struct ConnectionResult {
  uint64_t received[2] = {0, 0};
  uint64_t allocations_after_half = 0;
};

ConnectionResult run_connection(TcpEndpoint& client, TcpEndpoint& server, FixedLink& link, uint64_t bytes,
                                uint32_t iss) {
  static const std::string chunk(5000, 'z');  // allocated once, by the first connection
  TcpEndpoint* endpoints[2] = {&client, &server};
  ConnectionResult result;
  uint64_t now = 0, written[2] = {0, 0}, half_mark = 0;
  bool closed[2] = {false, false}, accepted = false, past_half = false;
  client.connect(iss, now);
  while (!(client.is_closed() && server.is_closed()) && now < 600'000 * kMs) {
    for (int n = 0; n < 64 && !link.empty(); ++n) {
      if (link.lossy() && link.count() % 5 == 0) link.rotate();
      FixedLink::Slot& slot = link.front();
      slot.header.payload = std::string_view(slot.bytes.data(), slot.length);
      TcpEndpoint& to = *endpoints[slot.to];
      if (slot.to == 1 && !accepted && slot.header.has(tcp_flag::SYN)) {
        to.receive_syn(slot.header, slot.options, 5000, now);
        to.accept(now);
        accepted = true;
      } else {
        to.on_segment(slot.header, slot.has_options ? &slot.options : nullptr, now);
      }
      link.pop();
    }
    for (int i = 0; i < 2; ++i) {
      TcpEndpoint& e = *endpoints[i];
      if (written[i] < bytes) {
        written[i] += e.write(std::string_view(chunk).substr(0, std::min<uint64_t>(chunk.size(), bytes - written[i])));
      } else if (!closed[i] && (e.state() == TcpState::Established || e.state() == TcpState::CloseWait)) {
        e.close(now);
        closed[i] = true;
      }
      while (e.readable() > 0) {
        const uint32_t n = static_cast<uint32_t>(e.read_view().size());
        result.received[i] += n;
        e.consume(n);
      }
      e.flush(now);
      if (e.next_timer_ns() <= now) e.on_timer(now);
    }
    if (!past_half && result.received[0] >= bytes / 2 && result.received[1] >= bytes / 2) {
      past_half = true;
      half_mark = g_allocations.load();
    }
    now += kMs / 10;
  }
  result.allocations_after_half = past_half ? g_allocations.load() - half_mark : UINT64_MAX;
  return result;
}

TEST(TcpEndpointAllocation, ConstructionAllocatesNoBuffers) {
  TcpEndpointConfig config;
  const uint64_t before = g_allocations.load();
  {
    TcpEndpoint endpoint(config);
    EXPECT_EQ(endpoint.buffer_bytes_allocated(), 0u);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

// Per endpoint, growing to the default bounds takes at most: send ring 2 -> 64 KB (6 allocations), receive ring
// likewise (6), out-of-order pool 2 -> 256 KB (8), interval list 8 -> 128 (5) and its compaction scratch (5).
constexpr uint64_t kMaxGrowthAllocationsPerEndpoint = 6 + 6 + 8 + 5 + 5;

TEST(TcpEndpointAllocation, WholeConnectionsGrowBoundedThenAllocateNothing) {
  TcpEndpointConfig config;
  config.time_wait_ms = 1000;
  TcpEndpoint client(config), server(config);
  auto link = std::make_unique<FixedLink>();
  FixedSink to_server(*link, 1), to_client(*link, 0);
  client.set_sink(&to_server);
  server.set_sink(&to_client);
  constexpr uint64_t kBytes = 1 << 20;

  uint64_t per_round[2] = {0, 0};
  for (int round = 0; round < 2; ++round) {
    client.reset();
    server.reset();
    const uint64_t before = g_allocations.load();
    const ConnectionResult r = run_connection(client, server, *link, kBytes, 1000u * round);
    per_round[round] = g_allocations.load() - before;
    EXPECT_EQ(r.received[0], kBytes);
    EXPECT_EQ(r.received[1], kBytes);
    EXPECT_EQ(client.close_reason(), EndpointCloseReason::Normal);
    EXPECT_EQ(server.close_reason(), EndpointCloseReason::Normal);
    EXPECT_GT(client.buffer_bytes_allocated(), config.initial_buffer);  // it did grow (1 MB through 64 KB rings)
  }
  // reset() gave the growth back: the next connection grows again, within the same bound (the loss pattern,
  // and so what the out-of-order store needs, differs with the ISNs).
  for (uint64_t allocations : per_round) {
    EXPECT_GT(allocations, 0u);
    EXPECT_LE(allocations, 2 * kMaxGrowthAllocationsPerEndpoint);
  }
  client.reset();
  server.reset();
  EXPECT_EQ(client.buffer_bytes_allocated() + server.buffer_bytes_allocated(), 0u);
}

// Steady state: on a clean link the rings reach the size 1 MB of bulk needs (the whole window) in the first half
// of the transfer; the second half, and the close, allocate nothing.
TEST(TcpEndpointAllocation, OnceGrownAConnectionAllocatesNothing) {
  TcpEndpointConfig config;
  config.time_wait_ms = 1000;
  TcpEndpoint client(config), server(config);
  auto link = std::make_unique<FixedLink>(false);
  FixedSink to_server(*link, 1), to_client(*link, 0);
  client.set_sink(&to_server);
  server.set_sink(&to_client);
  const ConnectionResult r = run_connection(client, server, *link, 1 << 20, 42);
  EXPECT_EQ(r.received[0], 1u << 20);
  EXPECT_EQ(r.received[1], 1u << 20);
  EXPECT_EQ(r.allocations_after_half, 0u);
}

// An idle SMTP-like session: a few hundred bytes each way fit the initial buffers, which reset() keeps, so a
// pooled endpoint reused for such traffic allocates nothing after its first connection. A clean link: whether a
// loss happens in the first connection (and so warms the out-of-order store) must not decide the outcome.
TEST(TcpEndpointAllocation, SmallTrafficReuseAllocatesNothing) {
  TcpEndpointConfig config;
  config.time_wait_ms = 1000;
  TcpEndpoint client(config), server(config);
  auto link = std::make_unique<FixedLink>(false);
  FixedSink to_server(*link, 1), to_client(*link, 0);
  client.set_sink(&to_server);
  server.set_sink(&to_client);
  uint64_t before = 0;
  for (int round = 0; round < 4; ++round) {
    if (round == 1) before = g_allocations.load();
    client.reset();
    server.reset();
    const ConnectionResult r = run_connection(client, server, *link, 300, 7000u * round);
    EXPECT_EQ(r.received[0], 300u);
    EXPECT_EQ(r.received[1], 300u);
    EXPECT_LE(client.buffer_bytes_allocated(), 3u * config.initial_buffer);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

}  // namespace
}  // namespace sluice::reassembly
