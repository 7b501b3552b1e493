// scan/url/url_lists.h — domain and URL block lists, as URIBL feeds ship them.
//
// Owns: loading plain-text lists (one entry a line, '#' comments, blank
// lines, CRLF), canonicalising entries with the same rules as extracted
// URLs, and answering "is this Url listed?" in O(labels + path segments)
// hash probes without scanning the list.
// May call: url.h, host_canon.h and the C++ standard library (files are read
// only by the load_* calls, on the control thread).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "scan/url/url.h"

namespace sluice::url {

class UrlLists {
 public:
  // Each returns false and leaves the lists unchanged if any line is
  // invalid; *error (if given) then reads "path:line: reason".
  bool load_domain_file(const std::string& path, std::string* error);
  bool load_url_file(const std::string& path, std::string* error);

  // Return false for an entry that is no valid domain / URL.
  // Domains: "Evil.Example.", "*.evil.example", ".evil.example", UTF-8 IDNs
  // and percent-escapes all reduce to the canonical host.
  bool add_domain(std::string_view entry);
  // URLs: with or without scheme; the scheme is not part of the match, so
  // "evil.example/x" lists http and https alike.
  bool add_url(std::string_view entry);

  struct Match {
    std::string entry;  // the canonical entry: a host, or host[:port]/path[?query]
    bool by_domain;
  };
  // URL entries first (they are the more specific), then domains. A domain
  // matches its host and every subdomain, label-wise; an IP host matches
  // only itself. A URL entry matches the URL it names and any URL below it
  // at a path boundary: "evil.example/x" matches ".../x", ".../x/y",
  // ".../x?q" but not ".../xy".
  std::optional<Match> match(const Url& url) const;

  size_t domain_count() const { return domains_.size(); }
  size_t url_count() const { return urls_.size(); }

 private:
  // Lets find() take a string_view without building a std::string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;

  static bool canonical_domain(std::string_view entry, std::string& out);
  static bool canonical_url_key(std::string_view entry, std::string& out);
  bool load_file(const std::string& path, std::string* error, bool url_file);

  Set domains_;
  Set urls_;
};

}  // namespace sluice::url
