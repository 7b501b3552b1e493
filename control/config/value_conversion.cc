// control/config/value_conversion.cc — one reader per ValueKind.
#include "control/config/value_conversion.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
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

struct ParsedPrefix {
  int64_t length = 0;
  bool host_bits_set = false;
};

// "address/length" with the length within the family's bits (0 allowed: callers bound it further), or,
// when length_optional, a bare address standing for its one-host prefix.
std::optional<ParsedPrefix> parse_prefix(const std::string& text, bool length_optional) {
  // inet_pton reads a C string: an embedded NUL would hide trailing junk.
  if (text.find('\0') != std::string::npos) return std::nullopt;
  const size_t slash = text.find('/');
  if (slash == std::string::npos && !length_optional) return std::nullopt;
  const std::string host = text.substr(0, slash);
  unsigned char bytes[16];
  int64_t bits = 0;
  if (inet_pton(AF_INET, host.c_str(), bytes) == 1) bits = 32;
  if (inet_pton(AF_INET6, host.c_str(), bytes) == 1) bits = 128;
  if (bits == 0) return std::nullopt;
  ParsedPrefix parsed{bits, false};
  if (slash != std::string::npos) {
    const std::string_view digits = std::string_view(text).substr(slash + 1);
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;  // no "-0"
    const std::optional<int64_t> length = parse_integer(digits);
    if (!length || *length < 0 || *length > bits) return std::nullopt;
    parsed.length = *length;
  }
  for (int64_t bit = parsed.length; bit < bits; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) parsed.host_bits_set = true;
  }
  return parsed;
}

// Why `path` cannot be read, or nullopt when it can. Only regular files are opened (a FIFO would block the
// load, a device could act on being opened); opening, not access(), so the answer is what a read will meet.
std::optional<std::string> unreadable_reason(const std::string& path) {
  if (path.find('\0') != std::string::npos) return "the path holds a NUL byte";
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return std::strerror(errno);
  if (S_ISDIR(status.st_mode)) return "is a directory";
  if (!S_ISREG(status.st_mode)) return "is not a regular file";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  return std::nullopt;
}

bool is_ip_literal(const std::string& text) {
  unsigned char buffer[16];
  // inet_pton reads a C string: an embedded NUL would hide trailing junk.
  return text.find('\0') == std::string::npos &&
         (inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1);
}

// Two decimal digits, nothing else ("7" or "+7" are not a clock field).
std::optional<int> two_digits(std::string_view text) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') return std::nullopt;
  return (text[0] - '0') * 10 + (text[1] - '0');
}

std::string join(std::span<const EnumWord> words) {
  std::string joined;
  for (const EnumWord& word : words) joined += (joined.empty() ? "" : "|") + std::string(word.word);
  return joined;
}

class Converter {
 public:
  Converter(const KeySpec& key, const std::vector<Word>& values, std::string_view base_dir, ErrorList& errors,
            FileChecks checks)
      : key_(key), values_(values), base_dir_(base_dir), errors_(errors), checks_(checks) {}

  std::optional<BoundValue> run() {
    switch (key_.kind) {
      case ValueKind::Integer: return single() ? integer(values_[0]) : std::nullopt;
      case ValueKind::Toggle:
      case ValueKind::Choice:
      case ValueKind::NamedNumber: return single() ? enum_word(values_[0]) : std::nullopt;
      case ValueKind::Text: return single() ? std::optional<BoundValue>(values_[0].text) : std::nullopt;
      case ValueKind::Path: return single() ? std::optional<BoundValue>(resolve(values_[0].text)) : std::nullopt;
      case ValueKind::PathList: return paths(/*must_read=*/false);
      case ValueKind::ReadableFile: return single() ? readable_file(values_[0]) : std::nullopt;
      case ValueKind::ReadableFileList: return paths(/*must_read=*/true);
      case ValueKind::NameOrPath: return single() ? name_or_path(values_[0]) : std::nullopt;
      case ValueKind::PortList: return ports();
      case ValueKind::Address: return single() ? address(values_[0]) : std::nullopt;
      case ValueKind::Prefix: return single() ? prefix(values_[0]) : std::nullopt;
      case ValueKind::PrefixList: return each_word(&Converter::network_prefix);
      case ValueKind::DomainList: return each_word(&Converter::domain_entry);
      case ValueKind::AddressPatternList: return each_word(&Converter::address_pattern);
      case ValueKind::Keyword: return single() ? keyword(values_[0]) : std::nullopt;
      case ValueKind::Host: return single() ? host(values_[0]) : std::nullopt;
      case ValueKind::Mailbox:
        return single() && mailbox(values_[0]) ? std::optional<BoundValue>(values_[0].text) : std::nullopt;
      case ValueKind::MailboxList: return each_word(&Converter::mailbox);
      case ValueKind::TimeOfDay: return single() ? time_of_day(values_[0]) : std::nullopt;
      case ValueKind::SocketAddress: return single() ? socket_address(values_[0]) : std::nullopt;
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
      // Explicit alternatives: a bare uint16_t would convert to the int64_t one.
      if (key_.kind == ValueKind::NamedNumber) return BoundValue(static_cast<int64_t>(accepted.value));
      return BoundValue(static_cast<uint8_t>(accepted.value));
    }
    const std::vector<std::string_view> candidates = enum_words(key_);
    fail(word, "wants " + std::string(key_.kind == ValueKind::Toggle ? "" : "one of ") + join(key_.words) + ", got " +
                   in_quotes(word.text) + did_you_mean(word.text, candidates));
    return std::nullopt;
  }

