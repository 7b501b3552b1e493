// control/config/value_conversion.cc — one reader per ValueKind.
#include "control/config/value_conversion.h"

#include <arpa/inet.h>

#include <charconv>
#include <filesystem>
#include <string>

namespace sluice::control::config {

namespace {

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, status] = std::from_chars(text.data(), end, value);
  if (status != std::errc() || stop != end) return std::nullopt;
  return value;
}

std::string join(std::span<const EnumWord> words) {
  std::string joined;
  for (const EnumWord& word : words) joined += (joined.empty() ? "" : "|") + std::string(word.word);
  return joined;
}

class Converter {
 public:
  Converter(const KeySpec& key, const std::vector<Word>& values, std::string_view base_dir, ErrorList& errors)
      : key_(key), values_(values), base_dir_(base_dir), errors_(errors) {}

  std::optional<BoundValue> run() {
    switch (key_.kind) {
      case ValueKind::Integer: return single() ? integer(values_[0]) : std::nullopt;
      case ValueKind::Toggle:
      case ValueKind::Choice: return single() ? enum_word(values_[0]) : std::nullopt;
      case ValueKind::Text: return single() ? std::optional<BoundValue>(values_[0].text) : std::nullopt;
      case ValueKind::Path: return single() ? std::optional<BoundValue>(resolve(values_[0].text)) : std::nullopt;
      case ValueKind::PathList: return paths();
      case ValueKind::PortList: return ports();
      case ValueKind::Address: return single() ? address(values_[0]) : std::nullopt;
      case ValueKind::Prefix: return single() ? prefix(values_[0]) : std::nullopt;
    }
    return std::nullopt;
  }

 private:
  bool single() {
    if (values_.size() == 1) return true;
    fail(values_[1], "wants one value, got " + std::to_string(values_.size()));
    return false;
  }

  std::optional<BoundValue> integer(const Word& word) {
    const std::optional<int64_t> value = parse_integer(word.text);
    if (!value || *value < key_.min || *value > key_.max) {
      fail(word, "wants an integer " + std::to_string(key_.min) + ".." + std::to_string(key_.max) + ", got " +
                     in_quotes(word.text));
      return std::nullopt;
    }
    return *value;
  }

  std::optional<BoundValue> enum_word(const Word& word) {
    for (const EnumWord& accepted : key_.words) {
      if (accepted.word != word.text) continue;
      if (key_.kind == ValueKind::Toggle) return BoundValue(accepted.value != 0);
      return BoundValue(accepted.value);
    }
    const std::vector<std::string_view> candidates = enum_words(key_);
    fail(word, "wants " + std::string(key_.kind == ValueKind::Choice ? "one of " : "") + join(key_.words) + ", got " +
                   in_quotes(word.text) + did_you_mean(word.text, candidates));
    return std::nullopt;
  }

  std::optional<BoundValue> address(const Word& word) {
    unsigned char buffer[16];
    // inet_pton reads a C string: an embedded NUL would hide trailing junk.
    const bool valid = word.text.find('\0') == std::string::npos &&
                       (inet_pton(AF_INET, word.text.c_str(), buffer) == 1 ||
                        inet_pton(AF_INET6, word.text.c_str(), buffer) == 1);
    if (!valid) {
      fail(word, "wants an IPv4 or IPv6 address, got " + in_quotes(word.text));
      return std::nullopt;
    }
    return word.text;
  }

  // address/length, the length within the family's bits (32 or 128).
  std::optional<BoundValue> prefix(const Word& word) {
    const size_t slash = word.text.find('/');
    unsigned char buffer[16];
    std::optional<int64_t> length;
    int family = 0;
    if (slash != std::string::npos && word.text.find('\0') == std::string::npos) {
      const std::string host = word.text.substr(0, slash);
      length = parse_integer(std::string_view(word.text).substr(slash + 1));
      if (inet_pton(AF_INET, host.c_str(), buffer) == 1) family = 32;
      if (inet_pton(AF_INET6, host.c_str(), buffer) == 1) family = 128;
    }
    if (family == 0 || !length || *length < 1 || *length > family) {
      fail(word, "wants an address with a prefix length (10.0.0.1/24, fd00::1/64), got " + in_quotes(word.text));
      return std::nullopt;
    }
    return word.text;
  }

  std::optional<BoundValue> ports() {
    std::vector<uint16_t> result;
    for (const Word& word : values_) {
      const std::optional<int64_t> value = parse_integer(word.text);
      if (!value || *value < 1 || *value > 65535) {
        fail(word, "wants port numbers 1..65535, got " + in_quotes(word.text));
        return std::nullopt;
      }
      result.push_back(static_cast<uint16_t>(*value));
    }
    return result;
  }

  std::optional<BoundValue> paths() {
    std::vector<std::string> result;
    for (const Word& word : values_) {
      if (word.text.empty()) {
        fail(word, "wants file paths, got an empty string");
        return std::nullopt;
      }
      result.push_back(resolve(word.text));
    }
    return result;
  }

  // "" keeps its meaning (e.g. log file "" = stdout); absolute paths stay.
  std::string resolve(const std::string& path) const {
    if (path.empty() || base_dir_.empty() || path.front() == '/') return path;
    return (std::filesystem::path(base_dir_) / path).lexically_normal().string();
  }

  void fail(const Word& word, const std::string& what) { errors_.add(word.at, in_quotes(key_.name) + " " + what); }

  const KeySpec& key_;
  const std::vector<Word>& values_;
  std::string_view base_dir_;
  ErrorList& errors_;
};

}  // namespace

std::optional<BoundValue> convert_value(const KeySpec& key, const std::vector<Word>& values, std::string_view base_dir,
                                        ErrorList& errors) {
  return Converter(key, values, base_dir, errors).run();
}

}  // namespace sluice::control::config
