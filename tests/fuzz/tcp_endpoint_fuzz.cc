// libFuzzer target: one live TCP endpoint (reassembly/tcp_endpoint.h) against a peer played by the input.
// The first byte picks how the connection opens (SYN-cookie open_established, passive receive_syn + accept,
// active connect); then every 8-byte record is one event: a segment from the peer (sequence offset from the
// endpoint's RCV.NXT, length, flags, window, ACK offset), the proxy reading or writing bytes, time passing
// (timers), or a close / abort. The endpoint flushes after each event, as the proxy does once per poll.
//
// The peer's bytes are a fixed function of their sequence number (peer_byte), so every copy of a byte the
// fuzzer sends, in any order, overlap or retransmission, is the same; the endpoint's own bytes are a fixed
// function of their stream offset (own_byte). Invariants checked against that model beyond "no crash":
//  - what the endpoint delivers is exactly the peer's stream, in order, from ISN + 1: no byte out of order,
//    none repeated, none invented, none beyond the highest sequence number the peer sent;
//  - RCV.NXT minus what was read equals what is readable (plus one for a received FIN);
//  - readable bytes never exceed the receive buffer; buffer storage never exceeds its three bounds;
//  - every payload byte the endpoint sends is the byte written at that offset of its stream, and it never
//    sends beyond what was written (plus SYN and FIN);
//  - SACK blocks are non-empty intervals above RCV.NXT.
// May call: reassembly/tcp_endpoint.h, reassembly/seq.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "reassembly/seq.h"
#include "reassembly/tcp_endpoint.h"

namespace {

using namespace sluice::reassembly;

void require(bool condition) {
  if (!condition) std::abort();
}

uint8_t peer_byte(uint32_t seq) { return static_cast<uint8_t>(seq * 131u + (seq >> 9) + 7u); }
uint8_t own_byte(uint64_t offset) { return static_cast<uint8_t>(offset * 37u + (offset >> 11) + 3u); }

constexpr uint32_t kIss = 0xfffff000u;   // close to the wrap, so modular arithmetic is exercised
constexpr uint64_t kMs = 1'000'000;

struct Model {
  const TcpEndpoint* endpoint = nullptr;
  uint64_t written = 0;        // bytes the proxy wrote into the endpoint
  bool irs_known = false;
  uint32_t irs = 0;            // the peer's ISN once the endpoint accepted it
  uint32_t read_seq = 0;       // sequence number of the next byte the proxy will read
  bool sent_any = false;
  uint32_t peer_sent_end = 0;  // highest sequence number + 1 of any payload byte the peer sent
  uint32_t highest_out = kIss; // highest sequence number + 1 the endpoint sent (SYN and FIN count)
};

class CheckingSink final : public SegmentSink {
 public:
  explicit CheckingSink(Model& model) : model_(model) {}
  void send_segment(const SegmentOut& out) override {
    uint32_t seq = out.seq + ((out.flags & tcp_flag::SYN) ? 1 : 0);
    if (out.flags & tcp_flag::SYN) require(out.seq == kIss);
    for (const std::string_view part : out.payload) {
      for (char c : part) {
        const uint32_t offset = seq - (kIss + 1);
        require(offset < model_.written);   // never beyond what was written
        require(static_cast<uint8_t>(c) == own_byte(offset));
        ++seq;
      }
    }
    if (out.flags & tcp_flag::FIN) ++seq;
    // A RST answering an unacceptable ACK in SYN-SENT takes the peer's ACK as its sequence number (RFC 9293
    // §3.10.7.3): only the segments that occupy sequence space are bounded by what was written.
    if (!(out.flags & tcp_flag::RST)) {
      require(seq_diff(seq, kIss + 1) <= static_cast<int64_t>(model_.written) + 1);
      if (seq_gt(seq, model_.highest_out)) model_.highest_out = seq;
    }
    require(out.sack_count <= 4);
    for (uint8_t i = 0; i < out.sack_count; ++i) {
      require(seq_lt(out.sack[i][0], out.sack[i][1]));
      require(seq_gt(out.sack[i][0], model_.endpoint->rcv_nxt()));
    }
  }

