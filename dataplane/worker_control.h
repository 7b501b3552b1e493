// dataplane/worker_control.h — what the control thread may ask of one dataplane worker, and how the answers
// come back, without the control thread ever touching flow state.
//
// Owns: the pause switch, the session-list request/answer, the flow-trace filter and the trace line ring, and
// the log-reopen request. Every field has exactly one writer (noted beside it); a request is its inputs written
// first, then a sequence number stored with release; the worker acts at the start of its next poll iteration
// and answers the same way. Nothing here allocates on the worker except a requested session list.
// May call: dataplane/ip_address.h.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/ip_address.h"

namespace sluice::dataplane {

// Which flows `show session` lists and `diagnose debug flow` traces. Empty fields match everything.
struct FlowFilter {
  std::optional<IpAddr> src;    // the client's address
  std::optional<IpAddr> dst;    // the VIP or the backend address
  uint16_t port = 0;            // either port of the flow (0 = any)
  std::string vip;              // VIP name ("" = any)

  bool matches(const IpAddr& client, uint16_t client_port, const IpAddr& vip_addr, uint16_t vip_port,
               const IpAddr& backend, uint16_t backend_port, std::string_view vip_name) const {
    if (src && !(*src == client)) return false;
    if (dst && !(*dst == vip_addr) && !(*dst == backend)) return false;
    if (port != 0 && port != client_port && port != vip_port && port != backend_port) return false;
    if (!vip.empty() && vip != vip_name) return false;
    return true;
  }
  bool empty() const { return !src && !dst && port == 0 && vip.empty(); }
};

// Trace lines from the worker to the control thread: single producer (worker), single consumer (control).
// Fixed slots; a line that finds the ring full is counted as dropped, never waited for.
class TraceRing {
 public:
  static constexpr size_t kSlots = 1024;
  static constexpr size_t kLineBytes = 240;

  bool push(std::string_view line) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) >= kSlots) {
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return false;
    }
    Slot& s = slots_[head % kSlots];
    s.length = static_cast<uint16_t>(std::min(line.size(), kLineBytes));
    std::memcpy(s.text, line.data(), s.length);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  // Consumer: the next line, if any.
  bool pop(std::string* line) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    const Slot& s = slots_[tail % kSlots];
    line->assign(s.text, s.length);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    uint16_t length = 0;
    char text[kLineBytes];
  };
  std::array<Slot, kSlots> slots_{};
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  std::atomic<uint64_t> dropped_{0};
};

struct WorkerControl {
  // Control writes. While set, SYNs to inspected VIP ports are refused with RST (an MTA then tries its next MX
  // at once); sessions in progress go on.
  std::atomic<bool> paused{false};

  // Session list: control writes session_filter, then increments sessions_requested. The worker writes
  // session_list, then stores sessions_served = sessions_requested.
  FlowFilter session_filter;
  std::atomic<uint64_t> sessions_requested{0};
  std::string session_list;
  std::atomic<uint64_t> sessions_served{0};

  // Flow trace: control writes trace_filter and trace_budget (lines still wanted), then increments
  // trace_generation. The worker takes the filter at the next iteration and pushes at most trace_budget lines
  // (it decrements the budget; control sets it to 0 to stop).
  FlowFilter trace_filter;
  std::atomic<uint64_t> trace_generation{0};
  std::atomic<uint32_t> trace_budget{0};
  TraceRing trace;

  // Log rotation: control increments; the worker reopens its log file when it sees a new value.
  std::atomic<uint32_t> reopen_log{0};

  // The worker's snapshot slot in the registry (set at start-up).
  uint32_t registry_slot = 0;
};

}  // namespace sluice::dataplane
