// reassembly/tcp_endpoint.h — one live TCP endpoint (RFC 9293), as a pure state machine.
//
// Owns: the TCB of one side of a split-proxy connection: the RFC 9293 §3.3.1 send and
// receive sequence variables (names kept: SND.UNA is snd_una_, ...), the states of
// §3.3.2 and the event processing of §3.10, the send and receive buffers (ByteRing), the
// out-of-order queue (OooStore), RFC 6298 timers, RFC 5681 congestion control, the
// persist timer and TIME-WAIT. Segments come in parsed (on_segment) and go out through a
// SegmentSink; time comes in as now_ns. No sockets, no DPDK. The constructor allocates
// nothing: the buffers start at initial_buffer on first use and double up to their bounds
// (at most log2(bound / initial) times per connection; nothing once grown), and reset()
// gives back what grew. May call: seq.h, ooo_store.h, byte_ring.h, tcp_options.h, tcp_segment.h,
// tcp_rtt_estimator.h, tcp_congestion.h.
//
// Deliberate limits: SACK-permitted is negotiated but received SACK blocks are ignored
// (loss recovery is NewReno-lite); no timestamps (RFC 7323 RTTM/PAWS); no urgent data
// (URG ignored, bytes inline); no Nagle and no delayed-ACK timer: ACKs for in-order data
// are coalesced until flush(); ACKs that loss recovery or RFC 5961 depend on (duplicate
// ACKs for out-of-order data, challenge ACKs, ACKs of unacceptable segments) go at once.
#pragma once

#include <cstdint>
#include <string_view>

#include "reassembly/byte_ring.h"
#include "reassembly/ooo_store.h"
#include "reassembly/tcp_congestion.h"
#include "reassembly/tcp_options.h"
#include "reassembly/tcp_rtt_estimator.h"
#include "reassembly/tcp_segment.h"

namespace sluice::reassembly {

struct TcpEndpointConfig {
  uint32_t send_buffer = 64 * 1024;     // bytes queued for the peer (unsent + unacknowledged)
  uint32_t receive_buffer = 64 * 1024;  // in-order bytes not yet read by the proxy; the advertised window
  uint16_t mss = 1460;                  // advertised; the effective send MSS is min(ours, peer's)
  uint8_t window_scale = 7;             // offered shift
  bool sack_permitted = true;           // offer SACK-permitted (received SACK blocks are ignored)
  uint32_t rto_initial_ms = 1000, rto_min_ms = 200, rto_max_ms = 60000;  // RFC 6298 (min 200 ms like Linux)
  uint32_t max_retransmits = 8;         // consecutive RTO expiries of one segment before abort (RST, TimedOut)
  uint32_t syn_retries = 4;             // SYN / SYN-ACK retransmissions before giving up (TimedOut)
  uint32_t time_wait_ms = 60000;        // 2*MSL
  uint32_t fin_wait2_ms = 60000;        // FIN-WAIT-2 idle bound (restarted by each segment received)
  uint32_t ooo_bytes = 256 * 1024, ooo_segments = 128;  // the OooStore bounds
  // First allocation of each ring and of the OooStore pool, on first use; they double up to the bounds above,
  // which alone decide windows and drops. Small so an idle session (SMTP banner and replies) costs little.
  uint32_t initial_buffer = 2 * 1024;
  uint16_t min_mss = 88;                // a peer MSS below this is raised to it (Linux TCP_MIN_MSS)
};

struct SegmentOut {
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;                 // tcp_flag bits
  uint16_t window = 0;               // as on the wire (already right-shifted by our scale; unscaled on SYN)
  bool has_syn_options = false;      // true on SYN and SYN-ACK
  TcpSynOptions syn_options;
  std::string_view payload[2];       // bytes from the send ring, second part when it wraps; valid during the call
  // RFC 2018 SACK blocks [left, right) of out-of-order data held, on ACKs when SACK was negotiated; the block
  // holding the most recently received segment first. At most 4 (no timestamps: 2 + 8 * 4 bytes fit).
  uint8_t sack_count = 0;
  uint32_t sack[4][2] = {};
  uint32_t payload_length() const { return static_cast<uint32_t>(payload[0].size() + payload[1].size()); }
};

class SegmentSink {
 public:
  virtual ~SegmentSink() = default;
  virtual void send_segment(const SegmentOut& segment) = 0;
};

enum class TcpState : uint8_t { Closed, SynSent, SynReceived, Established, FinWait1, FinWait2,
                                CloseWait, Closing, LastAck, TimeWait };
// "CLOSED", "SYN-SENT", ... as RFC 9293 spells them; "unknown" outside the enum.
const char* tcp_state_name(TcpState state);

// Named EndpointCloseReason because stream_sink.h already owns reassembly::CloseReason
// (the passive flow's); TcpEndpoint::CloseReason is the name the interface uses.
enum class EndpointCloseReason : uint8_t { None, Normal, ResetByPeer, Refused, TimedOut, Aborted };
const char* endpoint_close_reason_name(EndpointCloseReason reason);

struct EndpointCounters {
  uint64_t segments_in = 0, segments_out = 0;
  uint64_t bytes_in = 0;             // new in-order payload bytes placed in the receive buffer
  uint64_t bytes_out = 0;            // payload bytes sent for the first time (retransmissions excluded)
  uint64_t retransmits = 0;          // segments resent (RTO, fast retransmit, SYN / SYN-ACK)
  uint64_t fast_retransmits = 0, rto_expiries = 0;
  uint64_t out_of_order = 0;         // segments queued beyond a hole
  uint64_t duplicates = 0;           // segments carrying no new byte
  uint64_t zero_window_probes = 0;
  uint64_t bad_segments = 0;         // dropped: unacceptable, bad ACK, RST/SYN not exact, ...
};

class TcpEndpoint {
 public:
  using CloseReason = EndpointCloseReason;

