// reassembly/timer_wheel.h — hashed timing wheel (Varghese & Lauck 1987, scheme 6).
//
// Owns: the slots, each a circular doubly linked list of intrusive TimerEntry nodes that the
// owners embed in their own objects. schedule/cancel are O(1); advance() visits the slots
// of the ticks that passed (at most every slot once) and fires each expired entry once,
// unlinked first, so the callback may re-arm or cancel any entry. Entries whose deadline is
// rounds away stay in their slot. Slots are allocated in the constructor; nothing after.
// May call: nothing.
#pragma once

#include <cstdint>
#include <vector>

namespace sluice::reassembly {

struct TimerEntry {
  TimerEntry* prev = nullptr;  // both null when not scheduled
  TimerEntry* next = nullptr;
  uint64_t deadline_ns = 0;
  bool armed() const { return next != nullptr; }
};

struct TimerWheelConfig {
  uint32_t slots = 4096;          // one wheel turn = slots * tick_ns (4.096 s at 1 ms)
  uint64_t tick_ns = 1'000'000;   // resolution: an entry fires at the first tick at or after its deadline
};

class TimerWheel {
 public:
  explicit TimerWheel(const TimerWheelConfig& config = {}, uint64_t now_ns = 0)
      : heads_(config.slots == 0 ? 1 : config.slots),
        tick_ns_(config.tick_ns == 0 ? 1 : config.tick_ns),
        current_tick_(now_ns / tick_ns_) {
    for (TimerEntry& head : heads_) head.prev = head.next = &head;
  }
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  uint32_t size() const { return size_; }

  // Arms entry for deadline_ns (moving it if armed). A deadline already passed fires at
  // the next advance().
  void schedule(TimerEntry* entry, uint64_t deadline_ns) {
    cancel(entry);
    entry->deadline_ns = deadline_ns;
    uint64_t tick = (deadline_ns + tick_ns_ - 1) / tick_ns_;
    if (tick < current_tick_) tick = current_tick_;
    link(&heads_[tick % heads_.size()], entry);
    ++size_;
  }

  void cancel(TimerEntry* entry) {
    if (!entry->armed()) return;
    unlink(entry);
    --size_;
  }

  // Fires fire(TimerEntry*) for every entry with deadline_ns <= now_ns.
  template <typename Fire>
  void advance(uint64_t now_ns, Fire&& fire) {
    const uint64_t now_tick = now_ns / tick_ns_;
    if (now_tick < current_tick_) return;
    const uint64_t ticks = now_tick - current_tick_ + 1;
    const uint64_t visits = ticks < heads_.size() ? ticks : heads_.size();
    for (uint64_t i = 0; i < visits; ++i) {
      TimerEntry* head = &heads_[(current_tick_ + i) % heads_.size()];
      // Detach the slot's list so entries re-armed by callbacks into this slot wait
      // for a later visit instead of being walked again now.
      TimerEntry pending;
      if (head->next == head) continue;
      pending.next = head->next;
      pending.prev = head->prev;
      pending.next->prev = &pending;
      pending.prev->next = &pending;
      head->prev = head->next = head;
      while (pending.next != &pending) {
        TimerEntry* entry = pending.next;
        unlink(entry);
        if (entry->deadline_ns <= now_ns) {
          --size_;
          fire(entry);
        } else {
          link(head, entry);  // a later round
        }
      }
    }
    current_tick_ = now_tick;
  }

 private:
  static void link(TimerEntry* head, TimerEntry* entry) {
    entry->prev = head->prev;
    entry->next = head;
    head->prev->next = entry;
    head->prev = entry;
  }
  static void unlink(TimerEntry* entry) {
    entry->prev->next = entry->next;
    entry->next->prev = entry->prev;
    entry->prev = entry->next = nullptr;
  }

  std::vector<TimerEntry> heads_;  // sentinels
  uint64_t tick_ns_;
  uint64_t current_tick_;
  uint32_t size_ = 0;
};

}  // namespace sluice::reassembly
