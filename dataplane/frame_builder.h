// dataplane/frame_builder.h — complete Ethernet + IPv4/IPv6 + TCP frames written into a caller's buffer: the
// segments the live proxy's TCP endpoints send, and the RST that refuses a segment.
//
// Owns: header layout and checksums of outgoing TCP frames. Calls: checksum.h, frame_layout (to read the
// segment a RST answers). No DPDK, no allocation: the caller passes the mbuf's data area and its capacity.
//
// Checksums are computed in software unless the spec asks to leave them to the NIC; then the fields hold
// what DPDK's TX offload expects (IPv4 header checksum 0; TCP checksum = the folded pseudo-header sum,
// not complemented), and BuiltFrame's l2/l3/l4 lengths are what the mbuf needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/ip_address.h"
#include "dataplane/packet_view.h"

namespace sluice::dataplane {

// TCP flag bits (RFC 9293 §3.1).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr size_t kMaxTcpOptionsLen = 40;

struct TcpFrameSpec {
  MacAddress src_mac{};
  MacAddress dst_mac{};
  uint16_t vlan = 0;               // 802.1Q tag with this id when non-zero
  IpAddr src_ip;                   // both of one family: IPv4-mapped → IPv4 frame, else IPv6
  IpAddr dst_ip;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  std::span<const uint8_t> options;  // already encoded, padded to a multiple of 4, at most 40 bytes
  std::string_view payload[2];       // sent back to back; either may be empty
  uint16_t ip_id = 0;                // IPv4 identification (caller's counter)
  uint8_t ttl = 64;                  // IPv4 TTL / IPv6 hop limit
  bool dont_fragment = true;         // IPv4 DF
  bool offload_ip_checksum = false;  // leave the IPv4 header checksum 0 for RTE_MBUF_F_TX_IP_CKSUM
  bool offload_tcp_checksum = false; // leave the pseudo-header sum for RTE_MBUF_F_TX_TCP_CKSUM
};

struct BuiltFrame {
  size_t length = 0;  // bytes written (padded to kMinFrameLen); 0 = not built
  size_t l2_len = 0;
  size_t l3_len = 0;
  size_t l4_len = 0;  // TCP header with options
  explicit operator bool() const { return length != 0; }
};

// Writes the whole frame. Not built (length 0) when the buffer is too small, the options are longer than 40
// bytes or not a multiple of 4, the families differ, or the IPv4 total length would exceed 65535.
BuiltFrame build_tcp_frame(const TcpFrameSpec& spec, uint8_t* out, size_t capacity);

// The RST of RFC 9293 §3.10.7.1 for a segment we refuse: if it carried ACK, <SEQ=SEG.ACK><CTL=RST>, else
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (SYN and FIN count in SEG.LEN). The Ethernet header (and its
// VLAN tags) is the received one with the MACs swapped; addresses and ports swapped. Never answers a RST
// (not built), nor a fragment or anything but TCP.
BuiltFrame build_tcp_rst_for(const uint8_t* received, size_t received_len, uint16_t ip_id, uint8_t* out,
                             size_t capacity);

}  // namespace sluice::dataplane