  explicit TcpEndpoint(const TcpEndpointConfig& config);  // allocates nothing: buffers grow on first use
  TcpEndpoint(const TcpEndpoint&) = delete;
  TcpEndpoint& operator=(const TcpEndpoint&) = delete;

  void reset();  // back to Closed for reuse from a pool; frees buffer growth beyond initial_buffer
  void set_sink(SegmentSink* sink) { sink_ = sink; }

  void connect(uint32_t iss, uint64_t now_ns);  // active open: SYN -> SynSent
  // Passive open, proxy-after-handshake: remember the peer's SYN; send nothing yet.
  // Data carried by the SYN is not kept (the peer retransmits it).
  void receive_syn(const TcpSegment& syn, const TcpSynOptions& options, uint32_t iss, uint64_t now_ns);
  void accept(uint64_t now_ns);  // now send SYN-ACK -> SynReceived
  // SYN-cookie path: the handshake was completed statelessly; enter Established directly.
  // The SYN-ACK that was sent must have carried syn_ack_options(config, peer).
  void open_established(uint32_t iss, uint32_t irs, const TcpSynOptions& peer, uint16_t peer_window,
                        uint64_t now_ns);
  // What this endpoint puts in a SYN-ACK answering a SYN with these options.
  static TcpSynOptions syn_ack_options(const TcpEndpointConfig& config, const TcpSynOptions& peer);

  // syn_options is non-null only when the segment carries SYN (parsed by the caller).
  void on_segment(const TcpSegment& segment, const TcpSynOptions* syn_options, uint64_t now_ns);

  uint32_t readable() const { return receive_ring_.size(); }
  std::string_view read_view() const { return receive_ring_.front(); }
  void consume(uint32_t n);  // frees receive space -> window update when it matters (SWS)
  uint32_t writable() const;
  uint32_t write(std::string_view bytes);
  void close(uint64_t now_ns);  // FIN after queued data (half-close allowed)
  void abort(uint64_t now_ns);  // RST now (if synchronized), -> Closed, Aborted
  void flush(uint64_t now_ns);  // send what rwnd/cwnd allow + a pending ACK; once per poll iteration
  void on_timer(uint64_t now_ns);  // RTO, persist, TIME-WAIT, FIN-WAIT-2, SYN retries
  uint64_t next_timer_ns() const;  // earliest deadline, UINT64_MAX if none

  TcpState state() const { return state_; }
  CloseReason close_reason() const { return close_reason_; }
  bool peer_closed() const { return fin_received_; }  // FIN received and all data before it readable
  bool is_closed() const { return state_ == TcpState::Closed; }
  const EndpointCounters& counters() const { return counters_; }

  // Read-only views of the TCB for tests and diagnostics.
  uint32_t snd_una() const { return snd_una_; }
  uint32_t snd_nxt() const { return snd_nxt_; }
  uint32_t snd_wnd() const { return snd_wnd_; }
  uint32_t rcv_nxt() const { return rcv_nxt_; }
  uint32_t effective_mss() const { return eff_mss_; }
  uint8_t snd_scale() const { return snd_scale_; }
  uint8_t rcv_scale() const { return rcv_scale_; }
  bool sack_ok() const { return sack_ok_; }
  const CongestionControl& congestion() const { return cc_; }
  const RttEstimator& rtt() const { return rtt_; }
  // Buffer storage held now (both rings and the out-of-order pool), for memory tests and benchmarks.
  uint64_t buffer_bytes_allocated() const {
    return uint64_t{send_ring_.allocated()} + receive_ring_.allocated() + ooo_.allocated_bytes();
  }

 private:
  static constexpr uint64_t kNoTimer = UINT64_MAX;

