#include "scan/engine/ndb_hex.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice::engine {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_byte_escape(std::string& out, unsigned byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[byte >> 4];
  out += kDigits[byte & 0xf];
}

// Walks the hex signature left to right, appending regex text and tracking widths. One
// instance per translation; every method returns false after writing *error.
class HexParser {
 public:
  HexParser(std::string_view hex, uint32_t max_gap, HexTranslation* out, std::string* error)
      : hex_(hex), max_gap_(max_gap), out_(out), error_(error) {}

  bool run() {
    *out_ = HexTranslation{};
    if (hex_.empty()) return fail("empty hex signature");
    while (pos_ < hex_.size()) {
      const char c = hex_[pos_];
      bool ok = false;
      if (c == '*') {
        ok = wildcard();
      } else if (c == '{') {
        ok = gap();
      } else if (c == '(') {
        ok = alternatives(false);
      } else if (c == '!' && pos_ + 1 < hex_.size() && hex_[pos_ + 1] == '(') {
        ++pos_;
        ok = alternatives(true);
      } else if (c == '[' || c == '!') {
        ok = fail(std::string("unsupported construct '") + c + "'");
      } else {
        bool literal = false;
        ok = single_byte(out_->regex, &literal);
        if (ok) add_width(1, 1, literal ? 1 : 0);
      }
      if (!ok) return false;
    }
    return true;
  }

 private:
  bool fail(const std::string& what) {
    *error_ = "hex signature: " + what + " at character " + std::to_string(pos_ + 1);
    return false;
  }

  void add_width(uint64_t min, uint64_t max, uint32_t literals) {
    out_->min_width += min;
    if (out_->max_width != HexTranslation::kUnbounded) {
      out_->max_width = max == HexTranslation::kUnbounded ? max : out_->max_width + max;
    }
    out_->literal_bytes += literals;
  }

  bool wildcard() {
    out_->regex += ".*";
    add_width(0, HexTranslation::kUnbounded, 0);
    ++pos_;
    return true;
  }

  // Two characters: hex pair, "??", or a nibble wildcard "a?" / "?a".
  bool single_byte(std::string& regex, bool* literal) {
    if (pos_ + 1 >= hex_.size()) return fail("odd number of hex digits");
    const char a = hex_[pos_], b = hex_[pos_ + 1];
    const int hi = hex_value(a), lo = hex_value(b);
    *literal = false;
    if (hi >= 0 && lo >= 0) {
      append_byte_escape(regex, static_cast<unsigned>(hi << 4 | lo));
      *literal = true;
    } else if (a == '?' && b == '?') {
      regex += '.';
    } else if (hi >= 0 && b == '?') {
      regex += '[';
      append_byte_escape(regex, static_cast<unsigned>(hi << 4));
      regex += '-';
      append_byte_escape(regex, static_cast<unsigned>(hi << 4 | 0xf));
      regex += ']';
    } else if (a == '?' && lo >= 0) {
      regex += '[';
      for (unsigned high = 0; high < 16; ++high) append_byte_escape(regex, high << 4 | lo);
      regex += ']';
    } else {
      return fail(std::string("invalid byte '") + a + b + "'");
    }
    pos_ += 2;
    return true;
  }

  bool parse_number(std::string_view text, uint32_t* value) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return fail("bad number in gap '{" + std::string(text) + "}'");
    }
    if (*value > max_gap_) return fail("gap bound " + std::to_string(*value) + " exceeds limit");
    return true;
  }

  // {n}, {n-m}, {-m}, {n-}
  bool gap() {
    const size_t close = hex_.find('}', pos_);
    if (close == std::string_view::npos) return fail("unterminated '{'");
    const std::string_view body = hex_.substr(pos_ + 1, close - pos_ - 1);
    const size_t dash = body.find('-');
    uint32_t low = 0, high = 0;
    bool open_ended = false;
    if (dash == std::string_view::npos) {
      if (!parse_number(body, &low)) return false;
      high = low;
    } else {
      const std::string_view left = body.substr(0, dash), right = body.substr(dash + 1);
      if (left.empty() && right.empty()) return fail("empty gap '{-}'");
      if (!left.empty() && !parse_number(left, &low)) return false;
      open_ended = right.empty();
      if (!open_ended && !parse_number(right, &high)) return false;
      if (!open_ended && high < low) return fail("gap lower bound above upper bound");
    }
    out_->regex += ".{" + std::to_string(low);
    if (open_ended) {
      out_->regex += ",}";
    } else if (high != low) {
      out_->regex += "," + std::to_string(high) + "}";
    } else {
      out_->regex += "}";
    }
    add_width(low, open_ended ? HexTranslation::kUnbounded : high, 0);
    pos_ = close + 1;
    return true;
  }

  // (aa|bbcc|d?) → (?:\xaa|\xbb\xcc|[\xd0-\xdf]); negated !(aa|bb) → [^\xaa\xbb], one byte each.
  bool alternatives(bool negated) {
    ++pos_;  // past '('
    std::vector<std::string> branches(1);
    uint64_t min = HexTranslation::kUnbounded, max = 0, width = 0;
    uint32_t min_literals = UINT32_MAX, literals = 0;
    std::string negated_class = "[^";
    while (true) {
      if (pos_ >= hex_.size()) return fail("unterminated '('");
      const char c = hex_[pos_];
      if (c == '|' || c == ')') {
        if (width == 0) return fail("empty alternative");
        if (negated && (width != 1 || literals != 1)) {
          return fail("negated alternatives must each be one fully specified byte");
        }
        min = std::min(min, width);
        max = std::max(max, width);
        min_literals = std::min(min_literals, literals);
        width = 0;
        literals = 0;
        ++pos_;
        if (c == ')') break;
        branches.emplace_back();
        continue;
      }
      if (c == '(' || c == '*' || c == '{' || c == '[' || c == '!') {
        return fail(std::string("'") + c + "' inside alternatives is not supported");
      }
      bool literal = false;
      if (!single_byte(negated ? negated_class : branches.back(), &literal)) return false;
      ++width;
      literals += literal ? 1 : 0;
    }
    if (negated) {
      out_->regex += negated_class + "]";
      add_width(1, 1, 0);
      return true;
    }
    out_->regex += "(?:";
    for (size_t i = 0; i < branches.size(); ++i) {
      if (i) out_->regex += '|';
      out_->regex += branches[i];
    }
    out_->regex += ')';
    add_width(min, max, min_literals);
    return true;
  }

  std::string_view hex_;
  uint32_t max_gap_;
  HexTranslation* out_;
  std::string* error_;
  size_t pos_ = 0;
};

}  // namespace

bool translate_hex_signature(std::string_view hex, uint32_t max_gap, HexTranslation* out,
                             std::string* error) {
  return HexParser(hex, max_gap, out, error).run();
}

}  // namespace sluice::engine
