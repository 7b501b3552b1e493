#include "scan/url/url_extractor.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "scan/url/url_lists.h"
#include "scan/url/url_opener.h"

namespace sluice::url {
namespace {

// Stored URLs reserved up front; more grows the vector (and rebuilds the index).
constexpr uint32_t kInitialUrlCapacity = 256;

bool is_tab_or_newline(char c) { return c == '\t' || c == '\n' || c == '\r'; }
bool is_line_break(char c) { return c == '\n' || c == '\r'; }

}  // namespace

UrlExtractor::UrlExtractor(const UrlLimits& limits) : limits_(limits) {
  candidate_.reserve(limits_.max_url_length);
  const uint32_t capacity = std::min(limits_.max_urls_per_view, kInitialUrlCapacity);
  urls_.reserve(capacity);
  index_.reserve(capacity);
}

void UrlExtractor::begin(bool html) {
  html_ = html;
  references_.reset();
  markup_.reset();
  window_length_ = 0;
  in_candidate_ = false;
  folding_ = false;
  candidate_.clear();
  urls_.clear();
  index_.clear();
  dropped_ = 0;
  listed_beyond_cap_ = 0;
}

void UrlExtractor::feed(std::string_view decoded_bytes) {
  if (!html_) {
    feed_text(decoded_bytes);
    return;
  }
  for (char c : decoded_bytes) {
    references_.push(c, [this](const detail::DecodedByte& b) { on_byte(b); });
  }
}

// Plain text, outside a candidate, can start a URL only at a slash, '.', ']' or ')' (try_start): the bytes
// between two such triggers only feed the look-behind window, whose last kWindow bytes are all an opener can
// reach. Jumping from trigger to trigger gives the same URLs as byte by byte at a fraction of the cost.
void UrlExtractor::feed_text(std::string_view bytes) {
  // A byte table, not find_first_of: libstdc++'s find_first_of calls memchr once per input byte.
  static constexpr std::array<bool, 256> kTrigger = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view("/\\.])")) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  size_t i = 0;
  while (i < bytes.size()) {
    if (in_candidate_) {
      on_byte(detail::DecodedByte{bytes[i++], false, false});
      continue;
    }
    size_t next = i;
    while (next < bytes.size() && !kTrigger[static_cast<unsigned char>(bytes[next])]) ++next;
    remember_plain(bytes.substr(i, next - i));
    if (next == bytes.size()) return;
    on_byte(detail::DecodedByte{bytes[next], false, false});
    i = next + 1;
  }
}

// remember() for a run of plain (not reference-decoded) bytes; only the window's tail is kept.
void UrlExtractor::remember_plain(std::string_view run) {
  if (run.size() >= kWindow) {  // the window becomes the run's tail, whatever it held
    std::memcpy(window_bytes_.data(), run.data() + run.size() - kWindow, kWindow);
    std::fill_n(window_evasive_.begin(), kWindow, false);
    window_length_ = kWindow;
    return;
  }
  for (char c : run) remember(detail::DecodedByte{c, false, false});
}

void UrlExtractor::end() {
  if (html_) references_.flush([this](const detail::DecodedByte& b) { on_byte(b); });
  if (in_candidate_) finish_candidate();
}

void UrlExtractor::on_byte(const detail::DecodedByte& byte) {
  const detail::HtmlByteRole role = html_ ? markup_.push(byte.byte, byte.from_reference) : detail::HtmlByteRole{};
  if (in_candidate_) {
    if (folding_ && consume_fold(byte.byte)) {
      remember(byte);
      return;
    }
    if (may_fold(byte.byte)) {
      start_fold(byte.byte);
      remember(byte);
      return;
    }
    // Browsers strip tabs and newlines from URL attributes: "http://ev&#10;il".
    if (candidate_in_quoted_url_value_ && role.in_url_value && is_tab_or_newline(byte.byte)) {
      candidate_evasive_ = candidate_evasive_ || byte.evasive;
      return;
    }
    if (role.closes_value || detail::is_url_terminator(byte.byte)) {
      candidate_closed_ = candidate_bracketed_ && byte.byte == '>';
      finish_candidate();
    } else if (byte.byte == '\xA0' && window().back() == '\xC2') {
      // U+00A0 (C2 A0, or &nbsp;) separates words in HTML mail like a space.
      // Its first byte was stored unless the candidate was already full.
      if (!candidate_truncated_) candidate_.pop_back();
      finish_candidate();
    } else {
      append_to_candidate(byte);
    }
    remember(byte);
    return;
  }
  remember(byte);
  if (!detail::is_url_terminator(byte.byte)) try_start(role);
}

void UrlExtractor::remember(const detail::DecodedByte& byte) {
  if (window_length_ == window_bytes_.size()) {
    std::memmove(window_bytes_.data(), window_bytes_.data() + kWindow, kWindow);
    std::copy(window_evasive_.begin() + kWindow, window_evasive_.end(), window_evasive_.begin());
    window_length_ = kWindow;
  }
  window_bytes_[window_length_] = byte.byte;
  window_evasive_[window_length_] = byte.evasive;
  ++window_length_;
}

std::string_view UrlExtractor::window() const { return {window_bytes_.data(), window_length_}; }

