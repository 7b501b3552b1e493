// dataplane/redirect_mesh.h — frames handed from the worker that received them to the worker that owns them.
//
// Owns: one single-producer/single-consumer rte_ring per ordered pair of workers (N x (N-1) rings), so a
// hand-over is one enqueue with no atomic read-modify-write shared by more than two cores, and the counters of
// what crossed. A frame is redirected when the PMD put it on a queue other than its owner's (no rte_flow, RSS
// that hashes differently, or a single-queue port); ARP and neighbour discovery are copied to every worker
// (refcount, no copy of the bytes) marked "learn only", because each worker keeps its own neighbour table.
// A full ring drops the frame and counts it (redirect_dropped); it never waits.
// May call: DPDK ring/mbuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rte_mbuf;
struct rte_ring;

namespace sluice::dataplane {

// What a redirected mbuf is for, in its hash.usr field (the PMD's RSS hash is no longer needed by then).
enum class Handover : uint32_t { Owned = 0x51c0de01, LearnOnly = 0x51c0de02 };

class RedirectMesh {
 public:
  RedirectMesh() = default;
  ~RedirectMesh();
  RedirectMesh(const RedirectMesh&) = delete;
  RedirectMesh& operator=(const RedirectMesh&) = delete;

  // `ring_size` slots per pair (a power of two). One worker: no rings, nothing is ever redirected.
  bool init(const std::string& name, uint32_t workers, uint32_t ring_size, int socket_id, std::string* error);
  uint32_t workers() const { return workers_; }

  // Producer `from`: enqueues what fits; returns how many were taken (the caller frees the rest).
  uint32_t send(uint32_t from, uint32_t to, rte_mbuf* const* frames, uint32_t count);
  // Consumer `to`: up to `max` frames handed over by `from`.
  uint32_t receive(uint32_t to, uint32_t from, rte_mbuf** frames, uint32_t max);

 private:
  rte_ring* ring(uint32_t from, uint32_t to) const { return rings_[from * workers_ + to]; }

  uint32_t workers_ = 1;
  std::vector<rte_ring*> rings_;   // [from * workers + to]; nullptr on the diagonal
};

}  // namespace sluice::dataplane