  // tcp_endpoint.cc: opening, closing and segment arrival (RFC 9293 §3.10); the receive
  // side (process_text onwards) is in tcp_endpoint_receive.cc.
  void negotiate(const TcpSynOptions& peer);
  void on_segment_syn_sent(const TcpSegment& segment, const TcpSynOptions* options, uint64_t now_ns);
  bool acceptable(const TcpSegment& segment) const;
  bool process_rst(const TcpSegment& segment);
  bool process_ack(const TcpSegment& segment, uint64_t now_ns);
  void on_new_ack(uint32_t ack, uint64_t now_ns);
  void update_send_window(const TcpSegment& segment);
  void process_text(const TcpSegment& segment, uint64_t now_ns);
  void deliver_in_order(std::string_view bytes);
  void drain_ooo();
  void process_fin(uint64_t now_ns);
  void enter_established(uint64_t now_ns);
  void enter_time_wait(uint64_t now_ns);
  void finish(CloseReason reason);

  // tcp_endpoint_output.cc: what goes out, and the timers.
  void send_syn(bool with_ack, uint64_t now_ns);
  void emit(SegmentOut out);
  void add_sack_blocks(SegmentOut& out) const;
  void send_control(uint32_t seq, uint32_t ack, uint8_t flags);
  // Builds and emits [seq, seq + length) of the send queue (+ FIN); no bookkeeping.
  void emit_data(uint32_t seq, uint32_t length, bool fin);
  void send_ack_now();
  void send_rst(uint32_t seq);
  // Sends [seq, seq + length) of the send queue (+ FIN when it ends at the FIN).
  void send_data(uint32_t seq, uint32_t length, bool fin, uint64_t now_ns);
  void transmit(uint64_t now_ns);
  void retransmit_first(uint64_t now_ns);
  uint16_t window_field();
  uint32_t receive_window() const;  // RCV.WND: what the last advertisement allows from RCV.NXT
  bool fin_pending() const { return fin_queued_ && seq_leq(snd_nxt_, fin_seq_); }
  uint32_t queue_end() const { return ring_seq_ + send_ring_.size(); }
  bool can_send_data() const;
  void arm_rto(uint64_t now_ns) { rto_deadline_ = now_ns + rtt_.rto_ns(); }
  void on_rto(uint64_t now_ns);
  void on_persist(uint64_t now_ns);

  TcpEndpointConfig config_;
  SegmentSink* sink_ = nullptr;
  ByteRing send_ring_, receive_ring_;
  OooStore ooo_;
  RttEstimator rtt_;
  CongestionControl cc_;

  TcpState state_ = TcpState::Closed;
  CloseReason close_reason_ = CloseReason::None;
  EndpointCounters counters_;

  // RFC 9293 §3.3.1 send sequence variables.
  uint32_t iss_ = 0, snd_una_ = 0, snd_nxt_ = 0, snd_wnd_ = 0, snd_wl1_ = 0, snd_wl2_ = 0;
  uint32_t snd_max_ = 0;        // highest sequence sent + 1 (SND.NXT goes back to SND.UNA on RTO)
  uint32_t max_snd_wnd_ = 0;    // largest window the peer offered (RFC 5961 5.2 MAX.SND.WND)
  uint32_t ring_seq_ = 0;       // sequence number of send_ring_'s first byte
  uint32_t fin_seq_ = 0;        // sequence number of our FIN, valid when fin_queued_
  bool fin_queued_ = false, close_requested_ = false;
  // RFC 9293 §3.3.1 receive sequence variables.
  uint32_t irs_ = 0, rcv_nxt_ = 0;
  uint32_t rcv_adv_ = 0;        // RCV.NXT + RCV.WND as last advertised: the right edge
  uint32_t peer_fin_seq_ = 0;   // sequence number of the peer's FIN once seen (maybe beyond a hole)
  bool peer_fin_seen_ = false, fin_received_ = false;
  // Negotiated at the handshake.
  TcpSynOptions peer_options_;
  // SACK: where the latest out-of-order segment began (its block is reported first); intervals scanned per ACK.
  uint32_t last_ooo_seq_ = 0;
  static constexpr uint32_t kSackScan = 16;
  uint16_t peer_syn_window_ = 0;
  uint32_t eff_mss_ = 536;
  uint8_t snd_scale_ = 0, rcv_scale_ = 0;
  bool sack_ok_ = false, have_peer_syn_ = false;

  bool pending_ack_ = false;
  bool probing_ = false;         // a zero-window probe is out: its byte may be acknowledged
  // RTT measurement of one segment at a time (Karn: cancelled by any retransmission).
  bool rtt_timing_ = false;
  uint32_t rtt_seq_ = 0;
  uint64_t rtt_start_ns_ = 0;
  // Timers (absolute ns, kNoTimer when idle).
  uint64_t rto_deadline_ = kNoTimer, persist_deadline_ = kNoTimer, close_deadline_ = kNoTimer;
  uint32_t rto_expiries_in_row_ = 0, syn_retransmits_ = 0;
  uint64_t persist_backoff_ns_ = 0;
};

}  // namespace sluice::reassembly
