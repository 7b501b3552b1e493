// control/config/value_conversion.h — the words of one 'set' to a typed value.
//
// Owns: reading each ValueKind (integers and ranges, enum words, addresses,
// ports, paths and their resolution against the config's directory, files
// that must be readable when loaded) and the error text when the words do
// not fit.
// May call: control/config/schema.h, control/config/diagnostics.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/schema.h"
#include "control/config/syntax_tree.h"

namespace sluice::control::config {

// values is never empty (the parser guarantees it). Returns nullopt after
// reporting an error at the offending word.
// checks: whether ReadableFile(List) keys open their files (see FileChecks).
std::optional<BoundValue> convert_value(const KeySpec& key, const std::vector<Word>& values, std::string_view base_dir,
                                        ErrorList& errors, FileChecks checks = FileChecks::Open);

// A SocketAddress value split into its address (brackets removed) and port;
// nullopt when it is not "IPv4:port" or "[IPv6]:port" with a port 1..65535.
// The daemon binds what the schema accepted, so both read it the same way.
struct SocketAddressParts {
  std::string address;
  uint16_t port = 0;
};
std::optional<SocketAddressParts> split_socket_address(std::string_view text);

}  // namespace sluice::control::config
