// dataplane/proxy_session.h — one proxied SMTP connection as the live worker holds it.
//
// Owns: the SplitProxy (both TCP legs), the addresses each leg speaks with, the session's timer entry, and the
// SMTP relay with its inspector: every byte between the legs goes through smtp::SmtpRelay (the single parser of
// record), which asks scan::RelayInspector for envelope checks and verdicts. Pooled by the worker: buffers are
// allocated when the object is built or first used, never per packet.
//   client leg: VIP:port  <-> client:port        (outside port)
//   server leg: client:port <-> backend:port     (inside port; the backend sees the real client address)
// With TLS (dataplane/session_tls.h) a leg's bytes pass through a tls::TlsLeg between TCP and the relay: the
// relay decides when a leg turns to TLS (STARTTLS, SMTPS), this class does it (proxy_session_tls.cc).
// May call: reassembly/split_proxy, reassembly/timer_wheel, dataplane/link_io, dataplane/session_tls,
// scan/smtp (relay), scan/inspector, tls/tls_leg.h.
#pragma once

#include <cstdint>

#include "dataplane/conn_table.h"
#include "dataplane/flow_trace.h"
#include "dataplane/link_io.h"
#include "dataplane/session_tls.h"
#include "reassembly/split_proxy.h"
#include "reassembly/timer_wheel.h"
#include "scan/inspector/relay_inspector.h"
#include "scan/smtp/smtp_relay.h"
#include "tls/tls_leg.h"

namespace sluice::dataplane {

struct SessionAddresses {
  IpAddr client, vip, backend;
  uint16_t client_port = 0, vip_port = 0, backend_port = 0;
};

// Turns one leg's SegmentOut into a frame on its port.
class LegSink final : public reassembly::SegmentSink {
 public:
  void bind(LinkIo* io, const IpAddr& local, uint16_t local_port, const IpAddr& remote, uint16_t remote_port,
            const uint64_t* now_ns);
  void send_segment(const reassembly::SegmentOut&) override;

 private:
  LinkIo* io_ = nullptr;
  IpAddr local_, remote_;
  uint16_t local_port_ = 0, remote_port_ = 0;
  const uint64_t* now_ns_ = nullptr;
};

// The wheel fires TimerEntry*; the session's entry is its first base so the owner is found without a lookup.
struct SessionTimer : reassembly::TimerEntry {
  uint32_t session_index = 0;
};

// The worker's scanning time for one poll iteration (`config scan budget` slice-cycles), shared by its sessions:
// once spent, client input waits in the TCP receive buffers for the next iteration and packet I/O goes on.
struct ScanSlice {
  int64_t cycles_left = 0;
  uint64_t tsc_hz = 0;              // converts cycles to time for the end-of-data bound
  uint64_t verdict_timeout_cycles = 0;
};

// How long a client may take (config smtp protocol-options command-timeout, min-data-rate): THREATS RES-3.
struct ClientDeadlines {
  uint64_t command_ns = 300'000'000'000ull;   // first byte of a command line to its end
  uint64_t min_data_rate = 500;               // bytes/s of content once command_ns has passed in a message; 0 = off
};

// What a worker lends its sessions for TLS (all optional: nullptr source = no TLS on this worker).
struct SessionTlsServices {
  tls::TlsLegSource* legs = nullptr;
  TlsBlockList* blocked = nullptr;
  struct Counters {
    uint64_t handshakes = 0, failures = 0, backend_failures = 0, async_pauses = 0, spliced = 0;
  } counters;   // the worker publishes them
};

class ProxySession final : private reassembly::StreamRelay {
 public:
  ProxySession(uint32_t index, const reassembly::SplitProxyConfig&, const scan::InspectorContext&,
               const smtp::RelayConfig&, ScanSlice& slice, const ClientDeadlines& deadlines,
               SessionTlsServices* tls = nullptr);

  // Binds addresses and sinks for a new connection; the caller then opens the proxy. `tls`: the VIP port's
  // TLS (nullptr: plaintext only).
  void start(const SessionAddresses&, LinkIo& outside, LinkIo& inside, const uint64_t* now_ns, uint64_t flow_id,
             const PortTls* tls = nullptr);
  // Ends the relay (a message in progress is logged as abandoned) and returns the proxy to a fresh state.
  void finish();
  // Before start(): the policy this session is judged by to its end, and where to trace it (nullptr: not).
  void use_snapshot(const scan::PolicySnapshot* snapshot) { inspector_.use_snapshot(snapshot); }
  const scan::PolicySnapshot* snapshot() const { return inspector_.snapshot(); }
  void trace_to(FlowTrace* trace) { trace_ = trace; }
  FlowTrace* trace() const { return hooks_.trace(); }
  uint64_t flow_id() const { return hooks_.flow_id(); }
  bool message_open() const { return inspector_.message_open(); }
  bool tls_active() const { return client_tls_ != nullptr; }
  bool in_use() const { return in_use_; }   // between start() and finish()

  reassembly::SplitProxy& proxy() { return proxy_; }
  const SessionAddresses& addresses() const { return addresses_; }
  ConnKey outside_key() const;
  ConnKey inside_key() const;
  SessionTimer& timer() { return timer_; }
  uint32_t index() const { return timer_.session_index; }

