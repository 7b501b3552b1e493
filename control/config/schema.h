// control/config/schema.h — which blocks and keys exist, what they accept,
// and where in the Policy each one lands.
//
// Owns: the schema table (one row per key: name, value kind, range or accepted
// words, binding to a Policy member, help text). The binder validates against
// it; sluicectl's set/show/completion read the same rows.
// May call: control/policy.h. The rows live in schema_table.cc, built with
// the checked helpers of schema_fields.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "control/policy.h"

namespace sluice::control::config {

// How the words after 'set <key>' are read.
enum class ValueKind : uint8_t {
  Integer,    // one decimal integer within [min, max]
  Toggle,     // one of two words (enable|disable, header|body) -> bool
  Choice,     // one word out of `words` -> an enum
  NamedNumber,  // one word out of `words` -> the integer it names (tls1.2 -> 0x0303)
  Text,       // one string, taken as written
  Path,       // one file path; relative ones resolve against the config's directory
  PathList,   // one or more file paths
  ReadableFile,      // one path resolved like Path that must name a readable regular file ("" = none)
  ReadableFileList,  // one or more such paths
  NameOrPath,  // one word: a path (resolved like Path) when it ends in ".so", else a name taken as written
  PortList,   // one or more port numbers 1..65535
  Address,    // one IPv4 or IPv6 address
  Prefix,     // one interface address with its prefix length: 10.0.0.1/24, fd00::1/64
  PrefixList, // one or more network prefixes: 192.0.2.0/24, 2001:db8::/32 (a bare address is /32 or /128)
  DomainList, // one or more mail domains: example.com (that domain), .example.com (it and its subdomains)
  AddressPatternList,  // one or more mail address patterns: user@example.com, @example.com, example.com, .example.com
  Keyword,      // one word out of `words`, stored as the word itself in a std::string (syslog facility)
  Host,         // one host name or IPv4/IPv6 address ("" = none)
  Mailbox,      // one mail address: user@example.com
  MailboxList,  // one or more mail addresses
  TimeOfDay,    // HH:MM, 00:00..23:59
  SocketAddress,  // address:port, IPv6 as [address]:port (port 1..65535)
};

// Whether loading opens the files ReadableFile(List) keys name. The loader
// always does; a CLI candidate binds without it at 'set' time, so a
// certificate can be named before it is copied into place, and its validate()
// (the loader's full bind) reports the missing file.
enum class FileChecks : uint8_t { Open, Skip };

// One accepted word of a Toggle, Choice or NamedNumber key and the value it
// stands for (Toggle: 1 = true; Choice: the enum's value, below 256;
// NamedNumber: the integer stored). Several words may share a value (aliases).
struct EnumWord {
  std::string_view word;
  uint16_t value;
};

// A value converted from words, ready to be stored in its field.
using BoundValue = std::variant<int64_t, bool, uint8_t, std::string, std::vector<std::string>, std::vector<uint16_t>>;

// Type-erased access to the member a row binds; the row builders in
// schema_fields.h generate these and check kind and member type agree.
struct KeySpec;
struct FieldAccess {
  void (*store)(void* target, BoundValue&& value);
  void (*reset)(void* target);  // back to the default of a fresh struct ('unset')
  // The member's value as the words 'set' would take (unquoted); empty for an
  // empty list, which 'show' omits because 'set' cannot express it.
  std::vector<std::string> (*render)(const void* target, const KeySpec& key);
};

struct KeySpec {
  std::string_view name;
  ValueKind kind;
  int64_t min = 0;                  // Integer only
  int64_t max = 0;                  // Integer only
  std::span<const EnumWord> words;  // Toggle (true word first), Choice, NamedNumber and Keyword only
  bool required = false;            // table keys that every entry must set
  std::string_view help;
  FieldAccess field;
};

enum class BlockShape : uint8_t {
  Settings,  // 'set' directly inside the block, binding to one struct
  Table,     // 'edit "<name>"' entries, each binding to a new struct
};

// One entry of a table block, as 'show' walks it.
struct NamedEntry {
  std::string_view name;
  const void* entry;
};

struct BlockSpec {
  std::string_view path;          // the words after 'config', space-separated
  BlockShape shape;
  std::span<const KeySpec> keys;
  std::string_view help;
  // Settings blocks: the struct their keys bind to (to write, to read).
  void* (*settings_target)(Policy&);
  const void* (*settings_view)(const Policy&);
  // Table blocks: appends a default entry with this name and returns it; lists
  // the entries in order.
  void* (*append_entry)(Policy&, const std::string& name);
  std::vector<NamedEntry> (*entries)(const Policy&);
};

// Every block, in the order README.md and 'show' list them.
std::span<const BlockSpec> config_blocks();

// nullptr when no block has this path / no key this name.
const BlockSpec* find_block(std::string_view path);
const KeySpec* find_key(const BlockSpec& block, std::string_view name);

// Candidate lists for suggestions and CLI completion.
std::vector<std::string_view> block_paths();
std::vector<std::string_view> key_names(const BlockSpec& block);
std::vector<std::string_view> enum_words(const KeySpec& key);

}  // namespace sluice::control::config
