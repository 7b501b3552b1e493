#include "scan/archive/reusable_arena.h"

#include <cstdlib>

namespace sluice::archive {

ReusableArena::~ReusableArena() {
  for (Slot& slot : slots_) std::free(slot.block);
}

void* ReusableArena::allocate(size_t bytes) {
  // Best fit among idle blocks that are big enough keeps large bzip2 blocks for bzip2.
  Slot* best = nullptr;
  for (Slot& slot : slots_)
    if (!slot.busy && slot.block != nullptr && slot.size >= bytes &&
        (best == nullptr || slot.size < best->size))
      best = &slot;
  if (best == nullptr) {
    // Grow: take an empty slot, or replace an idle block that is too small.
    for (Slot& slot : slots_)
      if (!slot.busy && (best == nullptr || slot.block == nullptr)) best = &slot;
    if (best == nullptr) return nullptr;
    std::free(best->block);
    best->block = std::malloc(bytes);
    best->size = best->block != nullptr ? bytes : 0;
    if (best->block == nullptr) return nullptr;
  }
  best->busy = true;
  return best->block;
}

void ReusableArena::release(void* block) {
  for (Slot& slot : slots_)
    if (slot.block == block) slot.busy = false;
}

void* ReusableArena::zlib_alloc(void* opaque, unsigned items, unsigned size) {
  return static_cast<ReusableArena*>(opaque)->allocate(size_t{items} * size);
}

void ReusableArena::zlib_free(void* opaque, void* block) {
  static_cast<ReusableArena*>(opaque)->release(block);
}

void* ReusableArena::bz2_alloc(void* opaque, int items, int size) {
  if (items < 0 || size < 0) return nullptr;
  return static_cast<ReusableArena*>(opaque)->allocate(static_cast<size_t>(items) *
                                                       static_cast<size_t>(size));
}

void ReusableArena::bz2_free(void* opaque, void* block) {
  static_cast<ReusableArena*>(opaque)->release(block);
}

}  // namespace sluice::archive
