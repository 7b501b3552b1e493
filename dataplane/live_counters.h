// dataplane/live_counters.h — one worker's counters, readable by the telemetry thread while the worker runs.
//
// Owns: the counter names (the telemetry keys) and their storage. Single writer (the worker); readers on
// other threads see each value whole. Counter::add is a relaxed load and store, not an atomic add: no lock
// prefix on the hot path, and correct because only the owning worker writes.
// May call: nothing.
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::dataplane {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  void set(uint64_t n) { value_.store(n, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// X-macro: one line per counter, so the telemetry writer and the shutdown report list the same names.
#define SLUICE_LIVE_COUNTERS(X)                                                                      \
  X(rx_packets, "frames received on both ports")                                                     \
  X(tx_packets, "frames sent on both ports")                                                         \
  X(tx_dropped, "frames the PMD did not take")                                                       \
  X(sessions_open, "proxied sessions now in the table (gauge)")                                      \
  X(sessions_half_open, "proxied sessions whose opening is not finished (gauge)")                    \
  X(sessions_opened, "proxied sessions created")                                                     \
  X(sessions_closed, "proxied sessions freed")                                                       \
  X(sessions_refused, "clients refused: backend refused, timed out, or table full")                  \
  X(sessions_refused_client_limit, "clients answered 421: over max-connections-per-client (RES-2)")   \
  X(sessions_refused_table_full, "clients answered 421: this worker's max-flows sessions in use")      \
  X(sessions_completed, "sessions that ended with FIN on both sides")                                \
  X(sessions_reset, "sessions ended by RST or retransmission time-out")                              \
  X(sessions_client_reset, "of those: the client leg ended first (RST from the client, or it timed out)") \
  X(sessions_backend_reset, "of those: the backend leg ended first")                                 \
  X(sessions_idle_expired, "sessions reset after the idle time-out")                                 \
  X(sessions_handshake_expired, "backend answered, client never completed its handshake (spoofed SYN)") \
  X(passthrough_open, "DNAT pass-through connections now in the table (gauge)")                      \
  X(passthrough_opened, "DNAT pass-through connections created")                                     \
  X(passthrough_packets, "frames forwarded by the pass-through path")                                \
  X(syn_cookies_sent, "SYN-ACKs carrying a SYN cookie (half-open table full)")                       \
  X(syn_cookies_accepted, "sessions opened from a valid cookie")                                     \
  X(syn_cookies_rejected, "ACKs to a VIP port with no session and no valid cookie")                  \
  X(retransmits, "segments retransmitted by the appliance's endpoints")                              \
  X(out_of_order, "segments received out of order")                                                  \
  X(duplicates, "segments received that held nothing new")                                           \
  X(zero_window_probes, "zero-window probes sent")                                                   \
  X(bytes_client_to_server, "bytes relayed from clients to backends")                                \
  X(bytes_server_to_client, "bytes relayed from backends to clients")                                \
  X(arp_replies, "ARP replies sent")                                                                 \
  X(arp_requests, "ARP requests sent")                                                               \
  X(nd_advertisements, "neighbour advertisements sent")                                              \
  X(nd_solicitations, "neighbour solicitations sent")                                                \
  X(icmp_echo_replies, "ICMP/ICMPv6 echo replies sent")                                              \
  X(drops_no_policy, "frames to no VIP port (default deny)")                                         \
  X(drops_no_session, "TCP frames of no known session (stray ACK/RST, late packets)")                \
  X(drops_not_ip, "frames that were neither IP nor ARP")                                             \
  X(drops_malformed, "frames with bad headers or options")                                           \
  X(drops_fragment, "IP fragments dropped otherwise: not TCP, malformed, too many or too big, reassembly off") \
  X(fragments_received, "IP fragments received (IPv4 and IPv6; TCP-6)")                               \
  X(fragments_reassembled, "IP datagrams reassembled from fragments and handled as whole frames")     \
  X(fragments_timed_out, "IP datagrams dropped unfinished after fragment-timeout")                    \
  X(fragments_overlap_dropped, "IP datagrams dropped whole: two fragments overlapped (RFC 5722)")     \
  X(fragments_table_full, "IP fragments dropped: every fragment-datagrams slot of their bucket busy")  \
  X(drops_bad_checksum, "proxied-port TCP frames whose IPv4 header or TCP checksum failed (TCP-3)")  \
  X(drops_no_neighbour, "frames dropped waiting for ARP/ND")                                         \
  X(drops_no_mbuf, "frames not built: the mbuf pool was empty")                                      \
  X(drops_spoofed_source, "outside frames whose source is an inside, backend or own address (TCP-9)")   \
  X(drops_table_full, "new connections dropped: session or pass-through table full")                 \
  X(messages_logged, "message records written")                                                       \
  X(messages_log_failed, "message records lost: the log file could not be written (disk full?)")       \
  X(scan_slices_spent, "poll iterations whose scanning slice ran out with client input left for the next") \
  X(tls_handshakes, "client-leg TLS handshakes completed (STARTTLS and SMTPS)")                     \
  X(tls_handshake_failures, "client-leg TLS handshakes failed (logged with the client's offer)")     \
  X(tls_backend_failures, "backend-leg TLS handshakes or verifications failed (client got 421)")     \
  X(tls_async_pauses, "TLS crypto jobs parked on an offload (SSL_ERROR_WANT_ASYNC) and resumed")    \
  X(tls_spliced, "sessions spliced after STARTTLS or on SMTPS without decryption (not inspected)")   \
  X(tls_legs_exhausted, "TLS upgrades refused: no TLS leg free (config system tls max-legs)")       \
  X(tls_blocked, "SYNs refused: the client failed a handshake under unsupported-ssl-* block")                 \
  X(sessions_paused_refused, "SYNs refused with RST while new sessions are paused (execute pause)")          \
  X(policy_version, "the committed policy version new sessions get (gauge)")                        \
  X(redirected_out, "frames this worker received for a connection another worker owns, handed to it")      \
  X(redirected_in, "frames another worker received and handed to this one (the owner)")               \
  X(tcp_frames_owned, "TCP frames this worker handled as the owner of their connection")              \
  X(redirect_dropped, "frames not handed over: the redirect ring to the owner was full")                \
  X(busy_cycles, "TSC cycles of poll iterations that had frames or sessions to serve (the core's real work)") \
  X(tsc_hz, "TSC cycles per second (to turn busy_cycles into seconds) (gauge)")

// One worker's counters on cache lines of their own: an array of them (one per worker) shares no line between
// two writers.
struct alignas(64) LiveCounters {
#define SLUICE_DECLARE_COUNTER(name, help) Counter name;
  SLUICE_LIVE_COUNTERS(SLUICE_DECLARE_COUNTER)
#undef SLUICE_DECLARE_COUNTER
};

}  // namespace sluice::dataplane
