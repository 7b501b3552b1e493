// dataplane/redirect_mesh.cc — see redirect_mesh.h.
#include "dataplane/redirect_mesh.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace sluice::dataplane {

RedirectMesh::~RedirectMesh() {
  for (rte_ring* r : rings_) {
    if (r == nullptr) continue;
    void* m;
    while (rte_ring_sc_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
}

bool RedirectMesh::init(const std::string& name, uint32_t workers, uint32_t ring_size, int socket_id,
                        std::string* error) {
  workers_ = workers == 0 ? 1 : workers;
  rings_.assign(static_cast<size_t>(workers_) * workers_, nullptr);
  for (uint32_t from = 0; from < workers_; ++from) {
    for (uint32_t to = 0; to < workers_; ++to) {
      if (from == to) continue;
      const std::string ring_name = name + "_" + std::to_string(from) + "_" + std::to_string(to);
      rte_ring* r = rte_ring_create(ring_name.c_str(), ring_size, socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (r == nullptr) {
        *error = "redirect ring " + ring_name + ": " + rte_strerror(rte_errno);
        return false;
      }
      rings_[from * workers_ + to] = r;
    }
  }
  return true;
}

uint32_t RedirectMesh::send(uint32_t from, uint32_t to, rte_mbuf* const* frames, uint32_t count) {
  return rte_ring_sp_enqueue_burst(ring(from, to), reinterpret_cast<void* const*>(frames), count, nullptr);
}

uint32_t RedirectMesh::receive(uint32_t to, uint32_t from, rte_mbuf** frames, uint32_t max) {
  return rte_ring_sc_dequeue_burst(ring(from, to), reinterpret_cast<void**>(frames), max, nullptr);
}

}  // namespace sluice::dataplane
