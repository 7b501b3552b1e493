// tests/unit/tls_pool/pool_harness.cc — see pool_harness.h.
#include "tests/unit/tls_pool/pool_harness.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sluice::tls::test {

RunningPool::RunningPool(const TlsWorkerPoolSettings& settings) {
  std::string error;
  pool_ = TlsWorkerPool::create(settings, &error);
  if (!pool_) throw std::runtime_error(error);
  for (uint32_t i = 0; i < settings.tls_workers; ++i) {
    threads_.emplace_back([this, i] { pool_->run_worker(i, stop_); });
  }
}

RunningPool::~RunningPool() { stop(); }

void RunningPool::stop() {
  stop_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string pattern(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = char(x >> 24);
  }
  return out;
}

namespace {

// Client ciphertext into the leg, as TCP would deliver it.
bool client_to_leg(TlsSession& c, TlsLeg& leg) {
  bool moved = false;
  for (std::string_view out = c.pending_ciphertext(); !out.empty(); out = c.pending_ciphertext()) {
    const size_t n = leg.put_ciphertext(out);
    if (n == 0) break;
    c.ciphertext_sent(n);
    moved = true;
  }
  return moved;
}

bool leg_to_client(TlsLeg& leg, TlsSession& c) {
  bool moved = false;
  for (std::string_view out = leg.ciphertext_out(); !out.empty(); out = leg.ciphertext_out()) {
    const size_t n = c.feed_ciphertext(out);
    if (n == 0) break;
    leg.ciphertext_sent(n);
    moved = true;
  }
  return moved;
}

}  // namespace

bool Conversation::step() {
  TlsSession& c = *peer;
  bool moved = false;
  if (c.state() == TlsState::Handshaking) c.advance();
  moved |= client_to_leg(c, *leg);

  const bool both = c.state() == TlsState::Established && leg->state() == TlsState::Established;
  if (both) {
    while (sent_to_server < to_server.size()) {
      const size_t n = c.write_plaintext(std::string_view(to_server).substr(sent_to_server, 16384));
      sent_to_server += n;
      const bool flushed = client_to_leg(c, *leg);
      moved |= n > 0 || flushed;
      if (n == 0) break;
    }
    if (sent_to_client < to_client.size()) {
      const size_t n = leg->put_plaintext(std::string_view(to_client).substr(sent_to_client));
      sent_to_client += n;
      moved |= n > 0;
    }
  }
  if (!close_requested && transferred() && leg->state() == TlsState::Established) {
    leg->close();
    close_requested = true;
    moved = true;
  }
  leg->pump();

  moved |= leg_to_client(*leg, c);
  if (c.state() == TlsState::Handshaking) c.advance();
  char buf[16384];
  while (c.state() == TlsState::Established) {
    const size_t n = c.read_plaintext(buf, sizeof buf);
    if (n == 0) break;
    got_at_client.append(buf, n);
    moved = true;
  }
  for (std::string_view in = leg->plaintext_in(); !in.empty(); in = leg->plaintext_in()) {
    got_at_server.append(in);
    leg->plaintext_used(in.size());
    moved = true;
  }
  if (client_to_leg(c, *leg)) {
    moved = true;
    leg->pump();
  }
  return moved;
}

bool Conversation::closed() const {
  return peer->state() == TlsState::Closed && leg->state() == TlsState::Closed;
}

bool drive_until(const std::function<bool()>& step, const std::function<bool()>& done,
                 std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const bool moved = step();
    if (done()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    if (!moved) std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

}  // namespace sluice::tls::test
