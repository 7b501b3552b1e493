// tests/component/idle_sessions.h — opens many idle proxied SMTP sessions on a RingAppliance with crafted frames,
// and closes them again: the session-scale component test and sluice-bench-memory share it (issue 7).
//
// Owns: the crafted peers' side of each session — the client (outside, one of a few client addresses, a port each)
// and the backend (inside) — and the sequence numbers the worker chose for both legs. A session is opened as the
// worker expects one: client SYN -> worker SYN to the backend -> backend SYN-ACK -> worker's ACK to the backend
// and SYN-ACK to the client -> client ACK -> backend's 220 banner, relayed by the worker in the same poll ->
// client ACKs it. Then the session is idle (nothing in flight, no retransmission timer) until close_all().
// Sessions go in batches small enough that no rx or tx ring overflows; frames are parsed only where a sequence
// number must be read back (the worker's ISNs) or the relayed banner counted. A slow host can make the worker
// retransmit between two steps (its clock is the TSC): each ISN and banner is taken once per session, and the
// configuration should raise rto-min / rto-initial (kIdleSessionTcpConfig) so that it stays rare.
// Also ProcessMemory: the process's heap in use (glibc mallinfo2: uordblks + hblkhd) and resident set
// (/proc/self/statm), the two figures sessions are measured by.
// May call: tests/component/ring_appliance.h (its public API only), dataplane/frame_builder.h (flag values),
// glibc mallinfo2, /proc/self/statm.
#pragma once

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/frame_builder.h"
#include "tests/component/ring_appliance.h"

namespace sluice::testing {

struct ProcessMemory {
  uint64_t heap_bytes = 0;  // malloc'd and in use, small and mmap'd blocks
  uint64_t rss_bytes = 0;   // resident pages (includes the EAL's memory once touched)

  static ProcessMemory now() {
    ProcessMemory m;
    const struct mallinfo2 info = mallinfo2();
    m.heap_bytes = info.uordblks + info.hblkhd;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      unsigned long size = 0, resident = 0;
      if (std::fscanf(f, "%lu %lu", &size, &resident) == 2)
        m.rss_bytes = uint64_t{resident} * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
      std::fclose(f);
    }
    return m;
  }
};

// `config system tcp` lines for an appliance these sessions are opened on: no TIME-WAIT (closing frees at once),
// room for a whole batch of openings before SYN cookies, and retransmission and opening time-outs far above
// what one batch step takes even on a loaded 2-core host.
inline constexpr std::string_view kIdleSessionTcpConfig = R"(config system tcp
  set time-wait 0
  set max-half-open 4096
  set rto-initial 10000
  set rto-min 10000
  set connect-timeout 300
end
)";

struct IdleSessionSpec {
  std::vector<Host> clients;        // each gets ports_per_client sessions; sessions beyond that are refused
  Host backend;
  IpAddr vip;
  uint16_t smtp_port = 25;
  uint16_t first_port = 10000;
  uint32_t ports_per_client = 50000;
  uint32_t batch = 2048;            // sessions per round trip of frames; keep 4 * batch below the ring size
  std::string_view banner = "220 mx.example ESMTP\r\n";
};

struct IdleOpenReport {
  uint32_t syns_seen = 0;        // worker SYNs to the backend
  uint32_t syn_acks_seen = 0;    // worker SYN-ACKs to the client
  uint32_t banners_relayed = 0;  // frames to the client carrying exactly the banner
  uint32_t inject_failures = 0;  // frames the rings or the pool did not take
};

class IdleSessionOpener {
 public:
  static constexpr uint32_t kClientIsn = 1000, kBackendIsn = 5000;
  static constexpr uint16_t kPeerWindow = 65535;

  IdleSessionOpener(RingAppliance& app, IdleSessionSpec spec) : app_(app), spec_(std::move(spec)) {}

  // Every client and the backend ask for one of the appliance's addresses: the worker learns their MACs.
  bool teach_neighbours(const IpAddr& inside_address) {
    bool ok = app_.inject(dataplane::Side::Inside, arp_request(spec_.backend, inside_address));
    for (const Host& c : spec_.clients) ok = app_.inject(dataplane::Side::Outside, arp_request(c, spec_.vip)) && ok;
    settle();
    app_.discard(dataplane::Side::Inside);
    app_.discard(dataplane::Side::Outside);
    return ok;
  }

  // Opens `count` more sessions, batch by batch.
  IdleOpenReport open(uint32_t count) {
    IdleOpenReport report;
    const uint64_t capacity = uint64_t{spec_.ports_per_client} * spec_.clients.size();
    if (sessions_.size() + count > capacity) {  // no address and port left for them: counted as not injected
      report.inject_failures += static_cast<uint32_t>(sessions_.size() + count - capacity);
      count = static_cast<uint32_t>(capacity - sessions_.size());
    }
    while (count > 0) {
      const uint32_t n = std::min(count, spec_.batch);
      open_batch(n, report);
      count -= n;
    }
    return report;
  }

  // RST from each client at its exact RCV.NXT (RFC 9293 §3.10.7.4 accepts it at once): the client leg closes
  // without TIME-WAIT and the worker resets the backend leg, which frees the session in the same iteration.
  uint32_t close_all() {
    uint32_t failures = 0;
    for (size_t first = 0; first < sessions_.size(); first += spec_.batch) {
      const size_t end = std::min(sessions_.size(), first + spec_.batch);
      for (size_t i = first; i < end; ++i) {
        const Session& s = sessions_[i];
        if (!from_client(s, kClientIsn + 1, s.client_iss + 1 + banner_size(), dataplane::kTcpRst | dataplane::kTcpAck))
          ++failures;
      }
      settle();
      app_.discard(dataplane::Side::Inside);
      app_.discard(dataplane::Side::Outside);
    }
    sessions_.clear();
    return failures;
  }

