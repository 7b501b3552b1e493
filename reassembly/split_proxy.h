// reassembly/split_proxy.h — one proxied TCP connection: the client leg and the server leg.
//
// Owns: the pairing of two TcpEndpoints. The client leg speaks as the VIP to the Internet MTA; the server leg
// speaks as the client's own address to the backend, so the backend sees the real client IP. The proxy:
//   - dials the backend when the client's SYN arrives and answers the client's SYN only once the backend
//     has answered (proxy after TCP handshake); a refused or silent backend gives the client RST;
//   - moves bytes between the legs in the poll iteration they were reassembled (banner passthrough), never
//     more than the other leg can queue, so a slow reader slows the writer and memory stays bounded;
//   - carries FIN across (half-close) and RST across, and ends idle connections.
// It does not parse SMTP: a RelayTap sees every byte it moves (the inspector today, the SMTP relay later).
// May call: reassembly/tcp_endpoint.h. No DPDK, no allocation after construction.
#pragma once

#include <cstdint>
#include <string_view>

#include "reassembly/tcp_endpoint.h"

namespace sluice::reassembly {

// Sees the bytes the proxy relays, in order, once each. ClientToServer = client leg -> server leg.
class RelayTap {
 public:
  virtual ~RelayTap() = default;
  virtual void on_relayed(Direction, std::string_view bytes, uint64_t now_ns) = 0;
};

// Moves bytes between the legs itself, instead of the proxy's byte-for-byte pump: the SMTP relay, which reads
// commands and content and writes what it decides (Envoy's onData/onWrite, narrowed to what a proxy needs).
class StreamRelay {
 public:
  virtual ~StreamRelay() = default;
  // Reads what it can from each leg's receive buffer and writes to the other leg; true if any byte moved.
  virtual bool relay(TcpEndpoint& client, TcpEndpoint& server, uint64_t now_ns) = 0;
  // Nothing taken from the `from` side still waits to be written to the other leg: its FIN may now cross.
  virtual bool drained(Direction from) const = 0;
  // The relay ended the session: close both legs (what is queued still goes out first).
  virtual bool wants_close() const = 0;
  // Input was left unread for a later poll iteration (the iteration's scanning slice ran out).
  virtual bool has_pending_work() const = 0;
  // When the relay next needs to run even if no segment arrives (its own deadlines); UINT64_MAX: none.
  virtual uint64_t next_deadline_ns() const { return UINT64_MAX; }
};

struct SplitProxyConfig {
  TcpEndpointConfig client_leg;
  TcpEndpointConfig server_leg;
  // The whole opening, SYN to the client's final ACK, must finish within this: the backend dial before the client
  // is refused, then the client's handshake before both legs are reset (a spoofed SYN holds a backend
  // connection no longer than this).
  uint64_t connect_timeout_ns = 10'000'000'000ull;
  uint64_t idle_timeout_ns = 300'000'000'000ull;    // no byte relayed either way: both legs are reset
};

enum class ProxyPhase : uint8_t {
  Dialing,  // the backend has not answered yet; the client has had no SYN-ACK (or a cookie's)
  Relaying, // both legs synchronized: bytes, FIN and RST cross
  Done,     // both legs closed (TIME-WAIT over): the owner frees the proxy
};

enum class ProxyEnd : uint8_t {
  None,            // still running
  Completed,       // both sides closed with FIN
  BackendRefused,  // the backend answered the SYN with RST
  BackendTimeout,  // the backend did not answer within connect_timeout
  ClientReset,     // the client reset (or timed out on) its leg
  BackendReset,    // the backend reset (or timed out on) its leg
  ClientTimeout,   // the backend answered but the client never completed its handshake within connect_timeout
  IdleTimeout,     // nothing relayed for idle_timeout
  Aborted,         // the owner aborted (e.g. shutdown)
};

const char* proxy_end_name(ProxyEnd);

class SplitProxy {
 public:
  explicit SplitProxy(const SplitProxyConfig&);
  SplitProxy(const SplitProxy&) = delete;
  SplitProxy& operator=(const SplitProxy&) = delete;