  std::optional<BoundValue> keyword(const Word& word) {
    for (const EnumWord& accepted : key_.words) {
      if (accepted.word == word.text) return BoundValue(word.text);
    }
    fail(word, "wants one of " + join(key_.words) + ", got " + in_quotes(word.text) +
                   did_you_mean(word.text, enum_words(key_)));
    return std::nullopt;
  }

  // "" = none (what 'show' prints for an unset host).
  std::optional<BoundValue> host(const Word& word) {
    if (!word.text.empty() && !is_ip_literal(word.text) && (word.text.front() == '.' || !valid_domain(word.text))) {
      fail(word, "wants a host name or an IPv4 or IPv6 address, got " + in_quotes(word.text));
      return std::nullopt;
    }
    return word.text;
  }

  // local@domain: a non-empty local part (blanks only inside quotes, no angle brackets) and a domain.
  bool mailbox(const Word& word) {
    const std::string_view text = word.text;
    const size_t at = text.rfind('@');
    bool valid = at != std::string_view::npos && at > 0;
    if (valid) {
      const std::string_view local = text.substr(0, at);
      const bool quoted = local.size() >= 2 && local.front() == '"' && local.back() == '"';
      valid = local.find_first_of(quoted ? "<>" : " \t<>") == std::string_view::npos &&
              valid_domain(text.substr(at + 1));
    }
    if (!valid) fail(word, "wants mail addresses (user@example.com), got " + in_quotes(word.text));
    return valid;
  }

  std::optional<BoundValue> time_of_day(const Word& word) {
    const std::string_view text = word.text;
    const std::optional<int> hours = text.size() == 5 && text[2] == ':' ? two_digits(text.substr(0, 2)) : std::nullopt;
    const std::optional<int> minutes = hours ? two_digits(text.substr(3, 2)) : std::nullopt;
    if (!hours || !minutes || *hours > 23 || *minutes > 59) {
      fail(word, "wants a time of day HH:MM (00:00..23:59), got " + in_quotes(word.text));
      return std::nullopt;
    }
    return word.text;
  }

  std::optional<BoundValue> socket_address(const Word& word) {
    if (!split_socket_address(word.text)) {
      fail(word, "wants address:port (127.0.0.1:9469, [::1]:9469; port 1..65535), got " + in_quotes(word.text));
      return std::nullopt;
    }
    return word.text;
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
    const std::optional<ParsedPrefix> parsed = parse_prefix(word.text, /*length_optional=*/false);
    if (!parsed || parsed->length < 1) {
      fail(word, "wants an address with a prefix length (10.0.0.1/24, fd00::1/64), got " + in_quotes(word.text));
      return std::nullopt;
    }
    return word.text;
  }

  // A network, not an interface address: 0..bits, host bits clear (10.1.2.3/8 is a typo for 10.0.0.0/8 or
  // for 10.1.2.3/32; refusing it beats guessing which). A bare address is the one-host prefix.
  bool network_prefix(const Word& word) {
    const std::optional<ParsedPrefix> parsed = parse_prefix(word.text, /*length_optional=*/true);
    if (!parsed) {
      fail(word, "wants network prefixes (192.0.2.0/24, 2001:db8::/32), got " + in_quotes(word.text));
      return false;
    }
    if (parsed->host_bits_set) {
      fail(word, "wants network prefixes (192.0.2.0/24, 2001:db8::/32), got " + in_quotes(word.text) +
                     " (host bits set after /" + std::to_string(parsed->length) + ")");
      return false;
    }
    return true;
  }