  uint32_t opened() const { return static_cast<uint32_t>(sessions_.size()); }

  // Polls until the worker received nothing twice in a row (its rx rings are empty and it had nothing more).
  void settle() {
    int quiet = 0;
    while (quiet < 2) quiet = app_.worker().poll_once() == 0 ? quiet + 1 : 0;
  }

 private:
  struct Session {
    uint32_t client = 0;      // index into spec_.clients
    uint16_t port = 0;
    uint32_t server_iss = 0;  // the worker's ISN towards the backend
    uint32_t client_iss = 0;  // the worker's ISN towards the client
    bool server_iss_known = false, client_iss_known = false, greeted = false;
  };

  uint32_t banner_size() const { return static_cast<uint32_t>(spec_.banner.size()); }

  bool from_client(const Session& s, uint32_t seq, uint32_t ack, uint8_t flags,
                   const reassembly::TcpSynOptions* syn = nullptr) {
    return app_.inject(dataplane::Side::Outside,
                       tcp_frame(spec_.clients[s.client], app_.mac(dataplane::Side::Outside), spec_.vip, s.port,
                                 spec_.smtp_port, seq, ack, flags, kPeerWindow, {}, syn));
  }
  bool from_backend(const Session& s, uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload = {},
                    const reassembly::TcpSynOptions* syn = nullptr) {
    return app_.inject(dataplane::Side::Inside,
                       tcp_frame(spec_.backend, app_.mac(dataplane::Side::Inside), spec_.clients[s.client].ip,
                                 spec_.smtp_port, s.port, seq, ack, flags, kPeerWindow, payload, syn));
  }

  // The session a worker frame belongs to, from the client's address and port on it; nullptr if none of ours.
  Session* find(size_t first, const IpAddr& client, uint16_t port) {
    for (uint32_t c = 0; c < spec_.clients.size(); ++c) {
      if (!(spec_.clients[c].ip == client)) continue;
      const size_t index = size_t{c} * spec_.ports_per_client + (port - spec_.first_port);
      if (port < spec_.first_port || index < first || index >= sessions_.size()) return nullptr;
      return &sessions_[index];
    }
    return nullptr;
  }

  void open_batch(uint32_t n, IdleOpenReport& report) {
    using dataplane::Side;
    const size_t first = sessions_.size();
    reassembly::TcpSynOptions syn;
    syn.mss = 1460;
    for (uint32_t k = 0; k < n; ++k) {
      const size_t index = first + k;
      Session s;
      s.client = static_cast<uint32_t>(index / spec_.ports_per_client);
      s.port = static_cast<uint16_t>(spec_.first_port + index % spec_.ports_per_client);
      sessions_.push_back(s);
      if (!from_client(s, kClientIsn, 0, dataplane::kTcpSyn, &syn))
        ++report.inject_failures;
    }
    settle();
    for (const Frame& f : app_.drain(Side::Inside)) {  // the worker dials the backend as the client
      Session* s = f.flags == dataplane::kTcpSyn ? find(first, f.src, f.src_port) : nullptr;
      if (s == nullptr || s->server_iss_known) continue;  // a retransmitted SYN carries the same ISN
      s->server_iss_known = true;
      s->server_iss = f.seq;
      ++report.syns_seen;
    }
    app_.discard(Side::Outside);
    for (size_t i = first; i < sessions_.size(); ++i) {
      if (!from_backend(sessions_[i], kBackendIsn, sessions_[i].server_iss + 1,
                        dataplane::kTcpSyn | dataplane::kTcpAck, {}, &syn))
        ++report.inject_failures;
    }
    settle();
    app_.discard(Side::Inside);  // the worker's ACKs of the backend's SYN-ACK
    for (const Frame& f : app_.drain(Side::Outside)) {
      Session* s = f.flags == (dataplane::kTcpSyn | dataplane::kTcpAck) ? find(first, f.dst, f.dst_port) : nullptr;
      if (s == nullptr || s->client_iss_known) continue;
      s->client_iss_known = true;
      s->client_iss = f.seq;
      ++report.syn_acks_seen;
    }
    for (size_t i = first; i < sessions_.size(); ++i) {
      const Session& s = sessions_[i];
      if (!from_client(s, kClientIsn + 1, s.client_iss + 1, dataplane::kTcpAck)) ++report.inject_failures;
    }
    settle();  // every client leg is ESTABLISHED before its banner arrives
    for (size_t i = first; i < sessions_.size(); ++i) {
      const Session& s = sessions_[i];
      if (!from_backend(s, kBackendIsn + 1, s.server_iss + 1, dataplane::kTcpPsh | dataplane::kTcpAck, spec_.banner))
        ++report.inject_failures;
    }
    settle();
    app_.discard(Side::Inside);  // the worker's ACKs of the banner
    for (const Frame& f : app_.drain(Side::Outside)) {  // a retransmitted banner counts once
      Session* s = f.payload == spec_.banner ? find(first, f.dst, f.dst_port) : nullptr;
      if (s == nullptr || s->greeted) continue;
      s->greeted = true;
      ++report.banners_relayed;
    }
    for (size_t i = first; i < sessions_.size(); ++i) {
      const Session& s = sessions_[i];
      if (!from_client(s, kClientIsn + 1, s.client_iss + 1 + banner_size(), dataplane::kTcpAck))
        ++report.inject_failures;
    }
    settle();
    app_.discard(Side::Inside);
    app_.discard(Side::Outside);
  }

  RingAppliance& app_;
  IdleSessionSpec spec_;
  std::vector<Session> sessions_;  // index = client * ports_per_client + (port - first_port)
};

}  // namespace sluice::testing
