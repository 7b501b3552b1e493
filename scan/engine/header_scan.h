// Anti-spam header rules: one top-level header at a time, in Hyperscan vectored (block) mode.
//
// Owns: matching "Name: value" against the Database's header rules without building that string
// (the three pieces are scanned as one vectored block). Calls: hs_scan_vector only.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::engine {

class Database;
class Scratch;

// Appends the ids of header rules matching "name: value" that `hits` does not already hold, so
// one vector can collect a whole header section. Returns false on a Hyperscan error (or a piece
// longer than 4 GiB); `hits` then holds what matched before the error.
bool scan_header(const Database&, Scratch&, std::string_view name, std::string_view value,
                 std::vector<uint32_t>& hits);

}  // namespace sluice::engine
