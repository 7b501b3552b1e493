// scan/envelope/prefix_file.h — reading a reputation list's file of prefixes.
//
// Owns: the file format — one prefix per line ("192.0.2.0/24", "2001:db8::/32", a bare address), '#' to the
// end of a line is a comment, blank lines and CRLF are fine — and errors that name "path:line".
// May call: cidr_list.h (to validate each line) and the C++ standard library. Runs on the control thread
// when a snapshot is built, never on a worker.
#pragma once

#include <string>
#include <vector>

namespace sluice::scan::envelope {

// Appends the file's prefixes to *prefixes. On failure returns false with *error = "path: cannot open" or
// "path:line: bad prefix 'text' (why)"; *prefixes is then left as it was.
bool read_prefix_file(const std::string& path, std::vector<std::string>* prefixes, std::string* error);

}  // namespace sluice::scan::envelope