  // Endpoint counters already added to the worker's totals (retransmits, out of order, duplicates, probes)
  // and bytes relayed each way: the worker adds only what changed since.
  uint64_t reported[4] = {0, 0, 0, 0};
  uint64_t reported_bytes[2] = {0, 0};
  void reset_reports() {
    for (uint64_t& r : reported) r = 0;
    reported_bytes[0] = reported_bytes[1] = 0;
  }

  bool queued = false;          // on the worker's to-service list this iteration
  bool counted_half_open = false;
  bool counted_client = false;  // in the worker's per-client counts (RES-2) until the client's leg starts closing
  uint64_t opened_ns = 0;

 private:
  bool relay(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns) override;
  bool drained(reassembly::Direction from) const override;
  bool wants_close() const override;
  bool has_pending_work() const override { return pending_work_; }
  uint64_t next_deadline_ns() const override { return deadline_ns_; }
  void check_deadlines(uint64_t now_ns);
  uint64_t compute_deadline() const;
  // One leg as the relay sees it: plaintext, straight from TCP or through the leg's TLS.
  struct PlainLeg {
    reassembly::TcpEndpoint& tcp;
    tls::TlsLeg* tls;
    std::string_view view() const { return tls != nullptr ? tls->plaintext_in() : tcp.read_view(); }
    void consume(size_t n) const;
    size_t readable() const { return tls != nullptr ? tls->plaintext_in().size() : tcp.readable(); }
  };
  bool move_out(smtp::RelayOutput& out, const PlainLeg& to);
  // Every write to a TCP leg goes through here, so the client leg's total is known (client_output_delivered).
  uint32_t send(reassembly::TcpEndpoint& tcp, std::string_view bytes);
  // The backend's RST crosses to the client as a RST, and a RST throws away what the client leg still holds:
  // it may cross only once the client acknowledged every byte we queued for it (the backend's 221 to QUIT,
  // which a TLS lcore may have encrypted only after that RST arrived).
  bool client_output_delivered() const;
  bool backend_reset() const;
  bool read_server(const PlainLeg& server);
  bool read_client(const PlainLeg& client);
  bool relay_rounds(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns);
  void tell_ends(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server);
  // TLS (proxy_session_tls.cc)
  void start_tls(uint64_t now_ns);
  void end_tls();
  bool cipher_in(reassembly::TcpEndpoint& tcp, tls::TlsLeg* leg, bool& eof_fed);
  bool cipher_out(tls::TlsLeg* leg, reassembly::TcpEndpoint& tcp);
  bool take_tls_step(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server, uint64_t now_ns);
  void check_handshakes(uint64_t now_ns);
  void client_tls_failed(std::string_view reason, const tls::TlsLegReport& report, uint64_t now_ns);
  void backend_tls_settled(bool ok, std::string_view why);
  bool splice(reassembly::TcpEndpoint& client, reassembly::TcpEndpoint& server);
  bool leg_ended(const reassembly::TcpEndpoint& tcp, tls::TlsLeg* leg) const;
  static bool ciphertext_flushed(tls::TlsLeg* leg) { return leg == nullptr || leg->output_idle(); }

  reassembly::SplitProxy proxy_;
  LegSink client_sink_, server_sink_;
  SessionAddresses addresses_;
  SessionTimer timer_;
  scan::RelayInspector inspector_;
  TracedHooks hooks_{inspector_};   // the relay's hooks: the inspector, traced when the flow is
  FlowTrace* trace_ = nullptr;
  bool in_use_ = false;
  smtp::SmtpRelay relay_;
  ScanSlice& slice_;
  ClientDeadlines deadlines_;
  uint64_t command_since_ns_ = 0;  // a command line began then and has not ended (0: none)
  uint64_t message_since_ns_ = 0;  // the message in progress began then (0: none)
  uint64_t message_bytes0_ = 0;    // client bytes relayed when it began
  uint64_t deadline_ns_ = UINT64_MAX;  // the earlier of the two, as of the last relay() (bytes move only there)
  uint64_t input_since_tsc_ = 0;   // when the oldest unread client byte was first seen (0: none waiting)
  bool pending_work_ = false;
  bool client_end_told_ = false, server_end_told_ = false;
  uint64_t client_bytes_queued_ = 0;   // written to the client leg since start() (its counters().bytes_out sent)

  SessionTlsServices* tls_services_ = nullptr;
  const PortTls* port_tls_ = nullptr;
  tls::TlsLeg* client_tls_ = nullptr;   // Sluice as TLS server to the sending MTA
  tls::TlsLeg* server_tls_ = nullptr;   // Sluice as TLS client to the backend
  bool client_tls_settled_ = false, server_tls_settled_ = false;   // handshake outcome handled
  bool client_eof_fed_ = false, server_eof_fed_ = false;
  bool splice_ = false;                 // bytes move unchanged both ways (certificate inspection)
  bool tls_close_ = false;              // a TLS failure ends the session once the alert is out
  uint64_t client_handshake_deadline_ns_ = 0, server_handshake_deadline_ns_ = 0;   // 0: none running
};

}  // namespace sluice::dataplane
