// tests/component/smtp_peers.h — the emulated SMTP client and smtp-sink-like backend the ring-port benchmarks and the steering test drive
// through a RingAppliance: one PeerSlot is one conversation (client outside, backend inside), both real
// reassembly::TcpEndpoints framed onto the appliance's rings (tests/component/ring_appliance.h EmulatedPeer).
//
// Owns: the client's dialogue (EHLO, MAIL, RCPT, DATA, body, QUIT), the sink's replies, handing a frame the
// worker transmitted to its slot (by the client's port), and each slot's end (completed or reset).
// May call: the ring harness, reassembly endpoints, dataplane frame parsing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/component/ring_appliance.h"

struct rte_mbuf;

namespace sluice::testing {

// The client's dialogue: the reply code it waits for, then what it sends (empty: close).
struct Step {
  std::string_view code;
  std::string_view send;
};

struct PeerSlot {
  std::unique_ptr<EmulatedPeer> client, backend;
  bool active = false, backend_open = false;
  int step = 0;                 // client: index of the reply it waits for
  std::string client_in;        // reply bytes not yet a whole line
  std::string sink_in;          // backend: command bytes not yet handled
  bool sink_data = false, banner_sent = false, sink_closed = false;
  uint16_t port = 0;
};

enum class SlotEnd : uint8_t { Running, Completed, Reset };

reassembly::TcpEndpointConfig peer_config();
std::string message_body(uint32_t bytes);
// The steps of one message; `body` must outlive them.
std::vector<Step> smtp_steps(const std::string& body);

// Client endpoint: kClient; backend: kBackend; the VIP: kVip (tools/bench configs use these addresses).
extern const Host kClient, kBackend;
extern const dataplane::IpAddr kVip;

// Makes the slot's two peers (client towards VIP:25, backend as 10.0.0.25:25).
void make_peers(RingAppliance& app, PeerSlot& slot);
// Starts a session on client port `port` (rebinds both peers, connects the client).
void start_session(PeerSlot& slot, uint16_t port, uint32_t iss, uint64_t now);
// Hands one transmitted frame to its slot (slot_of_port: client port -> slot index, -1 none); frees nothing.
void deliver(std::vector<PeerSlot>& slots, const std::vector<int32_t>& slot_of_port, dataplane::Side side,
             const rte_mbuf* frame, uint32_t* iss, uint64_t now);
// Runs the slot's client and sink, flushes their output and timers; says whether the conversation ended.
SlotEnd run_slot(PeerSlot& slot, const std::vector<Step>& steps, uint64_t now);

}  // namespace sluice::testing
