// BinhexDecoder: finds BinHex 4.0 blocks (RFC 1741, the BinHex 4.0 definition) in
// text and decodes them (MIME-11: BinHex inside text/plain, or a part declared as
// BinHex). A block is the `(This file must be converted with BinHex` line, then a
// line starting with `:` (or a `:` later on the marker line), the body in the 64-character alphabet (whitespace and
// line ends skipped, other bytes ignored), up to the next `:`. The 6-bit stream
// becomes bytes, 0x90 runs are expanded (0x90 0x00 is a literal 0x90; a run may
// straddle lines and calls), and the result is read as the header (name, type,
// creator, flags, fork lengths, CRC), the data fork and the resource fork, each
// followed by its CRC-16/XMODEM, which is checked. Fork bytes come out as they are
// decoded; a fork longer than what the block holds is just the rest of the block.
// Works on line pieces (LineChunk), so lines arriving in pieces decode the same.
// Fixed state: no allocation per line (the name is at most 255 bytes by format).
// Calls nothing.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mime {

class BinhexDecoder {
 public:
  // Bytes one call decoded, by fork. The caller clears them between calls.
  struct Output {
    std::string data;
    std::string resource;
  };
  // What one call saw, in this order: the block's `:` (began), the end of the
  // header and its CRC (header: name() and the fork lengths are known), the
  // closing `:` (ended). A piece holds at most one block.
  struct Progress {
    bool began = false;
    bool header = false;
    bool ended = false;
  };

  BinhexDecoder();
  // The text is declared BinHex (Content-Type or CTE): the first line starting
  // with `:` opens a block even without the `(This file must be converted` line.
  void expect_block();
  // Offers one piece of a line without its line end; `starts_line`: the piece is
  // the first of its line.
  Progress piece(std::string_view text, bool starts_line, Output& out);

  bool in_block() const { return mode_ == Mode::Block; }
  bool header_done() const { return stage_ > Stage::HeaderCrc; }
  // Every CRC of the current (or last) block was present and matched.
  bool verified() const { return stage_ == Stage::Done && crc_mismatch_ == 0; }
  // How many of the block's three CRCs (header, data fork, resource fork) did not match.
  uint32_t crc_mismatches() const { return crc_mismatch_; }
  const std::string& name() const { return name_; }  // raw, as written (at most 255 bytes)
  uint32_t data_length() const { return data_length_; }
  uint32_t resource_length() const { return resource_length_; }
  void reset();

 private:
  enum class Mode : uint8_t { Idle, Armed, Block };
  enum class Stage : uint8_t { NameLength, Name, Fields, HeaderCrc, Data, DataCrc, Resource, ResourceCrc, Done };
  // version(1) type(4) creator(4) flags(2) data length(4) resource length(4)
  static constexpr size_t kFieldBytes = 19;

  void scan_line_start(std::string_view& text, Progress& progress);
  void begin_block();
  void decode(std::string_view text, Output& out, Progress& progress);
  void unrun(uint8_t byte, Output& out, Progress& progress);
  void put(uint8_t byte, uint32_t count, Output& out, Progress& progress);
  void take_crc(uint8_t byte, Stage next, Progress& progress);
  void enter_data(Stage fork, uint32_t length);

  Mode mode_ = Mode::Idle;
  bool declared_ = false;       // expect_block(): armed after each block too
  // Line-start recognition, kept across the pieces of one line.
  bool line_decided_ = true;    // nothing more to learn from this line's start
  uint32_t marker_matched_ = 0; // bytes of the marker line matched so far
  bool on_marker_line_ = false; // the marker matched on this line: a `:` after it opens the block
  // 6-bit to 8-bit.
  uint32_t bits_ = 0;
  uint32_t bit_count_ = 0;
  // Run-length expansion.
  bool run_pending_ = false;    // a 0x90 was the last byte
  uint8_t last_ = 0;            // the byte a run repeats
  // Structure.
  Stage stage_ = Stage::NameLength;
  uint32_t got_ = 0;            // bytes of the current stage so far
  uint32_t remaining_ = 0;      // fork bytes still expected
  uint16_t crc_ = 0;
  uint16_t stored_crc_ = 0;
  uint32_t crc_mismatch_ = 0;
  uint8_t name_length_ = 0;
  std::array<uint8_t, kFieldBytes> fields_{};
  uint32_t data_length_ = 0;
  uint32_t resource_length_ = 0;
  std::string name_;
};

// CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection): BinHex's CRC.
uint16_t crc16_xmodem(uint16_t crc, uint8_t byte);

}  // namespace sluice::mime
