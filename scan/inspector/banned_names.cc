// scan/inspector/banned_names.cc — see banned_names.h.
#include "scan/inspector/banned_names.h"

#include <algorithm>
#include <functional>

namespace sluice::scan {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ascii_lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace

BannedNames::BannedNames(const control::AttachmentFilterSettings& settings) {
  if (!settings.enabled) return;
  for (const std::string& entry : settings.banned_extensions) {
    std::string_view e = entry;
    while (!e.empty() && e.front() == '.') e.remove_prefix(1);
    if (e.empty()) continue;
    suffixes_.push_back("." + ascii_lowered(e));
    if (std::find(suffix_lengths_.begin(), suffix_lengths_.end(), suffixes_.back().size()) == suffix_lengths_.end()) {
      suffix_lengths_.push_back(suffixes_.back().size());
    }
  }
  std::sort(suffixes_.begin(), suffixes_.end());
  suffixes_.erase(std::unique(suffixes_.begin(), suffixes_.end()), suffixes_.end());
}

// Bounded work for hostile names (4,096 bytes of '_' or of dots): each reading costs one binary search per distinct
// suffix length, and trailing dots and spaces are dropped through a table built in one pass.
std::optional<std::string> BannedNames::banned_extension(std::string_view name) const {
  if (suffixes_.empty()) return std::nullopt;
  // A path inside a name (archive members, "C:\x\evil.exe") saves under its last component.
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  const std::string lowered = ascii_lowered(name);
  const std::string_view whole = lowered;
  // kept[i]: how much of whole[0, i) is left once its trailing dots and spaces are dropped (Windows drops them when
  // it creates a file: "evil.exe. " is saved as evil.exe).
  std::vector<size_t> kept(whole.size() + 1, 0);
  for (size_t i = 1; i <= whole.size(); ++i) kept[i] = (whole[i - 1] == '.' || whole[i - 1] == ' ') ? kept[i - 1] : i;
  const auto listed_suffix = [&](size_t end) -> std::optional<std::string> {
    const std::string_view reading = whole.substr(0, kept[end]);
    for (size_t length : suffix_lengths_) {
      if (reading.size() < length) continue;
      const std::string_view tail = reading.substr(reading.size() - length);
      if (std::binary_search(suffixes_.begin(), suffixes_.end(), tail, std::less<>())) {
        return std::string(tail.substr(1));
      }
    }
    return std::nullopt;
  };
  if (auto extension = listed_suffix(whole.size())) return extension;
  // Then the name as a reader that stops at a NUL would see it: the sanitiser turned each NUL (and every other
  // control or bidi mark) into '_', and an undecoded "%00" is a NUL to whoever percent-decodes. A written '_' is
  // read the same way, so "x.exe_notes.txt" is banned too: a deliberate false positive, since a sanitised NUL and
  // a written underscore can no longer be told apart here.
  for (size_t i = 0; i < whole.size(); ++i) {
    if (whole[i] != '_' && whole.compare(i, 3, "%00") != 0) continue;
    if (auto extension = listed_suffix(i)) return extension;
  }
  return std::nullopt;
}

std::string BannedNames::reason(std::string_view extension, std::string_view name) {
  std::string r = "attachment-filter:" + std::string(extension) + ":";
  if (name.size() > kReasonNameBytes) {
    size_t cut = name.size() - kReasonNameBytes;
    while (cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) ++cut;   // UTF-8 boundary
    r += "...";
    name.remove_prefix(cut);
  }
  r += name;
  return r;
}

}  // namespace sluice::scan
