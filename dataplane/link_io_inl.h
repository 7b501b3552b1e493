// dataplane/link_io_inl.h — LinkIo::send_built, a template and so in a header. Included by link_io.h only.
#pragma once

#include <rte_mbuf.h>

namespace sluice::dataplane {

template <typename Build>
bool LinkIo::send_built(Build&& build) {
  rte_mbuf* frame = alloc();
  if (frame == nullptr) return false;
  uint8_t* data = rte_pktmbuf_mtod(frame, uint8_t*);
  const size_t length = build(data, static_cast<size_t>(rte_pktmbuf_tailroom(frame)));
  if (length == 0) {
    rte_pktmbuf_free(frame);
    return false;
  }
  frame->data_len = static_cast<uint16_t>(length);
  frame->pkt_len = static_cast<uint32_t>(length);
  stage(frame);
  return true;
}

}  // namespace sluice::dataplane
