// tls/inline_tls_leg.h — TLS legs whose crypto runs on the dataplane worker's own core.
//
// Owns: InlineTlsLeg (a TlsSession driven inside the TlsLeg calls, with one record's worth of decrypted bytes
// kept in place for the relay) and InlineTlsLegSource (a fixed pool of them per worker, and the async-fd
// poll that wakes sessions whose offloaded crypto finished). This is what `config system tls` `workers 0`
// runs: no ring crossing, no second core; the pool of tls/tls_worker_pool.h moves the same work to TLS lcores.
// May call: tls/tls_leg.h, tls/tls_session.h, tls/leg_report.h, poll(2) (only while an async job is parked).
#pragma once

#include <poll.h>

#include <memory>
#include <vector>

#include "tls/tls_leg.h"
#include "tls/tls_session.h"

namespace sluice::tls {

class InlineTlsLeg final : public TlsLeg {
 public:
  // One TLS record of plaintext: the most a single SSL_read returns.
  static constexpr size_t kPlaintextCapacity = 16 * 1024;

  // parked: where the leg puts itself when a crypto job pauses (its source's list).
  void open(std::unique_ptr<TlsSession> session, uint32_t owner, std::vector<InlineTlsLeg*>* parked);
  void release();
  bool in_use() const { return session_ != nullptr; }
  uint32_t owner() const { return owner_; }
  TlsSession* session() { return session_.get(); }

  size_t put_ciphertext(std::string_view bytes) override;
  void put_peer_eof() override;
  std::string_view ciphertext_out() override;
  void ciphertext_sent(size_t n) override;
  std::string_view plaintext_in() override;
  void plaintext_used(size_t n) override;
  size_t put_plaintext(std::string_view bytes) override;
  void close() override;
  void pump() override;
  TlsState state() const override { return state_; }
  const TlsLegReport& report() const override { return report_; }

 private:
  void settle(TlsState s);

  std::unique_ptr<TlsSession> session_;
  uint32_t owner_ = 0;
  std::vector<InlineTlsLeg*>* parked_ = nullptr;
  TlsState state_ = TlsState::Closed;
  bool reported_ = false;
  bool close_wanted_ = false;
  // Records may wait in the session (ciphertext fed, or the plaintext area was full): only then is SSL_read tried.
  // In SSL_MODE_ASYNC every SSL_read starts an async job, so reading on every pump would cost a job per call.
  bool input_pending_ = false;
  size_t plain_begin_ = 0, plain_end_ = 0;
  std::unique_ptr<char[]> plain_{new char[kPlaintextCapacity]};
  TlsLegReport report_;
};

class InlineTlsLegSource final : public TlsLegSource {
 public:
  explicit InlineTlsLegSource(size_t max_legs, const TlsSessionLimits& limits = {});

  TlsLeg* open_server(const TlsServerContext&, uint32_t session) override;
  TlsLeg* open_client(const TlsClientContext&, std::string_view server_name, uint32_t session) override;
  void release(TlsLeg*) override;
  size_t poll_ready(uint32_t* sessions, size_t cap) override;
  size_t legs_in_use() const override { return in_use_; }
  uint64_t legs_exhausted() const override { return exhausted_; }

 private:
  InlineTlsLeg* take();

  TlsSessionLimits limits_;
  std::vector<InlineTlsLeg> legs_;
  std::vector<InlineTlsLeg*> free_;
  std::vector<InlineTlsLeg*> parked_;    // legs that entered WantAsync (reserved for every leg)
  std::vector<pollfd> pollfds_;          // their async fds, rebuilt per poll (reserved: no allocation)
  std::vector<InlineTlsLeg*> poll_legs_; // the leg of each pollfd
  size_t in_use_ = 0;
  uint64_t exhausted_ = 0;
};

}  // namespace sluice::tls