 private:
  Model& model_;
};

// The data the peer sends at `seq`, `length` bytes: always the same bytes for the same sequence numbers.
std::string peer_payload(uint32_t seq, uint32_t length) {
  std::string bytes(length, '\0');
  for (uint32_t i = 0; i < length; ++i) bytes[i] = static_cast<char>(peer_byte(seq + i));
  return bytes;
}

bool synchronized(TcpState s) { return s != TcpState::Closed && s != TcpState::SynSent && s != TcpState::SynReceived; }

void read_all(TcpEndpoint& endpoint, Model& model, uint32_t limit) {
  while (limit > 0 && endpoint.readable() > 0) {
    const std::string_view view = endpoint.read_view();
    require(!view.empty());
    const uint32_t n = std::min<uint32_t>(limit, static_cast<uint32_t>(view.size()));
    for (uint32_t i = 0; i < n; ++i) require(static_cast<uint8_t>(view[i]) == peer_byte(model.read_seq + i));
    model.read_seq += n;
    require(model.sent_any && seq_leq(model.read_seq, model.peer_sent_end));
    endpoint.consume(n);
    limit -= n;
  }
}

void check_receive_side(const TcpEndpoint& endpoint, const TcpEndpointConfig& config, const Model& model) {
  require(endpoint.readable() <= config.receive_buffer);
  require(endpoint.buffer_bytes_allocated() <=
          uint64_t{config.send_buffer} + config.receive_buffer + config.ooo_bytes + 3 * config.initial_buffer);
  if (!model.irs_known || endpoint.state() == TcpState::Closed) return;
  const uint32_t in_ring_end = model.read_seq + endpoint.readable();
  require(endpoint.rcv_nxt() == in_ring_end + (endpoint.peer_closed() ? 1 : 0));
  if (endpoint.readable() > 0) require(model.sent_any && seq_leq(in_ring_end, model.peer_sent_end));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  TcpEndpointConfig config;
  config.send_buffer = 8 * 1024;      // small bounds: the fuzzer reaches full rings and OOO drops quickly
  config.receive_buffer = 4 * 1024;
  config.ooo_bytes = 2 * 1024;
  config.ooo_segments = 6;
  config.initial_buffer = 512;
  config.mss = 536;
  config.window_scale = data[1] % 16;   // above 14 on purpose: clamped
  config.sack_permitted = data[1] & 0x10;
  Model model;
  TcpEndpoint endpoint(config);
  model.endpoint = &endpoint;
  CheckingSink sink(model);
  endpoint.set_sink(&sink);

  uint64_t now = 1000 * kMs;
  const uint32_t peer_isn = 0xffff0000u + data[2] * 0x0101u;   // also near the wrap
  TcpSynOptions peer_options;
  peer_options.mss = static_cast<uint16_t>(40 + data[3] * 8);
  peer_options.window_scale = static_cast<int8_t>(data[3] % 17) - 1;
  peer_options.sack_permitted = data[3] & 0x40;
  switch (data[0] % 3) {
    case 0:
      endpoint.open_established(kIss, peer_isn, peer_options, 65535, now);
      model.irs_known = true;
      break;
    case 1: {
      TcpSegment syn;
      syn.seq = peer_isn;
      syn.flags = tcp_flag::SYN;
      syn.window = 65535;
      endpoint.receive_syn(syn, peer_options, kIss, now);
      endpoint.accept(now);
      model.irs_known = true;
      break;
    }
    default:
      endpoint.connect(kIss, now);
      break;
  }
  model.irs = peer_isn;
  model.read_seq = peer_isn + 1;

  std::string own;
  for (size_t i = 4; i + 8 <= size; i += 8) {
    const uint8_t* r = data + i;
    switch (r[0] & 0x7) {
      case 0: case 1: case 2: case 3: {   // a segment from the peer
        const int32_t offset = static_cast<int16_t>(r[1] << 8 | r[2]);
        const uint32_t length = (r[0] & 0x08) ? r[3] * 8u : r[3];
        TcpSegment segment;
        const uint32_t base = model.irs_known ? endpoint.rcv_nxt() : peer_isn;
        segment.seq = base + static_cast<uint32_t>(offset);
        segment.flags = r[4] & 0x3f;
        segment.window = static_cast<uint16_t>(r[5] << 8 | r[6]);
        segment.ack = r[7] == 0xff ? model.highest_out
                                    : endpoint.snd_una() + static_cast<uint32_t>(static_cast<int8_t>(r[7]));
        const uint32_t data_seq = segment.seq + (segment.has(tcp_flag::SYN) ? 1 : 0);
        const std::string payload = peer_payload(data_seq, length);
        segment.payload = payload;
        if (length > 0) {
          if (!model.sent_any || seq_gt(data_seq + length, model.peer_sent_end)) model.peer_sent_end = data_seq + length;
          model.sent_any = true;
        }
        const TcpState before = endpoint.state();
        endpoint.on_segment(segment, segment.has(tcp_flag::SYN) ? &peer_options : nullptr, now);
        if (!model.irs_known && before == TcpState::SynSent && endpoint.state() != TcpState::SynSent &&
            endpoint.state() != TcpState::Closed) {
          // Active open: the endpoint took this SYN's sequence number as the peer's ISN.
          model.irs_known = true;
          model.irs = segment.seq;
          model.read_seq = segment.seq + 1;
        }
        break;
      }
      case 4:
        read_all(endpoint, model, r[1] == 0xff ? UINT32_MAX : r[1] * 16u);
        break;
      case 5: {
        const uint32_t want = (r[1] << 8 | r[2]) % (config.send_buffer + 1);
        own.resize(want);
        for (uint32_t k = 0; k < want; ++k) own[k] = static_cast<char>(own_byte(model.written + k));
        const uint32_t room = endpoint.writable();
        const uint32_t taken = endpoint.write(own);
        require(taken <= want && taken <= room);
        model.written += taken;
        break;
      }
      case 6:
        now += (r[1] << 8 | r[2]) * kMs;
        if (now >= endpoint.next_timer_ns()) endpoint.on_timer(now);
        break;
      default:
        (r[1] & 1) ? endpoint.abort(now) : endpoint.close(now);
        break;
    }
    endpoint.flush(now);
    if (synchronized(endpoint.state())) require(model.irs_known);
    check_receive_side(endpoint, config, model);
  }
  read_all(endpoint, model, UINT32_MAX);
  require(tcp_state_name(endpoint.state())[0] != '\0');
  require(endpoint_close_reason_name(endpoint.close_reason())[0] != '\0');
  return 0;
}
