// "No allocation per segment" for the live endpoint: after construction, a whole
// connection (handshake, 1 MB each way with loss and reordering, close, TIME-WAIT, reuse)
// allocates nothing in on_segment / flush / on_timer / write / consume.
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

// A link that allocates nothing: a fixed array of slots used as a FIFO, with every
// 11th segment dropped and every 5th held back one poll (reordering).
class FixedLink {
 public:
  struct Slot {
    int to;
    TcpSegment header;
    TcpSynOptions options;
    bool has_options;
    uint32_t length;
    std::array<char, 2048> bytes;
  };

  void push(int to, const SegmentOut& out) {
    if (++count_ % 11 == 0) return;
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
};

class FixedSink : public SegmentSink {
 public:
  FixedSink(FixedLink& link, int to) : link_(link), to_(to) {}
  void send_segment(const SegmentOut& out) override { link_.push(to_, out); }

 private:
  FixedLink& link_;
  int to_;
};

TEST(TcpEndpointAllocation, WholeConnectionsAllocateNothing) {
  TcpEndpointConfig config;
  config.time_wait_ms = 1000;
  TcpEndpoint client(config), server(config);
  auto link = std::make_unique<FixedLink>();
  FixedSink to_server(*link, 1), to_client(*link, 0);
  client.set_sink(&to_server);
  server.set_sink(&to_client);
  const std::string chunk(5000, 'z');
  constexpr uint64_t kBytes = 1 << 20;
  TcpEndpoint* endpoints[2] = {&client, &server};

  const uint64_t before = g_allocations.load();
  uint64_t received_total = 0;
  for (int round = 0; round < 2; ++round) {
    client.reset();
    server.reset();
    uint64_t now = 0, written[2] = {0, 0}, received[2] = {0, 0};
    bool closed[2] = {false, false}, accepted = false;
    client.connect(1000u * round, now);
    while (!(client.is_closed() && server.is_closed()) && now < 600'000 * kMs) {
      for (int n = 0; n < 64 && !link->empty(); ++n) {
        if (link->count() % 5 == 0) link->rotate();
        FixedLink::Slot& slot = link->front();
        slot.header.payload = std::string_view(slot.bytes.data(), slot.length);
        TcpEndpoint& to = *endpoints[slot.to];
        if (slot.to == 1 && !accepted && slot.header.has(tcp_flag::SYN)) {
          to.receive_syn(slot.header, slot.options, 5000, now);
          to.accept(now);
          accepted = true;
        } else {
          to.on_segment(slot.header, slot.has_options ? &slot.options : nullptr, now);
        }
        link->pop();
      }
      for (int i = 0; i < 2; ++i) {
        TcpEndpoint& e = *endpoints[i];
        if (written[i] < kBytes) {
          written[i] += e.write(std::string_view(chunk).substr(0, std::min<uint64_t>(chunk.size(), kBytes - written[i])));
        } else if (!closed[i] && (e.state() == TcpState::Established || e.state() == TcpState::CloseWait)) {
          e.close(now);
          closed[i] = true;
        }
        while (e.readable() > 0) {
          const uint32_t n = static_cast<uint32_t>(e.read_view().size());
          received[i] += n;
          e.consume(n);
        }
        e.flush(now);
        if (e.next_timer_ns() <= now) e.on_timer(now);
      }
      now += kMs / 10;
    }
    EXPECT_EQ(received[0], kBytes);
    EXPECT_EQ(received[1], kBytes);
    EXPECT_EQ(client.close_reason(), EndpointCloseReason::Normal);
    EXPECT_EQ(server.close_reason(), EndpointCloseReason::Normal);
    received_total += received[0] + received[1];
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_EQ(received_total, 4 * kBytes);
}

}  // namespace
}  // namespace sluice::reassembly
