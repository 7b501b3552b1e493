#pragma once
// Internal: expands a bzip2 stream as it streams in; each concatenated stream is an entry
// named "". libbz2 has no reset, so every stream is an Init/End pair whose memory the
// level's ReusableArena hands back each time.
#include <bzlib.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "scan/archive/entry_output.h"
#include "scan/archive/reusable_arena.h"

namespace sluice::archive {

class Bzip2Reader {
 public:
  Bzip2Reader(uint32_t depth, EntryOutput& out, ReusableArena& arena, std::span<char> window);
  ~Bzip2Reader();
  Bzip2Reader(const Bzip2Reader&) = delete;
  Bzip2Reader& operator=(const Bzip2Reader&) = delete;

  void begin();
  void feed(std::string_view bytes);
  void finish();

 private:
  enum class Step { Progress, StreamEnd, Error };
  Step step(std::string_view& in, size_t& produced);
  bool open_entry();
  void end_stream(bool corrupt);
  bool start_stream();
  void stop_stream();

  uint32_t depth_;
  EntryOutput& out_;
  ReusableArena& arena_;
  std::span<char> window_;
  bz_stream stream_{};
  bool stream_ready_ = false;
  bool stream_started_ = false;  // bytes of the current stream were consumed
  bool entry_open_ = false;
  bool skip_rest_ = false;
  uint32_t streams_done_ = 0;
};

}  // namespace sluice::archive