  // Back to a fresh state for reuse from a pool; keeps buffers and sinks' slots.
  void reset();
  void set_sinks(SegmentSink* client_side, SegmentSink* server_side);
  void set_tap(RelayTap* tap) { tap_ = tap; }
  // With a StreamRelay the relay moves the bytes (the tap is not used).
  void set_relay(StreamRelay* relay) { relay_ = relay; }
  bool has_pending_work() const { return relay_ != nullptr && phase_ == ProxyPhase::Relaying && relay_->has_pending_work(); }

  // Proxy after TCP handshake: remember the client's SYN and dial the backend.
  void open(const TcpSegment& client_syn, const TcpSynOptions& client_options, uint32_t client_iss,
            uint32_t server_iss, uint64_t now_ns);
  // SYN cookie path: the client's handshake completed statelessly (its ACK carried a valid cookie); dial now.
  // Bytes the client sends meanwhile wait in the client leg's receive buffer.
  void open_from_cookie(uint32_t client_iss, uint32_t client_irs, const TcpSynOptions& client_options,
                        uint16_t client_window, uint32_t server_iss, uint64_t now_ns);

  void on_client_segment(const TcpSegment&, const TcpSynOptions* syn_options, uint64_t now_ns);
  void on_server_segment(const TcpSegment&, const TcpSynOptions* syn_options, uint64_t now_ns);
  void on_timer(uint64_t now_ns);
  // Advances the pairing (accept, refuse, relay, FIN/RST across, idle) and flushes both legs. The owner calls it
  // once per poll iteration for every proxy that received a segment or a timer in that iteration.
  void service(uint64_t now_ns);
  void abort(uint64_t now_ns);

  uint64_t next_timer_ns() const;
  ProxyPhase phase() const { return phase_; }
  ProxyEnd end_reason() const { return end_; }
  bool dialing() const { return phase_ == ProxyPhase::Dialing; }
  // Opening not finished: the backend has not answered, or the client has not completed its handshake.
  // These are what a SYN flood creates; the owner bounds them and answers with SYN cookies beyond.
  bool half_open() const { return phase_ == ProxyPhase::Dialing || (phase_ == ProxyPhase::Relaying && !client_open_); }
  const TcpEndpoint& client_leg() const { return client_; }
  const TcpEndpoint& server_leg() const { return server_; }
  uint64_t bytes_relayed(Direction d) const { return relayed_[static_cast<int>(d)]; }
  // A StreamRelay reports the bytes it took from a leg (the counters the pump keeps itself).
  void count_relayed(Direction d, uint64_t n) { relayed_[static_cast<int>(d)] += n; }

 private:
  void finish_dialing(uint64_t now_ns);
  void refuse_client(ProxyEnd why, uint64_t now_ns);
  void relay(uint64_t now_ns);
  void pump(TcpEndpoint& from, TcpEndpoint& to, Direction d, uint64_t now_ns);
  void carry_close(uint64_t now_ns);
  void end(ProxyEnd why);

  SplitProxyConfig config_;
  TcpEndpoint client_;
  TcpEndpoint server_;
  SegmentSink* client_sink_ = nullptr;
  RelayTap* tap_ = nullptr;
  StreamRelay* relay_ = nullptr;
  bool relay_closed_ = false;          // the relay asked to close both legs and they were closed
  ProxyPhase phase_ = ProxyPhase::Done;
  ProxyEnd end_ = ProxyEnd::None;
  bool from_cookie_ = false;
  bool client_open_ = false;           // the client leg has completed its handshake
  bool fin_sent_[2] = {false, false};  // FIN carried to the server leg / to the client leg
  uint32_t client_irs_ = 0;            // the client's SYN sequence number, for the RST that refuses it
  uint64_t connect_deadline_ns_ = 0;
  uint64_t last_activity_ns_ = 0;
  uint64_t relayed_[2] = {0, 0};
};

}  // namespace sluice::reassembly
