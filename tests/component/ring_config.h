// tests/component/ring_config.h — the two-port appliance configuration the ring-port tests and benchmarks share.
//
// Owns: the addresses every ring-port user agrees on (outside 198.51.100.1/24 with VIP 198.51.100.10, inside
// 10.0.0.1/24 with the backend 10.0.0.25, as tests/component/smtp_peers.h's peers use them), SMTP inspected on
// port 25, and the knobs each user changes. May call: nothing.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::testing {

struct RingConfig {
  std::string vip_ports = "25";   // ports of VIP mail-in (25 proxied and inspected; any other: DNAT pass-through)
  uint32_t max_flows = 65536;     // config system session max-flows
  uint32_t idle_timeout_s = 300;  // config system session idle-timeout
  // config system session max-connections-per-client: off here, because the ring peers use one client address
  // to stand for many clients (thousands of concurrent sessions); the appliance's default is 50.
  uint32_t max_connections_per_client = 0;
  std::string extra;              // further blocks (config system tcp, ...)
};

inline std::string ring_config(const RingConfig& c) {
  return R"(
config system interface
  edit "outside"
    set port 0
    set ip 198.51.100.1/24
  next
  edit "inside"
    set port 1
    set ip 10.0.0.1/24
  next
end
config firewall vip
  edit "mail-in"
    set extip 198.51.100.10
    set mappedip 10.0.0.25
    set ports )" + c.vip_ports + R"(
  next
end
config smtp protocol-options
  set ports 25
end
config system session
  set max-flows )" + std::to_string(c.max_flows) + R"(
  set idle-timeout )" + std::to_string(c.idle_timeout_s) + R"(
  set max-connections-per-client )" + std::to_string(c.max_connections_per_client) + R"(
end
)" + c.extra;
}

// Closing legs leave no TIME-WAIT (sessions are reused at once) and SYN cookies never kick in (the benchmarks open
// hundreds of sessions per poll).
inline constexpr const char* kBenchTcpConfig = "config system tcp\n  set time-wait 0\n  set max-half-open 100000\nend\n";

}  // namespace sluice::testing
