#include "dataplane/nat_rewrite.h"

#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/frame_layout.h"

namespace sluice::dataplane {

const char* nat_result_name(NatResult r) {
  switch (r) {
    case NatResult::Rewritten: return "rewritten";
    case NatResult::NotTcp: return "not_tcp";
    case NatResult::FamilyMismatch: return "family_mismatch";
  }
  return "unknown";
}

NatResult apply_nat(uint8_t* frame, size_t len, const NatRewrite& rw) {
  FrameLayout l;
  const FrameKind kind = locate_layers(frame, len, l);
  if ((kind != FrameKind::Ipv4 && kind != FrameKind::Ipv6) || l.fragment || l.l4_protocol != kIpProtoTcp ||
      l.l4_len < 20)
    return NatResult::NotTcp;
  const bool v4 = kind == FrameKind::Ipv4;
  if (v4 != rw.address.is_v4()) return NatResult::FamilyMismatch;

  uint8_t* ip = frame + l.l3_offset;
  uint8_t* tcp = frame + l.l4_offset;
  const bool dnat = rw.side == NatSide::Destination;
  const size_t address_len = v4 ? 4 : 16;
  uint8_t* address = v4 ? ip + (dnat ? 16 : 12) : ip + (dnat ? 24 : 8);
  uint8_t* port = tcp + (dnat ? 2 : 0);
  const uint8_t* new_address = v4 ? rw.address.v4_bytes() : rw.address.data();

  uint16_t tcp_check = load_be16(tcp + 16);
  tcp_check = checksum_update_bytes(tcp_check, address, new_address, address_len);
  tcp_check = checksum_update16(tcp_check, load_be16(port), rw.port);
  store_be16(tcp + 16, tcp_check);
  if (v4) store_be16(ip + 10, checksum_update_bytes(load_be16(ip + 10), address, new_address, 4));
  std::memcpy(address, new_address, address_len);
  store_be16(port, rw.port);
  std::memcpy(frame, rw.dst_mac.data(), 6);
  std::memcpy(frame + 6, rw.src_mac.data(), 6);
  return NatResult::Rewritten;
}

}  // namespace sluice::dataplane
