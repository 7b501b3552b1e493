// tests/unit/tls_pool/pool_harness.h — a running TLS worker pool and the conversations the tests drive through it.
//
// Owns: RunningPool (a TlsWorkerPool with one std::thread per TLS worker, stopped and joined on destruction)
// and Conversation (one in-thread TlsSession, the peer, talking to one pooled leg: the test thread plays the
// dataplane worker, moving ciphertext between the two and plaintext in and out of the leg, and checks what
// arrives byte for byte). "to_server"/"got_at_server" name the leg's side whichever role it plays.
// May call: tls/, tests/unit/tls/tls_fixture.h, GoogleTest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tls/tls_leg.h"
#include "tls/tls_session.h"
#include "tls/tls_worker_pool.h"

namespace sluice::tls::test {

class RunningPool {
 public:
  explicit RunningPool(const TlsWorkerPoolSettings& settings);
  ~RunningPool();
  TlsWorkerPool& pool() { return *pool_; }
  TlsLegSource& source(uint32_t d = 0) { return pool_->source(d); }
  void stop();  // stops and joins the workers (idempotent)

 private:
  std::unique_ptr<TlsWorkerPool> pool_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Deterministic bytes for a transfer: the same seed gives the same string.
std::string pattern(size_t size, uint64_t seed);

struct Conversation {
  std::unique_ptr<TlsSession> peer;  // the in-thread other end (a client for a server leg, or a server)
  TlsLeg* leg = nullptr;
  std::string to_server, to_client;        // what each side sends once both are Established
  size_t sent_to_server = 0, sent_to_client = 0;
  std::string got_at_server, got_at_client;
  bool close_requested = false;            // the leg was asked to send close_notify

  // One round of the dataplane's work for this session; returns whether anything moved.
  bool step();
  // Both transfers complete.
  bool transferred() const {
    return got_at_server.size() == to_server.size() && got_at_client.size() == to_client.size();
  }
  // Starts the close (leg side) once transferred; done when both sides are Closed.
  bool closed() const;
};

// Calls step() until done() or the deadline (sleeping a little when nothing moved). false on timeout.
bool drive_until(const std::function<bool()>& step, const std::function<bool()>& done,
                 std::chrono::milliseconds deadline = std::chrono::seconds(60));

}  // namespace sluice::tls::test
