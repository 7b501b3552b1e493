#include "scan/url/url_lists.h"

#include <fstream>
#include <vector>

#include "scan/url/host_canon.h"

namespace sluice::url {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Domain lists: '#' always starts a comment. URL lists: only at the start of
// a line or after blank space, since '#' is also a URL's fragment mark.
std::string_view strip_comment(std::string_view line, bool url_file) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '#') continue;
    if (!url_file || i == 0 || is_space(line[i - 1])) return line.substr(0, i);
  }
  return line;
}

// Where the path starts in a normalized URL ("scheme://host/...").
size_t path_start(std::string_view normalized) {
  const size_t authority = normalized.find("://");
  if (authority == std::string_view::npos) return std::string_view::npos;
  return normalized.find('/', authority + 3);
}

}  // namespace

bool UrlLists::canonical_domain(std::string_view entry, std::string& out) {
  entry = trim(entry);
  if (entry.starts_with("*.")) entry.remove_prefix(2);
  if (entry.starts_with(".")) entry.remove_prefix(1);
  uint16_t flags = 0;
  detail::HostKind kind;
  return !entry.empty() && detail::canonicalize_host(entry, out, flags, kind);
}

bool UrlLists::canonical_url_key(std::string_view entry, std::string& out) {
  entry = trim(entry);
  if (entry.empty()) return false;
  Url url;
  if (!normalize_url_into(entry, url)) {
    // Feeds often list "host/path" with no scheme; an entry that names one
    // must parse as written.
    if (entry.find("://") != std::string_view::npos) return false;
    std::string with_scheme = "http://";
    with_scheme += entry;
    if (!normalize_url_into(with_scheme, url)) return false;
  }
  const size_t scheme_end = url.normalized.find("://");
  out = url.normalized.substr(scheme_end + 3);
  return true;
}

bool UrlLists::add_domain(std::string_view entry) {
  std::string canonical;
  if (!canonical_domain(entry, canonical)) return false;
  domains_.insert(std::move(canonical));
  return true;
}

bool UrlLists::add_url(std::string_view entry) {
  std::string key;
  if (!canonical_url_key(entry, key)) return false;
  urls_.insert(std::move(key));
  return true;
}

bool UrlLists::load_domain_file(const std::string& path, std::string* error) {
  return load_file(path, error, false);
}

bool UrlLists::load_url_file(const std::string& path, std::string* error) {
  return load_file(path, error, true);
}

bool UrlLists::load_file(const std::string& path, std::string* error, bool url_file) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error != nullptr) *error = path + ": cannot open";
    return false;
  }
  // Parse everything first so a bad line leaves the lists as they were.
  std::vector<std::string> entries;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string_view entry = trim(strip_comment(line, url_file));
    if (entry.empty()) continue;
    std::string canonical;
    const bool valid = url_file ? canonical_url_key(entry, canonical) : canonical_domain(entry, canonical);
    if (!valid) {
      if (error != nullptr) {
        *error = path + ":" + std::to_string(line_number) + ": invalid " + (url_file ? "URL" : "domain") +
                 " '" + std::string(entry) + "'";
      }
      return false;
    }
    entries.push_back(std::move(canonical));
  }
  Set& target = url_file ? urls_ : domains_;
  for (auto& entry : entries) target.insert(std::move(entry));
  return true;
}

std::optional<UrlLists::Match> UrlLists::match(const Url& url) const {
  if (!urls_.empty()) {
    const std::string_view normalized = url.normalized;
    const size_t scheme_end = normalized.find("://");
    const size_t path = path_start(normalized);
    if (scheme_end != std::string_view::npos && path != std::string_view::npos) {
      const std::string_view key = normalized.substr(scheme_end + 3);
      const size_t key_path = path - (scheme_end + 3);
      const size_t query = key.find('?', key_path);
      const size_t path_end = query == std::string_view::npos ? key.size() : query;
      auto probe = [&](size_t length) -> std::optional<Match> {
        const auto hit = urls_.find(key.substr(0, length));
        if (hit == urls_.end()) return std::nullopt;
        return Match{*hit, false};
      };
      // Longest first: the full URL, the URL without its query, then every
      // directory prefix with and without its trailing slash.
      if (auto m = probe(key.size())) return m;
      if (query != std::string_view::npos) {
        if (auto m = probe(query)) return m;
      }
      for (size_t i = path_end; i-- > key_path;) {
        if (key[i] != '/') continue;
        if (auto m = probe(i + 1)) return m;
        if (i > key_path) {
          if (auto m = probe(i)) return m;
        }
      }
    }
  }
  if (!domains_.empty()) {
    std::string_view host = url.host;
    // Canonical IPv4 hosts are all digits and dots (no name can be: a
    // numeric last label makes the host an address); IPv6 is bracketed.
    const bool ip = !host.empty() && (host.front() == '[' || host.find_first_not_of("0123456789.") == host.npos);
    while (!host.empty()) {
      const auto hit = domains_.find(host);
      if (hit != domains_.end()) return Match{*hit, true};
      const size_t dot = host.find('.');
      if (ip || dot == std::string_view::npos) break;
      host.remove_prefix(dot + 1);
    }
  }
  return std::nullopt;
}

}  // namespace sluice::url
