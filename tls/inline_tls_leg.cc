// tls/inline_tls_leg.cc — see inline_tls_leg.h.
#include "tls/inline_tls_leg.h"

#include <algorithm>
#include <cstring>

#include "tls/leg_report.h"
#include "tls/tls_client_context.h"
#include "tls/tls_server_context.h"

namespace sluice::tls {

void InlineTlsLeg::open(std::unique_ptr<TlsSession> session, uint32_t owner, std::vector<InlineTlsLeg*>* parked) {
  session_ = std::move(session);
  owner_ = owner;
  parked_ = parked;
  state_ = TlsState::Handshaking;
  reported_ = close_wanted_ = input_pending_ = false;
  plain_begin_ = plain_end_ = 0;
  report_ = TlsLegReport{};
}

void InlineTlsLeg::release() {
  // A job parked in an offload cannot be freed under it (SSL_free on a paused job is unsafe): give it a
  // chance to finish. The sluice-pause engine and QAT complete every job they took.
  if (session_ && session_->state() == TlsState::WantAsync) session_->advance();
  session_.reset();
  state_ = TlsState::Closed;
}

size_t InlineTlsLeg::put_ciphertext(std::string_view bytes) {
  if (!session_) return 0;
  const size_t n = session_->feed_ciphertext(bytes);
  input_pending_ |= n > 0;
  return n;
}

void InlineTlsLeg::put_peer_eof() {
  if (!session_) return;
  session_->peer_eof();
  input_pending_ = true;   // the next read says whether the stream ended cleanly (TLS-8)
}

std::string_view InlineTlsLeg::ciphertext_out() { return session_ ? session_->pending_ciphertext() : std::string_view{}; }

void InlineTlsLeg::ciphertext_sent(size_t n) {
  if (session_) session_->ciphertext_sent(n);
}

std::string_view InlineTlsLeg::plaintext_in() {
  return std::string_view(plain_.get() + plain_begin_, plain_end_ - plain_begin_);
}

void InlineTlsLeg::plaintext_used(size_t n) {
  plain_begin_ += n;
  if (plain_begin_ == plain_end_) plain_begin_ = plain_end_ = 0;
  pump();   // room again: the next record may be waiting in the BIO
}

size_t InlineTlsLeg::put_plaintext(std::string_view bytes) {
  if (!session_ || close_wanted_ || state_ != TlsState::Established) return 0;
  const size_t n = session_->write_plaintext(bytes);
  settle(session_->state());
  return n;
}

void InlineTlsLeg::close() {
  close_wanted_ = true;
  if (session_ && state_ == TlsState::Established) settle(session_->close());
}

// Drives the handshake, then reads records while the plaintext area has room.
void InlineTlsLeg::pump() {
  if (!session_) return;
  TlsState s = session_->state();
  if (s == TlsState::Handshaking || s == TlsState::WantAsync || close_wanted_) {
    const TlsState before = s;
    s = session_->advance();
    if (s == TlsState::Established && before != TlsState::Established) input_pending_ = true;   // data after Finished
  }
  if (s == TlsState::Established && input_pending_ && plain_begin_ == 0) {
    while (plain_end_ < kPlaintextCapacity) {
      const size_t n = session_->read_plaintext(plain_.get() + plain_end_, kPlaintextCapacity - plain_end_);
      if (n == 0) {
        // Nothing more in the session, unless the read paused on an offload (then it is repeated).
        input_pending_ = session_->state() == TlsState::WantAsync;
        break;
      }
      plain_end_ += n;
    }
    s = session_->state();
  }
  settle(s);
}

void InlineTlsLeg::settle(TlsState s) {
  if (s == TlsState::WantAsync && state_ != TlsState::WantAsync) {
    ++report_.async_pauses;
    if (parked_ != nullptr) parked_->push_back(this);
  }
  state_ = s;
  if (!reported_ && (s == TlsState::Established || s == TlsState::Failed || s == TlsState::Closed)) {
    reported_ = true;
    const uint32_t pauses = report_.async_pauses;
    fill_leg_report(*session_, &report_);
    report_.async_pauses = pauses;
  } else if (reported_ && s == TlsState::Failed && report_.failure.empty()) {
    report_.failure = session_->failure();   // failed after the handshake (truncation, renegotiation)
  }
}

InlineTlsLegSource::InlineTlsLegSource(size_t max_legs, const TlsSessionLimits& limits)
    : limits_(limits), legs_(max_legs) {
  free_.reserve(max_legs);
  parked_.reserve(max_legs);
  pollfds_.reserve(4 * max_legs);
  poll_legs_.reserve(4 * max_legs);
  for (size_t i = max_legs; i > 0; --i) free_.push_back(&legs_[i - 1]);
}

InlineTlsLeg* InlineTlsLegSource::take() {
  if (free_.empty()) {
    ++exhausted_;
    return nullptr;
  }
  InlineTlsLeg* leg = free_.back();
  free_.pop_back();
  ++in_use_;
  return leg;
}

TlsLeg* InlineTlsLegSource::open_server(const TlsServerContext& ctx, uint32_t session) {
  InlineTlsLeg* leg = take();
  if (leg != nullptr) leg->open(std::make_unique<TlsSession>(ctx, limits_), session, &parked_);
  return leg;
}

TlsLeg* InlineTlsLegSource::open_client(const TlsClientContext& ctx, std::string_view server_name, uint32_t session) {
  InlineTlsLeg* leg = take();
  if (leg != nullptr) leg->open(std::make_unique<TlsSession>(ctx, server_name, limits_), session, &parked_);
  return leg;
}

void InlineTlsLegSource::release(TlsLeg* leg) {
  if (leg == nullptr) return;
  auto* inline_leg = static_cast<InlineTlsLeg*>(leg);
  inline_leg->release();
  std::erase(parked_, inline_leg);
  free_.push_back(inline_leg);
  --in_use_;
}

// Parked legs are few (a handshake waiting for an offload): one poll(2) over their fds, only when any exist.
size_t InlineTlsLegSource::poll_ready(uint32_t* sessions, size_t cap) {
  pollfds_.clear();
  poll_legs_.clear();
  std::erase_if(parked_, [](InlineTlsLeg* leg) { return leg->state() != TlsState::WantAsync; });
  for (InlineTlsLeg* leg : parked_) {
    OSSL_ASYNC_FD fds[4];
    const size_t n = leg->session()->async_fds(fds, 4);
    for (size_t i = 0; i < n && i < 4; ++i) {
      pollfds_.push_back(pollfd{fds[i], POLLIN, 0});
      poll_legs_.push_back(leg);
    }
  }
  if (pollfds_.empty()) return 0;
  if (::poll(pollfds_.data(), pollfds_.size(), 0) <= 0) return 0;
  size_t count = 0;
  for (size_t i = 0; i < pollfds_.size() && count < cap; ++i) {
    if ((pollfds_[i].revents & POLLIN) == 0) continue;
    InlineTlsLeg* leg = poll_legs_[i];
    if (leg->state() != TlsState::WantAsync) continue;   // several fds of one leg: report it once
    leg->pump();
    sessions[count++] = leg->owner();
  }
  return count;
}

}  // namespace sluice::tls
