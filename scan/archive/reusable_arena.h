#pragma once
// Internal: the allocator handed to zlib and libbz2 so that their state and windows are
// allocated once per expansion level and then reused (bzip2 has no reset; each stream's
// Init/End pair gets the same blocks back). No other file allocates for the codecs.
#include <array>
#include <cstddef>

namespace sluice::archive {

class ReusableArena {
 public:
  ReusableArena() = default;
  ~ReusableArena();
  ReusableArena(const ReusableArena&) = delete;
  ReusableArena& operator=(const ReusableArena&) = delete;

  void* allocate(size_t bytes);  // nullptr when all slots are busy or malloc fails
  void release(void* block);

  // C callbacks with the signatures zlib and libbz2 expect; opaque is the arena.
  static void* zlib_alloc(void* opaque, unsigned items, unsigned size);
  static void zlib_free(void* opaque, void* block);
  static void* bz2_alloc(void* opaque, int items, int size);
  static void bz2_free(void* opaque, void* block);

 private:
  struct Slot {
    void* block = nullptr;
    size_t size = 0;
    bool busy = false;
  };
  // Per level: two zlib streams (zip, gzip) of 2 blocks each (state, window) and libbz2's
  // up to 3 (state, then tt or ll16+ll4) make 7; the rest is margin.
  static constexpr size_t kSlots = 12;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace sluice::archive