  bool domain_entry(const Word& word) {
    std::string_view text = word.text;
    if (text.starts_with('.')) text.remove_prefix(1);
    if (!valid_domain(text)) {
      fail(word, "wants domains (example.com, .example.com), got " + in_quotes(word.text));
      return false;
    }
    return true;
  }

  // user@domain, @domain, domain, .domain. The local part is taken as written up to the last '@'; it only has
  // to be free of angle brackets, and of blanks unless quoted ("odd user"@example.com), as in an envelope path.
  bool address_pattern(const Word& word) {
    std::string_view text = word.text;
    const size_t at = text.rfind('@');
    bool valid = true;
    if (at != std::string_view::npos) {
      const std::string_view local = text.substr(0, at);
      const bool quoted = local.size() >= 2 && local.front() == '"' && local.back() == '"';
      valid = local.find_first_of(quoted ? "<>" : " \t<>") == std::string_view::npos &&
              valid_domain(text.substr(at + 1));
    } else {
      if (text.starts_with('.')) text.remove_prefix(1);
      valid = valid_domain(text);
    }
    if (!valid) {
      fail(word, "wants addresses or domains (user@example.com, @example.com, example.com, .example.com), got " +
                     in_quotes(word.text));
    }
    return valid;
  }

  // Labels of letters, digits, '-', '_' or UTF-8 bytes, separated by single dots; a domain literal
  // ([192.0.2.1], [IPv6:...]) is one bracketed word.
  static bool valid_domain(std::string_view text) {
    if (text.empty() || text.size() > 255) return false;
    if (text.front() == '[') return text.size() > 2 && text.back() == ']' && text.find('@') == std::string_view::npos;
    size_t label = 0;
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '.') {
        if (label == 0) return false;
        label = 0;
        continue;
      }
      const bool name_byte = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                             (byte >= '0' && byte <= '9') || c == '-' || c == '_' || byte >= 0x80;
      if (!name_byte || ++label > 63) return false;
    }
    return label != 0;
  }

  // One or more words, each checked by `valid` (which reports its own error); stored as written.
  std::optional<BoundValue> each_word(bool (Converter::*valid)(const Word&)) {
    std::vector<std::string> result;
    for (const Word& word : values_) {
      if (!(this->*valid)(word)) return std::nullopt;
      result.push_back(word.text);
    }
    return result;
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

  std::optional<BoundValue> paths(bool must_read) {
    std::vector<std::string> result;
    for (const Word& word : values_) {
      if (word.text.empty()) {
        fail(word, "wants file paths, got an empty string");
        return std::nullopt;
      }
      result.push_back(resolve(word.text));
      if (must_read && checks_ == FileChecks::Open && !readable(word, result.back())) return std::nullopt;
    }
    return result;
  }

  // "" stays "" (none: what 'show' prints for an unset file).
  std::optional<BoundValue> readable_file(const Word& word) {
    std::string path = resolve(word.text);
    if (!path.empty() && checks_ == FileChecks::Open && !readable(word, path)) return std::nullopt;
    return path;
  }

  bool readable(const Word& word, const std::string& resolved) {
    const std::optional<std::string> reason = unreadable_reason(resolved);
    if (reason) fail(word, "cannot read " + in_quotes(resolved) + ": " + *reason);
    return !reason;
  }

  // An OpenSSL engine: "qatengine" is an id OpenSSL finds itself; "x.so" is a file, ours to resolve.
  std::optional<BoundValue> name_or_path(const Word& word) {
    if (word.text.ends_with(".so")) return resolve(word.text);
    return word.text;
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
  FileChecks checks_;
};

}  // namespace

std::optional<BoundValue> convert_value(const KeySpec& key, const std::vector<Word>& values, std::string_view base_dir,
                                        ErrorList& errors, FileChecks checks) {
  return Converter(key, values, base_dir, errors, checks).run();
}

std::optional<SocketAddressParts> split_socket_address(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view digits = text.substr(colon + 1);
  const bool bracketed = host.front() == '[';
  if (bracketed) {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  SocketAddressParts parts{std::string(host), 0};
  unsigned char buffer[16];
  if (parts.address.find('\0') != std::string::npos) return std::nullopt;
  // IPv6 only in brackets: "::1:9469" would be ambiguous; IPv4 never in brackets.
  const bool valid_host = bracketed ? inet_pton(AF_INET6, parts.address.c_str(), buffer) == 1
                                    : inet_pton(AF_INET, parts.address.c_str(), buffer) == 1;
  if (!valid_host) return std::nullopt;
  if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;
  const std::optional<int64_t> port = parse_integer(digits);
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  parts.port = static_cast<uint16_t>(*port);
  return parts;
}

}  // namespace sluice::control::config