void UrlExtractor::try_start(const detail::HtmlByteRole& role) {
  const std::string_view seen = window();
  const char c = seen.back();
  if (detail::is_slash(c)) {
    const size_t opener = detail::scheme_opener_length(seen.substr(0, seen.size() - 1));
    if (opener > 0) {
      start_candidate(opener + 1, role);
      return;
    }
    // "//host/..." is a link only where a URL is expected, at a value's start.
    if (role.in_url_value && role.value_index == 1 && seen.size() >= 2 && detail::is_slash(seen[seen.size() - 2])) {
      start_candidate(2, role);
    }
    return;
  }
  if (c == '.' || c == ']' || c == ')') {
    const size_t opener = detail::www_opener_length(seen);
    if (opener > 0) start_candidate(opener, role);
  }
}

void UrlExtractor::start_candidate(size_t length_in_window, const detail::HtmlByteRole& role) {
  in_candidate_ = true;
  candidate_truncated_ = false;
  candidate_in_quoted_url_value_ = role.in_url_value && role.quoted;
  const size_t first = window_length_ - length_in_window;
  // In HTML '<' opens markup; only plain text wraps URLs in angle brackets.
  candidate_bracketed_ = !html_ && first > 0 && window_bytes_[first - 1] == '<';
  candidate_closed_ = false;
  candidate_folds_ = 0;
  folding_ = false;
  candidate_.assign(window_bytes_.data() + first, length_in_window);
  candidate_evasive_ = std::any_of(window_evasive_.begin() + static_cast<std::ptrdiff_t>(first),
                                   window_evasive_.begin() + static_cast<std::ptrdiff_t>(window_length_),
                                   [](bool evasive) { return evasive; });
}

void UrlExtractor::append_to_candidate(const detail::DecodedByte& byte) {
  if (candidate_.size() >= limits_.max_url_length) {
    // Keep consuming to the URL's end so its tail is not read as new URLs.
    candidate_truncated_ = true;
    return;
  }
  candidate_ += byte.byte;
  candidate_evasive_ = candidate_evasive_ || byte.evasive;
}

// A line break inside "<http://...": the start of a fold, while the limit allows another.
bool UrlExtractor::may_fold(char c) const {
  return candidate_bracketed_ && is_line_break(c) && candidate_folds_ < limits_.max_url_continuation_lines;
}

void UrlExtractor::start_fold(char c) {
  if (candidate_folds_ == 0) candidate_unfolded_length_ = candidate_.size();
  ++candidate_folds_;
  folding_ = true;
  fold_saw_newline_ = c == '\n';
  fold_indent_ = 0;
}

// One byte of a fold: true when the fold consumed it (CR, one LF, indentation, or the byte that ended the URL),
// false when the fold is over and the byte continues the URL (or closes it) as usual.
bool UrlExtractor::consume_fold(char c) {
  if (c == '\r') return true;
  if (c == '\n' && !fold_saw_newline_) {
    fold_saw_newline_ = true;
    return true;
  }
  const bool indentation = c == ' ' || c == '\t';
  if (c == '\n' || (indentation && ++fold_indent_ > limits_.max_url_fold_indent)) {
    // A blank line, or more indentation than a wrapped line has: the URL ended at the first line's end.
    folding_ = false;
    finish_candidate();
    return true;
  }
  if (indentation) return true;
  folding_ = false;
  return false;
}

void UrlExtractor::finish_candidate() {
  in_candidate_ = false;
  folding_ = false;
  const bool folded = candidate_folds_ > 0;
  // Folded but never closed: only the first line was a URL for certain.
  const std::string_view written =
      folded && !candidate_closed_ ? std::string_view(candidate_).substr(0, candidate_unfolded_length_) : candidate_;
  const std::string_view text = detail::trim_trailing_punctuation(written);
  const uint16_t extra = static_cast<uint16_t>((candidate_truncated_ ? flag_bit(UrlFlag::Truncated) : 0) |
                                               (candidate_evasive_ ? flag_bit(UrlFlag::HtmlEntity) : 0) |
                                               (folded && candidate_closed_ ? flag_bit(UrlFlag::Folded) : 0));
  report(text, extra);
  // A URL may carry another (redirectors, javascript:); take a bounded few.
  size_t from = 1;
  for (uint32_t taken = 0; taken < limits_.max_embedded_urls_per_candidate; ++taken) {
    size_t slash = 0;
    const size_t start = detail::find_embedded_opener(text, from, slash);
    if (start == std::string_view::npos) break;
    report(text.substr(start), extra);
    from = slash + 1;
  }
  candidate_.clear();
}

void UrlExtractor::report(std::string_view text, uint16_t extra_flags) {
  if (!normalize_url_into(text, scratch_)) return;
  scratch_.flags |= extra_flags;
  const auto seen = index_.find(scratch_.normalized);
  if (seen != index_.end()) {
    urls_[seen->second].flags |= scratch_.flags;
    return;
  }
  if (urls_.size() >= limits_.max_urls_per_view && !keep_beyond_cap(scratch_)) {
    ++dropped_;
    return;
  }
  const bool reallocates = urls_.size() == urls_.capacity();
  urls_.push_back(scratch_);
  if (reallocates) {
    rebuild_index();
  } else {
    index_.emplace(urls_.back().normalized, urls_.size() - 1);
  }
}

bool UrlExtractor::keep_beyond_cap(const Url& url) {
  if (limits_.keep_listed == nullptr || listed_beyond_cap_ >= kListedBeyondCap) return false;
  if (!limits_.keep_listed->match(url)) return false;
  ++listed_beyond_cap_;
  return true;
}

void UrlExtractor::rebuild_index() {
  index_.clear();
  for (size_t i = 0; i < urls_.size(); ++i) index_.emplace(urls_[i].normalized, i);
}

}  // namespace sluice::url
