// UuDecoder: finds `begin NNN name` ... `end` blocks in a sequence of text lines
// and decodes the lines between them (MIME-11: uuencode inside text/plain or
// under CTE x-uuencode). Line-oriented, state kept across lines. Calls nothing.
#pragma once
#include <string>
#include <string_view>

namespace sluice::mime {

class UuDecoder {
 public:
  enum class Event { None, Begin, Data, End };

  // Offers one line without its line end. Begin: a block opened (see filename()).
  // Data: decoded bytes appended to `out`. End: the block closed.
  Event line(std::string_view line, std::string& out);
  bool in_block() const { return in_block_; }
  const std::string& filename() const { return filename_; }  // raw, as written
  void reset();

 private:
  bool parse_begin(std::string_view line);

  bool in_block_ = false;
  std::string filename_;
};

}  // namespace sluice::mime
