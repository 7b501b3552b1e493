// scan/envelope/prefix_file.cc — one prefix per line.
#include "scan/envelope/prefix_file.h"

#include <filesystem>
#include <fstream>
#include <string_view>

#include "scan/envelope/cidr_list.h"

namespace sluice::scan::envelope {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

bool read_prefix_file(const std::string& path, std::vector<std::string>* prefixes, std::string* error) {
  // A directory opens and reads as empty on Linux: it would load as an empty list.
  std::error_code ignored;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ignored)) {
    if (error != nullptr) *error = path + ": cannot open";
    return false;
  }
  std::vector<std::string> read;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    std::string_view entry = line;
    entry = trim(entry.substr(0, entry.find('#')));
    if (entry.empty()) continue;
    std::string why;
    if (!CidrList::parse(entry, &why)) {
      if (error != nullptr) *error = path + ":" + std::to_string(number) + ": bad prefix '" + std::string(entry) + "' (" + why + ")";
      return false;
    }
    read.emplace_back(entry);
  }
  if (in.bad()) {
    if (error != nullptr) *error = path + ": read error";
    return false;
  }
  prefixes->insert(prefixes->end(), read.begin(), read.end());
  return true;
}

}  // namespace sluice::scan::envelope
