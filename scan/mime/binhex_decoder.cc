#include "scan/mime/binhex_decoder.h"

#include <algorithm>

namespace sluice::mime {
namespace {

// The line that announces a block, compared case-insensitively up to here: writers
// differ in what follows (`4.0)`, `4.0 - ...`), readers look for this much.
constexpr std::string_view kMarker = "(this file must be converted with binhex";
constexpr std::string_view kAlphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
constexpr uint8_t kRunMarker = 0x90;
constexpr uint8_t kNotInAlphabet = 0xff;

constexpr std::array<uint8_t, 256> make_values() {
  std::array<uint8_t, 256> values{};
  for (auto& v : values) v = kNotInAlphabet;
  for (size_t i = 0; i < kAlphabet.size(); ++i) values[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  return values;
}
constexpr std::array<uint8_t, 256> kValues = make_values();

constexpr std::array<uint16_t, 256> make_crc_table() {
  std::array<uint16_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) crc = static_cast<uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint16_t, 256> kCrcTable = make_crc_table();

inline uint16_t crc_step(uint16_t crc, uint8_t byte) {
  return static_cast<uint16_t>((crc << 8) ^ kCrcTable[static_cast<uint8_t>((crc >> 8) ^ byte)]);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

uint32_t big_endian32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         p[3];
}

}  // namespace

uint16_t crc16_xmodem(uint16_t crc, uint8_t byte) { return crc_step(crc, byte); }

BinhexDecoder::BinhexDecoder() { name_.reserve(255); }

void BinhexDecoder::expect_block() {
  declared_ = true;
  if (mode_ == Mode::Idle) mode_ = Mode::Armed;
}

void BinhexDecoder::begin_block() {
  mode_ = Mode::Block;
  bits_ = 0;
  bit_count_ = 0;
  run_pending_ = false;
  last_ = 0;
  stage_ = Stage::NameLength;
  got_ = 0;
  remaining_ = 0;
  crc_ = 0;
  stored_crc_ = 0;
  crc_mismatch_ = 0;
  name_length_ = 0;
  data_length_ = 0;
  resource_length_ = 0;
  name_.clear();
}

// Outside a block only a line's start matters: the marker line arms the decoder,
// and once armed a line whose first non-blank byte is `:` opens the block (the
// rest of that line is already block text). A `:` later on the marker line itself
// opens it too: encoders that end lines with bare CR (Mac) reach readers as one
// line once the relay has turned those CRs into spaces.
void BinhexDecoder::scan_line_start(std::string_view& text, Progress& progress) {
  while (!text.empty() && !line_decided_) {
    if (on_marker_line_) {
      const size_t colon = text.find(':');
      if (colon == std::string_view::npos) {
        text = {};
        return;
      }
      text.remove_prefix(colon + 1);
      line_decided_ = true;
      begin_block();
      progress.began = true;
      return;
    }
    const char c = text.front();
    if (marker_matched_ == 0 && (c == ' ' || c == '\t')) {
      text.remove_prefix(1);
      continue;
    }
    if (marker_matched_ == 0 && c == ':' && mode_ == Mode::Armed) {
      text.remove_prefix(1);
      line_decided_ = true;
      begin_block();
      progress.began = true;
      return;
    }
    if (lower(c) != kMarker[marker_matched_]) {
      line_decided_ = true;
      return;
    }
    text.remove_prefix(1);
    if (++marker_matched_ == kMarker.size()) {
      mode_ = Mode::Armed;
      on_marker_line_ = true;
    }
  }
}

BinhexDecoder::Progress BinhexDecoder::piece(std::string_view text, bool starts_line, Output& out) {
  Progress progress;
  if (starts_line) {
    line_decided_ = mode_ == Mode::Block;
    marker_matched_ = 0;
    on_marker_line_ = false;
  }
  if (mode_ != Mode::Block) {
    scan_line_start(text, progress);
    if (mode_ != Mode::Block) return progress;
  }
  decode(text, out, progress);
  return progress;
}

void BinhexDecoder::decode(std::string_view text, Output& out, Progress& progress) {
  for (char c : text) {
    if (c == ':') {  // the end of the block; the rest of the line is not BinHex
      progress.ended = true;
      mode_ = declared_ ? Mode::Armed : Mode::Idle;
      line_decided_ = true;
      return;
    }
    const uint8_t value = kValues[static_cast<uint8_t>(c)];
    if (value == kNotInAlphabet) continue;  // line ends, blanks; other bytes too (a prefix of what strict readers give)
    bits_ = (bits_ << 6) | value;
    bit_count_ += 6;
    if (bit_count_ < 8) continue;
    bit_count_ -= 8;
    const auto byte = static_cast<uint8_t>(bits_ >> bit_count_);
    bits_ &= (1u << bit_count_) - 1;
    // Most bytes are a fork's, outside any run: straight in (the same as unrun() + put() would do).
    if (!run_pending_ && byte != kRunMarker && remaining_ > 1 && (stage_ == Stage::Data || stage_ == Stage::Resource)) {
      last_ = byte;
      (stage_ == Stage::Data ? out.data : out.resource).push_back(static_cast<char>(byte));
      crc_ = crc_step(crc_, byte);
      --remaining_;
      continue;
    }
    unrun(byte, out, progress);
  }
}

// 0x90 n: the byte before it n times in all (n - 1 more); 0x90 0: 0x90 itself.
void BinhexDecoder::unrun(uint8_t byte, Output& out, Progress& progress) {
  if (run_pending_) {
    run_pending_ = false;
    if (byte == 0) {
      last_ = kRunMarker;
      put(kRunMarker, 1, out, progress);
    } else if (byte > 1) {
      put(last_, byte - 1u, out, progress);
    }
  } else if (byte == kRunMarker) {
    run_pending_ = true;
  } else {
    last_ = byte;
    put(byte, 1, out, progress);
  }
}

void BinhexDecoder::enter_data(Stage fork, uint32_t length) {
  remaining_ = length;
  got_ = 0;
  crc_ = 0;
  stage_ = length ? fork : static_cast<Stage>(static_cast<uint8_t>(fork) + 1);  // its CRC follows at once
}

void BinhexDecoder::take_crc(uint8_t byte, Stage next, Progress& progress) {
  stored_crc_ = static_cast<uint16_t>(stored_crc_ << 8 | byte);
  if (++got_ < 2) return;
  if (stored_crc_ != crc_) ++crc_mismatch_;
  stored_crc_ = 0;
  switch (next) {
    case Stage::Data:
      progress.header = true;
      enter_data(Stage::Data, data_length_);
      break;
    case Stage::Resource: enter_data(Stage::Resource, resource_length_); break;
    default:
      stage_ = next;
      got_ = 0;
      break;
  }
}

void BinhexDecoder::put(uint8_t byte, uint32_t count, Output& out, Progress& progress) {
  while (count > 0 && stage_ != Stage::Done) {
    if (stage_ == Stage::Data || stage_ == Stage::Resource) {
      const uint32_t take = std::min(count, remaining_);
      std::string& fork = stage_ == Stage::Data ? out.data : out.resource;
      if (take == 1) fork.push_back(static_cast<char>(byte));  // the common case: no run
      else fork.append(take, static_cast<char>(byte));
      for (uint32_t i = 0; i < take; ++i) crc_ = crc_step(crc_, byte);
      count -= take;
      remaining_ -= take;
      if (remaining_ == 0) {
        stage_ = stage_ == Stage::Data ? Stage::DataCrc : Stage::ResourceCrc;
        got_ = 0;
      }
      continue;
    }
    --count;
    switch (stage_) {
      case Stage::NameLength:
        crc_ = crc_step(crc_, byte);
        name_length_ = byte;
        stage_ = name_length_ ? Stage::Name : Stage::Fields;
        got_ = 0;
        break;
      case Stage::Name:
        crc_ = crc_step(crc_, byte);
        name_.push_back(static_cast<char>(byte));
        if (++got_ == name_length_) {
          stage_ = Stage::Fields;
          got_ = 0;
        }
        break;
      case Stage::Fields:
        crc_ = crc_step(crc_, byte);
        fields_[got_] = byte;
        if (++got_ == kFieldBytes) {
          data_length_ = big_endian32(&fields_[11]);
          resource_length_ = big_endian32(&fields_[15]);
          stage_ = Stage::HeaderCrc;
          got_ = 0;
        }
        break;
      case Stage::HeaderCrc: take_crc(byte, Stage::Data, progress); break;
      case Stage::DataCrc: take_crc(byte, Stage::Resource, progress); break;
      case Stage::ResourceCrc: take_crc(byte, Stage::Done, progress); break;
      default: break;
    }
  }
}

void BinhexDecoder::reset() {
  mode_ = Mode::Idle;
  declared_ = false;
  line_decided_ = true;
  marker_matched_ = 0;
  on_marker_line_ = false;
  begin_block();
  mode_ = Mode::Idle;
  stage_ = Stage::NameLength;
}

}  // namespace sluice::mime
