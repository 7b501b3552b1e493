// reassembly/tcp_options.h — the TCP options that matter on SYN and SYN-ACK.
//
// Owns: TcpSynOptions (MSS, window scale, SACK-permitted), parsing the option bytes that
// follow the 20-byte header, and encoding the options a SYN or SYN-ACK carries.
// Rules kept: RFC 9293 §3.7.1 (MSS 536 when absent), RFC 7323 §2.3 (shift clamped to 14),
// RFC 2018 (SACK-permitted). Other options (timestamps, SACK blocks, unknown kinds) are
// skipped when well formed. May call: nothing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::reassembly {

struct TcpSynOptions {        // options that matter on SYN / SYN-ACK
  uint16_t mss = 536;         // RFC 9293 default when absent
  int8_t window_scale = -1;   // -1 = option absent; else shift 0..14 (clamp larger to 14, RFC 7323)
  bool sack_permitted = false;
};

// Parses the TCP option bytes (after the 20-byte header). Malformed options -> returns
// false (caller drops): a length byte missing, below 2, running past the end, or a known
// kind (MSS, window scale, SACK-permitted) with the wrong length. EOL ends the list.
bool parse_tcp_options(const uint8_t* data, size_t len, TcpSynOptions* out);

// Writes MSS, [NOP,WS], [NOP,NOP,SACK-perm], each group 4 bytes; returns length (<= 20).
// window_scale < 0 leaves the WS option out; larger than 14 is written as 14.
size_t encode_syn_options(const TcpSynOptions& options, uint8_t* out);
// Writes NOP, NOP, SACK (kind 5) with `count` blocks [left, right) (RFC 2018 3); returns length (<= 36).
size_t encode_sack_option(const uint32_t (*blocks)[2], uint8_t count, uint8_t* out);

}  // namespace sluice::reassembly
