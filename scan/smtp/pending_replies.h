// scan/smtp/pending_replies.h — the FIFO of client commands still waiting
// for their server reply (RFC 2920 PIPELINING: replies come in command order).
// Owns: the pending entries, bounded by SmtpLimits::max_pipelined_commands.
// Calls nothing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::smtp {

// What a reply will answer. EndOfData and BdatChunk are not commands but
// still get exactly one reply each.
enum class Awaiting : uint8_t {
  Helo, Ehlo, Mail, Rcpt, Data, BdatChunk, EndOfData, Rset, Starttls,
  Auth, AuthData, Other,
};

struct PendingCommand {
  Awaiting what = Awaiting::Other;
  std::string argument;              // HELO/EHLO domain, MAIL/RCPT path
  std::vector<std::string> params;   // MAIL parameters as sent
  uint32_t message_seq = 0;          // EndOfData/BdatChunk: which message
  bool last_chunk = false;           // BdatChunk: it carried LAST
};

class PendingReplies {
 public:
  explicit PendingReplies(uint32_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // A fresh entry at the back, or nullptr when `capacity` entries wait.
  // Slots are reused, so their strings keep their capacity.
  PendingCommand* push(Awaiting what) {
    if (count_ == capacity_) return nullptr;
    if (count_ == slots_.size()) {
      // Grow only when every slot is in use: move the ring to a straight line.
      std::vector<PendingCommand> grown;
      grown.reserve(count_ + 1);
      for (uint32_t i = 0; i < count_; ++i) grown.push_back(std::move(slots_[(head_ + i) % count_]));
      grown.emplace_back();
      slots_ = std::move(grown);
      head_ = 0;
    }
    PendingCommand& slot = slots_[(head_ + count_) % slots_.size()];
    ++count_;
    slot.what = what;
    slot.argument.clear();
    slot.params.clear();
    slot.message_seq = 0;
    slot.last_chunk = false;
    return &slot;
  }
  PendingCommand* front() { return count_ == 0 ? nullptr : &slots_[head_]; }
  void pop() {
    if (count_ == 0) return;
    head_ = (head_ + 1) % static_cast<uint32_t>(slots_.size());
    --count_;
  }
  void clear() { head_ = count_ = 0; }
  uint32_t size() const { return count_; }

 private:
  uint32_t capacity_;
  std::vector<PendingCommand> slots_;
  uint32_t head_ = 0;
  uint32_t count_ = 0;
};

}  // namespace sluice::smtp
