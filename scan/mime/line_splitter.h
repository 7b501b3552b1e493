// LineSplitter: cuts a byte stream fed in arbitrary chunks into lines, holding at
// most `capacity` bytes. CRLF, bare LF and bare CR all end a line (bare ones are
// flagged: MIME-7 hides headers behind a bare CR). Lines longer than the capacity
// come out in pieces, never dropped. Calls only the handler it is given.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mime {

struct LineChunk {
  std::string_view text;  // without the line end
  bool starts_line = true;  // first piece of its line
  bool ends_line = true;    // last piece of its line (line end seen, or end of input)
  bool has_eol = true;      // a line end followed this piece
  uint32_t anomalies = 0;   // Anomaly bits seen since the previous piece
};

class LineHandler {
 public:
  virtual ~LineHandler() = default;
  virtual void on_line(const LineChunk& chunk) = 0;
};

class LineSplitter {
 public:
  // capacity: longest piece handed out; long_line: length above which LongLine is raised.
  LineSplitter(uint32_t capacity, uint32_t long_line);
  void feed(std::string_view in, LineHandler& handler);
  // Hands out an unterminated last line; returns anomaly bits no piece carried.
  uint32_t finish(LineHandler& handler);
  void reset();

 private:
  void emit(std::string_view text, bool ends, bool eol, LineHandler& handler);

  uint32_t capacity_;
  uint32_t long_line_;
  std::string buffer_;        // bytes of the current line not yet handed out
  uint64_t line_length_ = 0;  // bytes of the current line so far
  bool at_line_start_ = true;
  bool after_cr_ = false;     // a CR ended the last line; an LF now is its partner
  uint32_t pending_ = 0;      // anomaly bits for the next piece
};

}  // namespace sluice::mime
