// dataplane/packet_parser.h — frame bytes → PacketView.
//
// Every length is checked against the frame before it is read. The TCP payload length comes from the IP
// header (total length / payload length), never from the frame length: some captures carry an Ethernet
// FCS trailer after the IP packet (the TRex avl_smtp_* files do).
#pragma once

#include "dataplane/packet_view.h"

namespace sluice::dataplane {

ParseResult parse_frame(std::string_view frame, PacketView& out);

}  // namespace sluice::dataplane
