// Parsing of structured header values: Content-Type and Content-Disposition
// ("type/subtype; name=value; ..."), with quoted strings, backslash escapes and
// (nested) comments. RFC 2231 assembly of the result is rfc2231.h's job. Calls nothing.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sluice::mime {

struct HeaderParam {
  std::string name;    // lowercased; RFC 2231 markers ("*0*") kept until assembly
  std::string value;   // unquoted, escapes resolved
  bool quoted = false;
};

struct StructuredValue {
  std::string token;                // lowercased, comments and whitespace removed
  std::vector<HeaderParam> params;  // in order of appearance
};

// Splits `value` into its leading token and raw parameters (no 2231 assembly).
// Never fails: junk between parameters is skipped, an unterminated quoted string
// or comment runs to the end of the value.
void parse_structured_value(std::string_view value, StructuredValue& out);

// Removes comments "(...)" (nested, with escapes) and returns the remaining words
// split at whitespace and comments, e.g. "bas()e64" -> {"bas","e64"}.
void split_words_without_comments(std::string_view value, std::vector<std::string>& words);

}  // namespace sluice::mime
